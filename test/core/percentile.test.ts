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
});
