/**
 * Confidence bounds for accuracies measured on a finite validation set.
 *
 * - A single accuracy: the Wilson score interval (Wilson 1927), which behaves well near
 *   0 and 1 where the normal (Wald) interval does not.
 * - An accuracy loss from paired outcomes (the same samples through the unsplit and the
 *   split model): Agresti and Min (2005), "Simple improved confidence intervals for
 *   comparing matched proportions": add 1/2 to each cell of the 2x2 table, then use the
 *   Wald interval of the difference. Only the discordant samples carry information.
 */

/** z of a one-sided 95% bound. */
export const Z_ONE_SIDED_95 = 1.6448536269514722;
/** z of a two-sided 95% interval. */
export const Z_TWO_SIDED_95 = 1.959963984540054;

/**
 * Wilson score interval of a proportion.
 * @param successes count, 0..n
 * @param n trials (> 0)
 * @param z 1.96 for a two-sided 95% interval
 * @returns [low, high] as fractions
 * @example wilsonInterval(90, 100) // ≈ [0.826, 0.945]
 */
export function wilsonInterval(successes: number, n: number, z = Z_TWO_SIDED_95): [number, number] {
  if (n <= 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Paired outcomes of the reference and the candidate on the same samples. */
export interface PairedCounts {
  /** Samples the reference gets right and the candidate gets wrong. */
  readonly lost: number;
  /** Samples the reference gets wrong and the candidate gets right. */
  readonly gained: number;
  /** All samples. */
  readonly n: number;
}

/**
 * Accuracy loss (reference − candidate) in percentage points, and its one-sided 95%
 * upper confidence bound (Agresti–Min adjusted Wald).
 * @example pairedLoss({ lost: 12, gained: 4, n: 1000 }) // { lossPct: 0.8, lossUpperPct: ≈1.47 }
 */
export function pairedLoss(c: PairedCounts, z = Z_ONE_SIDED_95): { lossPct: number; lossUpperPct: number } {
  if (c.n <= 0) return { lossPct: 0, lossUpperPct: 100 };
  const lossPct = ((c.lost - c.gained) / c.n) * 100;
  const m = c.n + 2;
  const pl = (c.lost + 0.5) / m;
  const pg = (c.gained + 0.5) / m;
  const d = pl - pg;
  const se = Math.sqrt(Math.max(0, pl + pg - d * d) / m);
  return { lossPct, lossUpperPct: Math.min(100, (d + z * se) * 100) };
}
