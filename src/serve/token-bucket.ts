/**
 * The state of a token-bucket link (tc-tbf) as the edge sees it, for the prediction of a
 * request's transfer: what part of the request passes at once, and what waits for the rate.
 *
 * tbf lets a frame leave when the bucket holds its bytes; the bucket refills at the rate B up to
 * its size. A request after a long pause meets a full bucket (its first `bucketBytes` pass at once);
 * one that follows the previous request closely meets what has refilled since that request's last
 * byte left. At MTU 1500 and 1.1 Mbps a 1,514-B bucket needs 11 ms to refill, longer than the pause
 * between a run's requests, so assuming a full bucket predicted those transfers too short.
 * The model knows only the requests it is told of (not the pings' or acknowledgements' few bytes).
 */

/** A token bucket's state. */
export interface TokenBucket {
  /** Bytes that pass at once for a request sent at `atMs` (performance.now() time), at `mbps`. */
  freeBytes(atMs: number, mbps: number): number;
  /**
   * Records a request of `frameBytes` (what the link counts) sent at `atMs` at `mbps`; when it
   * waited for the rate, `lastByteMs` is when its last byte was seen to leave (a measurement: the
   * bucket is empty then, not at the moment the rate alone would give, if that is earlier).
   */
  send(atMs: number, frameBytes: number, mbps: number, lastByteMs?: number): void;
}

/** Bytes per ms at `mbps` (10^6 bit/s). */
const bytesPerMs = (mbps: number) => (mbps * 1000) / 8;

/**
 * A bucket of `bucketBytes`, full at the start (0: no bucket, every byte waits for the rate).
 * @example const b = createTokenBucket(1514); b.send(0, 4782, 1.1); b.freeBytes(5, 1.1) // 0: still draining
 */
export function createTokenBucket(bucketBytes: number): TokenBucket {
  let tokens = bucketBytes;
  // When `tokens` held: after a request that waited, the moment its last byte left (may be ahead of now).
  let atTokensMs = Number.NEGATIVE_INFINITY;
  const level = (atMs: number, mbps: number) =>
    atMs <= atTokensMs
      ? atMs === atTokensMs
        ? tokens
        : 0
      : Math.min(bucketBytes, tokens + (atMs - atTokensMs) * bytesPerMs(mbps));
  return {
    freeBytes: (atMs, mbps) => (bucketBytes > 0 ? level(atMs, mbps) : 0),
    send(atMs, frameBytes, mbps, lastByteMs = Number.NEGATIVE_INFINITY) {
      if (bucketBytes <= 0) return;
      const have = level(atMs, mbps);
      if (frameBytes <= have) {
        tokens = have - frameBytes;
        atTokensMs = atMs;
      } else {
        // the bytes beyond the bucket leave at the rate; the bucket is empty when the last one has
        tokens = 0;
        atTokensMs = Math.max(
          Math.max(atMs, atTokensMs) + (frameBytes - have) / bytesPerMs(mbps),
          lastByteMs,
        );
      }
    },
  };
}
