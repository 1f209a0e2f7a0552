/**
 * Splitting the sweep into N shards of about equal predicted cost (docs/scale-out.md).
 *
 * The work is a grid of units, one per (cut point, batch of samples): a unit runs the cut's edge
 * model once on the batch and its cloud model once per bit width, with the codec in between. Units
 * are laid out cut point by cut point, each cut point's batches in order, and cut into N runs of
 * consecutive units of equal predicted cost. So a shard holds one contiguous, batch-aligned sample
 * range per cut point it has, nearly always the whole range from sample 0 (at most N - 1 cut points
 * are split between two shards), and the batches are the unsharded run's own.
 *
 * Why cut-point-major: early stopping reads a configuration's outcomes from sample 0 on, so only a
 * shard holding sample 0 of a configuration can stop it; a shard holding samples 5,000-10,000 must
 * run them all, although one process would have stopped at sample 256. Batch-major shards made
 * every shard but the first do that for every stopped configuration. The price: each shard runs the unsplit reference on every sample it
 * covers (one model run per sample, small beside a run per cut point and bit width).
 *
 * The cut points are taken in a spread order (every N-th first, docs/scale-out.md), so that a shard
 * gets cut points from the whole model rather than a block of early or late ones: the stops the
 * plan cannot foresee (mostly low bit widths at early cut points) fall on every shard alike.
 *
 * Pure: the analyzing shard and the merge compute the same plan from the same numbers, and the merge
 * checks every shard against it.
 */
import type { CutPoint } from '../core/analysis';
import type { SampleRange } from './recorded';

/** What the plan weighs a cut point by (fields of an analysis's cut point). */
export type PlanCut = Pick<
  CutPoint,
  'index' | 'edgeFlops' | 'cloudFlops' | 'edgeNodes' | 'cloudNodes' | 'elements'
>;

/** The sweep a plan splits. */
export interface PlanGrid {
  readonly cuts: readonly PlanCut[];
  /** Bit widths swept per cut point. */
  readonly bitWidths: number;
  readonly samples: number;
  readonly batchSize: number;
  /** Samples (the first ones) whose encodings are entropy coded for sizes. */
  readonly sizeSamples: number;
}

// Cost units are floating-point operations; the codec's work and a run's fixed cost are expressed in
// them. Rough figures on one core (ONNX Runtime near 5-20 GFLOP/s on small convolutions, the codec's
// quantize/dequantize near 10 ns and its entropy coders near 30 ns per element). With whole cut
// points per shard they decide the balance: bench:shard prints how close it comes.
const CODEC_FLOPS_PER_ELEMENT = 50;
const ENCODE_FLOPS_PER_ELEMENT = 150;
const RUN_FLOPS = 250_000;
const NODE_FLOPS = 5_000;

/** Predicted cost of one unit: `count` samples of batch at one cut point, `sizeCount` of them encoded. */
function unitCost(cut: PlanCut, bitWidths: number, count: number, sizeCount: number): number {
  const edge = (cut.edgeFlops ?? 0) + NODE_FLOPS * cut.edgeNodes;
  const cloud = (cut.cloudFlops ?? 0) + NODE_FLOPS * cut.cloudNodes + CODEC_FLOPS_PER_ELEMENT * cut.elements;
  return (
    count * (edge + bitWidths * cloud) +
    sizeCount * bitWidths * ENCODE_FLOPS_PER_ELEMENT * cut.elements +
    RUN_FLOPS * ((cut.edgeNodes > 0 ? 1 : 0) + bitWidths)
  );
}

/**
 * The plan: for every shard (0-based here), the sample range of each cut point it runs, by cut
 * point index (a cut point absent from a shard's map has no samples there).
 * @param count the number of shards, 1 or more
 * @example shardPlan(grid, 2)[1].get(3) // { from: 512, to: 1000 }: shard 2/2's samples of cut point #3
 */
export function shardPlan(grid: PlanGrid, count: number): Map<number, SampleRange>[] {
  const { batchSize, samples, sizeSamples, bitWidths } = grid;
  const units: { readonly cut: number; readonly from: number; readonly to: number; readonly cost: number }[] =
    [];
  for (const c of spreadOrder(grid.cuts, count))
    for (let from = 0; from < samples; from += batchSize) {
      const to = Math.min(samples, from + batchSize);
      const sizeCount = Math.max(0, Math.min(to, sizeSamples) - from);
      units.push({ cut: c.index, from, to, cost: unitCost(c, bitWidths, to - from, sizeCount) });
    }
  // NOTE: a grid with no predicted cost at all (no FLOPs known) is split by unit count.
  const total0 = units.reduce((t, u) => t + u.cost, 0);
  const equal = !(total0 > 0);
  const total = equal ? units.length : total0;
  const plan = Array.from({ length: count }, () => new Map<number, SampleRange>());
  let before = 0;
  for (const u of units) {
    // The unit goes to the shard its cost's midpoint falls in: consecutive units, monotone shards.
    const cost = equal ? 1 : u.cost;
    const k = Math.max(0, Math.min(count - 1, Math.floor(((before + cost / 2) / total) * count)));
    before += cost;
    const range = plan[k].get(u.cut);
    plan[k].set(u.cut, { from: range?.from ?? u.from, to: u.to });
  }
  return plan;
}

/**
 * The cut points with a stride of `count`: #0, #N, #2N, ..., then #1, #N+1, ... Consecutive runs of
 * this order hold cut points from all over the model (for N at least the number of cut points, the
 * order is the cut points' own).
 */
function spreadOrder(cuts: readonly PlanCut[], count: number): PlanCut[] {
  const stride = Math.max(1, Math.min(count, cuts.length));
  const order: PlanCut[] = [];
  for (let start = 0; start < stride; start++)
    for (let i = start; i < cuts.length; i += stride) order.push(cuts[i]);
  return order;
}

/** The predicted cost of every shard of a plan, relative to the whole sweep (they sum to 1). */
export function shardShares(grid: PlanGrid, plan: readonly ReadonlyMap<number, SampleRange>[]): number[] {
  const cost = (ranges: ReadonlyMap<number, SampleRange>) =>
    grid.cuts.reduce((t, c) => {
      const r = ranges.get(c.index);
      if (r === undefined) return t;
      let sum = 0;
      for (let from = r.from; from < r.to; from += grid.batchSize) {
        const to = Math.min(r.to, from + grid.batchSize);
        sum += unitCost(c, grid.bitWidths, to - from, Math.max(0, Math.min(to, grid.sizeSamples) - from));
      }
      return t + sum;
    }, 0);
  const costs = plan.map(cost);
  const total = costs.reduce((a, b) => a + b, 0);
  return costs.map((c) => (total > 0 ? c / total : 0));
}
