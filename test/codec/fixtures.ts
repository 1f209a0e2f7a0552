/**
 * Seeded test data for the codec tests (no Math.random: every run sees the same tensors).
 */
import { quantize, type BitWidth } from '../../src/codec';
import { uniformRandom } from '../../src/core/random';

// NOTE: Math functions read once; jest runs tests in a vm context where every lookup of the
// global `Math` is slow (measured 20-35x per call in a loop).
const { abs, cos, exp, floor, imul, log, max, min, PI, sqrt } = Math;

/** jalad's seeded generator (mulberry32) as floats in [0, 1). */
export const prng = uniformRandom;

/** Standard normal samples (Box–Muller) from a uniform source. */
export function gaussian(random: () => number): () => number {
  return () => sqrt(-2 * log(1 - random())) * cos(2 * PI * random());
}

/** A post-ReLU-like feature map [C, H, W]: about 60% zeros and a skewed positive tail. */
export function reluMap(channels: number, height: number, width: number, seed: number): Float32Array {
  const g = gaussian(prng(seed));
  const plane = height * width;
  const x = new Float32Array(channels * plane);
  for (let c = 0; c < channels; c++) {
    const scale = exp(0.5 * g());
    const bias = -0.3 + 0.3 * g();
    for (let i = 0; i < plane; i++) x[c * plane + i] = max(0, (g() + bias) * scale);
  }
  return x;
}

/** Uniform values in [lo, hi), as float32. */
export function uniform(count: number, lo: number, hi: number, seed: number): Float32Array {
  const random = prng(seed);
  const x = new Float32Array(count);
  for (let i = 0; i < count; i++) x[i] = lo + (hi - lo) * random();
  return x;
}

/** A random shape of rank 1..4 with at most `maxElements` elements (every dim >= 1). */
export function randomShape(random: () => number, maxElements: number): number[] {
  const rank = 1 + floor(random() * 4);
  const shape: number[] = [];
  let total = 1;
  for (let d = 0; d < rank; d++) {
    const dim = 1 + floor(random() * max(1, floor(maxElements / total) ** (1 / (rank - d))));
    shape.push(dim);
    total *= dim;
  }
  return shape;
}

/** Float32 values from random bit patterns with random exponents (finite only). */
export function wildFloats(count: number, seed: number): Float32Array {
  const random = prng(seed);
  const bits = new Uint32Array(count);
  const out = new Float32Array(bits.buffer);
  for (let i = 0; i < count; i++) {
    do {
      bits[i] = floor(random() * 2 ** 32);
    } while (!Number.isFinite(out[i]));
  }
  return out;
}

/**
 * Index of the first element where two arrays differ (Object.is, so -0 and NaN are distinguished),
 * the shorter length when one is a prefix of the other, or -1 when they are equal. Faster than
 * jest's deep equality on large typed arrays.
 */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const u = a[i];
    const v = b[i];
    if (u !== v ? !(u !== u && v !== v) : u === 0 && 1 / u !== 1 / v) return i;
  }
  return a.length === b.length ? -1 : n;
}

/**
 * A large sparse post-ReLU-like tensor from an LCG (cheap for millions of elements): 60% zeros,
 * the rest a cubed uniform (a skewed tail) up to 40.
 */
export function sparseLcg(count: number, seed: number): Float32Array {
  const x = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (imul(state, 1664525) + 1013904223) >>> 0;
    const u = state / 4294967296;
    x[i] = u < 0.6 ? 0 : ((u - 0.6) * 2.5) ** 3 * 40;
  }
  return x;
}

/** Tensors that stress the float32 arithmetic: wide, narrow, negative, subnormal, sparse. */
export function stressTensors(): Array<[string, Float32Array]> {
  const random = prng(7);
  const narrow = Float32Array.from({ length: 3000 }, () => 1 + floor(random() * 300) * 2 ** -23);
  const subnormal = Float32Array.from({ length: 3000 }, () => floor(random() * 1000) * 2 ** -149);
  const wild = wildFloats(20000, 8).filter((v) => abs(v) < 1e37);
  return [
    ['uniform [-1, 1)', uniform(5000, -1, 1, 1)],
    ['post-ReLU map', reluMap(8, 14, 14, 2)],
    ['large offset', uniform(5000, 1000, 1001, 3)],
    ['narrow range near 1', narrow],
    ['subnormal values', subnormal],
    ['random bit patterns', wild],
    // lo = 0 takes the quantizer's kernel without the Sub step: stress it at every magnitude.
    ['non-negative random bit patterns, min 0', Float32Array.from([0, ...wild.map(abs)])],
    ['min −0 with subnormals', Float32Array.from([-0, ...subnormal])],
  ];
}

/** `n` codes of `bits` bits, uniformly random from `seed`. */
export function randomCodes(n: number, bits: number, seed: number): Uint8Array {
  const random = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(random() * 2 ** bits));
}

/** A code map of shape [c, h, w] whose code at (channel, row, column) is `f` of them. */
export function codeMap(
  c: number,
  h: number,
  w: number,
  f: (ch: number, y: number, x: number) => number,
): Uint8Array {
  const out = new Uint8Array(c * h * w);
  for (let ch = 0, i = 0; ch < c; ch++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[i++] = f(ch, y, x);
  return out;
}

/**
 * Constant, random, smooth and adversarial code maps of shape [c, h, w] at `bits` bits, named:
 * the context coders' loops in JavaScript and WebAssembly are compared on each.
 */
export function stressMaps(c: number, h: number, w: number, bits: BitWidth): Array<[string, Uint8Array]> {
  const n = c * h * w;
  const max = 2 ** bits - 1;
  const at = (f: (ch: number, y: number, x: number) => number): Uint8Array => codeMap(c, h, w, f);
  return [
    ['zero', new Uint8Array(n)],
    ['max', new Uint8Array(n).fill(max)],
    ['random', randomCodes(n, bits, n * 31 + bits)],
    ['smooth', n === 0 ? new Uint8Array(0) : quantize(reluMap(c, h, w, n + bits), bits).codes],
    ['checkerboard 0/max', at((ch, y, x) => ((ch + y + x) & 1) * max)],
    ['spike', at((ch, y, x) => (ch === c - 1 && y === h >> 1 && x === w >> 1 ? max : 0))],
    ['ramp', at((_ch, y, x) => (y * w + x) % (max + 1))],
    [
      'sparse random',
      at((ch, y, x) => (((ch * 7 + y * 3 + x) * 2654435761) >>> 28 === 0 ? (x * 13) & max : 0)),
    ],
  ];
}
