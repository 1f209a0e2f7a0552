import { InputError } from '../../src/core/errors';
import {
  BIT_WIDTHS,
  canonicalCodes,
  codeHistogram,
  HUFFMAN_MAX_LENGTH_BITS,
  huffmanCodeLengths,
  huffmanDecode,
  huffmanEncode,
  planHuffman,
  quantize,
} from '../../src/codec';
import type { BitWidth } from '../../src/codec';
import { firstDifference, prng, reluMap } from './fixtures';

// Math functions read once: global lookups are slow in jest's vm context.
const { floor, log, min } = Math;

/** Cost Σ count·length of an unrestricted Huffman code, by repeated merging of the two lightest. */
function referenceHuffmanCost(histogram: readonly number[]): number {
  const weights = histogram.filter((c) => c > 0);
  if (weights.length <= 1) return weights.length === 1 ? weights[0] : 0;
  let cost = 0;
  while (weights.length > 1) {
    weights.sort((a, b) => a - b);
    const merged = weights[0] + weights[1];
    cost += merged;
    weights.splice(0, 2, merged);
  }
  return cost;
}

function cost(histogram: readonly number[], lengths: Uint8Array): number {
  return histogram.reduce((sum, count, s) => sum + count * lengths[s], 0);
}

function kraftSum(lengths: Uint8Array): number {
  return Array.from(lengths).reduce((sum, len) => sum + (len > 0 ? 2 ** -len : 0), 0);
}

/** Codes drawn from a histogram-shaped distribution. */
function codesFrom(random: () => number, count: number, bits: BitWidth, skew: number): Uint8Array {
  const levels = 2 ** bits;
  return Uint8Array.from({ length: count }, () => min(levels - 1, floor(-log(1 - random()) * skew)));
}

describe('huffmanDecode(bytes, count, bits)', () => {
  it('rejects code lengths that are not a complete prefix code (InputError BAD_DATA)', () => {
    // Table for 2 symbols with lengths 1 and 2 ("11 1", "11 1"): Kraft sum 3/4.
    expect(() => huffmanDecode(Uint8Array.of(0b1111_1100), 0, 1)).toThrow(InputError);
    expect(() => huffmanDecode(Uint8Array.of(0b1111_1100), 0, 1)).toThrow(
      expect.objectContaining({ code: 'BAD_DATA' }),
    );
  });

  it('rejects a truncated stream, trailing bytes and an empty table', () => {
    const codes = codesFrom(prng(1), 5000, 6, 8);
    const payload = huffmanEncode(codes, 6);
    expect(() => huffmanDecode(payload.subarray(0, payload.length - 1), codes.length, 6)).toThrow(
      expect.objectContaining({ code: 'BAD_DATA' }),
    );
    const longer = new Uint8Array(payload.length + 1);
    longer.set(payload);
    expect(() => huffmanDecode(longer, codes.length, 6)).toThrow(
      expect.objectContaining({ code: 'BAD_DATA' }),
    );
    expect(() => huffmanDecode(new Uint8Array(0), 1, 6)).toThrow(
      expect.objectContaining({ code: 'BAD_DATA' }),
    );
  });

  it('on random corruption either throws InputError BAD_DATA or returns codes of the right length', () => {
    const random = prng(2);
    const codes = codesFrom(random, 3000, 4, 3);
    const payload = huffmanEncode(codes, 4);
    for (let trial = 0; trial < 200; trial++) {
      const damaged = payload.slice();
      damaged[Math.floor(random() * damaged.length)] ^= 1 << Math.floor(random() * 8);
      try {
        const decoded = huffmanDecode(damaged, codes.length, 4);
        expect(decoded.length).toBe(codes.length);
        expect(decoded.every((k) => k < 16)).toBe(true);
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        expect(error).toMatchObject({ code: 'BAD_DATA' });
      }
    }
  });
});

describe('huffmanCodeLengths(histogram, maxLengthBits)', () => {
  it('gives optimal lengths; absent symbols get 0, a single symbol 1', () => {
    expect(Array.from(huffmanCodeLengths([5, 1, 1, 0]))).toEqual([1, 2, 2, 0]);
    expect(Array.from(huffmanCodeLengths([0, 9, 0]))).toEqual([0, 1, 0]);
    expect(Array.from(huffmanCodeLengths([0, 0]))).toEqual([0, 0]);
  });

  it('matches the cost of a reference Huffman code on 100 random histograms', () => {
    const random = prng(5);
    for (let trial = 0; trial < 100; trial++) {
      const size = 2 + Math.floor(random() * 255);
      const histogram = Array.from({ length: size }, () =>
        random() < 0.3 ? 0 : Math.floor(random() ** 3 * 1000),
      );
      const lengths = huffmanCodeLengths(histogram, 64); // no effective limit
      expect(cost(histogram, lengths)).toBe(referenceHuffmanCost(histogram));
      const present = histogram.filter((c) => c > 0).length;
      if (present >= 2) expect(kraftSum(lengths)).toBe(1);
      const limited = huffmanCodeLengths(histogram);
      expect(Math.max(...limited)).toBeLessThanOrEqual(HUFFMAN_MAX_LENGTH_BITS);
      expect(cost(histogram, limited)).toBeGreaterThanOrEqual(cost(histogram, lengths));
    }
  });

  it(`limits lengths to ${HUFFMAN_MAX_LENGTH_BITS} bits with a complete code (Fibonacci counts)`, () => {
    const fibonacci = [1, 1];
    while (fibonacci.length < 30)
      fibonacci.push(fibonacci[fibonacci.length - 1] + fibonacci[fibonacci.length - 2]);
    const unlimited = huffmanCodeLengths(fibonacci, 64);
    expect(Math.max(...unlimited)).toBe(29);
    const limited = huffmanCodeLengths(fibonacci);
    expect(Math.max(...limited)).toBe(HUFFMAN_MAX_LENGTH_BITS);
    expect(kraftSum(limited)).toBe(1);
    expect(cost(fibonacci, limited)).toBeGreaterThan(cost(fibonacci, unlimited));
  });

  it('is optimal under the length limit (brute force over 8 symbols, limit 3)', () => {
    const random = prng(6);
    for (let trial = 0; trial < 20; trial++) {
      const histogram = Array.from({ length: 8 }, () => 1 + Math.floor(random() ** 4 * 500));
      let best = Infinity;
      const lengths = new Uint8Array(8);
      const search = (s: number, kraft: number): void => {
        if (kraft > 1) return;
        if (s === 8) {
          best = Math.min(best, cost(histogram, lengths));
          return;
        }
        for (let len = 1; len <= 3; len++) {
          lengths[s] = len;
          search(s + 1, kraft + 2 ** -len);
        }
      };
      search(0, 0);
      const limited = huffmanCodeLengths(histogram, 3);
      expect(Math.max(...limited)).toBeLessThanOrEqual(3);
      expect(cost(histogram, limited)).toBe(best);
    }
  });
});

describe('canonicalCodes(lengths)', () => {
  it('assigns DEFLATE-style canonical codes', () => {
    expect(Array.from(canonicalCodes(Uint8Array.of(1, 2, 2)))).toEqual([0b0, 0b10, 0b11]);
    // RFC 1951 section 3.2.2 example: lengths (3, 3, 3, 3, 3, 2, 4, 4) for A..H
    expect(Array.from(canonicalCodes(Uint8Array.of(3, 3, 3, 3, 3, 2, 4, 4)))).toEqual([
      0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111,
    ]);
  });
});

/** One post-ReLU map; the round trips quantize prefixes of it. */
const RELU = reluMap(7, 55, 55, 3);

describe('huffmanEncode(codes, bits, plan) / huffmanDecode', () => {
  describe.each(BIT_WIDTHS)('at %i bits', (bits) => {
    it.each([
      ['skewed', 0.3],
      ['flat', 100],
      ['post-ReLU map', -1],
    ])('round-trips %s codes of many lengths; size equals the plan', (_name, skew) => {
      const random = prng(bits * 10 + 1);
      for (const count of [0, 1, 2, 3, 17, 1000, 20_001]) {
        const codes =
          skew < 0 ? quantize(RELU.subarray(0, count), bits).codes : codesFrom(random, count, bits, skew);
        const plan = planHuffman(codeHistogram(codes, 2 ** bits), bits);
        const payload = huffmanEncode(codes, bits, plan);
        expect(payload.length).toBe(plan.sizeBytes);
        expect(firstDifference(huffmanDecode(payload, count, bits), codes)).toBe(-1);
      }
    });
  });

  it('codes a single repeated symbol with 1 bit each', () => {
    const codes = new Uint8Array(100).fill(3);
    const payload = huffmanEncode(codes, 2);
    expect(firstDifference(huffmanDecode(payload, 100, 2), codes)).toBe(-1);
  });

  it('decodes from a byte range inside a larger buffer', () => {
    const codes = codesFrom(prng(9), 999, 5, 4);
    const payload = huffmanEncode(codes, 5);
    const framed = new Uint8Array(payload.length + 10);
    framed.set(payload, 6);
    expect(firstDifference(huffmanDecode(framed, 999, 5, 6, 6 + payload.length), codes)).toBe(-1);
  });
});
