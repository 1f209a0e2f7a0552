/**
 * JALAD's latency model (docs/method.md#latency-model; Li et al., ICPADS 2018):
 * T(S, c, B) = T_edge(S) + T_enc(S, c) + RTT + size(S, c)·8 / B + T_dec(S, c) + T_cloud(S),
 * with T_edge and T_cloud the predicted times of the two parts, T_enc the codec's quantize+encode
 * time on the edge and T_dec its decode+dequantize time in the cloud (0 for raw float32), size the
 * bytes sent per sample (raw float32, or the mean encoded size at c bits) and B the uplink bandwidth. Every prediction
 * in jalad (profiler, decision problem, reports, commands) goes through these functions, so equal
 * inputs give bit-identical figures everywhere.
 */
import type { Analysis, LatencyRow, SweepRowJson } from './analysis';

/**
 * Time to send `bytes` over an uplink of `bandwidthMbps` (1 Mbps = 10^6 bit/s), ms.
 *
 * @param bytes bytes per sample, ≥ 0
 * @param bandwidthMbps uplink bandwidth, Mbps, > 0
 * @example transferMs(125_000, 1) === 1000 // one megabit at 1 Mbps takes a second
 */
export function transferMs(bytes: number, bandwidthMbps: number): number {
  return (bytes * 8) / (bandwidthMbps * 1e3);
}

/**
 * The total of the latency parts, ms, always summed in this order (edge, encode, RTT, transfer,
 * decode, cloud) so that every caller rounds alike. The codec's parts default to 0, which leaves
 * the sum bit-identical to the four-part one (x + 0 === x).
 * @param encodeMs quantize + encode on the edge, ms (default 0)
 * @param decodeMs decode + dequantize in the cloud, ms (default 0)
 * @example totalMs(2, 10, 10, 0.5) === 22.5
 */
export function totalMs(
  edgeMs: number,
  rttMs: number,
  transfer: number,
  cloudMs: number,
  encodeMs = 0,
  decodeMs = 0,
): number {
  return edgeMs + encodeMs + rttMs + transfer + decodeMs + cloudMs;
}

/**
 * The part of a plan's latency that does not depend on the bandwidth: edge + cloud + RTT, plus the
 * codec's encode and decode times (default 0), ms.
 * @example fixedMs(2, 0.5, 10) === 12.5
 */
export function fixedMs(edgeMs: number, cloudMs: number, rttMs: number, encodeMs = 0, decodeMs = 0): number {
  return edgeMs + cloudMs + rttMs + encodeMs + decodeMs;
}

/**
 * The latency of a plan whose fixed part (edge + cloud + RTT) is `fixedMs`, at `bandwidthMbps`: a line in
 * 1/B (docs/method.md#adaptation: the decision table is the lower envelope of these lines), ms.
 * @example lineLatencyMs(2, 125, 1) === 3
 */
export function lineLatencyMs(fixedMs: number, bytes: number, bandwidthMbps: number): number {
  return fixedMs + transferMs(bytes, bandwidthMbps);
}

/**
 * The bandwidth at which two latency lines a + s·8/B meet, Mbps: B = 8·(s_high − s_low) / (a_low − a_high),
 * with `low` the plan that is best at the lower bandwidth. Not finite for parallel lines.
 * @example breakEvenMbps({ fixedMs: 3, bytes: 0 }, { fixedMs: 1, bytes: 250 }) === 1
 */
export function breakEvenMbps(
  low: { readonly fixedMs: number; readonly bytes: number },
  high: { readonly fixedMs: number; readonly bytes: number },
): number {
  return ((high.bytes - low.bytes) * 8) / ((low.fixedMs - high.fixedMs) * 1e3);
}

/** The inputs of one latency prediction. */
export interface LatencyInputs {
  /** Predicted time of the edge part per sample, ms, ≥ 0. */
  readonly edgeMs: number;
  /** Predicted time of the cloud part per sample, ms, ≥ 0. */
  readonly cloudMs: number;
  /** Round-trip time added once per sample, ms, ≥ 0. */
  readonly rttMs: number;
  /** Bytes sent per sample: raw float32 bytes, or the mean encoded bytes. */
  readonly bytes: number;
  /** Uplink bandwidth, Mbps (10^6 bit/s), > 0. */
  readonly bandwidthMbps: number;
  /** Quantize + encode time of the sent tensors on the edge, ms, ≥ 0 (default 0: raw float32). */
  readonly encodeMs?: number;
  /** Decode + dequantize time of the sent tensors in the cloud, ms, ≥ 0 (default 0). */
  readonly decodeMs?: number;
}

/** The parts of one latency prediction, ms. */
export interface LatencyParts {
  readonly edgeMs: number;
  /** The codec's quantize + encode time on the edge (0 for raw float32). */
  readonly encodeMs: number;
  readonly transferMs: number;
  /** The codec's decode + dequantize time in the cloud (0 for raw float32). */
  readonly decodeMs: number;
  readonly cloudMs: number;
  readonly rttMs: number;
  readonly totalMs: number;
}

/**
 * Predicted end-to-end latency per sample with its parts: edge + RTT + bytes·8/B + cloud.
 *
 * @example
 * predictedLatencyMs({ edgeMs: 2, cloudMs: 0.5, rttMs: 10, bytes: 1375, bandwidthMbps: 1.1 }).totalMs
 * // 2 + 10 + 1375·8/1100 + 0.5 = 22.5 (no codec time given: raw float32)
 */
export function predictedLatencyMs(inputs: LatencyInputs): LatencyParts {
  const transfer = transferMs(inputs.bytes, inputs.bandwidthMbps);
  const encodeMs = inputs.encodeMs ?? 0;
  const decodeMs = inputs.decodeMs ?? 0;
  return {
    edgeMs: inputs.edgeMs,
    encodeMs,
    transferMs: transfer,
    decodeMs,
    cloudMs: inputs.cloudMs,
    rttMs: inputs.rttMs,
    totalMs: totalMs(inputs.edgeMs, inputs.rttMs, transfer, inputs.cloudMs, encodeMs, decodeMs),
  };
}

/** A cut point as the latency model reads it (CutPoint of the analysis: times absent before profiles). */
export interface CutTimes {
  readonly edgeMs?: number;
  readonly cloudMs?: number;
  /** Bytes sent per sample (raw float32). */
  readonly bytes: number;
}

/**
 * Predicted latency of sending a cut point's tensors raw (float32); a missing time counts as 0.
 * @param bandwidthMbps uplink bandwidth, Mbps, > 0
 * @param rttMs round-trip time, ms, ≥ 0
 */
export function rawCutLatencyMs(cut: CutTimes, bandwidthMbps: number, rttMs: number): LatencyParts {
  return predictedLatencyMs({
    edgeMs: cut.edgeMs ?? 0,
    cloudMs: cut.cloudMs ?? 0,
    rttMs,
    bytes: cut.bytes,
    bandwidthMbps,
  });
}

/**
 * Edge-only: everything runs on the edge and the outputs are sent (the last cut point), raw.
 * @param cuts the cut points in execution order (at least one)
 */
export function edgeOnlyLatencyMs(
  cuts: readonly CutTimes[],
  bandwidthMbps: number,
  rttMs: number,
): LatencyParts {
  return rawCutLatencyMs(cuts[cuts.length - 1], bandwidthMbps, rttMs);
}

/**
 * Cloud-only: the inputs are sent and everything runs in the cloud (cut point 0), raw.
 * @param cuts the cut points in execution order (at least one)
 */
export function cloudOnlyLatencyMs(
  cuts: readonly CutTimes[],
  bandwidthMbps: number,
  rttMs: number,
): LatencyParts {
  return rawCutLatencyMs(cuts[0], bandwidthMbps, rttMs);
}

/** One cut point as the latency table sees it. */
export interface CutCost {
  readonly index: number;
  readonly edgeMs: number;
  readonly cloudMs: number;
  /** Bytes sent per sample. */
  readonly bytes: number;
}

/**
 * The latency of every cut point (raw tensors) at each bandwidth, with the fastest one (ties: the
 * earliest): the `latency` field of analysis.json.
 */
export function latencyTable(
  cuts: readonly CutCost[],
  bandwidthsMbps: readonly number[],
  rttMs: number,
): LatencyRow[] {
  return bandwidthsMbps.map((bw) => {
    const rows = cuts.map((c) => {
      const t = rawCutLatencyMs(c, bw, rttMs);
      return { cut: c.index, transferMs: t.transferMs, totalMs: t.totalMs };
    });
    let best = rows[0];
    for (const r of rows) if (r.totalMs < best.totalMs) best = r;
    return { bandwidthMbps: bw, rttMs, bestCut: best.cut, cuts: rows };
  });
}

/**
 * The codec's predicted times of a sweep row (a cut point at a bit width) on the analysis's
 * devices, ms per sample: the sweep's times on this machine times each profile's `codecFactor`
 * (encode on the edge, decode in the cloud); 0 for analyses made before codec times were measured.
 */
export function sweepCodecMs(
  row: Pick<SweepRowJson, 'encodeMs' | 'decodeMs'>,
  profiles: Analysis['profiles'],
): { readonly encodeMs: number; readonly decodeMs: number } {
  return {
    encodeMs: (row.encodeMs ?? 0) * (profiles?.edge.codecFactor ?? 1),
    decodeMs: (row.decodeMs ?? 0) * (profiles?.cloud.codecFactor ?? 1),
  };
}
