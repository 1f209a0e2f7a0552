/** Percentiles of reported samples (sizes, latencies over a trace). */

/**
 * The nearest-rank 95th percentile: the smallest sample with at least 95% of the samples at or
 * below it (sorted[ceil(0.95·n) − 1]); NaN for no samples.
 * @example p95([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]) === 19
 */
export function p95(samples: ArrayLike<number>): number {
  if (samples.length === 0) return NaN;
  const values = Float64Array.from(samples);
  const rank = Math.min(values.length - 1, Math.ceil(0.95 * values.length) - 1);
  // NOTE: selection instead of a sort (a merge of shards takes the p95 of 900 series of 10,000
  // sizes); with a NaN or a negative zero the order is the typed array sort's (NaN last, -0 < 0),
  // which the selection's comparisons do not see, so such series are sorted.
  for (let i = 0; i < values.length; i++)
    if (Number.isNaN(values[i]) || Object.is(values[i], -0)) return values.sort()[rank];
  return select(values, rank);
}

/** The k-th smallest value (0-based) of `a`, reordering it (Hoare's selection, median-of-three pivots). */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot: sorted data (sizes often are) stays linear.
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    // [lo, j] <= pivot <= [i, hi]; between them (j < x < i) everything equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
