import { InputError } from '../../src/core/errors';
import { BIT_WIDTHS, packBits, packedSizeBytes, unpackBits } from '../../src/codec';
import { firstDifference, prng } from './fixtures';

const floor = Math.floor; // read once: global lookups are slow in jest's vm context

describe('unpackBits(bytes, count, bits)', () => {
  it('rejects a byte range of the wrong length with InputError BAD_DATA', () => {
    expect(() => unpackBits(new Uint8Array(3), 10, 3)).toThrow(InputError);
    expect(() => unpackBits(new Uint8Array(5), 10, 3)).toThrow(expect.objectContaining({ code: 'BAD_DATA' }));
  });
});

describe('packBits(codes, bits)', () => {
  it('packs MSB-first, the last byte padded with zeros', () => {
    expect(Array.from(packBits(Uint8Array.of(1, 0, 1), 1))).toEqual([0b1010_0000]);
    expect(Array.from(packBits(Uint8Array.of(5, 3, 7), 3))).toEqual([0b101_011_11, 0b1_0000000]);
    expect(Array.from(packBits(Uint8Array.of(0xa, 0xb, 0xc), 4))).toEqual([0xab, 0xc0]);
  });

  it('sizes as ceil(count·bits / 8)', () => {
    expect(packedSizeBytes(10, 3)).toBe(4);
    expect(packedSizeBytes(0, 8)).toBe(0);
    expect(packedSizeBytes(7, 1)).toBe(1);
  });

  describe.each(BIT_WIDTHS)('at %i bits', (bits) => {
    it('round-trips every length 0..40 and a long random run', () => {
      const random = prng(bits);
      for (const count of [...Array.from({ length: 41 }, (_, i) => i), 100_003]) {
        const codes = Uint8Array.from({ length: count }, () => floor(random() * 2 ** bits));
        const packed = packBits(codes, bits);
        expect(packed.length).toBe(packedSizeBytes(count, bits));
        expect(firstDifference(unpackBits(packed, count, bits), codes)).toBe(-1);
      }
    });

    it('unpacks from a sub-range of a larger buffer', () => {
      const codes = Uint8Array.from({ length: 37 }, (_, i) => i % 2 ** bits);
      const packed = packBits(codes, bits);
      const framed = new Uint8Array(packed.length + 5);
      framed.set(packed, 3);
      expect(firstDifference(unpackBits(framed, 37, bits, 3, 3 + packed.length), codes)).toBe(-1);
    });
  });
});
