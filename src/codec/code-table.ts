/**
 * Compact transmission of a per-symbol table of small integers: Huffman code lengths, or rANS
 * frequency levels (quantized log-frequencies). 0 means "symbol absent".
 *
 * The values of neighbouring codes are close (a feature map's histogram is smooth), so each entry is
 * coded relative to the previous present value, MSB-first:
 *   `0`                    same value as the previous present symbol
 *   `10` + EG0(run − 1)    a maximal run of `run` absent symbols
 *   `11` + EG0(z)          a new value v; delta = v − previous ≠ 0, z = 2·delta − 2 if delta > 0,
 *                          else −2·delta − 1
 * with EG0 the order-0 Exp-Golomb code and "previous" starting at 0. A flat 256-entry table of
 * Huffman lengths typically costs 30-70 bytes.
 */
import { InputError } from '../core/errors';
import type { BitReader, BitWriter } from './bit-io';

/**
 * Writes `values` (each 0..255) with the scheme in the file header.
 * @param writer destination; `writeTable(w, v)` then `readTable(r, v.length)` round-trips.
 */
export function writeTable(writer: BitWriter, values: ArrayLike<number>): void {
  const count = values.length;
  let previous = 0;
  let i = 0;
  while (i < count) {
    const v = values[i];
    if (v === 0) {
      let run = 1;
      while (i + run < count && values[i + run] === 0) run++;
      writer.write(0b10, 2);
      writer.writeExpGolomb(run - 1);
      i += run;
      continue;
    }
    if (v === previous) {
      writer.write(0, 1);
    } else {
      const delta = v - previous;
      writer.write(0b11, 2);
      writer.writeExpGolomb(delta > 0 ? 2 * delta - 2 : -2 * delta - 1);
      previous = v;
    }
    i++;
  }
}

/**
 * Cost in bits of `writeTable(values)`, without writing (the encoders compare candidate tables).
 */
export function tableSizeBits(values: ArrayLike<number>): number {
  const count = values.length;
  let previous = 0;
  let bits = 0;
  let i = 0;
  while (i < count) {
    const v = values[i];
    if (v === 0) {
      let run = 1;
      while (i + run < count && values[i + run] === 0) run++;
      bits += 2 + expGolombBits(run - 1);
      i += run;
      continue;
    }
    if (v === previous) {
      bits += 1;
    } else {
      const delta = v - previous;
      bits += 2 + expGolombBits(delta > 0 ? 2 * delta - 2 : -2 * delta - 1);
      previous = v;
    }
    i++;
  }
  return bits;
}

/** Length in bits of the order-0 Exp-Golomb code of `value` >= 0. */
function expGolombBits(value: number): number {
  return 2 * (31 - Math.clz32(value + 1)) + 1;
}

/**
 * Reads a table of `count` entries written by `writeTable`.
 * @param maxValue largest legal value; anything else is a corrupt stream.
 * @throws InputError BAD_DATA for a truncated or malformed table.
 */
export function readTable(reader: BitReader, count: number, maxValue: number, what: string): Uint8Array {
  const values = new Uint8Array(count);
  let previous = 0;
  let i = 0;
  while (i < count) {
    if (reader.read(1) === 0) {
      if (previous === 0)
        throw new InputError('BAD_DATA', `${what}: table repeats a value before any was given`);
      values[i++] = previous;
      continue;
    }
    if (reader.read(1) === 0) {
      const run = reader.readExpGolomb() + 1;
      if (i + run > count)
        throw new InputError('BAD_DATA', `${what}: table run of ${run} absent symbols overflows ${count}`);
      i += run; // already zero
      continue;
    }
    const z = reader.readExpGolomb();
    const delta = z % 2 === 0 ? z / 2 + 1 : -(z + 1) / 2;
    const v = previous + delta;
    if (v < 1 || v > maxValue)
      throw new InputError('BAD_DATA', `${what}: table value ${v} outside 1..${maxValue}`);
    values[i++] = v;
    previous = v;
  }
  return values;
}
