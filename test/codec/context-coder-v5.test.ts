import { InputError } from '../../src/core/errors';
import { dequantize, quantize } from '../../src/codec';
import type { BitWidth } from '../../src/codec';
import type { PaceBound } from '../../src/codec/context-coder';
import { contextEncode } from '../../src/codec/context-coder';
import {
  CDF_LANES,
  SYMBOL_CONTEXTS,
  contextDecodeV5Js,
  contextDecodeV5Values,
  contextEncodeV5,
  contextEncodeV5Js,
  v5Start,
} from '../../src/codec/context-coder-v5';
import { crc32 } from '../../src/codec/crc32';
import { contextWasmActive, useContextWasm } from '../../src/codec/context-wasm';
import { codeMap, firstDifference, prng, randomCodes, reluMap, stressMaps } from './fixtures';

const { floor } = Math;
const ALL_BITS: readonly BitWidth[] = [1, 2, 3, 4, 5, 6, 7, 8];

/** The shared stress maps, and a dense map without zeros (version 5's dense mode). */
function maps(c: number, h: number, w: number, bits: BitWidth): Array<[string, Uint8Array]> {
  const max = 2 ** bits - 1;
  return [
    ...stressMaps(c, h, w, bits),
    [
      'dense noise',
      codeMap(c, h, w, (ch, y, x) => 1 + ((((ch * 131 + y * 17 + x) * 2654435761) >>> 24) % max)),
    ],
  ];
}

const SHAPES: ReadonlyArray<readonly number[]> = [
  [0],
  [1],
  [7],
  [333],
  [1, 1, 1],
  [3, 5, 7],
  [112, 1, 1],
  [24, 28, 28],
  [2, 3, 4, 5],
  [4, 3, 16],
  [2, 3, 17],
  [5, 4, 33],
  [3, 20, 1],
  [3, 9, 2],
];

function chw(shape: readonly number[]): [number, number, number] {
  return shape.length === 1
    ? [1, 1, shape[0]]
    : [shape[0], shape[1], shape.slice(2).reduce((a, b) => a * b, 1)];
}

/** Encodes with both loops; expects identical results; returns the payload. */
function sameEncode(
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  maxBytes = Infinity,
  pace?: PaceBound,
): Uint8Array | null {
  const js = contextEncodeV5Js(codes, shape, bits, maxBytes, pace);
  const wasm = contextEncodeV5(codes, shape, bits, maxBytes, pace);
  expect(wasm === null).toBe(js === null);
  if (js !== null && wasm !== null) expect(firstDifference(wasm, js)).toBe(-1);
  if (js !== null) expect(wasm?.length).toBe(js.length);
  return js;
}

function decodeWasm(
  payload: Uint8Array,
  count: number,
  shape: readonly number[],
  bits: BitWidth,
  start = 0,
  end = payload.length,
): Uint8Array {
  return contextDecodeV5Values(payload, count, shape, bits, { start, end, lo: 0, hi: 1 }).codes;
}

/** The outcome of a decode: the codes, or the error's message. */
function outcome(decode: () => Uint8Array): Uint8Array | string {
  try {
    return decode();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
}

describe('context coder version 5: WebAssembly loops against the JavaScript reference', () => {
  it('runs the WebAssembly loops in this Node', () => {
    expect(contextWasmActive()).toBe(true);
  });

  describe.each(ALL_BITS)('at %i bits', (bits) => {
    it.each(SHAPES.map((s) => [s.join('x'), s]))(
      'codes shape %s to the same bytes and back',
      (_name, shape) => {
        const [c, h, w] = chw(shape);
        for (const [name, codes] of maps(c, h, w, bits)) {
          const payload = sameEncode(codes, shape, bits)!;
          const back = decodeWasm(payload, codes.length, shape, bits);
          const backJs = contextDecodeV5Js(payload, codes.length, shape, bits);
          expect({ name, at: firstDifference(back, codes) }).toEqual({ name, at: -1 });
          expect({ name, at: firstDifference(backJs, codes) }).toEqual({ name, at: -1 });
        }
      },
    );

    it('gives up at the same place under a byte limit and under a pace', () => {
      const codeBits = new Float64Array(256).fill(bits - 0.5);
      for (const [name, codes] of maps(16, 14, 14, bits)) {
        const full = sameEncode(codes, [16, 14, 14], bits)!;
        for (const limit of [0, 5, full.length >> 1, full.length - 1, full.length]) {
          const within = sameEncode(codes, [16, 14, 14], bits, limit);
          expect({ name, limit, kept: within !== null }).toEqual({ name, limit, kept: limit >= full.length });
        }
        for (const marginBytes of [0, 10, 1000])
          sameEncode(codes, [16, 14, 14], bits, Infinity, { codeBits, marginBytes });
      }
    });

    it('decodes damaged, truncated and extended payloads to the same codes or the same error', () => {
      for (const codes of [
        quantize(reluMap(6, 10, 10, 40 + bits), bits).codes,
        randomCodes(600, bits, bits),
      ]) {
        const shape = [6, 10, 10];
        const payload = sameEncode(codes, shape, bits)!;
        const random = prng(bits * 3 + 1);
        let rejected = 0;
        for (let trial = 0; trial < 80; trial++) {
          let damaged = payload.slice(0, trial % 3 === 0 ? floor(random() * payload.length) : undefined);
          if (trial % 5 === 1) damaged = Uint8Array.of(...payload, floor(random() * 256));
          if (damaged.length > 0 && trial % 3 !== 0)
            damaged[floor(random() * damaged.length)] ^= 1 + floor(random() * 255);
          const framed = new Uint8Array(damaged.length + 9).fill(0xa5);
          framed.set(damaged, 4);
          const end = 4 + damaged.length;
          const wasm = outcome(() => decodeWasm(framed, codes.length, shape, bits, 4, end));
          const js = outcome(() => contextDecodeV5Js(framed, codes.length, shape, bits, 4, end));
          expect(wasm).toEqual(js);
          if (typeof wasm === 'string') {
            expect(wasm).toMatch(
              /^context payload: (the codes end after|residual out of range|nonzero padding bits)/,
            );
            rejected++;
          } else for (const v of wasm) expect(v).toBeLessThan(2 ** bits);
        }
        // Every truncation and extension is caught (a flipped byte may decode to other valid codes).
        expect(rejected).toBeGreaterThanOrEqual(27 + 16 - 6);
      }
    });
  });

  it.each(ALL_BITS)(
    'dequantizes to exactly the values of dequantize, with and without WebAssembly, at %i bits',
    (bits) => {
      const shape = [5, 9, 11];
      const codes = quantize(reluMap(5, 9, 11, 70 + bits), bits).codes;
      const payload = contextEncodeV5(codes, shape, bits)!;
      const framed = Uint8Array.of(7, 7, 7, ...payload, 9);
      const range = { start: 3, end: 3 + payload.length, lo: -0.75, hi: 2.5 };
      const expected = dequantize({ bits, codes, lo: range.lo, hi: range.hi });
      const wasm = contextDecodeV5Values(framed, codes.length, shape, bits, range);
      useContextWasm(false);
      try {
        expect(firstDifference(contextEncodeV5(codes, shape, bits)!, payload)).toBe(-1);
        const js = contextDecodeV5Values(framed, codes.length, shape, bits, range);
        for (const got of [wasm, js]) {
          expect(firstDifference(got.codes, codes)).toBe(-1);
          expect(Buffer.from(got.values.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
        }
      } finally {
        useContextWasm(true);
      }
    },
  );

  it('rejects a short payload that declares a huge map, and a shape that does not hold the count', () => {
    expect(() => decodeWasm(Uint8Array.of(1, 2, 3), 64 * 256 * 256, [64, 256, 256], 8)).toThrow(InputError);
    expect(() => contextDecodeV5Js(Uint8Array.of(1, 2, 3), 10, [3, 3], 8)).toThrow(/does not hold 10 codes/);
    expect(() => decodeWasm(Uint8Array.of(1, 2, 3), 10, [3, 3], 8)).toThrow(/does not hold 10 codes/);
  });
});

describe('context coder version 5: the model', () => {
  it('starts every multi-symbol context from an increasing 15-bit CDF derived from version 4 (padding at 2^15)', () => {
    for (const bits of ALL_BITS) {
      const { cdfs, uses } = v5Start(bits);
      expect(cdfs.length).toBe(SYMBOL_CONTEXTS * 2 * CDF_LANES);
      expect(uses.length).toBe(SYMBOL_CONTEXTS);
      for (let k = 0; k < SYMBOL_CONTEXTS; k++) {
        const slow = Array.from(cdfs.subarray(2 * k * CDF_LANES, (2 * k + 1) * CDF_LANES));
        expect(Array.from(cdfs.subarray((2 * k + 1) * CDF_LANES, (2 * k + 2) * CDF_LANES))).toEqual(slow);
        for (let i = 0; i < CDF_LANES; i++) {
          if (i >= bits) expect(slow[i]).toBe(32768);
          else expect(slow[i]).toBeLessThan(32768);
          if (i > 0) expect(slow[i]).toBeGreaterThanOrEqual(slow[i - 1]);
        }
      }
    }
  });

  it('codes smooth 8-bit and sparse 2-bit maps within 2% of version 4', () => {
    const dense = quantize(
      reluMap(24, 28, 28, 5).map((v) => v + 1),
      8,
    ).codes;
    const sparse = quantize(reluMap(24, 28, 28, 6), 2).codes;
    for (const [codes, bits] of [
      [dense, 8],
      [sparse, 2],
    ] as const) {
      const v4 = contextEncode(codes, [24, 28, 28], bits).length;
      const v5 = contextEncodeV5(codes, [24, 28, 28], bits)!.length;
      expect(Math.abs(v5 / v4 - 1)).toBeLessThan(0.02);
    }
  });
});

/** CRC-32 of the payloads of a fixed corpus (smooth, noisy, random, rank-1 maps) per bit width. */
function corpusCrcs(): number[] {
  return ALL_BITS.map((bits) => {
    const random = prng(1000 + bits);
    const corpus: Array<[Uint8Array, number[]]> = [
      [quantize(reluMap(6, 9, 11, bits), bits).codes, [6, 9, 11]],
      [quantize(reluMap(2, 30, 17, 40 + bits), bits).codes, [2, 30, 17]],
      [Uint8Array.from({ length: 3 * 5 * 7 }, () => floor(random() * 2 ** bits)), [3, 5, 7]],
      [Uint8Array.from({ length: 61 }, (_, i) => (i * 37) % 2 ** bits), [61]],
    ];
    let crc = 0;
    for (const [codes, shape] of corpus) {
      const payload = contextEncodeV5(codes, shape, bits)!;
      expect(firstDifference(decodeWasm(payload, codes.length, shape, bits), codes)).toBe(-1);
      crc = (crc ^ crc32(payload)) >>> 0;
      crc = ((crc << 5) | (crc >>> 27)) >>> 0;
    }
    return crc;
  });
}

describe('format version 5 stays fixed', () => {
  it('codes a fixed corpus to the bytes of the first version-5 encoder (CRC-32 per bit width)', () => {
    // Computed with the version-5 encoder as first written (session 10).
    expect(corpusCrcs()).toEqual([
      574019657, 2545574207, 4132576057, 3622829848, 238274545, 1032022428, 3308175303, 775282487,
    ]);
  });
});
