/** Order statistics for timing samples. */

/**
 * The q-quantile (0..1) of samples, by linear interpolation between order statistics.
 * @example quantile([1, 2, 3, 4], 0.5) // 2.5
 */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** The median of samples. */
export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

/**
 * The value m minimising Σ weight·|value − m|: the first value (in order) at which the cumulative
 * weight reaches half the total; midway to the next one when it reaches exactly half (as the plain
 * median does with an even count). 0 for no points.
 * @example weightedMedian([{ value: 1, weight: 1 }, { value: 2, weight: 1 }, { value: 9, weight: 3 }]) // 9
 */
export function weightedMedian(
  points: readonly { readonly value: number; readonly weight: number }[],
): number {
  const sorted = points.filter((p) => p.weight > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((t, p) => t + p.weight, 0);
  let cumulative = 0;
  for (let i = 0; i < sorted.length; i++) {
    cumulative += sorted[i].weight;
    if (cumulative === total / 2 && i + 1 < sorted.length) return (sorted[i].value + sorted[i + 1].value) / 2;
    if (cumulative >= total / 2) return sorted[i].value;
  }
  return 0;
}
