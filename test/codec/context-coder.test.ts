import { InputError } from '../../src/core/errors';
import { BIT_WIDTHS, contextDecode, contextEncode, quantize } from '../../src/codec';
import type { BitWidth } from '../../src/codec';
import {
  CONTEXTS,
  contextEncodeWithin,
  initialStates,
  type ContextVersion,
} from '../../src/codec/context-coder';
import { crc32 } from '../../src/codec/crc32';
import { codeMap, firstDifference, prng, randomCodes, reluMap } from './fixtures';

const { floor } = Math;

/** CRC-32s of version 4's fixed corpus per bit width 1..8 (see `corpusCrcs`). */
const V4_CRCS = [
  0xbe78fee6, 0x27aad1de, 0x4bdc5a28, 0x7565e16d, 0x97967670, 0x79acc46d, 0x2f11c0cc, 0x881dce0f,
];

/**
 * Encodes, decodes and checks the codes come back bit for bit, in payload version 3 and 4 (the
 * default); returns the version-4 payload.
 */
function roundTrip(codes: Uint8Array, shape: readonly number[], bits: BitWidth): Uint8Array {
  const v3 = contextEncode(codes, shape, bits, 3);
  expect(firstDifference(contextDecode(v3, codes.length, shape, bits, 0, v3.length, 3), codes)).toBe(-1);
  const payload = contextEncode(codes, shape, bits);
  const back = contextDecode(payload, codes.length, shape, bits);
  expect(firstDifference(back, codes)).toBe(-1);
  return payload;
}

/** Code maps chosen to hit the model's edges: extremes, alternation, isolated values. */
function adversarial(c: number, h: number, w: number, bits: BitWidth): Array<[string, Uint8Array]> {
  const n = c * h * w;
  const max = 2 ** bits - 1;
  const at = (f: (ch: number, y: number, x: number) => number): Uint8Array => codeMap(c, h, w, f);
  return [
    ['all zero', new Uint8Array(n)],
    ['all max', new Uint8Array(n).fill(max)],
    ['constant mid', new Uint8Array(n).fill(max >> 1)],
    ['checkerboard 0/max', at((ch, y, x) => ((ch + y + x) & 1) * max)],
    ['checkerboard 1/max-1', at((ch, y, x) => (((ch + y + x) & 1) === 0 ? 1 : Math.max(max - 1, 0)))],
    ['stripes', at((_ch, _y, x) => (x % 3 === 0 ? max : 0))],
    ['single spike', at((ch, y, x) => (ch === c - 1 && y === h >> 1 && x === w >> 1 ? max : 0))],
    ['spike at the first code', at((ch, y, x) => (ch + y + x === 0 ? max : 0))],
    ['ramp', at((_ch, y, x) => (y * w + x) % (max + 1))],
    ['inverse ramp across channels', at((ch) => max - (ch % (max + 1)))],
    ['random', randomCodes(n, bits, c * 131 + h * 17 + w + bits)],
  ];
}

describe('contextEncodeWithin(codes, shape, bits, maxBytes)', () => {
  it('gives the full payload within the limit and null past it', () => {
    for (const bits of [2, 5, 8] as BitWidth[]) {
      const codes = quantize(reluMap(12, 10, 10, bits), bits).codes;
      const full = contextEncode(codes, [12, 10, 10], bits);
      expect(contextEncodeWithin(codes, [12, 10, 10], bits, full.length)).toEqual(full);
      expect(contextEncodeWithin(codes, [12, 10, 10], bits, full.length - 1)).toBeNull();
      expect(contextEncodeWithin(codes, [12, 10, 10], bits, full.length >> 2)).toBeNull();
    }
  });
});

describe('contextEncodeWithin(..., pace)', () => {
  /** Bits an order-0 coder with the map's exact frequencies spends on each code value. */
  function orderZeroBits(codes: Uint8Array, bits: BitWidth): Float64Array {
    const counts = new Float64Array(2 ** bits);
    for (const v of codes) counts[v]++;
    return Float64Array.from({ length: 256 }, (_, v) =>
      counts[v] > 0 ? Math.log2(codes.length / counts[v]) : 0,
    );
  }

  it('gives up part-way on a map without spatial structure, where it trails order-0 coding', () => {
    for (const bits of [6, 8] as BitWidth[]) {
      // Post-ReLU-like codes drawn independently: no neighbour predicts another.
      const codes = quantize(reluMap(64, 16, 16, 90 + bits), bits).codes;
      const shape = [64, 16, 16];
      expect(contextEncodeWithin(codes, shape, bits, Infinity)).not.toBeNull();
      const pace = { codeBits: orderZeroBits(codes, bits), marginBytes: 16 };
      expect(contextEncodeWithin(codes, shape, bits, Infinity, pace)).toBeNull();
    }
  });

  it('codes a spatially smooth map in full, byte for byte as without the pace', () => {
    const [c, h, w] = [32, 16, 16];
    for (const bits of [2, 4, 6, 8] as BitWidth[]) {
      const codes = new Uint8Array(c * h * w);
      for (let ch = 0, i = 0; ch < c; ch++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) codes[i++] = (x + 2 * y + 7 * ch) & (2 ** bits - 1);
      const pace = { codeBits: orderZeroBits(codes, bits), marginBytes: 16 };
      expect(contextEncodeWithin(codes, [c, h, w], bits, Infinity, pace)).toEqual(
        contextEncode(codes, [c, h, w], bits),
      );
    }
  });
});

/** CRC-32 of the payloads of a fixed corpus (smooth, noisy, random, rank-1 maps) per bit width. */
function corpusCrcs(version: ContextVersion): number[] {
  return BIT_WIDTHS.map((bits) => {
    const random = prng(1000 + bits);
    const maps: Array<[Uint8Array, number[]]> = [
      [quantize(reluMap(6, 9, 11, bits), bits).codes, [6, 9, 11]],
      [quantize(reluMap(2, 30, 17, 40 + bits), bits).codes, [2, 30, 17]],
      [Uint8Array.from({ length: 3 * 5 * 7 }, () => floor(random() * 2 ** bits)), [3, 5, 7]],
      [Uint8Array.from({ length: 61 }, (_, i) => (i * 37) % 2 ** bits), [61]],
    ];
    let crc = 0;
    for (const [codes, shape] of maps) {
      const payload = contextEncode(codes, shape, bits, version);
      expect(
        firstDifference(contextDecode(payload, codes.length, shape, bits, 0, payload.length, version), codes),
      ).toBe(-1);
      crc = (crc ^ crc32(payload)) >>> 0;
      crc = ((crc << 5) | (crc >>> 27)) >>> 0;
    }
    return crc;
  });
}

describe('format version 4 stays fixed', () => {
  it('codes a fixed corpus to the bytes of the first version-4 encoder (CRC-32 per bit width)', () => {
    // Computed with the version-4 encoder and table as first merged (issue #18, session 7).
    expect(corpusCrcs(4)).toEqual(V4_CRCS);
  });

  it('starts from a table of valid states that differs from version 3', () => {
    let trained = 0;
    for (const bits of BIT_WIDTHS) {
      const v4 = initialStates(4, bits);
      expect(v4.length).toBe(CONTEXTS);
      for (const state of v4) {
        expect(state >>> 6).toBeGreaterThan(0);
        expect(state >>> 6).toBeLessThan(65536);
        if (state !== 32768 << 6) trained++;
      }
      expect(Array.from(initialStates(3, bits))).toEqual(new Array(CONTEXTS).fill(32768 << 6));
    }
    expect(trained).toBeGreaterThan(CONTEXTS);
  });
});

describe('format version 3 stays fixed', () => {
  it('codes a fixed corpus to the bytes of the first version-3 encoder (CRC-32 per bit width)', () => {
    // Computed with the version-3 encoder as first merged (main 606c935), before its speed-ups:
    // those must change how fast the payload is made, never one byte of it.
    const expected = [
      0x22fc59a9, 0x2ed8f1a9, 0x3fc5d4b7, 0x3d9c3010, 0xdabbccb4, 0x678ec11d, 0xafec4601, 0x45162149,
    ];
    expect(corpusCrcs(3)).toEqual(expected);
  });
});

describe('contextEncode(codes, shape, bits) / contextDecode(bytes, count, shape, bits)', () => {
  it('rejects a payload that ends early or late with InputError BAD_DATA', () => {
    const codes = quantize(reluMap(4, 8, 8, 1), 6).codes;
    const payload = contextEncode(codes, [4, 8, 8], 6);
    for (const bad of [payload.subarray(0, payload.length - 1), Uint8Array.of(...payload, 0)]) {
      expect(() => contextDecode(bad, codes.length, [4, 8, 8], 6)).toThrow(InputError);
      expect(() => contextDecode(bad, codes.length, [4, 8, 8], 6)).toThrow(
        expect.objectContaining({ code: 'BAD_DATA' }),
      );
    }
    expect(() => contextDecode(payload, codes.length + 1, [4, 8, 8], 6)).toThrow(InputError);
  });

  it.each(BIT_WIDTHS)(
    'round-trips every length 0..80 as a row, a column and a 2-row plane at %i bits',
    (bits) => {
      for (let n = 0; n <= 80; n++) {
        const codes = randomCodes(n, bits, n * 8 + bits);
        roundTrip(codes, [n], bits);
        roundTrip(codes, [n, 1], bits);
        if (n % 2 === 0) roundTrip(codes, [2, n / 2], bits);
        if (n % 6 === 0) roundTrip(codes, [n / 6, 2, 3], bits);
      }
    },
  );

  it.each(BIT_WIDTHS)('round-trips shapes of rank 0 to 4 and payloads at any offset at %i bits', (bits) => {
    const random = prng(bits * 7);
    for (const shape of [[], [1], [3, 1, 1], [1, 1, 9], [5, 7, 3], [2, 3, 4, 5], [1, 2, 1, 2], [17, 13]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const codes = randomCodes(n, bits, n + bits);
      const payload = contextEncode(codes, shape, bits);
      for (const offset of [0, 1, 3, 7]) {
        const framed = new Uint8Array(offset + payload.length + 5).fill(floor(random() * 256));
        framed.set(payload, offset);
        const back = contextDecode(framed, n, shape, bits, offset, offset + payload.length);
        expect(firstDifference(back, codes)).toBe(-1);
      }
    }
  });

  describe.each(BIT_WIDTHS)('at %i bits', (bits) => {
    it.each([
      [1, 1, 1],
      [1, 28, 28],
      [16, 14, 14],
      [112, 1, 1],
      [3, 5, 64],
    ])('round-trips adversarial code maps of shape [%i, %i, %i]', (c, h, w) => {
      for (const [name, codes] of adversarial(c, h, w, bits)) {
        const payload = contextEncode(codes, [c, h, w], bits);
        const back = contextDecode(payload, codes.length, [c, h, w], bits);
        expect({ name, at: firstDifference(back, codes) }).toEqual({ name, at: -1 });
      }
    });

    it('codes constant maps in a few bytes and a smooth real-like map below its raw size', () => {
      const n = 16 * 28 * 28;
      for (const value of [0, 2 ** bits - 1]) {
        expect(roundTrip(new Uint8Array(n).fill(value), [16, 28, 28], bits).length).toBeLessThan(40);
      }
      const codes = quantize(reluMap(16, 28, 28, bits), bits).codes;
      expect(roundTrip(codes, [16, 28, 28], bits).length).toBeLessThan((n * bits) / 8);
    });

    it('never hangs or writes an out-of-range code on damaged payloads', () => {
      const codes = quantize(reluMap(6, 10, 10, 40 + bits), bits).codes;
      const payload = contextEncode(codes, [6, 10, 10], bits);
      const random = prng(bits);
      for (let trial = 0; trial < 60; trial++) {
        const damaged = payload.slice(0, trial % 3 === 0 ? floor(random() * payload.length) : undefined);
        if (damaged.length > 0) damaged[floor(random() * damaged.length)] ^= 1 + floor(random() * 255);
        try {
          const back = contextDecode(damaged, codes.length, [6, 10, 10], bits);
          for (const v of back) expect(v).toBeLessThan(2 ** bits);
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
        }
      }
    });
  });

  it('is deterministic: the same codes give the same bytes', () => {
    const codes = quantize(reluMap(8, 12, 12, 3), 5).codes;
    expect(firstDifference(contextEncode(codes, [8, 12, 12], 5), contextEncode(codes, [8, 12, 12], 5))).toBe(
      -1,
    );
  });

  it('beats the raw size on spatially smooth maps by exploiting neighbours', () => {
    // A map with smooth planes that differ from each other: an order-0 coder sees ~uniform codes.
    const c = 8;
    const h = 32;
    const w = 32;
    const codes = new Uint8Array(c * h * w);
    for (let ch = 0, i = 0; ch < c; ch++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) codes[i++] = (x * 3 + y * 5 + ch * 29) & 255;
    const payload = roundTrip(codes, [c, h, w], 8);
    expect(payload.length).toBeLessThan(codes.length / 8);
  });
});
