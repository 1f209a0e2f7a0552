/**
 * The 'raw' coder: c bits per code, MSB-first (the bit order of numpy.packbits' default), the last
 * byte padded with zero bits. No table; the fallback for tensors too small to pay for one.
 */
import { InputError } from '../core/errors';
import type { BitWidth } from './types';

/**
 * Size in bytes of `count` codes packed at `bits` each.
 * @example packedSizeBytes(10, 3) === 4
 */
export function packedSizeBytes(count: number, bits: BitWidth): number {
  return Math.ceil((count * bits) / 8);
}

/**
 * Packs codes at `bits` bits each. Codes must be below 2^bits (higher bits are dropped).
 * @example packBits(Uint8Array.of(1, 0, 1), 1) -> [0b1010_0000]
 */
export function packBits(codes: Uint8Array, bits: BitWidth): Uint8Array {
  const out = new Uint8Array(packedSizeBytes(codes.length, bits));
  packBitsInto(codes, bits, out, 0);
  return out;
}

/** Packs into `out` starting at byte `offset`; `out` must hold `packedSizeBytes` bytes from there. */
export function packBitsInto(codes: Uint8Array, bits: BitWidth, out: Uint8Array, offset: number): void {
  const n = codes.length;
  if (bits === 8) {
    out.set(codes, offset);
    return;
  }
  const mask = (1 << bits) - 1;
  if (8 % bits === 0) {
    // 1, 2 or 4 bits: whole codes per byte.
    const perByte = 8 / bits;
    const whole = Math.floor(n / perByte);
    let o = offset;
    let i = 0;
    for (let b = 0; b < whole; b++) {
      let byte = 0;
      for (let j = 0; j < perByte; j++) byte = (byte << bits) | (codes[i++] & mask);
      out[o++] = byte;
    }
    if (i < n) {
      let byte = 0;
      let used = 0;
      while (i < n) {
        byte = (byte << bits) | (codes[i++] & mask);
        used += bits;
      }
      out[o] = byte << (8 - used);
    }
    return;
  }
  let acc = 0;
  let pending = 0;
  let o = offset;
  for (let i = 0; i < n; i++) {
    acc = (acc << bits) | (codes[i] & mask);
    pending += bits;
    if (pending >= 8) {
      pending -= 8;
      out[o++] = acc >>> pending;
      acc &= (1 << pending) - 1;
    }
  }
  if (pending > 0) out[o] = acc << (8 - pending);
}

/**
 * Unpacks `count` codes of `bits` bits from `bytes[start, end)`.
 * @throws InputError BAD_DATA when the range is not exactly `packedSizeBytes(count, bits)` long.
 */
export function unpackBits(
  bytes: Uint8Array,
  count: number,
  bits: BitWidth,
  start = 0,
  end = bytes.length,
): Uint8Array {
  const need = packedSizeBytes(count, bits);
  if (end - start !== need) {
    throw new InputError(
      'BAD_DATA',
      `raw codes: expected ${need} bytes for ${count} codes of ${bits} bits; got ${end - start}`,
    );
  }
  const codes = new Uint8Array(count);
  if (bits === 8) {
    codes.set(bytes.subarray(start, end));
    return codes;
  }
  const mask = (1 << bits) - 1;
  if (8 % bits === 0) {
    const perByte = 8 / bits;
    let i = 0;
    let p = start;
    const whole = Math.floor(count / perByte);
    for (let b = 0; b < whole; b++) {
      const byte = bytes[p++];
      for (let j = perByte - 1; j >= 0; j--) codes[i++] = (byte >>> (j * bits)) & mask;
    }
    if (i < count) {
      const byte = bytes[p];
      let shift = 8 - bits;
      while (i < count) {
        codes[i++] = (byte >>> shift) & mask;
        shift -= bits;
      }
    }
    return codes;
  }
  let acc = 0;
  let avail = 0;
  let p = start;
  for (let i = 0; i < count; i++) {
    if (avail < bits) {
      acc = ((acc & ((1 << avail) - 1)) << 8) | bytes[p++];
      avail += 8;
    }
    avail -= bits;
    codes[i] = (acc >>> avail) & mask;
  }
  return codes;
}
