import { mulberry32, uniformRandom } from '../../src/core/random';

describe('mulberry32(seed)', () => {
  it('draws the reference stream of mulberry32 as uint32', () => {
    const next = mulberry32(0);
    const draws = [next(), next(), next()];
    expect(draws[0]).toBe(1144304738);
    expect(draws.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 32)).toBe(true);
  });
  it('depends on the low 32 bits of the seed only', () => {
    const a = mulberry32(5);
    const b = mulberry32(5 + 2 ** 32);
    for (let i = 0; i < 10; i++) expect(a()).toBe(b());
  });
});

describe('uniformRandom(seed)', () => {
  it('is the same stream scaled to [0, 1)', () => {
    const u = uniformRandom(42);
    const m = mulberry32(42);
    for (let i = 0; i < 1000; i++) {
      const x = u();
      expect(x).toBe(m() / 2 ** 32);
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});
