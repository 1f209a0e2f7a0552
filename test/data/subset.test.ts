import { InputError } from '../../src/core/errors';
import { mulberry32 } from '../../src/core/random';
import { stratifiedSubset } from '../../src/data';

function histogram(labels: Int32Array, indices: Int32Array): Map<number, number> {
  const h = new Map<number, number>();
  for (const i of indices) h.set(labels[i], (h.get(labels[i]) ?? 0) + 1);
  return h;
}

function classes(counts: number[]): Int32Array {
  // interleave classes so that members are spread over the index range
  const out: number[] = [];
  const left = [...counts];
  while (left.some((c) => c > 0))
    left.forEach((c, k) => {
      if (c > 0) {
        out.push(k);
        left[k]--;
      }
    });
  return Int32Array.from(out);
}

describe('stratifiedSubset(labels, samples, n, seed)', () => {
  test.each([
    ['n = 0', undefined, 10, 0, 1],
    ['n not an integer', undefined, 10, 2.5, 1],
    ['seed not an integer', undefined, 10, 2, 0.5],
    ['labels length differs from samples', Int32Array.of(0, 1), 3, 2, 1],
  ])('%s: InputError BAD_OPTION', (_, labels, samples, n, seed) => {
    expect(() => stratifiedSubset(labels, samples, n, seed)).toThrow(InputError);
    try {
      stratifiedSubset(labels, samples, n, seed);
    } catch (err) {
      expect((err as InputError).code).toBe('BAD_OPTION');
    }
  });

  test('n >= samples returns every index', () => {
    expect(Array.from(stratifiedSubset(undefined, 4, 9, 1))).toEqual([0, 1, 2, 3]);
    expect(Array.from(stratifiedSubset(Int32Array.of(1, 0, 1), 3, 3, 1))).toEqual([0, 1, 2]);
  });

  test.each([
    ['50/30/20 of 100, n = 10', [50, 30, 20], 10, [5, 3, 2]],
    ['1000 per class of 10, n = 1000', Array(10).fill(1000), 1000, Array(10).fill(100)],
    // quotas 3.5, 1, 0.5: floors 3, 1, 0; the leftover slot goes to the tie 0 vs 2 -> smaller label 0
    ['largest remainder, ties to the smaller label', [7, 2, 1], 5, [4, 1, 0]],
    ['rare classes can get 0', [98, 1, 1], 10, [10, 0, 0]],
  ])('proportional per class: %s', (_, counts, n, quotas) => {
    const labels = classes(counts);
    for (const seed of [0, 1, 12345]) {
      const idx = stratifiedSubset(labels, labels.length, n, seed);
      expect(idx).toHaveLength(n);
      const h = histogram(labels, idx);
      quotas.forEach((q, k) => expect(h.get(k) ?? 0).toBe(q));
    }
  });

  test.each([
    ['with labels', classes([30, 20, 10])],
    ['without labels', undefined],
  ])('%s: sorted, distinct, in range, same for the same seed, different for another', (_, labels) => {
    const a = stratifiedSubset(labels, 60, 12, 7);
    expect(Array.from(a)).toEqual(Array.from(a).sort((x, y) => x - y));
    expect(new Set(a).size).toBe(12);
    expect(a.every((i) => i >= 0 && i < 60)).toBe(true);
    expect(Array.from(stratifiedSubset(labels, 60, 12, 7))).toEqual(Array.from(a));
    expect(Array.from(stratifiedSubset(labels, 60, 12, 8))).not.toEqual(Array.from(a));
  });

  // Pinned outputs: any change to the PRNG or the algorithm changes the subsets users recorded.
  test('pinned: mulberry32 draws and subsets do not drift', () => {
    const next = mulberry32(42);
    expect([next(), next(), next()]).toEqual(PINNED.mulberry42);
    expect(Array.from(stratifiedSubset(undefined, 20, 5, 42))).toEqual(PINNED.uniform);
    expect(Array.from(stratifiedSubset(classes([6, 4, 2]), 12, 6, 42))).toEqual(PINNED.stratified);
  });
});

const PINNED = {
  // equal to the reference mulberry32 (bryc, "PRNGs" gist) × 2^32 for seed 42
  mulberry42: [2581720956, 1925393290, 3661312704],
  uniform: [6, 9, 12, 14, 17],
  stratified: [0, 4, 5, 7, 8, 11],
};
