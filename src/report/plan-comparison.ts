/**
 * The four decisions the JALAD paper compares (Li et al., ICPADS 2018, Section V): run everything on
 * the edge, send the input to the cloud, the best raw cut (Neurosurgeon, Kang et al., ASPLOS 2017),
 * and the best compressed cut within the accuracy budget (JALAD), at one bandwidth. Every latency is
 * `predictedLatencyMs` applied to stored fields.
 */
import type { Analysis, CutPoint, SweepRowJson } from '../core/analysis';
import { DEFAULT_BANDWIDTHS_MBPS } from '../core/defaults';
import {
  cloudOnlyLatencyMs,
  edgeOnlyLatencyMs,
  predictedLatencyMs,
  rawCutLatencyMs,
  sweepCodecMs,
  totalMs,
  transferMs,
  type LatencyParts,
} from '../core/latency';
import { withinBudget } from './loss-budget';

/** The compared decisions. */
export type Strategy = 'edge-only' | 'cloud-only' | 'neurosurgeon' | 'jalad';

/** A decision's predicted latency at one bandwidth. */
export interface StrategyLatency extends LatencyParts {
  readonly strategy: Strategy;
  /** Index of the cut point sent. */
  readonly cut: number;
  /** Bit width of the codes, or 32 for raw float32. */
  readonly bits: number;
  /** Bytes sent per sample (raw float32 bytes, or the sweep's mean encoded bytes). */
  readonly bytes: number;
  /** The sweep row's loss and its upper bound (pp), for a compressed plan. */
  readonly lossPct?: number;
  readonly lossUpperPct?: number;
}

/** The four decisions at one bandwidth. */
export interface PlanComparison {
  readonly bandwidthMbps: number;
  readonly edgeOnly: StrategyLatency;
  readonly cloudOnly: StrategyLatency;
  /** Fastest raw float32 cut point (ties: the earliest). */
  readonly neurosurgeon: StrategyLatency;
  /**
   * Fastest (cut, bits) of the sweep whose `lossUpperPct` is within the budget, or the fastest raw
   * cut (bits 32) when that is faster still (the codec's own time can outweigh the bytes it saves:
   * JALAD's choice includes sending float32); absent without a sweep or when no row is within the budget.
   */
  readonly jalad?: StrategyLatency;
}

/** Whether every cut point has predicted edge and cloud times (the analysis has profiles). */
export function hasTimes(analysis: Analysis): boolean {
  return (
    analysis.cutPoints.length > 0 &&
    analysis.cutPoints.every((c) => c.edgeMs !== undefined && c.cloudMs !== undefined)
  );
}

function raw(strategy: Strategy, c: CutPoint, parts: LatencyParts): StrategyLatency {
  return { ...parts, strategy, cut: c.index, bits: 32, bytes: c.bytes };
}

function compressed(
  analysis: Analysis,
  c: CutPoint,
  r: SweepRowJson,
  bandwidthMbps: number,
): StrategyLatency {
  const parts = predictedLatencyMs({
    edgeMs: c.edgeMs ?? 0,
    cloudMs: c.cloudMs ?? 0,
    rttMs: analysis.rttMs ?? 0,
    bytes: r.bytesMean,
    bandwidthMbps,
    ...sweepCodecMs(r, analysis.profiles),
  });
  return {
    ...parts,
    strategy: 'jalad',
    cut: c.index,
    bits: r.bits,
    bytes: r.bytesMean,
    lossPct: r.lossPct,
    lossUpperPct: r.lossUpperPct,
  };
}

/** A sweep row within the budget with its cut point and predicted codec times. */
interface Candidate {
  readonly c: CutPoint;
  readonly r: SweepRowJson;
  readonly encodeMs: number;
  readonly decodeMs: number;
}

/** The sweep rows within `budgetPct`, in sweep order. */
function candidates(analysis: Analysis, budgetPct: number): Candidate[] {
  const byIndex = new Map(analysis.cutPoints.map((c) => [c.index, c]));
  const list: Candidate[] = [];
  for (const r of analysis.sweep ?? []) {
    const c = byIndex.get(r.cut);
    if (c && withinBudget(r, budgetPct)) list.push({ c, r, ...sweepCodecMs(r, analysis.profiles) });
  }
  return list;
}

/**
 * Predicted latency of edge-only (the last cut point: sends the outputs), cloud-only (cut point 0:
 * sends the inputs), the best raw cut and the best compressed cut within `budgetPct`.
 *
 * @param bandwidthMbps uplink bandwidth in Mbps, > 0
 * @param budgetPct largest admissible `lossUpperPct`, percentage points
 * @returns undefined when the cut points have no predicted times (no profiles)
 * @example comparePlans(analysis, 5.85, 1)?.jalad // { cut: 10, bits: 2, totalMs: 3.1, ... }
 */
export function comparePlans(
  analysis: Analysis,
  bandwidthMbps: number,
  budgetPct: number,
): PlanComparison | undefined {
  if (!hasTimes(analysis)) return undefined;
  const cuts = analysis.cutPoints;
  const rttMs = analysis.rttMs ?? 0;
  const rawCut = (c: CutPoint) => raw('neurosurgeon', c, rawCutLatencyMs(c, bandwidthMbps, rttMs));
  let fastest = cuts[0];
  let fastestMs = rawCutLatencyMs(fastest, bandwidthMbps, rttMs).totalMs;
  for (const c of cuts) {
    const t = rawCutLatencyMs(c, bandwidthMbps, rttMs).totalMs;
    if (t < fastestMs) [fastest, fastestMs] = [c, t];
  }
  const neurosurgeon = rawCut(fastest);
  // NOTE: the charts call this at ~100 bandwidths; totals are compared first and only the winner's
  // parts are built (the same totalMs, so the same choice, as building every row's parts).
  let best: { readonly c: CutPoint; readonly r: SweepRowJson; readonly totalMs: number } | undefined;
  for (const { c, r, encodeMs, decodeMs } of candidates(analysis, budgetPct)) {
    const t = totalMs(
      c.edgeMs ?? 0,
      rttMs,
      transferMs(r.bytesMean, bandwidthMbps),
      c.cloudMs ?? 0,
      encodeMs,
      decodeMs,
    );
    if (!best || t < best.totalMs) best = { c, r, totalMs: t };
  }
  let jalad = best && compressed(analysis, best.c, best.r, bandwidthMbps);
  if (jalad && neurosurgeon.totalMs < jalad.totalMs) jalad = { ...neurosurgeon, strategy: 'jalad' };
  return {
    bandwidthMbps,
    edgeOnly: raw('edge-only', cuts[cuts.length - 1], edgeOnlyLatencyMs(cuts, bandwidthMbps, rttMs)),
    cloudOnly: raw('cloud-only', cuts[0], cloudOnlyLatencyMs(cuts, bandwidthMbps, rttMs)),
    neurosurgeon,
    ...(jalad ? { jalad } : {}),
  };
}

/** The bandwidths a report tabulates: the analysis's own (`bandwidthsMbps`), else `DEFAULT_BANDWIDTHS_MBPS`. */
export function reportBandwidthsMbps(analysis: Analysis): readonly number[] {
  return analysis.bandwidthsMbps && analysis.bandwidthsMbps.length > 0
    ? analysis.bandwidthsMbps
    : DEFAULT_BANDWIDTHS_MBPS;
}
