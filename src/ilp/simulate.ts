/**
 * Replaying a bandwidth trace frame by frame (docs/method.md#adaptation): static decoupling
 * (the best plan for the trace's mean bandwidth, kept throughout), JALAD's adaptive
 * switching (at each frame, the decision-table plan for the bandwidth measured at the
 * previous frame), edge-only and cloud-only. Latency of a plan at bandwidth B is
 * fixedMs + bytes·8/(B·1000) (src/core/latency.ts).
 */
import type { Analysis } from '../core/analysis';
import { InputError } from '../core/errors';
import { cloudOnlyLatencyMs, edgeOnlyLatencyMs, lineLatencyMs } from '../core/latency';
import { p95 } from '../core/percentile';

/** One frame of a trace. */
export interface TraceFrame {
  readonly timeS: number;
  readonly mbps: number;
}

/** Latency statistics of one strategy over a trace. */
export interface StrategyStats {
  readonly strategy: 'static' | 'adaptive' | 'edge-only' | 'cloud-only';
  readonly meanMs: number;
  readonly p95Ms: number;
  /** Plan changes during the replay (adaptive only). */
  readonly switches: number;
}

/** The result of a replay. */
export interface SimulationResult {
  readonly frames: number;
  readonly meanMbps: number;
  readonly strategies: readonly StrategyStats[];
}

/**
 * Parses a trace CSV: a header naming the columns, then `time_s,mbps` rows.
 * @throws InputError 'BAD_DATA' naming the file and line
 */
export function parseTrace(text: string, source: string): TraceFrame[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length < 2)
    throw new InputError('BAD_DATA', `${source}: expected a header line and at least one "time_s,mbps" row`);
  const frames: TraceFrame[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [t, b] = lines[i].split(',').map((x) => Number(x.trim()));
    if (!Number.isFinite(t) || !Number.isFinite(b) || b <= 0)
      throw new InputError(
        'BAD_DATA',
        `${source}: line ${i + 1} "${lines[i]}" is not "time_s,mbps" with mbps > 0`,
      );
    frames.push({ timeS: t, mbps: b });
  }
  return frames;
}

/**
 * Replays a trace against an analysis's decision table.
 * @throws InputError 'BAD_ANALYSIS' without a decision table
 */
export function simulateTrace(analysis: Analysis, frames: readonly TraceFrame[]): SimulationResult {
  const decisions = analysis.decisions;
  if (!decisions || decisions.length === 0)
    throw new InputError(
      'BAD_ANALYSIS',
      'the analysis has no decision table: run `jalad analyze` with device profiles',
    );
  const pick = (mbps: number) => decisions.find((d) => mbps <= d.toMbps) ?? decisions[decisions.length - 1];
  const meanMbps = frames.reduce((s, f) => s + f.mbps, 0) / frames.length;
  const rtt = analysis.rttMs ?? 0;
  const staticPlan = pick(meanMbps);
  const series: Record<StrategyStats['strategy'], number[]> = {
    static: [],
    adaptive: [],
    'edge-only': [],
    'cloud-only': [],
  };
  let switches = 0;
  let current = pick(frames[0].mbps);
  frames.forEach((f, i) => {
    if (i > 0) {
      const next = pick(frames[i - 1].mbps);
      if (next !== current) switches++;
      current = next;
    }
    series.adaptive.push(lineLatencyMs(current.fixedMs, current.bytes, f.mbps));
    series.static.push(lineLatencyMs(staticPlan.fixedMs, staticPlan.bytes, f.mbps));
    series['edge-only'].push(edgeOnlyLatencyMs(analysis.cutPoints, f.mbps, rtt).totalMs);
    series['cloud-only'].push(cloudOnlyLatencyMs(analysis.cutPoints, f.mbps, rtt).totalMs);
  });
  const strategies = (Object.keys(series) as StrategyStats['strategy'][]).map((k) => ({
    strategy: k,
    meanMs: series[k].reduce((a, b) => a + b, 0) / frames.length,
    p95Ms: p95(series[k]),
    switches: k === 'adaptive' ? switches : 0,
  }));
  return { frames: frames.length, meanMbps, strategies };
}
