import { InputError } from '../../src/core/errors';
import {
  BIT_WIDTHS,
  codeHistogram,
  entropyBytes,
  frequenciesFromLevels,
  planRans,
  quantize,
  RANS_SCALE_BITS,
  ransDecode,
  ransEncode,
} from '../../src/codec';
import { tableSizeBits } from '../../src/codec/code-table';
import type { BitWidth } from '../../src/codec';
import { firstDifference, prng, reluMap } from './fixtures';

// Math functions read once: global lookups are slow in jest's vm context.
const { floor, log, min } = Math;

function codesFrom(random: () => number, count: number, bits: BitWidth, skew: number): Uint8Array {
  const levels = 2 ** bits;
  return Uint8Array.from({ length: count }, () => min(levels - 1, floor(-log(1 - random()) * skew)));
}

describe('frequenciesFromLevels(levels, stepsLog2, scaleBits)', () => {
  it('rejects more present symbols than the total frequency (InputError BAD_DATA)', () => {
    expect(() => frequenciesFromLevels(new Uint8Array(300).fill(1), 0, 8)).toThrow(InputError);
    expect(() => frequenciesFromLevels(new Uint8Array(300).fill(1), 0, 8)).toThrow(
      expect.objectContaining({ code: 'BAD_DATA' }),
    );
  });

  it('rebuilds the documented integer frequencies (worked example)', () => {
    // top level 3; weights 2^20 >> 2 and 2^20; free = 256 − 2; f = 1 + floor(w·254/W) = 51, 204;
    // the remainder 1 goes to the largest.
    expect(Array.from(frequenciesFromLevels(Uint8Array.of(1, 0, 3), 0, 8))).toEqual([51, 0, 205]);
  });

  it('sums to 2^scaleBits with every present symbol >= 1, for random levels and every k', () => {
    const random = prng(4);
    for (let trial = 0; trial < 50; trial++) {
      const levels = Uint8Array.from({ length: 256 }, () =>
        random() < 0.4 ? 0 : 1 + Math.floor(random() * 254),
      );
      for (let stepsLog2 = 0; stepsLog2 <= 3; stepsLog2++) {
        const f = frequenciesFromLevels(levels, stepsLog2, RANS_SCALE_BITS);
        expect(f.reduce((a, b) => a + b, 0)).toBe(2 ** RANS_SCALE_BITS);
        expect(levels.every((level, s) => (level === 0 ? f[s] === 0 : f[s] >= 1))).toBe(true);
      }
    }
  });
});

describe('ransDecode(bytes, count, bits)', () => {
  const random = prng(8);
  const codes = codesFrom(random, 4001, 6, 5);
  const payload = ransEncode(codes, 6);

  it('rejects a truncated stream, trailing bytes and a corrupted state (InputError BAD_DATA)', () => {
    for (const cut of [1, 2, 5, payload.length - 3]) {
      expect(() => ransDecode(payload.subarray(0, payload.length - cut), codes.length, 6)).toThrow(
        expect.objectContaining({ code: 'BAD_DATA' }),
      );
    }
    const longer = new Uint8Array(payload.length + 2);
    longer.set(payload);
    expect(() => ransDecode(longer, codes.length, 6)).toThrow(expect.objectContaining({ code: 'BAD_DATA' }));
    expect(() => ransDecode(payload, codes.length + 1, 6)).toThrow(
      expect.objectContaining({ code: 'BAD_DATA' }),
    );
  });

  it('on random corruption throws InputError BAD_DATA (mostly) or returns codes of the right length', () => {
    // A flip can turn one symbol into another and leave the state as it was, so the coder alone
    // cannot catch everything; the tensor stream's CRC-32 does (see tensor-format.test.ts).
    let detected = 0;
    for (let trial = 0; trial < 200; trial++) {
      const damaged = payload.slice();
      const at = payload.length - 1 - Math.floor(random() * (payload.length - 40));
      damaged[at] ^= 1 << Math.floor(random() * 8);
      try {
        const decoded = ransDecode(damaged, codes.length, 6);
        expect(decoded.length).toBe(codes.length);
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        expect(error).toMatchObject({ code: 'BAD_DATA' });
        detected++;
      }
    }
    expect(detected).toBeGreaterThan(180);
  });
});

/** One post-ReLU map; the round trips quantize prefixes of it. */
const RELU = reluMap(7, 55, 55, 3);

describe('ransEncode(codes, bits, plan) / ransDecode', () => {
  describe.each(BIT_WIDTHS)('at %i bits', (bits) => {
    it.each([
      ['skewed', 0.3],
      ['flat', 100],
      ['post-ReLU map', -1],
    ])('round-trips %s codes of odd and even lengths', (_name, skew) => {
      const random = prng(bits * 10 + 2);
      for (const count of [0, 1, 2, 3, 17, 4096, 4097, 20_001]) {
        const codes =
          skew < 0 ? quantize(RELU.subarray(0, count), bits).codes : codesFrom(random, count, bits, skew);
        const plan = planRans(codeHistogram(codes, 2 ** bits), bits);
        const payload = ransEncode(codes, bits, plan);
        expect(firstDifference(ransDecode(payload, count, bits), codes)).toBe(-1);
        // The plan's estimate is within a few bytes of the real size.
        expect(Math.abs(payload.length - plan.sizeBytes)).toBeLessThanOrEqual(2 + count / 4096);
      }
    });
  });

  it('codes a single repeated symbol in the table and the two states only', () => {
    const codes = new Uint8Array(10_000).fill(5);
    const payload = ransEncode(codes, 4);
    expect(payload.length).toBeLessThan(16);
    expect(firstDifference(ransDecode(payload, codes.length, 4), codes)).toBe(-1);
  });

  it('rejects a plan made for other codes', () => {
    // A stale entry of the reused symbol tables must not hide a missing symbol: code 2 was present
    // in the previous call.
    ransEncode(Uint8Array.of(0, 1, 2), 4);
    const plan = planRans(codeHistogram(Uint8Array.of(0, 1, 1), 4), 4);
    expect(() => ransEncode(Uint8Array.of(0, 2, 1), 4, plan)).toThrow(/no frequency/);
  });

  it.each([
    [4, [16, 16, 16]],
    [6, [16, 16, 16]],
    [8, [16, 16, 16]],
    [4, [64, 28, 28]],
    [8, [64, 28, 28]],
  ] as Array<[BitWidth, number[]]>)(
    'stays within 3%% of the order-0 entropy + 64 bytes at %i bits on a %j post-ReLU map',
    (bits, [c, h, w]) => {
      const codes = quantize(reluMap(c, h, w, 21), bits).codes;
      const bound = entropyBytes(codeHistogram(codes, 2 ** bits));
      expect(ransEncode(codes, bits).length).toBeLessThanOrEqual(1.03 * bound + 64);
    },
  );
});

describe('ransDecode with its tables kept between calls', () => {
  it('decodes streams of different tables in any order, and a table seen again, bit for bit', () => {
    const random = prng(404);
    const streams = ([2, 8, 8, 5] as BitWidth[]).map((bits, k) => {
      const codes = codesFrom(random, 3000 + k, bits, k === 2 ? 40 : 0.7);
      return { bits, codes, payload: ransEncode(codes, bits) };
    });
    for (const k of [0, 1, 2, 1, 1, 3, 0, 2, 3, 3]) {
      const { bits, codes, payload } = streams[k];
      expect(firstDifference(ransDecode(payload, codes.length, bits), codes)).toBe(-1);
    }
  });
});

describe('planRans(histogram, bits)', () => {
  it('sizes its table and frequencies exactly as the decoder rebuilds them, for random histograms', () => {
    const random = prng(31);
    for (let trial = 0; trial < 300; trial++) {
      const bits = BIT_WIDTHS[trial % BIT_WIDTHS.length];
      const size = 2 ** bits;
      const density = random();
      const scale = 10 ** (1 + 5 * random());
      const histogram = Uint32Array.from({ length: size }, () =>
        random() < density ? floor(scale * random() ** 3) : 0,
      );
      const plan = planRans(histogram, bits);
      expect(Array.from(plan.frequencies)).toEqual(
        Array.from(frequenciesFromLevels(plan.levels, plan.stepsLog2, plan.scaleBits)),
      );
      expect(plan.tableBytes).toBe(Math.ceil((6 + tableSizeBits(plan.levels)) / 8));
      expect(plan.levels.every((level, s) => level > 0 === histogram[s] > 0)).toBe(true);
    }
  });

  it('returns arrays of its own: a later plan does not change an earlier one', () => {
    const first = planRans(Uint32Array.of(5, 0, 9, 1), 2);
    const levels = Array.from(first.levels);
    const frequencies = Array.from(first.frequencies);
    planRans(Uint32Array.of(0, 7, 0, 2), 2);
    expect(Array.from(first.levels)).toEqual(levels);
    expect(Array.from(first.frequencies)).toEqual(frequencies);
  });
});

describe('the encoder state update with a float64 reciprocal', () => {
  // encodeBlock computes q = floor(x / f) as ((x + 0.5)·fl(1/f)) | 0 (proof in rans.ts); this
  // checks the identity at the edges of every quotient range, for every frequency the coder uses.
  it('equals the integer quotient for every f in 1..2^15 at q·f and q·f + f − 1, q up to 2^16', () => {
    let wrong = 0;
    for (let f = 1; f <= 2 ** RANS_SCALE_BITS; f++) {
      const reciprocal = 1 / f;
      for (const q of [0, 1, 2, 255, 256, 65_534, 65_535]) {
        for (const x of [q * f, q * f + f - 1]) {
          if (x >= 2 ** 31) continue;
          if ((((x + 0.5) * reciprocal) | 0) !== q) wrong++;
        }
      }
    }
    expect(wrong).toBe(0);
  });
});
