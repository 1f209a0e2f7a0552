import { float32ToHalfBits, halfBitsToFloat32 } from '../../src/codec';

const f = Math.fround; // read once: global lookups are slow in jest's vm context

describe('float32ToHalfBits(value) / halfBitsToFloat32(bits)', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65519.99, 0x7bff], // below the midpoint to Infinity
    [65520, 0x7c00], // the midpoint between 65504 and 2^16 rounds to even: Infinity
    [1e6, 0x7c00],
    [-1e6, 0xfc00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // half of it: ties to even (0)
    [3 * 2 ** -25, 0x0002], // 1.5 subnormal units: ties to even (2)
    [f(2 ** -25 + 2 ** -40), 0x0001], // just above half a unit
    [2 ** -14, 0x0400], // smallest normal
    [f(1 / 3), 0x3555],
  ])('float32ToHalfBits(%p) === %p (bit pattern)', (value, bits) => {
    expect(float32ToHalfBits(value)).toBe(bits);
  });

  it('round-trips all 63488 finite half values exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue; // Inf / NaN
      const v = halfBitsToFloat32(h);
      const back = float32ToHalfBits(v);
      if (back !== h) throw new Error(`half 0x${h.toString(16)} = ${v} came back as 0x${back.toString(16)}`);
    }
  });

  it('rounds every midpoint between adjacent positive halves to the even one, and nudges correctly', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const a = halfBitsToFloat32(h);
      const b = halfBitsToFloat32(h + 1);
      const mid = (a + b) / 2; // exact in float32 (halves have 11 significant bits)
      if (f(mid) !== mid) throw new Error(`midpoint after 0x${h.toString(16)} is not a float32`);
      const even = h % 2 === 0 ? h : h + 1;
      if (float32ToHalfBits(mid) !== even) throw new Error(`midpoint after 0x${h.toString(16)}`);
      if (float32ToHalfBits(-mid) !== (even | 0x8000))
        throw new Error(`negative midpoint after 0x${h.toString(16)}`);
      const below = f(mid - (mid - a) / 1024);
      const above = f(mid + (b - mid) / 1024);
      if (float32ToHalfBits(below) !== h || float32ToHalfBits(above) !== h + 1) {
        throw new Error(`rounding near the midpoint after 0x${h.toString(16)}`);
      }
    }
  });

  it('keeps Infinity and NaN', () => {
    expect(float32ToHalfBits(Infinity)).toBe(0x7c00);
    expect(halfBitsToFloat32(0x7c00)).toBe(Infinity);
    expect(halfBitsToFloat32(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(halfBitsToFloat32(float32ToHalfBits(NaN)))).toBe(true);
  });
});
