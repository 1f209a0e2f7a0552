import * as zlib from 'node:zlib';
import { crc32 } from '../../src/codec';
import { prng } from './fixtures';

describe('crc32(bytes, start, end)', () => {
  it('gives the standard check value 0xCBF43926 for "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('equals zlib.crc32 on random buffers of every small length and on ranges', () => {
    const random = prng(3);
    for (let length = 0; length < 70; length++) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      expect(crc32(bytes)).toBe(zlib.crc32(bytes));
      if (length > 4) expect(crc32(bytes, 2, length - 1)).toBe(zlib.crc32(bytes.subarray(2, length - 1)));
    }
  });
});
