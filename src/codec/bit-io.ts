/**
 * MSB-first bit streams for the codec's small tables (Huffman code lengths, rANS frequency levels).
 * Hot loops (Huffman payload, bit packing) inline their own bit buffers instead of calling these.
 */
import { InputError } from '../core/errors';

/** A growable MSB-first bit writer. */
export class BitWriter {
  private bytes: Uint8Array;
  private pos = 0;
  /** Pending bits, right-aligned; at most 7 + 24 of them are meaningful. */
  private acc = 0;
  private pending = 0;

  constructor(initialBytes = 64) {
    this.bytes = new Uint8Array(Math.max(16, initialBytes));
  }

  /** Appends the low `count` bits of `value`, most significant first; `count` <= 24. */
  write(value: number, count: number): void {
    this.acc = (this.acc << count) | (value & ((1 << count) - 1));
    this.pending += count;
    while (this.pending >= 8) {
      this.pending -= 8;
      if (this.pos === this.bytes.length) this.grow();
      this.bytes[this.pos++] = (this.acc >>> this.pending) & 0xff;
    }
  }

  /** Appends an order-0 Exp-Golomb code of `value` >= 0 (1 bit for 0, 3 bits for 1..2, ...). */
  writeExpGolomb(value: number): void {
    const v = value + 1;
    const width = 32 - Math.clz32(v);
    this.write(0, width - 1);
    this.write(v, width);
  }

  /**
   * The state needed to continue the stream elsewhere: the complete bytes and the pending bits
   * (fewer than 8, right-aligned in `acc`).
   */
  snapshot(): { bytes: Uint8Array; acc: number; pending: number } {
    return {
      bytes: this.bytes.subarray(0, this.pos),
      acc: this.acc & ((1 << this.pending) - 1),
      pending: this.pending,
    };
  }

  /** Empties the writer, keeping its memory (for a writer reused across calls). */
  reset(): void {
    this.pos = 0;
    this.acc = 0;
    this.pending = 0;
  }

  /** Pads with zero bits to a whole byte and returns a view of the bytes (valid until the next write or reset). */
  finishView(): Uint8Array {
    if (this.pending > 0) this.write(0, 8 - this.pending);
    return this.bytes.subarray(0, this.pos);
  }

  /** The stream padded with zero bits to a whole byte. */
  finish(): Uint8Array {
    if (this.pending > 0) this.write(0, 8 - this.pending);
    return this.bytes.slice(0, this.pos);
  }

  private grow(): void {
    const next = new Uint8Array(this.bytes.length * 2);
    next.set(this.bytes);
    this.bytes = next;
  }
}

/** An MSB-first bit reader over a byte range; reading past the end throws InputError BAD_DATA. */
export class BitReader {
  private pos: number;
  private acc = 0;
  private avail = 0;

  /**
   * @param bytes the stream.
   * @param start first byte to read.
   * @param end one past the last byte that may be read.
   * @param what the structure being read, for error messages (e.g. "huffman table").
   */
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
    private readonly what: string,
  ) {
    this.pos = start;
  }

  /** Reads `count` <= 24 bits as an unsigned integer. */
  read(count: number): number {
    while (this.avail < count) {
      if (this.pos >= this.end) {
        throw new InputError(
          'BAD_DATA',
          `${this.what}: stream truncated (needs more bits than the payload holds)`,
        );
      }
      this.acc = ((this.acc << 8) | this.bytes[this.pos++]) >>> 0;
      this.avail += 8;
    }
    this.avail -= count;
    return (this.acc >>> this.avail) & ((1 << count) - 1);
  }

  /** Reads an order-0 Exp-Golomb code; rejects codes longer than 24 bits. */
  readExpGolomb(): number {
    let zeros = 0;
    while (this.read(1) === 0) {
      if (++zeros > 23) throw new InputError('BAD_DATA', `${this.what}: malformed Exp-Golomb code`);
    }
    return ((1 << zeros) | this.read(zeros)) - 1;
  }

  /** Position of the next unread bit, counted from `start`'s byte 0 of `bytes`. */
  get positionBits(): number {
    return this.pos * 8 - this.avail;
  }
}
