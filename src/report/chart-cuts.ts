/**
 * Which cut points a per-cut-point chart draws. A chart of 200,000 points is a 100 MB page that no
 * one can read and that takes the renderer most of a minute; above {@link MAX_CHART_CUTS} the
 * charts draw a thinned set that keeps the shape of every curve: the cut points are split into
 * equal buckets in execution order, and each bucket keeps the cut points holding the smallest and
 * the largest value of every plotted quantity (edge ms, cloud ms, raw bytes), plus the first and
 * last cut point. Tables and CSV files are not thinned.
 */
import type { CutPoint } from '../core/analysis';

/** Cut points a chart draws in full; above this, it draws a thinned set (see the module comment). */
export const MAX_CHART_CUTS = 1000;

/** The cut points to draw, and the caption's sentence when some were left out. */
export interface ChartCuts {
  readonly cuts: readonly CutPoint[];
  /** Empty when every cut point is drawn. */
  readonly note: string;
}

/** The plotted quantities whose extremes each bucket keeps. */
const QUANTITIES: readonly ((c: CutPoint) => number | undefined)[] = [
  (c) => c.edgeMs,
  (c) => c.cloudMs,
  (c) => (c.sizeUnknown ? undefined : c.bytes),
];

/** Thins `all` (in execution order) to at most about {@link MAX_CHART_CUTS} cut points, keeping each bucket's extremes. */
export function chartCuts(all: readonly CutPoint[], max = MAX_CHART_CUTS): ChartCuts {
  if (all.length <= max) return { cuts: all, note: '' };
  // Each bucket keeps up to 2 cut points per quantity; size the buckets so the total stays near `max`.
  const perBucket = 2 * QUANTITIES.length;
  const buckets = Math.max(1, Math.floor(max / perBucket));
  const keep = new Uint8Array(all.length);
  keep[0] = 1;
  keep[all.length - 1] = 1;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * all.length) / buckets);
    const to = Math.floor(((b + 1) * all.length) / buckets);
    for (const value of QUANTITIES) keepExtremes(all, from, to, value, keep);
  }
  const cuts = all.filter((_, i) => keep[i] === 1);
  return {
    cuts,
    note:
      ` The chart draws ${cuts.length} of the ${all.length} cut points: the smallest and largest value of each curve ` +
      `in each of ${buckets} equal stretches of the network; cut-points.csv lists them all.`,
  };
}

/** Marks the positions of the smallest and largest `value` in all[from, to). */
function keepExtremes(
  all: readonly CutPoint[],
  from: number,
  to: number,
  value: (c: CutPoint) => number | undefined,
  keep: Uint8Array,
): void {
  let lo = -1;
  let hi = -1;
  for (let i = from; i < to; i++) {
    const v = value(all[i]);
    if (v === undefined || !Number.isFinite(v)) continue;
    if (lo < 0 || v < (value(all[lo]) as number)) lo = i;
    if (hi < 0 || v > (value(all[hi]) as number)) hi = i;
  }
  if (lo >= 0) keep[lo] = 1;
  if (hi >= 0) keep[hi] = 1;
}
