/**
 * The latency model as the reports state it in words. The reports compute every latency that
 * analysis.json does not store (the compressed plans, the bandwidth curves) with
 * `predictedLatencyMs` of src/core/latency.ts, the same function that made the stored fields.
 */
import type { Analysis } from '../core/analysis';

/** The latency formula in words, as the Markdown and HTML reports print it under their speed-up tables. */
export function latencyFormulaText(analysis: Analysis): string {
  return (
    `latency per sample = edge ms + encode ms + RTT + bytes·8 / bandwidth + decode ms + cloud ms (RTT = ${analysis.rttMs ?? 0} ms; ` +
    `bytes = raw float32 bytes, or the mean encoded bytes of the sweep for JALAD; encode / decode ms = the codec's time, ` +
    `measured by the sweep on this machine and scaled to each device like its node times, 0 for raw float32)`
  );
}
