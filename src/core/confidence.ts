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
  // Pass/fail outcomes are the special case of scores in {0, 1}: a difference of +1 per sample
  // lost, -1 per sample gained, 0 otherwise.
  return pairedScoreLoss({ n: c.n, sumDiff: c.lost - c.gained, sumDiffSq: c.lost + c.gained }, z);
}

/**
 * Running sums of paired per-sample score differences d = reference score − candidate score,
 * each score in [0, 1] (so d in [-1, 1]).
 */
export interface PairedScoreSums {
  /** Samples. */
  readonly n: number;
  /** Σ d. */
  readonly sumDiff: number;
  /** Σ d². */
  readonly sumDiffSq: number;
}

/**
 * Loss (mean reference score − mean candidate score) in percentage points, and its one-sided
 * bound at `z` (a negative z gives the lower bound), for paired scores in [0, 1].
 *
 * The Agresti–Min adjustment generalized to scores: pseudo-observations d = +1 and d = −1 of
 * weight ½ each and d = 0 of weight 1 are added (n + 2 in all), then the Wald bound
 * mean + z·sd/√(n + 2) is taken. For scores that are all 0 or 1 this is exactly Agresti and Min's
 * interval (½ added to each cell of the paired 2×2 table); for other scores it is a paired
 * normal-approximation bound whose pseudo-observations keep it from collapsing to zero width when
 * every sample agrees.
 * NOTE: not Hoeffding or empirical Bernstein, which hold for any n: for differences in [-1, 1]
 * they add 7.7 pp (Hoeffding) or at least 1.7 pp (Maurer–Pontil) at n = 1000 even when no sample
 * differs, so a 1 pp budget could never be met on a usual validation set.
 * @example pairedScoreLoss({ n: 1000, sumDiff: 8, sumDiffSq: 16 }) // = pairedLoss({ lost: 12, gained: 4, n: 1000 })
 */
export function pairedScoreLoss(
  s: PairedScoreSums,
  z = Z_ONE_SIDED_95,
): { lossPct: number; lossUpperPct: number } {
  if (s.n <= 0) return { lossPct: 0, lossUpperPct: 100 };
  const lossPct = (s.sumDiff / s.n) * 100;
  const m = s.n + 2;
  const mean = s.sumDiff / m;
  const second = (s.sumDiffSq + 1) / m;
  const se = Math.sqrt(Math.max(0, second - mean * mean) / m);
  return { lossPct, lossUpperPct: Math.min(100, (mean + z * se) * 100) };
}
