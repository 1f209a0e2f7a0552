import { InputError } from '../../src/core/errors';
import { dequantize, quantize } from '../../src/codec';
import type { BitWidth } from '../../src/codec';
import {
  contextDecodeFrom,
  contextDecodeFromJs,
  contextDecodeValues,
  contextEncode,
  contextEncodeFrom,
  contextEncodeFromJs,
  initialStates,
  type ContextVersion,
  type PaceBound,
} from '../../src/codec/context-coder';
import { contextWasmActive, useContextWasm } from '../../src/codec/context-wasm';
import { firstDifference, prng, reluMap, stressMaps } from './fixtures';

const { floor } = Math;
const ALL_BITS: readonly BitWidth[] = [1, 2, 3, 4, 5, 6, 7, 8];

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
  // The previous plane's interior rows in blocks of 16 positions: exactly one block, one and a
  // partial block, and planes one or two codes wide (every position an edge).
  [4, 3, 16],
  [2, 3, 17],
  [5, 4, 33],
  [3, 20, 1],
  [3, 9, 2],
];

/** Encodes with both loops; expects identical results; returns the payload. */
function sameEncode(
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  version: ContextVersion,
  maxBytes = Infinity,
  pace?: PaceBound,
): Uint8Array | null {
  const init = initialStates(version, bits);
  const js = contextEncodeFromJs(codes, shape, bits, maxBytes, pace, init);
  const wasm = contextEncodeFrom(codes, shape, bits, maxBytes, pace, init);
  expect(wasm === null).toBe(js === null);
  if (js !== null && wasm !== null) expect(firstDifference(wasm, js)).toBe(-1);
  if (js !== null) expect(wasm?.length).toBe(js.length);
  return js;
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

describe('context coder: WebAssembly loops against the JavaScript reference', () => {
  it('runs the WebAssembly loops in this Node', () => {
    expect(contextWasmActive()).toBe(true);
  });

  describe.each(ALL_BITS)('at %i bits', (bits) => {
    it.each(SHAPES.map((s) => [s.join('x'), s]))(
      'codes shape %s to the same bytes and back',
      (_name, shape) => {
        const [c, h, w] =
          shape.length === 1
            ? [1, 1, shape[0]]
            : [shape[0], shape[1], shape.slice(2).reduce((a, b) => a * b, 1)];
        for (const version of [3, 4] as const) {
          for (const [name, codes] of stressMaps(c, h, w, bits)) {
            const payload = sameEncode(codes, shape, bits, version)!;
            const init = initialStates(version, bits);
            const back = contextDecodeFrom(payload, codes.length, shape, bits, 0, payload.length, init);
            const backJs = contextDecodeFromJs(payload, codes.length, shape, bits, 0, payload.length, init);
            expect({ name, at: firstDifference(back, codes) }).toEqual({ name, at: -1 });
            expect(firstDifference(backJs, codes)).toBe(-1);
          }
        }
      },
    );

    it('gives up at the same place under a byte limit and under a pace', () => {
      const codeBits = new Float64Array(256).fill(bits - 0.5);
      for (const [name, codes] of stressMaps(16, 14, 14, bits)) {
        const full = sameEncode(codes, [16, 14, 14], bits, 4)!;
        for (const limit of [0, 5, full.length >> 1, full.length - 1, full.length]) {
          const within = sameEncode(codes, [16, 14, 14], bits, 4, limit);
          expect({ name, limit, kept: within !== null }).toEqual({ name, limit, kept: limit >= full.length });
        }
        for (const marginBytes of [0, 10, 1000])
          sameEncode(codes, [16, 14, 14], bits, 4, Infinity, { codeBits, marginBytes });
      }
    });

    it('decodes damaged, truncated and extended payloads to the same codes or the same error', () => {
      const codes = quantize(reluMap(6, 10, 10, 40 + bits), bits).codes;
      const shape = [6, 10, 10];
      const init = initialStates(4, bits);
      const payload = sameEncode(codes, shape, bits, 4)!;
      const random = prng(bits * 3 + 1);
      for (let trial = 0; trial < 80; trial++) {
        let damaged = payload.slice(0, trial % 3 === 0 ? floor(random() * payload.length) : undefined);
        if (trial % 5 === 1) damaged = Uint8Array.of(...payload, floor(random() * 256));
        if (damaged.length > 0 && trial % 3 !== 0)
          damaged[floor(random() * damaged.length)] ^= 1 + floor(random() * 255);
        const framed = new Uint8Array(damaged.length + 9).fill(0xa5);
        framed.set(damaged, 4);
        const end = 4 + damaged.length;
        const wasm = outcome(() => contextDecodeFrom(framed, codes.length, shape, bits, 4, end, init));
        const js = outcome(() => contextDecodeFromJs(framed, codes.length, shape, bits, 4, end, init));
        expect(wasm).toEqual(js);
        if (typeof wasm !== 'string') for (const v of wasm) expect(v).toBeLessThan(2 ** bits);
      }
    });
  });

  it.each(ALL_BITS)('dequantizes in WebAssembly to exactly the values of dequantize, at %i bits', (bits) => {
    const shape = [5, 9, 11];
    const codes = quantize(reluMap(5, 9, 11, 70 + bits), bits).codes;
    const payload = contextEncode(codes, shape, bits);
    const framed = Uint8Array.of(7, 7, 7, ...payload, 9);
    const range = { start: 3, end: 3 + payload.length, lo: -0.75, hi: 2.5 };
    const expected = dequantize({ bits, codes, lo: range.lo, hi: range.hi });
    const wasm = contextDecodeValues(framed, codes.length, shape, bits, range);
    useContextWasm(false);
    try {
      const js = contextDecodeValues(framed, codes.length, shape, bits, range);
      for (const got of [wasm, js]) {
        expect(firstDifference(got.codes, codes)).toBe(-1);
        expect(Buffer.from(got.values.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      }
    } finally {
      useContextWasm(true);
    }
    const damaged = framed.slice();
    damaged[4] ^= 0x5a;
    expect(outcome(() => contextDecodeValues(damaged, codes.length, shape, bits, range).codes)).toEqual(
      outcome(() =>
        contextDecodeFromJs(
          damaged,
          codes.length,
          shape,
          bits,
          range.start,
          range.end,
          initialStates(4, bits),
        ),
      ),
    );
  });

  it('rejects a short payload that declares a huge map, in time bounded by the count', () => {
    const init = initialStates(4, 8);
    const shape = [64, 256, 256];
    const started = Date.now();
    expect(() => contextDecodeFrom(Uint8Array.of(1, 2, 3), 64 * 256 * 256, shape, 8, 0, 3, init)).toThrow(
      InputError,
    );
    expect(Date.now() - started).toBeLessThan(20000);
  });

  it('codes the same bytes with the WebAssembly loops turned off (the JavaScript fallback)', () => {
    const codes = quantize(reluMap(8, 12, 12, 3), 5).codes;
    const init = initialStates(4, 5);
    const wasm = contextEncodeFrom(codes, [8, 12, 12], 5, Infinity, undefined, init)!;
    useContextWasm(false);
    try {
      expect(contextWasmActive()).toBe(false);
      const js = contextEncodeFrom(codes, [8, 12, 12], 5, Infinity, undefined, init)!;
      expect(firstDifference(js, wasm)).toBe(-1);
      expect(
        firstDifference(contextDecodeFrom(js, codes.length, [8, 12, 12], 5, 0, js.length, init), codes),
      ).toBe(-1);
    } finally {
      useContextWasm(true);
    }
  });
});
