import { p95 } from '../../src/core/percentile';

describe('p95(samples)', () => {
  it('is NaN for no samples', () => {
    expect(p95([])).toBeNaN();
  });
  it.each([
    [[7], 7],
    [[3, 1, 2], 3],
    [Array.from({ length: 20 }, (_, i) => 20 - i), 19],
    [Array.from({ length: 100 }, (_, i) => i + 1), 95],
    [Array.from({ length: 101 }, (_, i) => i + 1), 96],
  ])('is the nearest-rank 95th percentile of %p', (samples, expected) => {
    expect(p95(samples)).toBe(expected);
  });
  it('leaves its argument unsorted', () => {
    const s = [3, 1, 2];
    p95(s);
    expect(s).toEqual([3, 1, 2]);
  });
  it('equals the sorted nearest rank on random, tied, sorted and reversed series of every length to 300', () => {
    let seed = 7;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const rankOf = (xs: number[]) =>
      Float64Array.from(xs).sort()[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)];
    for (let n = 1; n <= 300; n++) {
      const series = [
        Array.from({ length: n }, () => rand() * 1000),
        Array.from({ length: n }, () => Math.floor(rand() * 3)),
        Array.from({ length: n }, (_, i) => i),
        Array.from({ length: n }, (_, i) => n - i),
        Array.from({ length: n }, () => 5),
      ];
      for (const xs of series) expect(p95(xs)).toBe(rankOf(xs));
    }
  });
  it('keeps the typed sort order for NaN (last) and -0 (before 0)', () => {
    expect(p95([NaN, ...Array.from({ length: 19 }, (_, i) => i)])).toBe(18);
    expect(Object.is(p95([0, -0]), 0)).toBe(true);
    expect(Object.is(p95([-0, -0]), -0)).toBe(true);
  });
});
