/**
 * The one tolerance every comparison of predicted latency, loss and bytes uses, in the MILP
 * solver and in the brute-force reference alike, so that both make the same decisions.
 */

/** Relative tolerance under which two values (ms, percentage points or bytes) count as equal. */
export const TIE_REL = 1e-9;

/**
 * The slack allowed above `value` when comparing against it: `TIE_REL · max(1, |value|)`.
 *
 * @example tieSlack(250) === 2.5e-7; tieSlack(0.01) === 1e-9
 */
export function tieSlack(value: number): number {
  return TIE_REL * Math.max(1, Math.abs(value));
}

/** Whether `value` is at most `limit` up to the tie tolerance of `limit`. */
export function atMost(value: number, limit: number): boolean {
  return value <= limit + tieSlack(limit);
}
