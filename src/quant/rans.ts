/**
 * Static rANS (range asymmetric numeral system) coding of quantization codes: 32-bit state, byte-wise
 * renormalisation, frequencies normalised to a power of two M = 2^scaleBits.
 *
 * Reference: J. Duda, "Asymmetric numeral systems: entropy coding combining speed of Huffman coding
 * with compression rate of arithmetic coding", arXiv 1311.2540 (2013); the byte-wise variant with
 * state interval [2^23, 2^31) as described by F. Giesen, "Interleaved entropy coders", arXiv
 * 1402.3392 (2014).
 *
 * Frequency table. Sending 2^c exact frequencies would cost more than it saves on small tensors, so
 * the encoder sends each present symbol's log2-count quantized to 1/k octave ("level"), k in
 * {1, 2, 4, 8}, and both sides rebuild the same frequencies with integer arithmetic only
 * (`frequenciesFromLevels`). The encoder picks the k that minimises table bits + coded bits.
 *
 * Two interleaved states (Giesen 2014): symbols at even indices use state A, odd indices state B,
 * sharing one byte stream.
 *
 * Payload layout:
 *   4 bits  scaleBits − 8        (M = 2^scaleBits, 8 <= scaleBits <= 15; this encoder uses 15)
 *   2 bits  log2(k)
 *   the 2^c levels (`writeTable`, 0 = absent, 1..255), then zero bits to a whole byte
 *   4 bytes final encoder state A, little-endian (the decoder's initial state A)
 *   4 bytes final encoder state B, little-endian
 *   the renormalisation bytes in decoding order
 * Decoding step for state x: slot = x mod M, s = the symbol whose range [cum, cum + f) holds slot,
 * x = f·floor(x / M) + slot − cum, then while x < 2^23: x = 256·x + next byte.
 * Decoding must end exactly at the end of the payload with both states back at 2^23.
 */
import { InputError } from '../errors';
import { BitReader, BitWriter } from './bit-io';
import { readTable, tableSizeBits, writeTable } from './code-table';
import type { BitWidth } from './types';
import { codeHistogram } from './entropy';

/** Math functions read once (see the NOTE on `fround` in normalize.ts: global lookups are slow in vm contexts). */
const { floor, log2, min, round } = Math;

/** Lower end of the normalised state interval [L, 256·L). */
const RANS_L = 1 << 23;

/** Frequency precision used by the encoder: M = 2^15. */
export const RANS_SCALE_BITS = 15;

/** round(2^20 · 2^(−j/8)) for j = 0..7: the integer weights of fractional octaves (hard-coded so
 * every implementation rebuilds bit-identical frequencies without calling pow). */
const OCTAVE_FRACTIONS = [1048576, 961548, 881744, 808563, 741455, 679917, 623487, 571740];

/** The rANS model chosen for one histogram, with a size estimate. */
export interface RansPlan {
  readonly bits: BitWidth;
  /** M = 2^scaleBits, the sum of `frequencies`. */
  readonly scaleBits: number;
  /** log2 of k, the levels per octave of the transmitted table. */
  readonly stepsLog2: number;
  /** Transmitted level of every symbol (0 = absent). */
  readonly levels: Uint8Array;
  /** Normalised frequency of every symbol (0 = absent); they sum to 2^scaleBits. */
  readonly frequencies: Uint32Array;
  /** Size of the table including its 6-bit preamble and padding, in bytes. */
  readonly tableBytes: number;
  /** Estimated payload size, in bytes: table + Σ count·log2(M/f) / 8 + the two 4-byte states. */
  readonly sizeBytes: number;
}

/**
 * Rebuilds normalised frequencies from transmitted levels (shared by encoder and decoder).
 *
 * With A the largest level and e = A − level, the weight of a present symbol is
 * w = max(1, floor(F[(e mod k)·8/k] / 2^floor(e/k))) with F = round(2^20·2^(−j/8)), j = 0..7
 * (w = 1 once the shift exceeds 20). With P present symbols, W = Σ w and M = 2^scaleBits:
 * f = 1 + floor(w·(M − P) / W); the remainder M − Σ f goes to the largest f (lowest symbol on ties).
 * All intermediate values are integers below 2^53, so float64 arithmetic is exact.
 * @throws InputError BAD_DATA when there are more present symbols than M.
 */
export function frequenciesFromLevels(levels: Uint8Array, stepsLog2: number, scaleBits: number): Uint32Array {
  const size = levels.length;
  const frequencies = new Uint32Array(size);
  let top = 0;
  let present = 0;
  for (let s = 0; s < size; s++) {
    const level = levels[s];
    if (level > 0) present++;
    if (level > top) top = level;
  }
  if (present === 0) return frequencies;
  const m = 1 << scaleBits;
  if (present > m) throw new InputError('BAD_DATA', `rans: ${present} symbols do not fit a total frequency of ${m}`);
  // Weights go into `frequencies` first (they are below 2^21), then are replaced by the result.
  const mask = (1 << stepsLog2) - 1;
  const stride = 3 - stepsLog2; // (e mod k)·8/k = (e & mask) << stride
  let total = 0;
  for (let s = 0; s < size; s++) {
    if (levels[s] === 0) continue;
    const e = top - levels[s];
    const shift = e >>> stepsLog2;
    const w = shift > 20 ? 1 : OCTAVE_FRACTIONS[(e & mask) << stride] >>> shift || 1;
    frequencies[s] = w;
    total += w;
  }
  const free = m - present;
  let sum = 0;
  let largest = -1;
  let largestF = 0;
  for (let s = 0; s < size; s++) {
    if (levels[s] === 0) continue;
    const f = 1 + floor((frequencies[s] * free) / total);
    frequencies[s] = f;
    sum += f;
    if (f > largestF) {
      largest = s;
      largestF = f;
    }
  }
  frequencies[largest] += m - sum;
  return frequencies;
}

/**
 * Chooses the rANS model for a histogram of c-bit codes: the levels-per-octave k that minimises the
 * estimated payload.
 * @param histogram counts of each code, length 2^bits.
 */
export function planRans(histogram: ArrayLike<number>, bits: BitWidth): RansPlan {
  const scaleBits = RANS_SCALE_BITS;
  const size = histogram.length;
  // Work on the present symbols only: small tensors have few, and planning is per tensor.
  const present: number[] = [];
  const log2Counts: number[] = [];
  for (let s = 0; s < size; s++) {
    if (histogram[s] > 0) {
      present.push(s);
      log2Counts.push(log2(histogram[s]));
    }
  }
  let best: RansPlan | undefined;
  for (let stepsLog2 = 0; stepsLog2 <= 3; stepsLog2++) {
    const k = 1 << stepsLog2;
    const levels = new Uint8Array(size);
    for (let j = 0; j < present.length; j++) levels[present[j]] = min(255, 1 + round(k * log2Counts[j]));
    const frequencies = frequenciesFromLevels(levels, stepsLog2, scaleBits);
    // Σ count·log2(M/f) = Σ count·(log2 count − log2 f) + n·(scaleBits − log2 n) would need the
    // same logs; computed directly it is one log per present symbol.
    let codedBits = 0;
    for (let j = 0; j < present.length; j++) {
      const s = present[j];
      codedBits += histogram[s] * (scaleBits - log2(frequencies[s]));
    }
    const tableBytes = Math.ceil((6 + tableSizeBits(levels)) / 8);
    const sizeBytes = tableBytes + 8 + Math.ceil(codedBits / 8);
    // Finer tables cost more bits and code better; the total is convex in practice, so stop at
    // the first k that does not improve.
    if (best !== undefined && sizeBytes >= best.sizeBytes) break;
    best = { bits, scaleBits, stepsLog2, levels, frequencies, tableBytes, sizeBytes };
  }
  return best as RansPlan;
}

/** Symbols per call of the hot-loop kernels (see the NOTE in `ransEncode`). */
const BLOCK = 4096;

/**
 * rANS-codes c-bit codes (layout in the file header).
 * @param plan from `planRans` for these codes' histogram; computed when omitted.
 * @example ransDecode(ransEncode(codes, 4), codes.length, 4) equals codes
 */
export function ransEncode(codes: Uint8Array, bits: BitWidth, plan?: RansPlan): Uint8Array {
  const p = plan ?? planRans(codeHistogram(codes, 1 << bits), bits);
  const writer = new BitWriter(p.tableBytes + 8);
  writer.write(p.scaleBits - 8, 4);
  writer.write(p.stepsLog2, 2);
  writeTable(writer, p.levels);
  const table = writer.finish();

  const scaleBits = p.scaleBits;
  const freq = new Int32Array(256);
  const cum = new Int32Array(256);
  const emit1 = new Int32Array(256);
  const emit2 = new Int32Array(256);
  // A symbol may be coded when x < f·2^(31 − scaleBits), so the new state stays below 2^31;
  // x needs one renormalisation byte when x > emit1, two when x > emit2 (never three).
  const unit = 2 ** (31 - scaleBits);
  const largest = 2 ** 31 - 1;
  let c = 0;
  for (let s = 0; s < p.frequencies.length; s++) {
    const f = p.frequencies[s];
    freq[s] = f;
    cum[s] = c;
    c += f;
    if (f === 0) {
      emit1[s] = -1;
      emit2[s] = -1;
    } else {
      const limit = f * unit;
      emit1[s] = limit - 1 < largest ? limit - 1 : largest;
      emit2[s] = limit * 256 - 1 < largest ? limit * 256 - 1 : largest;
    }
  }
  const n = codes.length;
  // NOTE: two interleaved states (even symbols on A, odd on B) and branch-free renormalisation
  // double the encoder's speed (the state update is a long dependency chain and the renormalisation
  // branch is unpredictable); measured with scripts/bench-codec.ts. The cost is 4 bytes.
  // The state: [A, B, write position, missing-symbol flag]; bytes are written backwards into `buffer`.
  // Sized from the estimate, and at least what the first block's room check below asks for.
  let buffer = new Uint8Array(Math.max(p.sizeBytes - table.length + 64, 2 * Math.min(n, BLOCK) + 16));
  const state = new Int32Array([RANS_L, RANS_L, buffer.length, 0]);
  const even = n & ~1;
  if (even !== n) {
    // The last symbol (an even index) goes on A alone, so the blocks below start on an odd index.
    encodeBlock(codes, n - 1, n, buffer, state, freq, cum, emit1, emit2, scaleBits, true);
  }
  for (let end = even; end > 0; end -= BLOCK) {
    const start = Math.max(0, end - BLOCK);
    if (state[2] < 2 * (end - start) + 2) {
      // Each symbol emits at most 2 bytes: make room for the whole block in front.
      const grown = new Uint8Array(buffer.length * 2 + 4 * BLOCK);
      const used = buffer.length - state[2];
      grown.set(buffer.subarray(state[2]), grown.length - used);
      state[2] = grown.length - used;
      buffer = grown;
    }
    encodeBlock(codes, start, end, buffer, state, freq, cum, emit1, emit2, scaleBits, false);
  }
  if (state[3] < 0) throw new Error('ransEncode: a code has no frequency (the plan is for other codes)');
  const pos = state[2];
  const out = new Uint8Array(table.length + 8 + buffer.length - pos);
  out.set(table, 0);
  const view = new DataView(out.buffer);
  view.setUint32(table.length, state[0], true);
  view.setUint32(table.length + 4, state[1], true);
  out.set(buffer.subarray(pos), table.length + 8);
  return out;
}

/**
 * Encodes codes[start, end) backwards, pairs (odd index on B, even on A); `single` encodes one
 * symbol on A. A symbol without a frequency sets the sign bit of state[3] (checked by the caller,
 * so the kernel stays branch-free).
 */
function encodeBlock(
  codes: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  state: Int32Array,
  freq: Int32Array,
  cum: Int32Array,
  emit1: Int32Array,
  emit2: Int32Array,
  scaleBits: number,
  single: boolean,
): void {
  let a = state[0];
  let b = state[1];
  let pos = state[2];
  let missing = state[3];
  if (single) {
    const s = codes[start];
    missing |= freq[s] - 1;
    const k = ((emit1[s] - a) >>> 31) + ((emit2[s] - a) >>> 31);
    out[pos - 1] = a;
    out[pos - 2] = a >> 8;
    pos -= k;
    a >>= k << 3;
    const q = (a / freq[s]) | 0;
    a = (q << scaleBits) + (a - q * freq[s]) + cum[s];
  } else {
    for (let i = end - 1; i > start; i -= 2) {
      // Renormalise: write both candidate bytes, keep k of them (0, 1 or 2); then x -> C(s, x).
      const s1 = codes[i];
      const f1 = freq[s1];
      missing |= f1 - 1;
      let k = ((emit1[s1] - b) >>> 31) + ((emit2[s1] - b) >>> 31);
      out[pos - 1] = b;
      out[pos - 2] = b >> 8;
      pos -= k;
      b >>= k << 3;
      const q1 = (b / f1) | 0;
      b = (q1 << scaleBits) + (b - q1 * f1) + cum[s1];

      const s0 = codes[i - 1];
      const f0 = freq[s0];
      missing |= f0 - 1;
      k = ((emit1[s0] - a) >>> 31) + ((emit2[s0] - a) >>> 31);
      out[pos - 1] = a;
      out[pos - 2] = a >> 8;
      pos -= k;
      a >>= k << 3;
      const q0 = (a / f0) | 0;
      a = (q0 << scaleBits) + (a - q0 * f0) + cum[s0];
    }
  }
  state[0] = a;
  state[1] = b;
  state[2] = pos;
  state[3] = missing;
}

/**
 * Decodes `count` c-bit codes from a rANS payload in `bytes[start, end)`.
 * @throws InputError BAD_DATA for a malformed table, a truncated stream, trailing bytes or final
 *   states that do not match (a corrupted stream).
 */
export function ransDecode(bytes: Uint8Array, count: number, bits: BitWidth, start = 0, end = bytes.length): Uint8Array {
  const reader = new BitReader(bytes, start, end, 'rans');
  const scaleBits = reader.read(4) + 8;
  // Above 2^15 the decoder's products f·(x >> scaleBits) could leave the int32 range.
  if (scaleBits > 15) throw new InputError('BAD_DATA', `rans: scale of 2^${scaleBits} is above the supported 2^15`);
  const stepsLog2 = reader.read(2);
  const levels = readTable(reader, 1 << bits, 255, 'rans');
  const frequencies = frequenciesFromLevels(levels, stepsLog2, scaleBits);
  const codes = new Uint8Array(count);
  const p0 = Math.ceil(reader.positionBits / 8);
  if (end - p0 < 8) throw new InputError('BAD_DATA', 'rans: stream truncated (no states)');
  let present = 0;
  for (let s = 0; s < frequencies.length; s++) if (frequencies[s] > 0) present++;
  if (count > 0 && present === 0) throw new InputError('BAD_DATA', 'rans: table has no symbols but codes are expected');

  const m = 1 << scaleBits;
  const freq = new Int32Array(256);
  const cum = new Int32Array(256);
  const symbolOfSlot = new Uint8Array(m);
  let c = 0;
  for (let s = 0; s < frequencies.length; s++) {
    freq[s] = frequencies[s];
    cum[s] = c;
    if (freq[s] > 0) symbolOfSlot.fill(s, c, c + freq[s]);
    c += freq[s];
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const a = view.getUint32(p0, true);
  const b = view.getUint32(p0 + 4, true);
  if (a < RANS_L || a >= 2 ** 31 || b < RANS_L || b >= 2 ** 31) {
    throw new InputError('BAD_DATA', 'rans: initial state out of range (corrupted stream)');
  }
  // The kernel reads two bytes ahead without bounds checks: decode from a copy with zero padding
  // and check the consumed length after every block.
  const length = end - (p0 + 8);
  const input = new Uint8Array(length + 2 * BLOCK + 4);
  input.set(bytes.subarray(p0 + 8, end));
  const state = new Int32Array([a, b, 0]);
  const even = count & ~1;
  for (let s = 0; s < even; s += BLOCK) {
    decodeBlock(input, s, Math.min(even, s + BLOCK), codes, state, symbolOfSlot, freq, cum, scaleBits, false);
    if (state[2] > length) throw new InputError('BAD_DATA', 'rans: stream truncated');
  }
  if (even !== count) decodeBlock(input, even, count, codes, state, symbolOfSlot, freq, cum, scaleBits, true);
  if (state[2] > length) throw new InputError('BAD_DATA', 'rans: stream truncated');
  if (state[2] !== length) throw new InputError('BAD_DATA', `rans: ${length - state[2]} unexpected trailing bytes`);
  if (state[0] !== RANS_L || state[1] !== RANS_L) throw new InputError('BAD_DATA', 'rans: final state mismatch (corrupted stream)');
  return codes;
}

/** Decodes codes[start, end) in pairs (even index from A, odd from B); `single` decodes one from A. */
function decodeBlock(
  input: Uint8Array,
  start: number,
  end: number,
  codes: Uint8Array,
  state: Int32Array,
  symbolOfSlot: Uint8Array,
  freq: Int32Array,
  cum: Int32Array,
  scaleBits: number,
  single: boolean,
): void {
  const mask = (1 << scaleBits) - 1;
  let a = state[0];
  let b = state[1];
  let p = state[2];
  // After a decoding step x >= 2^8, so at most two bytes are needed to get back to x >= 2^23:
  // k = [x < 2^23] + [x < 2^15], then x = x·2^(8k) + the next k bytes (big-endian).
  if (single) {
    const slot = a & mask;
    const s = symbolOfSlot[slot];
    a = freq[s] * (a >>> scaleBits) + slot - cum[s];
    codes[start] = s;
    const k = ((a - RANS_L) >>> 31) + ((a - 32768) >>> 31);
    a = (a << (k << 3)) | (((input[p] << 8) | input[p + 1]) >>> ((2 - k) << 3));
    p += k;
  } else {
    for (let i = start; i < end; i += 2) {
      let slot = a & mask;
      let s = symbolOfSlot[slot];
      a = freq[s] * (a >>> scaleBits) + slot - cum[s];
      codes[i] = s;
      let k = ((a - RANS_L) >>> 31) + ((a - 32768) >>> 31);
      a = (a << (k << 3)) | (((input[p] << 8) | input[p + 1]) >>> ((2 - k) << 3));
      p += k;

      slot = b & mask;
      s = symbolOfSlot[slot];
      b = freq[s] * (b >>> scaleBits) + slot - cum[s];
      codes[i + 1] = s;
      k = ((b - RANS_L) >>> 31) + ((b - 32768) >>> 31);
      b = (b << (k << 3)) | (((input[p] << 8) | input[p + 1]) >>> ((2 - k) << 3));
      p += k;
    }
  }
  state[0] = a;
  state[1] = b;
  state[2] = p;
}

