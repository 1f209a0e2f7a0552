import { shardPlan, shardShares, type PlanCut, type PlanGrid } from '../../src/sweep';

const cut = (index: number, flops: number): PlanCut => ({
  index,
  edgeFlops: flops * index,
  cloudFlops: flops * (60 - index),
  edgeNodes: index,
  cloudNodes: 60 - index,
  elements: 1000,
});

const grid = (samples: number, batchSize: number, cuts = 10): PlanGrid => ({
  cuts: Array.from({ length: cuts }, (_, i) => cut(i, 1e6)),
  bitWidths: 4,
  samples,
  batchSize,
  sizeSamples: 500,
});

describe('shardPlan(grid, count)', () => {
  test.each([
    [1000, 64, 1],
    [1000, 64, 3],
    [1000, 64, 16],
    [1000, 64, 200],
    [10_000, 64, 100],
  ])(
    '%i samples in batches of %i, %i shards: every (cut, sample) in exactly one shard, batch-aligned',
    (samples, batch, n) => {
      const g = grid(samples, batch);
      const plan = shardPlan(g, n);
      expect(plan).toHaveLength(n);
      for (const c of g.cuts) {
        const ranges = plan.map((p) => p.get(c.index)).filter((r) => r !== undefined);
        ranges.sort((a, b) => a.from - b.from);
        // Contiguous cover of 0..samples, each range starting on a batch of the unsharded run.
        expect(ranges[0].from).toBe(0);
        expect(ranges[ranges.length - 1].to).toBe(samples);
        for (let k = 1; k < ranges.length; k++) expect(ranges[k].from).toBe(ranges[k - 1].to);
        for (const r of ranges) expect(r.from % batch).toBe(0);
      }
    },
  );

  test('shards of whole batches are balanced within a unit of each other', () => {
    const g = grid(10_000, 64, 50);
    const shares = shardShares(g, shardPlan(g, 8));
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // One unit (a batch at one cut point) is 1/(157*50) of the work at most a few times over.
    for (const s of shares) expect(Math.abs(s - 1 / 8)).toBeLessThan(0.005);
  });

  test.each([2, 3, 8, 13])(
    'with %i shards of 13 cut points, at most N - 1 cut points are split and the others run from sample 0',
    (n) => {
      const g = grid(10_000, 64, 13);
      const plan = shardPlan(g, n);
      const split = g.cuts.filter((c) => plan.filter((p) => p.has(c.index)).length > 1);
      expect(split.length).toBeLessThanOrEqual(n - 1);
      for (const c of g.cuts) {
        if (split.includes(c)) continue;
        const r = plan.find((p) => p.has(c.index))!.get(c.index)!;
        expect(r).toEqual({ from: 0, to: 10_000 });
      }
    },
  );

  test('spreads the cut points: with 2 shards neither holds only early or only late ones', () => {
    const g = grid(1000, 64, 12);
    const [first, second] = shardPlan(g, 2).map((p) => [...p.keys()]);
    // Every second cut point: both shards hold cut points from both halves of the model.
    for (const held of [first, second]) {
      expect(held.some((c) => c < 6)).toBe(true);
      expect(held.some((c) => c >= 6)).toBe(true);
    }
  });

  test('is deterministic: the same grid gives the same plan', () => {
    const g = grid(5000, 32);
    expect(shardPlan(g, 7)).toEqual(shardPlan(g, 7));
  });
});
