import { InputError } from '../../src/core/errors';
import { dequantize, quantize } from '../../src/codec';
import type { BitWidth } from '../../src/codec';
import { contextDecodeV6, contextEncodeV6 } from '../../src/codec/context-coder-v6';
import {
  contextDecodeV6Values,
  contextEncodeV6Within,
  contextV6WasmActive,
} from '../../src/codec/context-v6-wasm';
import { useContextWasm } from '../../src/codec/context-wasm';
import { firstDifference, prng, randomCodes, reluMap, stressMaps } from './fixtures';

const { floor } = Math;
const ALL_BITS: readonly BitWidth[] = [1, 2, 3, 4, 5, 6, 7, 8];

/** Lengths 0, 1, odd ones, edges of every kind, up to 16,383 codes (the largest sample version 6 is written for). */
const SHAPES: ReadonlyArray<readonly number[]> = [
  [0],
  [1],
  [7],
  [333],
  [1, 1, 1],
  [3, 5, 7],
  [112, 1, 1],
  [2, 3, 4, 5],
  [3, 20, 1],
  [3, 9, 2],
  [16, 14, 14],
  [3, 43, 127],
];

function chw(shape: readonly number[]): [number, number, number] {
  if (shape.length === 1) return [1, 1, shape[0]];
  return [shape[0], shape[1], shape.slice(2).reduce((a, b) => a * b, 1)];
}

/** The codes the WebAssembly decoder gives (values from lo = 0, hi = 1), or its error's message. */
function wasmDecode(
  bytes: Uint8Array,
  count: number,
  shape: readonly number[],
  bits: BitWidth,
  start = 0,
  end = bytes.length,
) {
  return outcome(() => contextDecodeV6Values(bytes, count, shape, bits, { start, end, lo: 0, hi: 1 }).codes);
}

function outcome(decode: () => Uint8Array): Uint8Array | string {
  try {
    return decode();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
}

describe('context coder version 6: WebAssembly against the JavaScript reference', () => {
  it('runs the WebAssembly coder in this Node', () => {
    expect(contextV6WasmActive()).toBe(true);
  });

  describe.each(ALL_BITS)('at %i bits', (bits) => {
    it.each(SHAPES.map((s) => [s.join('x'), s]))(
      'codes shape %s to the same bytes and back',
      (_name, shape) => {
        const [c, h, w] = chw(shape);
        for (const [name, codes] of stressMaps(c, h, w, bits)) {
          const js = contextEncodeV6(codes, shape, bits);
          const wasm = contextEncodeV6Within(codes, shape, bits);
          expect({ name, at: firstDifference(wasm!, js) }).toEqual({ name, at: -1 });
          const framed = Uint8Array.of(0xa5, 0xa5, ...js, 0x5a);
          const back = wasmDecode(framed, codes.length, shape, bits, 2, 2 + js.length);
          expect({ name, at: typeof back === 'string' ? back : firstDifference(back, codes) }).toEqual({
            name,
            at: -1,
          });
        }
      },
    );

    it('gives up exactly when the payload would exceed the byte limit', () => {
      for (const [name, codes] of stressMaps(8, 14, 14, bits)) {
        const full = contextEncodeV6(codes, [8, 14, 14], bits);
        for (const limit of [0, 1, full.length >> 1, full.length - 1, full.length]) {
          const within = contextEncodeV6Within(codes, [8, 14, 14], bits, limit);
          expect({ name, limit, kept: within !== null }).toEqual({ name, limit, kept: limit >= full.length });
          if (within !== null) expect(firstDifference(within, full)).toBe(-1);
        }
      }
    });

    it('decodes damaged, truncated and extended payloads to the same codes or the same error', () => {
      const shape = [6, 10, 10];
      for (const codes of [
        quantize(reluMap(6, 10, 10, 40 + bits), bits).codes,
        randomCodes(600, bits, 9 + bits),
      ]) {
        const payload = contextEncodeV6(codes, shape, bits);
        const random = prng(bits * 7 + 3);
        for (let trial = 0; trial < 60; trial++) {
          let damaged = payload.slice(0, trial % 3 === 0 ? floor(random() * payload.length) : undefined);
          if (trial % 5 === 1) damaged = Uint8Array.of(...payload, floor(random() * 256));
          if (damaged.length > 0 && trial % 3 !== 0)
            damaged[floor(random() * damaged.length)] ^= 1 + floor(random() * 255);
          const framed = new Uint8Array(damaged.length + 9).fill(0xa5);
          framed.set(damaged, 4);
          const end = 4 + damaged.length;
          const wasm = wasmDecode(framed, codes.length, shape, bits, 4, end);
          const js = outcome(() => contextDecodeV6(framed, codes.length, shape, bits, 4, end));
          expect(wasm).toEqual(js);
          // Every truncation is rejected.
          if (trial % 3 === 0 && trial % 5 !== 1) expect(typeof wasm).toBe('string');
          if (typeof wasm !== 'string') for (const v of wasm) expect(v).toBeLessThan(2 ** bits);
        }
      }
    });
  });

  it.each(ALL_BITS)('dequantizes to exactly the values of dequantize, at %i bits', (bits) => {
    const shape = [5, 9, 11];
    const codes = quantize(reluMap(5, 9, 11, 70 + bits), bits).codes;
    const payload = contextEncodeV6(codes, shape, bits);
    const framed = Uint8Array.of(7, 7, 7, ...payload, 9);
    const range = { start: 3, end: 3 + payload.length, lo: -0.75, hi: 2.5 };
    const expected = dequantize({ bits, codes, lo: range.lo, hi: range.hi });
    const wasm = contextDecodeV6Values(framed, codes.length, shape, bits, range);
    useContextWasm(false);
    try {
      expect(contextV6WasmActive()).toBe(false);
      const js = contextDecodeV6Values(framed, codes.length, shape, bits, range);
      for (const got of [wasm, js]) {
        expect(firstDifference(got.codes, codes)).toBe(-1);
        expect(Buffer.from(got.values.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      }
      // The JavaScript fallback of the encoder: the same bytes.
      expect(firstDifference(contextEncodeV6Within(codes, shape, bits)!, payload)).toBe(-1);
    } finally {
      useContextWasm(true);
    }
  });

  it('rejects a short payload that declares a large map, and a shape that does not hold the count', () => {
    expect(wasmDecode(Uint8Array.of(1, 2, 3), 64 * 128 * 128, [64, 128, 128], 8)).toMatch(
      /^context payload( v6)?: (the codes end after|residual out of range)/,
    );
    expect(wasmDecode(new Uint8Array(0), 49, [1, 7, 7], 4)).toMatch(/codes end after/);
    expect(wasmDecode(Uint8Array.of(1, 2, 3), 10, [3, 3], 8)).toMatch(/does not hold 10 codes/);
  });
});
