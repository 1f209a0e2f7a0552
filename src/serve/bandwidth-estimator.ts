/**
 * The uplink bandwidth as the edge client sees it, from its own requests only (no probe traffic).
 *
 * Each request gives one observation: bits written to the socket (HTTP head, framing and
 * tensor streams) over the time they took to cross, taken as the round trip minus the server's
 * own time (it reports it in a header) minus the link's RTT (estimated from empty requests).
 * The estimate is the total bits over the total crossing time of the last `window` observations:
 * the harmonic mean of their rates weighted by size, so one lucky fast transfer cannot lift it
 * the way an arithmetic mean of rates would. Observations whose crossing time is not above
 * `minCrossingMs` carry no information about the rate (they are RTT noise) and are skipped.
 */

/** Options of `createBandwidthEstimator`. */
export interface EstimatorOptions {
  /** Observations kept (default 5). */
  readonly window?: number;
  /** Smallest crossing time (ms) an observation needs to count (default 0.05). */
  readonly minCrossingMs?: number;
}

/** A running estimate. */
export interface BandwidthEstimator {
  /**
   * Adds one request.
   * @param bytes bytes written for the request
   * @param transferMs round trip minus the server's time, ms
   * @param rttMs the link's round-trip time without payload, ms
   * @returns whether the observation counted
   */
  observe(bytes: number, transferMs: number, rttMs: number): boolean;
  /** Current estimate in Mbps, or undefined before any observation counted. */
  estimateMbps(): number | undefined;
}

/**
 * A new estimator.
 * @example const e = createBandwidthEstimator(); e.observe(12500, 10.5, 0.5); e.estimateMbps() // 10
 */
export function createBandwidthEstimator(options: EstimatorOptions = {}): BandwidthEstimator {
  const window = options.window ?? 5;
  const minCrossingMs = options.minCrossingMs ?? 0.05;
  const kept: { bits: number; ms: number }[] = [];
  return {
    observe(bytes, transferMs, rttMs) {
      const ms = transferMs - rttMs;
      if (!(bytes > 0) || !(ms > minCrossingMs)) return false;
      kept.push({ bits: bytes * 8, ms });
      if (kept.length > window) kept.shift();
      return true;
    },
    estimateMbps() {
      if (kept.length === 0) return undefined;
      const bits = kept.reduce((s, o) => s + o.bits, 0);
      const ms = kept.reduce((s, o) => s + o.ms, 0);
      return bits / ms / 1000;
    },
  };
}
