import { InputError, JaladError } from '../../src/core/errors';
import {
  BIT_WIDTHS,
  dequantize,
  quantizationStep,
  quantize,
  roundHalfEven,
  tensorRange,
} from '../../src/codec';
import { roundTripInto } from '../../src/codec/normalize';
import type { BitWidth } from '../../src/codec';
import { firstDifference, stressTensors, uniform, wildFloats } from './fixtures';

// Math functions read once: global lookups are slow in jest's vm context.
const { abs, floor, fround: f, max, min } = Math;

/** Round half to even, written independently of the library (floor-based). */
function referenceRound(v: number): number {
  const below = floor(v);
  const diff = v - below;
  if (diff < 0.5) return below;
  if (diff > 0.5) return below + 1;
  return below % 2 === 0 ? below : below + 1;
}

/**
 * The ONNX graph the codec must mirror, one float32 op at a time:
 * lo = ReduceMin(x), hi = ReduceMax(x), r = Sub(hi, lo), rs = Where(Equal(r, 0), 1, r),
 * code = Cast(Clip(Round(Mul(Div(Sub(x, lo), rs), L)), 0, L), uint8);
 * decode: step = Div(Sub(hi, lo), L), xhat = Add(Mul(Cast(code, float), step), lo).
 */
function onnxEncode(x: Float32Array, bits: BitWidth): { codes: Uint8Array; lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    lo = min(lo, v);
    hi = max(hi, v);
  }
  const levels = f(2 ** bits - 1);
  const r = f(hi - lo);
  const rs = r === 0 ? 1 : r;
  const codes = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const s = f(f(f(x[i] - lo) / rs) * levels);
    codes[i] = min(levels, max(0, referenceRound(s)));
  }
  return { codes, lo, hi };
}

function onnxDecode(codes: Uint8Array, lo: number, hi: number, bits: BitWidth): Float32Array {
  const step = f(f(hi - lo) / f(2 ** bits - 1));
  return Float32Array.from(codes, (k) => f(f(k * step) + lo));
}

const STRESS = stressTensors();

describe('quantize(values, bits, options)', () => {
  it.each([0, 9, 2.5, -1, '8', 'f16', NaN])('rejects bits = %p with InputError BAD_OPTION', (bits) => {
    expect(() => quantize(Float32Array.of(1, 2), bits as BitWidth)).toThrow(InputError);
    expect(() => quantize(Float32Array.of(1, 2), bits as BitWidth)).toThrow(
      expect.objectContaining({ code: 'BAD_OPTION' }),
    );
  });

  it.each([NaN, Infinity, -Infinity])(
    'rejects %p with JaladError NON_FINITE naming the tensor and index',
    (bad) => {
      const x = uniform(100, 0, 1, 4);
      x[37] = bad;
      let error: unknown;
      try {
        quantize(x, 8, { name: 'conv1_out' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(JaladError);
      expect(error).toMatchObject({ code: 'NON_FINITE' });
      expect((error as Error).message).toContain('"conv1_out"');
      expect((error as Error).message).toContain('index 37');
    },
  );

  it('rejects a range hi − lo that overflows float32 (NON_FINITE)', () => {
    expect(() => quantize(Float32Array.of(-3e38, 3e38), 4)).toThrow(
      expect.objectContaining({ code: 'NON_FINITE' }),
    );
  });

  describe.each(BIT_WIDTHS)('at %i bits', (bits) => {
    const levels = 2 ** bits - 1;

    it.each(STRESS)('equals the float32 ONNX op sequence on %s', (_name, x) => {
      const q = quantize(x, bits);
      const reference = onnxEncode(x, bits);
      // A zero end is +0 whichever zeros the tensor holds (see tensorRange); Math.min says −0.
      expect(q.lo).toBe(reference.lo + 0);
      expect(q.hi).toBe(reference.hi + 0);
      expect(firstDifference(q.codes, reference.codes)).toBe(-1);
      expect(firstDifference(dequantize(q), onnxDecode(q.codes, q.lo, q.hi, bits))).toBe(-1);
    });

    // Float32 rounding adds at most 2^-20·(|lo| + |hi|), plus 2^(c − 149) when the step is subnormal
    // (its absolute rounding error, up to 2^-150, is multiplied by the code).
    it('decodes every value within half a step + 2^-20·(|lo| + |hi|) + 2^(c − 149)', () => {
      for (const [, x] of STRESS) {
        const q = quantize(x, bits);
        const xhat = dequantize(q);
        const step = (q.hi - q.lo) / levels;
        const tolerance = step / 2 + 2 ** -20 * (abs(q.lo) + abs(q.hi)) + 2 ** (bits - 149);
        let worst = 0;
        for (let i = 0; i < x.length; i++) worst = max(worst, abs(x[i] - xhat[i]));
        expect(worst).toBeLessThanOrEqual(tolerance);
      }
    });

    it('keeps lo and hi exact (codes 0 and 2^c − 1)', () => {
      const q = quantize(Float32Array.of(-2.5, 0.1, 7.25, 3), bits);
      expect(q.codes[0]).toBe(0);
      expect(q.codes[2]).toBe(levels);
      const xhat = dequantize(q);
      expect(xhat[0]).toBe(-2.5);
      expect(abs(xhat[2] - 7.25)).toBeLessThanOrEqual(2 ** -20 * 10);
    });

    it('maps an all-equal tensor to code 0 that decodes to the value exactly', () => {
      const q = quantize(new Float32Array(50).fill(-1.75), bits);
      expect(q.lo).toBe(-1.75);
      expect(q.hi).toBe(-1.75);
      expect(q.codes.every((k) => k === 0)).toBe(true);
      expect(dequantize(q).every((v) => v === -1.75)).toBe(true);
    });

    it('handles a single element and an empty tensor (lo = hi = 0)', () => {
      const one = quantize(Float32Array.of(3.5), bits);
      expect(Array.from(one.codes)).toEqual([0]);
      expect(dequantize(one)[0]).toBe(3.5);
      const empty = quantize(new Float32Array(0), bits);
      expect(empty).toMatchObject({ lo: 0, hi: 0 });
      expect(empty.codes.length).toBe(0);
    });
  });

  it('rounds exact halves to even, as ONNX Round', () => {
    // (x − lo)/(hi − lo)·(2^c − 1) = 0.5, 1.5, 2.5 exactly at c = 2 with range 0..6 (step 2):
    expect(Array.from(quantize(Float32Array.of(0, 1, 3, 5, 6), 2).codes)).toEqual([0, 0, 2, 2, 3]);
    expect(Array.from(quantize(Float32Array.of(0, 1, 2), 1).codes)).toEqual([0, 0, 1]);
  });
});

describe("roundTripInto(values, lo, hi, bits, out) (the sweep's fused path)", () => {
  const cases: Array<[string, Float32Array]> = [
    ...STRESS,
    ['all equal', new Float32Array(37).fill(2.5)],
    ['all −0', new Float32Array(9).fill(-0)],
    ['single element', Float32Array.of(-3)],
  ];
  it.each(cases)('equals dequantize(quantize(x)) bit for bit on %s at every bit width', (_name, x) => {
    for (const bits of BIT_WIDTHS) {
      const expected = dequantize(quantize(x, bits));
      const { lo, hi } = tensorRange(x);
      const out = new Float32Array(x.length).fill(NaN);
      roundTripInto(x, lo, hi, bits, out);
      expect(firstDifference(new Uint8Array(out.buffer), new Uint8Array(expected.buffer))).toBe(-1);
    }
  });

  it('rejects a range that overflows float32 (NON_FINITE)', () => {
    expect(() => roundTripInto(Float32Array.of(-3e38, 3e38), -3e38, 3e38, 4, new Float32Array(2))).toThrow(
      expect.objectContaining({ code: 'NON_FINITE' }),
    );
  });
});

describe('fround(d · (1/r)) equals float32 Div fround(d / r) (the quantizer shortcut)', () => {
  it('holds on 100k random float32 pairs 0 <= d <= r of every magnitude', () => {
    const a = wildFloats(100_000, 11);
    const b = wildFloats(100_000, 12);
    let mismatches = 0;
    for (let i = 0; i < a.length; i++) {
      let d = abs(a[i]);
      let r = abs(b[i]);
      if (d > r) [d, r] = [r, d];
      if (r === 0) continue;
      if (f(d * (1 / r)) !== f(d / r)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('holds for d/r near float32 midpoints (d = k·2^-24 + tiny, r = 1 − ulp)', () => {
    let mismatches = 0;
    for (let k = 1; k < 20000; k++) {
      for (const r of [f(1 - 2 ** -24), f(1 - 3 * 2 ** -24), f(0.75 + 2 ** -24), f(3 * 2 ** -20)]) {
        const d = f(min(r, f((2 * k + 1) * 2 ** -25 * r)));
        if (f(d * (1 / r)) !== f(d / r)) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });
});

describe('tensorRange(values)', () => {
  it.each([3, 64, 5000])('gives +0 for a zero end, whatever zeros a tensor of %i elements holds', (n) => {
    const negative = new Float32Array(n).fill(-0);
    negative[n - 1] = 1;
    const positive = new Float32Array(n).fill(-1);
    positive[1] = -0;
    for (const [x, end] of [
      [negative, 'lo'],
      [positive, 'hi'],
    ] as const) {
      expect(Object.is(tensorRange(x)[end], 0)).toBe(true);
    }
  });

  it('returns min and max; an empty tensor has lo = hi = 0', () => {
    expect(tensorRange(Float32Array.of(3, -1, 2, 5, 0))).toEqual({ lo: -1, hi: 5 });
    expect(tensorRange(new Float32Array(0))).toEqual({ lo: 0, hi: 0 });
    expect(tensorRange(Float32Array.of(7))).toEqual({ lo: 7, hi: 7 });
  });

  it('rejects NaN anywhere, also in the last position of an odd length', () => {
    const x = uniform(4097, 0, 1, 5);
    x[4096] = NaN;
    expect(() => tensorRange(x, { name: 'x' })).toThrow(expect.objectContaining({ code: 'NON_FINITE' }));
  });
});

describe('dequantize(quantized)', () => {
  it('rejects a bad bit width', () => {
    expect(() => dequantize({ bits: 0 as BitWidth, codes: new Uint8Array(1), lo: 0, hi: 1 })).toThrow(
      expect.objectContaining({ code: 'BAD_OPTION' }),
    );
  });

  it('maps code k to lo + k·(hi − lo)/(2^c − 1) in float32', () => {
    expect(Array.from(dequantize({ bits: 1, codes: Uint8Array.of(0, 1), lo: -1, hi: 3 }))).toEqual([-1, 3]);
    expect(Array.from(dequantize({ bits: 2, codes: Uint8Array.of(0, 1, 2, 3), lo: 0, hi: 6 }))).toEqual([
      0, 2, 4, 6,
    ]);
  });
});

describe('quantizationStep(lo, hi, bits)', () => {
  it('is (hi − lo)/(2^c − 1) in float32', () => {
    expect(quantizationStep(0, 255, 8)).toBe(1);
    expect(quantizationStep(-1, 1, 1)).toBe(2);
    expect(quantizationStep(0, 1, 3)).toBe(f(1 / 7));
  });
});

describe('roundHalfEven(v)', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [-0.5, -0],
    [-1.5, -2],
    [-2.5, -2],
    [2.4999999, 2],
    [2.5000001, 3],
    [7, 7],
  ])('roundHalfEven(%p) === %p', (v, expected) => {
    expect(roundHalfEven(v)).toBe(expected);
  });
});
