/**
 * The latency model (docs/method.md#latency-model) as the reports apply it to stored fields:
 * T(S, c, B) = T_edge(S) + RTT + size(S, c)·8 / B + T_cloud(S).
 *
 * NOTE: the Markdown and HTML reports compute every latency that analysis.json does not store (the
 * compressed plans, the bandwidth curves) through `predictedLatencyMs` alone. It repeats the
 * arithmetic of src/profiler/latency.ts (same operations, same order) instead of importing it, because
 * the profiler's index loads ONNX Runtime; test/report checks that it reproduces the stored
 * `latency[].cuts[]` fields to the last bit.
 */
import type { Analysis } from '../core/analysis';

/** The stored inputs of one latency prediction. */
export interface LatencyInputs {
  /** Predicted time of the edge part per sample (CutPoint.edgeMs), ms, ≥ 0. */
  readonly edgeMs: number;
  /** Predicted time of the cloud part per sample (CutPoint.cloudMs), ms, ≥ 0. */
  readonly cloudMs: number;
  /** Round-trip time added once per sample (Analysis.rttMs), ms, ≥ 0. */
  readonly rttMs: number;
  /** Bytes sent per sample: CutPoint.bytes raw, SweepRowJson.bytesMean compressed. */
  readonly bytes: number;
  /** Uplink bandwidth, Mbps (10^6 bit/s), > 0. */
  readonly bandwidthMbps: number;
}

/** The parts of one latency prediction, ms. */
export interface LatencyParts {
  readonly edgeMs: number;
  readonly transferMs: number;
  readonly cloudMs: number;
  readonly rttMs: number;
  readonly totalMs: number;
}

/**
 * Time to send `bytes` at `bandwidthMbps`, ms: bytes·8 / (B·10^6) s.
 *
 * @param bytes bytes per sample, ≥ 0
 * @param bandwidthMbps uplink bandwidth in Mbps, > 0
 * @example uplinkMs(125_000, 1) === 1000 // one megabit at 1 Mbps takes a second
 */
export function uplinkMs(bytes: number, bandwidthMbps: number): number {
  return ((bytes * 8) / (bandwidthMbps * 1e6)) * 1000;
}

/**
 * Predicted end-to-end latency per sample with its parts: edge + RTT + bytes·8/B + cloud.
 *
 * @example
 * predictedLatencyMs({ edgeMs: 2, cloudMs: 0.5, rttMs: 10, bytes: 1375, bandwidthMbps: 1.1 }).totalMs
 * // 2 + 10 + 1375·8/1100 + 0.5 = 22.5
 */
export function predictedLatencyMs(inputs: LatencyInputs): LatencyParts {
  const transferMs = uplinkMs(inputs.bytes, inputs.bandwidthMbps);
  return {
    edgeMs: inputs.edgeMs,
    transferMs,
    cloudMs: inputs.cloudMs,
    rttMs: inputs.rttMs,
    totalMs: inputs.edgeMs + inputs.rttMs + transferMs + inputs.cloudMs,
  };
}

/** The latency formula in words, as the Markdown and HTML reports print it under their speed-up tables. */
export function latencyFormulaText(analysis: Analysis): string {
  return `latency per sample = edge ms + RTT + bytes·8 / bandwidth + cloud ms (RTT = ${analysis.rttMs ?? 0} ms; bytes = raw float32 bytes, or the mean encoded bytes of the sweep for JALAD)`;
}
