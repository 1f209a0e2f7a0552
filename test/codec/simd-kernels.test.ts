/**
 * The WebAssembly SIMD kernels against the JavaScript kernels they replace: bit for bit, on the
 * tensors that stress float32 arithmetic, at every length modulo 16 (the SIMD body and the
 * JavaScript tail) and at every alignment of the sample in its buffer.
 */
import { quantizeScalar, roundTripScalar, tensorRange } from '../../src/codec/normalize';
import { simdKernels } from '../../src/codec/simd-kernels';
import { BIT_WIDTHS } from '../../src/codec';
import { firstDifference, reluMap, stressTensors, uniform } from './fixtures';

const { fround: f } = Math;
const kernels = simdKernels();

/** The tensors, plus slices of odd lengths at odd offsets (views not aligned on 16 bytes). */
function cases(): Array<[string, Float32Array]> {
  const base = uniform(40_000, -3, 5, 9);
  const odd: Array<[string, Float32Array]> = [];
  for (let offset = 0; offset < 4; offset++) {
    for (const length of [1, 3, 4, 15, 16, 17, 63, 64, 65, 16_383, 16_384, 16_385, 33_001]) {
      odd.push([`uniform, ${length} at offset ${offset}`, base.subarray(offset, offset + length)]);
    }
  }
  return [...stressTensors(), ['post-ReLU map 32x28x28', reluMap(32, 28, 28, 5)], ...odd];
}

const CASES = cases();

describe('WebAssembly SIMD kernels', () => {
  test('are available on this engine (Node 16.4+ has WebAssembly SIMD)', () => {
    expect(kernels).not.toBeNull();
  });

  test.each(CASES)('range equals tensorRange on %s', (_name, x) => {
    const expected = tensorRange(x);
    const got = kernels!.range(x)!;
    // == on purpose: which zero a ±0 end keeps depends on the scan order and changes no code.
    expect([got.lo == expected.lo, got.hi == expected.hi]).toEqual([true, true]);
  });

  test.each([NaN, Infinity, -Infinity])('range flags %p in the vector body and in the tail', (bad) => {
    for (const at of [0, 5, 31, 16_390, 16_403]) {
      const x = uniform(16_404, 0, 1, 3);
      x[at] = bad;
      expect({ at, range: kernels!.range(x) }).toEqual({ at, range: null });
    }
  });

  test.each(CASES)('roundTrip equals the JavaScript round trip, bit for bit, on %s', (_name, x) => {
    const { lo, hi } = tensorRange(x);
    const r = f(hi - lo);
    if (r === 0 || r === Infinity) return;
    for (const bits of BIT_WIDTHS) {
      const levels = (1 << bits) - 1;
      const step = f(r / levels);
      const expected = new Float32Array(x.length);
      const got = new Float32Array(x.length);
      roundTripScalar(x, lo, r, levels, step, expected);
      kernels!.roundTrip(x, lo, r, levels, step, got);
      // Compared as bits: -0 and +0 must match too.
      expect({
        bits,
        at: firstDifference(new Uint32Array(got.buffer), new Uint32Array(expected.buffer)),
      }).toEqual({ bits, at: -1 });
    }
  });

  test.each(CASES)('quantize gives the JavaScript codes and histogram on %s', (_name, x) => {
    const { lo, hi } = tensorRange(x);
    const r = f(hi - lo);
    if (r === 0 || r === Infinity) return;
    for (const bits of BIT_WIDTHS) {
      const levels = (1 << bits) - 1;
      const expected = { codes: new Uint8Array(x.length), histogram: new Uint32Array(256) };
      const got = { codes: new Uint8Array(x.length), histogram: new Uint32Array(256) };
      quantizeScalar(x, lo, r, levels, expected.codes, expected.histogram);
      kernels!.quantize(x, lo, r, levels, got.codes, got.histogram);
      expect({ bits, at: firstDifference(got.codes, expected.codes) }).toEqual({ bits, at: -1 });
      expect(Array.from(got.histogram)).toEqual(Array.from(expected.histogram));
    }
  });

  test('quantize adds to the histogram it is given, and leaves no counts behind for the next call', () => {
    const x = reluMap(4, 10, 10, 8);
    const { lo, hi } = tensorRange(x);
    const once = new Uint32Array(256);
    kernels!.quantize(x, lo, f(hi - lo), 15, new Uint8Array(x.length), once);
    const twice = new Uint32Array(256);
    kernels!.quantize(x, lo, f(hi - lo), 15, new Uint8Array(x.length), twice);
    kernels!.quantize(x, lo, f(hi - lo), 15, new Uint8Array(x.length), twice);
    expect(Array.from(twice)).toEqual(Array.from(once, (c) => 2 * c));
    expect(once.reduce((a, b) => a + b, 0)).toBe(x.length);
  });
});
