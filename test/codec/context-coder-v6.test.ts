import { InputError } from '../../src/core/errors';
import { quantize } from '../../src/codec';
import type { BitWidth } from '../../src/codec';
import { contextEncode } from '../../src/codec/context-coder';
import { contextDecodeV6, contextEncodeV6, V6 } from '../../src/codec/context-coder-v6';
import { crc32 } from '../../src/codec/crc32';
import { codeMap, firstDifference, prng, randomCodes, reluMap } from './fixtures';

const { floor } = Math;
const ALL_BITS: readonly BitWidth[] = [1, 2, 3, 4, 5, 6, 7, 8];

/** Maps of shape [c, h, w] that stress the model: constant, noise, smooth, and worst cases. */
function maps(c: number, h: number, w: number, bits: BitWidth): Array<[string, Uint8Array]> {
  const n = c * h * w;
  const max = 2 ** bits - 1;
  const at = (f: (ch: number, y: number, x: number) => number): Uint8Array => codeMap(c, h, w, f);
  return [
    ['all zero', new Uint8Array(n)],
    ['all max', new Uint8Array(n).fill(max)],
    ['uniform noise', randomCodes(n, bits, n * 17 + bits)],
    ['relu map', n === 0 ? new Uint8Array(0) : quantize(reluMap(c, h, w, n + 3 * bits), bits).codes],
    ['alternating 0/max', at((ch, y, x) => ((ch + y + x) & 1) * max)],
    ['one spike', at((ch, y, x) => (ch === 0 && y === h - 1 && x === w - 1 ? max : 0))],
    ['ramp', at((_ch, y, x) => (y * w + x) % (max + 1))],
    ['dense noise', at((ch, y, x) => 1 + ((((ch * 97 + y * 13 + x) * 2654435761) >>> 24) % max))],
  ];
}

const SHAPES: ReadonlyArray<readonly number[]> = [
  [0],
  [1],
  [1, 1, 1],
  [333],
  [3, 5, 7],
  [112, 7, 7],
  [2, 3, 4, 5],
  [3, 20, 1],
  [3, 43, 127], // 16,383 codes: the largest sample version 6 is meant for
];

function chw(shape: readonly number[]): [number, number, number] {
  if (shape.length === 1) return [1, 1, shape[0]];
  return [shape[0], shape[1], shape.slice(2).reduce((a, b) => a * b, 1)];
}

function outcome(f: () => Uint8Array): Uint8Array | string {
  try {
    return f();
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
}

describe('context coder version 6 (small-map model)', () => {
  describe.each(ALL_BITS)('at %i bits', (bits) => {
    it('decodes every map of every shape back to the exact codes', () => {
      for (const shape of SHAPES) {
        const [c, h, w] = chw(shape);
        for (const [name, codes] of maps(c, h, w, bits)) {
          const payload = contextEncodeV6(codes, shape, bits);
          const back = contextDecodeV6(payload, codes.length, shape, bits);
          expect([name, shape, firstDifference(back, codes)]).toEqual([name, shape, -1]);
          // Framed inside other bytes, the payload decodes the same.
          const framed = Uint8Array.of(1, 2, ...payload, 3, 4, 5);
          const inside = contextDecodeV6(framed, codes.length, shape, bits, 2, 2 + payload.length);
          expect(firstDifference(inside, codes)).toBe(-1);
        }
      }
    });

    it('rejects truncated and extended payloads, and decodes damaged ones to valid codes or an error', () => {
      const shape = [6, 10, 10];
      for (const codes of [
        quantize(reluMap(6, 10, 10, 50 + bits), bits).codes,
        randomCodes(600, bits, bits),
      ]) {
        const payload = contextEncodeV6(codes, shape, bits);
        const random = prng(bits * 5 + 2);
        let extended = 0;
        for (let trial = 0; trial < 60; trial++) {
          let damaged: Uint8Array;
          if (trial % 3 === 0) damaged = payload.slice(0, floor(random() * payload.length));
          else if (trial % 3 === 1) damaged = Uint8Array.of(...payload, floor(random() * 256));
          else {
            damaged = payload.slice();
            damaged[floor(random() * damaged.length)] ^= 1 + floor(random() * 255);
          }
          const got = outcome(() => contextDecodeV6(damaged, codes.length, shape, bits));
          if (typeof got === 'string') {
            expect(got).toMatch(/^context payload( v6)?: (the codes end after|residual out of range)/);
          } else {
            expect(got.length).toBe(codes.length);
            for (const v of got) expect(v).toBeLessThan(2 ** bits);
          }
          if (trial % 3 === 0) expect([damaged.length, typeof got]).toEqual([damaged.length, 'string']);
          if (trial % 3 === 1 && typeof got === 'string') extended++;
        }
        // Every truncation is caught, and most extensions: one more byte can flip the last
        // decisions onto a path that reads exactly one byte more (measured: up to 6 of 20 on random
        // 6-bit codes, by bytes >= 196); the stream's checksum catches those.
        expect(extended).toBeGreaterThanOrEqual(12);
      }
    });
  });

  it('rejects a shape that does not hold the count, and an empty payload for a nonempty map', () => {
    expect(() => contextDecodeV6(Uint8Array.of(1, 2, 3), 10, [3, 3], 8)).toThrow(/does not hold 10 codes/);
    expect(() => contextDecodeV6(new Uint8Array(0), 49, [1, 7, 7], 4)).toThrow(/codes end after/);
  });

  it('is smaller than version 4 on smooth small maps at 6 and 8 bits', () => {
    for (const bits of [6, 8] as BitWidth[]) {
      let v4 = 0;
      let v6 = 0;
      for (let seed = 0; seed < 4; seed++) {
        const codes = quantize(reluMap(32, 14, 14, 900 + seed), bits).codes;
        v4 += contextEncode(codes, [32, 14, 14], bits, 4).length;
        v6 += contextEncodeV6(codes, [32, 14, 14], bits).length;
      }
      expect(v6).toBeLessThan(v4);
    }
  });
});

describe('context coder version 6: exact predictions by position', () => {
  it('learns at which positions the planes are predicted exactly (smaller than with that turned off)', () => {
    // Noise, except at the same scattered positions of every plane, where the code is the MED
    // prediction from its neighbours: the gradients do not show where, the earlier planes do.
    const [c, h, w] = [32, 14, 14];
    const codes = new Uint8Array(c * h * w);
    for (let i = 0; i < codes.length; i++) {
      const x = i % w;
      const y = floor(i / w) % h;
      if (x > 0 && y > 0 && (x * 7 + y * 3) % 4 === 0) {
        const [l, u, ul] = [codes[i - 1], codes[i - w], codes[i - w - 1]];
        const med =
          ul >= Math.max(l, u) ? Math.min(l, u) : ul <= Math.min(l, u) ? Math.max(l, u) : l + u - ul;
        codes[i] = med;
      } else codes[i] = 1 + (((i * 2654435761) >>> 24) % 250);
    }
    const on = contextEncodeV6(codes, [c, h, w], 8);
    const saved = V6.hitRate;
    V6.hitRate = 31; // every rate stays 0: one context class for all positions
    let off: Uint8Array;
    try {
      off = contextEncodeV6(codes, [c, h, w], 8);
    } finally {
      V6.hitRate = saved;
    }
    expect(contextDecodeV6(on, codes.length, [c, h, w], 8)).toEqual(codes);
    // measured: 4233 against 4743 bytes
    expect(on.length).toBeLessThan(0.95 * off.length);
  });
});

describe('context coder version 6 stays fixed', () => {
  it('codes a fixed corpus to the bytes of the first version-6 encoder (CRC-32 per bit width)', () => {
    const crcs = ALL_BITS.map((bits) => {
      let crc = 0;
      for (const shape of [[1], [3, 5, 7], [16, 14, 14], [112, 7, 7]]) {
        const [c, h, w] = chw(shape);
        for (const [, codes] of maps(c, h, w, bits)) {
          crc = (crc ^ crc32(contextEncodeV6(codes, shape, bits))) >>> 0;
          crc = ((crc << 5) | (crc >>> 27)) >>> 0;
        }
      }
      return crc;
    });
    // Computed with the version-6 encoder of session 11: the residual flag's third context is the
    // per-position rate of exact predictions (`hitClass`). Session 10's first encoder gave 39295345,
    // 1662215907, 2870319730, 139532456, 2966805304, 146005693, 3143093187, 774849383.
    expect(crcs).toEqual([
      3948180745, 4121052247, 1213711693, 3405709394, 3740825390, 2520617035, 946485788, 3332849522,
    ]);
  });
});
