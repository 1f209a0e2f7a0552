/**
 * The one seeded random generator of jalad: mulberry32 (Tommy Ettinger, public domain), a
 * 32-bit-state generator. Subsets, synthetic inputs and seeded test data all draw from it, so a seed
 * means the same stream everywhere.
 */

// NOTE: read once: jest runs modules in a vm context where every lookup of the global `Math` is slow
// (measured 20-35x per call in a loop).
const { imul } = Math;

/**
 * mulberry32 returning uint32 draws (integers in [0, 2^32)).
 * @param seed any integer; only its low 32 bits matter
 * @example mulberry32(0)() === 1144304738
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * The same stream as `mulberry32(seed)` scaled to floats in [0, 1) (each draw / 2^32).
 * @example uniformRandom(0)() === mulberry32(0)() / 4294967296
 */
export function uniformRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}
