/**
 * The uplink bandwidth as the edge client sees it, from its own requests only (no probe traffic).
 *
 * Each request gives one observation: bits written to the socket (HTTP head, framing and
 * tensor streams) over the time they took to cross, taken as the round trip minus the server's
 * own time (it reports it in a header) minus the link's RTT (estimated from probes before the run: answer-probe.ts).
 * The estimate pools the last `window` observations, each weighted by its age in requests:
 *   B = Σ w_i·bits_i / Σ w_i·ms_i,   w_i = 2^(−(requests since i) / halfLifeRequests).
 * Why requests, not time: a client that sends one frame a second would otherwise weigh its last
 * request hundreds of times above the one before, and when that last request was too small to time
 * (below) the estimate would jump from the link's rate to many times it, sending the policy to a
 * plan far too large for the link. `halfLifeMs` ages by wall time instead (the bench's traces
 * change the rate every few requests, and one request's memory is what it wants there).
 * Pooling bits and times (rather than averaging rates) weights each request by its size: a request
 * of a few hundred bytes crosses a fast link in a fraction of a millisecond, less than the
 * scheduling noise of a loaded machine, so its own rate is mostly noise, while a large transfer's
 * is mostly signal; summed, the noise of many small requests averages out and a large one counts
 * for what it carries. The age weight lets the estimate follow a changing link: an observation
 * 8 requests old (default) counts half.
 *
 * A request whose crossing time is not above `minCrossingMs` crossed faster than the client can
 * time it: its bits count with no time. Skipping it instead would freeze the estimate whenever the
 * current plan's requests are small (an edge-only plan sends a few dozen bytes, and a token-bucket
 * link passes its bucket at once), so a run that went down to such a plan while the link was slow
 * would never see it recover. Counted this way, small fast requests raise the estimate until a
 * larger plan is tried, whose requests time the link.
 */
import { performance } from 'perf_hooks';

/** Options of `createBandwidthEstimator`. */
export interface EstimatorOptions {
  /** Observations kept (default 16). */
  readonly window?: number;
  /** Age in requests at which an observation counts half (default 8; Infinity: all count fully). */
  readonly halfLifeRequests?: number;
  /** Ages by wall time instead: the age at which an observation counts half, ms (unset: by requests). */
  readonly halfLifeMs?: number;
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
   * @param atMs when it was observed (default now, `performance.now()`)
   * @returns whether the observation counted (not for an empty request or a NaN time)
   */
  observe(bytes: number, transferMs: number, rttMs: number, atMs?: number): boolean;
  /**
   * Current estimate in Mbps, the observations weighted by their age at `nowMs` (default now):
   * undefined before any observation, +Infinity while every observation crossed too fast to time.
   */
  estimateMbps(nowMs?: number): number | undefined;
}

/**
 * A new estimator.
 * @example const e = createBandwidthEstimator(); e.observe(12500, 10.5, 0.5); e.estimateMbps() // 10
 */
export function createBandwidthEstimator(options: EstimatorOptions = {}): BandwidthEstimator {
  const window = options.window ?? 16;
  const halfLifeMs = options.halfLifeMs;
  const halfLifeRequests = options.halfLifeRequests ?? 8;
  const minCrossingMs = options.minCrossingMs ?? 0.05;
  const kept: { bits: number; ms: number; atMs: number }[] = [];
  /** An observation's weight: by wall time when halfLifeMs is set, else by requests since it. */
  const weight = (index: number, nowMs: number): number => {
    if (halfLifeMs !== undefined)
      return Number.isFinite(halfLifeMs) ? 2 ** (-Math.max(0, nowMs - kept[index].atMs) / halfLifeMs) : 1;
    return Number.isFinite(halfLifeRequests) ? 2 ** (-(kept.length - 1 - index) / halfLifeRequests) : 1;
  };
  return {
    observe(bytes, transferMs, rttMs, atMs = performance.now()) {
      const ms = transferMs - rttMs;
      if (!(bytes > 0) || Number.isNaN(ms)) return false;
      kept.push({ bits: bytes * 8, ms: ms > minCrossingMs ? ms : 0, atMs });
      if (kept.length > window) kept.shift();
      return true;
    },
    estimateMbps(nowMs = performance.now()) {
      if (kept.length === 0) return undefined;
      let bits = 0;
      let ms = 0;
      for (let i = 0; i < kept.length; i++) {
        const w = weight(i, nowMs);
        bits += w * kept[i].bits;
        ms += w * kept[i].ms;
      }
      return ms > 0 ? bits / ms / 1000 : Number.POSITIVE_INFINITY;
    },
  };
}
