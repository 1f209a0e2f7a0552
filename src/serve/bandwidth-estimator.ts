/**
 * The uplink bandwidth as the edge client sees it, from its own requests only (no probe traffic).
 *
 * Each request gives one observation: bits written to the socket (HTTP head, framing and
 * tensor streams) over the time they took to cross, taken as the round trip minus the server's
 * own time (it reports it in a header) minus the link's RTT (estimated from empty requests).
 * The estimate is the total bits over the total crossing time of the last `window` observations:
 * the harmonic mean of their rates weighted by size, so one lucky fast transfer cannot lift it
 * the way an arithmetic mean of rates would. A request whose crossing time is not above
 * `minCrossingMs` crossed faster than the client can time it: its bits count with no time. Skipping
 * it instead would freeze the estimate whenever the current plan's requests are small (an edge-only
 * plan sends a few dozen bytes, and a token-bucket link passes a request of one frame at once), so
 * a run that went down to such a plan while the link was slow would never see it recover. Counted
 * this way, small fast requests raise the estimate until a larger plan is tried, whose requests
 * time the link.
 */

/** Options of `createBandwidthEstimator`. */
export interface EstimatorOptions {
  /** Observations kept (default 5). */
  readonly window?: number;
  /** Crossing times up to this (ms) count as no time: too fast to time (default 0.05). */
  readonly minCrossingMs?: number;
}

/** A running estimate. */
export interface BandwidthEstimator {
  /**
   * Adds one request.
   * @param bytes bytes written for the request
   * @param transferMs round trip minus the server's time, ms
   * @param rttMs the link's round-trip time without payload, ms
   * @returns whether the observation counted (not for an empty request or a NaN time)
   */
  observe(bytes: number, transferMs: number, rttMs: number): boolean;
  /**
   * Current estimate in Mbps: undefined before any observation, +Infinity while every observation
   * in the window crossed too fast to time.
   */
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
      if (!(bytes > 0) || Number.isNaN(ms)) return false;
      kept.push({ bits: bytes * 8, ms: ms > minCrossingMs ? ms : 0 });
      if (kept.length > window) kept.shift();
      return true;
    },
    estimateMbps() {
      if (kept.length === 0) return undefined;
      const bits = kept.reduce((s, o) => s + o.bits, 0);
      const ms = kept.reduce((s, o) => s + o.ms, 0);
      return ms > 0 ? bits / ms / 1000 : Number.POSITIVE_INFINITY;
    },
  };
}
