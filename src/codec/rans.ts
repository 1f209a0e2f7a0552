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
import { InputError } from '../core/errors';
import { BitReader, BitWriter } from './bit-io';
import { readTable, tableSizeBits, writeTable } from './code-table';
import type { BitWidth } from './types';
import { codeHistogram } from './entropy';

/** Math functions read once (see the NOTE on `fround` in normalize.ts: global lookups are slow in vm contexts). */
const { ceil, clz32, floor, log2, min, round } = Math;

/** Lower end of the normalised state interval [L, 256·L). */
const RANS_L = 1 << 23;

/** Frequency precision used by the encoder: M = 2^15. */
export const RANS_SCALE_BITS = 15;

/** round(2^20 · 2^(−j/8)) for j = 0..7: the integer weights of fractional octaves (hard-coded so
 * every implementation rebuilds bit-identical frequencies without calling pow). */
const OCTAVE_FRACTIONS = [1048576, 961548, 881744, 808563, 741455, 679917, 623487, 571740];

/** Largest integer in the log2 lookup table: frequencies are at most 2^RANS_SCALE_BITS. */
const LOG2_TABLE_MAX = 1 << RANS_SCALE_BITS;
let log2Table: Float64Array | undefined;

/**
 * log2(i) for i = 0..2^15 (entry 0 unused), built on first use (about 0.3 ms).
 * NOTE: planning sums count·log2(f) over every present symbol for up to four candidate tables;
 * at 8 bits that was a thousand Math.log2 calls per tensor and most of the planning time.
 */
function log2Integers(): Float64Array {
  if (log2Table === undefined) {
    log2Table = new Float64Array(LOG2_TABLE_MAX + 1);
    for (let i = 1; i <= LOG2_TABLE_MAX; i++) log2Table[i] = log2(i);
  }
  return log2Table;
}

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
  if (present > m)
    throw new InputError('BAD_DATA', `rans: ${present} symbols do not fit a total frequency of ${m}`);
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

/** Scratch arrays of `planRansScratch`, one entry per present symbol (at most 256). */
const PLAN_SCRATCH = {
  symbol: new Int32Array(256),
  count: new Float64Array(256),
  log2Count: new Float64Array(256),
  level: new Int32Array(256),
  weight: new Float64Array(256),
  /** Levels and frequencies of the best candidate so far. */
  bestLevel: new Int32Array(256),
  bestFrequency: new Int32Array(256),
};

/** Scratch levels and frequencies of the plan `planRansScratch` returns. */
const PLAN_TABLES = { levels: new Uint8Array(256), frequencies: new Uint32Array(256) };

/**
 * Chooses the rANS model for a histogram of c-bit codes: the levels-per-octave k that minimises the
 * estimated payload.
 * @param histogram counts of each code, length 2^bits.
 */
export function planRans(histogram: ArrayLike<number>, bits: BitWidth): RansPlan {
  const plan = planRansScratch(histogram, bits);
  return { ...plan, levels: plan.levels.slice(), frequencies: plan.frequencies.slice() };
}

/**
 * `planRans` with `levels` and `frequencies` in scratch memory, valid until the next call (the
 * codec's hot path: allocating a typed array of more than 64 bytes costs 1-2 µs in V8).
 *
 * NOTE: the candidates are sized on the present symbols only, restating the integer arithmetic of
 * `frequenciesFromLevels` and the bit count of `tableSizeBits` over that list (the tests check the
 * plan against both). A small 8-bit tensor is planned in a few µs this way; walking all 2^c
 * symbols with the shared functions for every candidate took about 20.
 */
export function planRansScratch(histogram: ArrayLike<number>, bits: BitWidth): RansPlan {
  const scaleBits = RANS_SCALE_BITS;
  const size = histogram.length;
  const { symbol, count, log2Count, level, weight, bestLevel, bestFrequency } = PLAN_SCRATCH;
  const log2Table = log2Integers();
  let present = 0;
  for (let s = 0; s < size; s++) {
    const c = histogram[s];
    if (c > 0) {
      symbol[present] = s;
      count[present] = c;
      log2Count[present] = c <= LOG2_TABLE_MAX ? log2Table[c] : log2(c);
      present++;
    }
  }
  let bestSteps = 0;
  let bestTableBytes = 0;
  let bestSize = Infinity;
  for (let stepsLog2 = 0; stepsLog2 <= 3 && present > 0; stepsLog2++) {
    const tableBytes = candidateLevels(stepsLog2, present, size);
    const sizeBytes = tableBytes + 8 + ceil(candidateFrequencies(stepsLog2, present, scaleBits) / 8);
    // Finer tables cost more bits and code better; the total is convex in practice, so stop at
    // the first k that does not improve.
    if (sizeBytes >= bestSize) break;
    bestSteps = stepsLog2;
    bestTableBytes = tableBytes;
    bestSize = sizeBytes;
    for (let j = 0; j < present; j++) {
      bestLevel[j] = level[j];
      bestFrequency[j] = weight[j];
    }
  }
  const levels = PLAN_TABLES.levels.subarray(0, size).fill(0);
  const frequencies = PLAN_TABLES.frequencies.subarray(0, size).fill(0);
  if (present === 0) {
    // No codes: an empty table (all absent) and no coded bits.
    const tableBytes = ceil((6 + tableSizeBits(levels)) / 8);
    return { bits, scaleBits, stepsLog2: 0, levels, frequencies, tableBytes, sizeBytes: tableBytes + 8 };
  }
  for (let j = 0; j < present; j++) {
    levels[symbol[j]] = bestLevel[j];
    frequencies[symbol[j]] = bestFrequency[j];
  }
  return {
    bits,
    scaleBits,
    stepsLog2: bestSteps,
    levels,
    frequencies,
    tableBytes: bestTableBytes,
    sizeBytes: bestSize,
  };
}

/**
 * One candidate of `planRansScratch`: the levels of the `present` symbols at 2^stepsLog2 steps per
 * octave, into PLAN_SCRATCH.level.
 * @returns the table's bytes, as `tableSizeBits` counts them (runs of absent symbols, repeats, deltas)
 */
function candidateLevels(stepsLog2: number, present: number, size: number): number {
  const { symbol, log2Count, level } = PLAN_SCRATCH;
  const k = 1 << stepsLog2;
  let tableBits = 0;
  let previous = 0;
  let next = 0;
  for (let j = 0; j < present; j++) {
    const v = min(255, 1 + round(k * log2Count[j]));
    level[j] = v;
    const s = symbol[j];
    if (s > next) tableBits += 2 + expGolombBits(s - next - 1);
    if (v === previous) tableBits += 1;
    else {
      const delta = v - previous;
      tableBits += 2 + expGolombBits(delta > 0 ? 2 * delta - 2 : -2 * delta - 1);
      previous = v;
    }
    next = s + 1;
  }
  if (size > next) tableBits += 2 + expGolombBits(size - next - 1);
  return ceil((6 + tableBits) / 8);
}

/**
 * The frequencies of a candidate's levels (PLAN_SCRATCH.level), as in `frequenciesFromLevels`, into
 * PLAN_SCRATCH.weight.
 * @returns the bits the present symbols' counts code to at these frequencies
 */
function candidateFrequencies(stepsLog2: number, present: number, scaleBits: number): number {
  const { count, level, weight } = PLAN_SCRATCH;
  const log2Table = log2Integers();
  const m = 1 << scaleBits;
  let top = 0;
  for (let j = 0; j < present; j++) if (level[j] > top) top = level[j];
  const mask = (1 << stepsLog2) - 1;
  const stride = 3 - stepsLog2;
  let total = 0;
  for (let j = 0; j < present; j++) {
    const e = top - level[j];
    const shift = e >>> stepsLog2;
    const w = shift > 20 ? 1 : OCTAVE_FRACTIONS[(e & mask) << stride] >>> shift || 1;
    weight[j] = w;
    total += w;
  }
  const free = m - present;
  let sum = 0;
  let largest = 0;
  let largestF = 0;
  let codedBits = 0;
  for (let j = 0; j < present; j++) {
    const f = 1 + floor((weight[j] * free) / total);
    weight[j] = f;
    sum += f;
    codedBits += count[j] * (scaleBits - log2Table[f]);
    if (f > largestF) {
      largest = j;
      largestF = f;
    }
  }
  // The remainder goes to the largest frequency.
  weight[largest] = largestF + m - sum;
  codedBits += count[largest] * (log2Table[largestF] - log2Table[largestF + m - sum]);
  return codedBits;
}

/** Length in bits of the order-0 Exp-Golomb code of `value` >= 0 (as in code-table.ts). */
function expGolombBits(value: number): number {
  return 2 * (31 - clz32(value + 1)) + 1;
}

/** Symbols per call of the hot-loop kernels (see the NOTE in `ransEncode`). */
const BLOCK = 4096;

/**
 * The encoder's per-symbol tables, allocated once and refilled by every call (JavaScript runs one
 * encoder at a time per thread, and allocating five typed arrays cost several µs per small tensor).
 */
const ENCODER_TABLES = {
  /** 1/f as float64 (see `encodeBlock`); 0 for an absent symbol. */
  reciprocal: new Float64Array(256),
  /** M − f: C(s, x) = x + q·(M − f) + cum with q = floor(x / f). */
  complement: new Int32Array(256),
  cum: new Int32Array(256),
  /** x needs one renormalisation byte when x > emit1, two when x > emit2; −1 for an absent symbol. */
  emit1: new Int32Array(256),
  emit2: new Int32Array(256),
};

/**
 * rANS-codes c-bit codes (layout in the file header).
 * @param plan from `planRans` for these codes' histogram; computed when omitted.
 * @example ransDecode(ransEncode(codes, 4), codes.length, 4) equals codes
 */
export function ransEncode(codes: Uint8Array, bits: BitWidth, plan?: RansPlan): Uint8Array {
  const payload = ransEncodeScratch(codes, plan ?? planRansScratch(codeHistogram(codes, 1 << bits), bits));
  const out = new Uint8Array(payload.length);
  writeRansPayload(payload, out, 0);
  return out;
}

/** A rANS payload whose parts live in the encoder's scratch memory, valid until the next encode. */
export interface RansPayload {
  /** Bytes of the whole payload. */
  readonly length: number;
  /** The preamble and table, padded to a whole byte. */
  readonly table: Uint8Array;
  readonly stateA: number;
  readonly stateB: number;
  /** The renormalisation bytes in decoding order. */
  readonly stream: Uint8Array;
}

/** Writes a payload from `ransEncodeScratch` to out[offset, offset + payload.length). */
export function writeRansPayload(payload: RansPayload, out: Uint8Array, offset: number): void {
  const { table, stream } = payload;
  out.set(table, offset);
  let p = offset + table.length;
  for (const state of [payload.stateA, payload.stateB]) {
    out[p++] = state & 0xff;
    out[p++] = (state >>> 8) & 0xff;
    out[p++] = (state >>> 16) & 0xff;
    out[p++] = state >>> 24;
  }
  out.set(stream, p);
}

/** The table writer and byte buffer reused by every `ransEncodeScratch` call. */
const ENCODER_SCRATCH = { writer: new BitWriter(512), buffer: new Uint8Array(64 * 1024) };

/**
 * Encodes into the encoder's scratch memory (one allocation fewer per tensor than `ransEncode`;
 * the tensor format copies the parts straight into its stream).
 * @param plan for these codes' histogram.
 */
export function ransEncodeScratch(codes: Uint8Array, plan: RansPlan): RansPayload {
  const writer = ENCODER_SCRATCH.writer;
  writer.reset();
  writer.write(plan.scaleBits - 8, 4);
  writer.write(plan.stepsLog2, 2);
  writeTable(writer, plan.levels);
  const table = writer.finishView();

  const { reciprocal, complement, cum, emit1, emit2 } = ENCODER_TABLES;
  // A symbol may be coded when x < f·2^(31 − scaleBits), so the new state stays below 2^31.
  const m = 2 ** plan.scaleBits;
  const unit = 2 ** (31 - plan.scaleBits);
  const largest = 2 ** 31 - 1;
  let c = 0;
  const size = plan.frequencies.length;
  for (let s = 0; s < 256; s++) {
    const f = s < size ? plan.frequencies[s] : 0;
    cum[s] = c;
    c += f;
    if (f === 0) {
      reciprocal[s] = 0;
      complement[s] = 0;
      emit1[s] = -1;
      emit2[s] = -1;
    } else {
      reciprocal[s] = 1 / f;
      complement[s] = m - f;
      const limit = f * unit;
      emit1[s] = limit - 1 < largest ? limit - 1 : largest;
      emit2[s] = limit * 256 - 1 < largest ? limit * 256 - 1 : largest;
    }
  }
  const n = codes.length;
  // NOTE: two interleaved states (even symbols on A, odd on B) and branch-free renormalisation
  // double the encoder's speed (the state update is a long dependency chain and the renormalisation
  // branch is unpredictable); measured with scripts/bench-codec.ts. The cost is 4 bytes.
  // The state: [A, B, write position, missing-symbol flag]; bytes are written backwards into `buffer`,
  // which must have room for 2 bytes per symbol of a block before the block starts. Sized from
  // the estimate (exact to a few bytes) plus that slack, it grows only when the estimate is off.
  const needed = Math.max(0, plan.sizeBytes - table.length) + 2 * Math.min(n, BLOCK) + 64;
  if (ENCODER_SCRATCH.buffer.length < needed) ENCODER_SCRATCH.buffer = new Uint8Array(needed + (needed >> 2));
  let buffer = ENCODER_SCRATCH.buffer;
  const state = Int32Array.of(RANS_L, RANS_L, buffer.length, 0);
  const even = n & ~1;
  if (even !== n) {
    // The last symbol (an even index) goes on A alone, so the blocks below start on an odd index.
    encodeBlock(codes, n - 1, n, buffer, state, true);
  }
  for (let end = even; end > 0; end -= BLOCK) {
    const start = Math.max(0, end - BLOCK);
    if (state[2] < 2 * (end - start) + 2) {
      const grown = new Uint8Array(buffer.length * 2 + 4 * BLOCK);
      const used = buffer.length - state[2];
      grown.set(buffer.subarray(state[2]), grown.length - used);
      state[2] = grown.length - used;
      buffer = grown;
      ENCODER_SCRATCH.buffer = grown;
    }
    encodeBlock(codes, start, end, buffer, state, false);
  }
  if (state[3] < 0) throw new Error('ransEncode: a code has no frequency (the plan is for other codes)');
  const stream = buffer.subarray(state[2]);
  return { length: table.length + 8 + stream.length, table, stateA: state[0], stateB: state[1], stream };
}

/**
 * Encodes codes[start, end) backwards, pairs (odd index on B, even on A); `single` encodes one
 * symbol on A. A symbol without a frequency sets the sign bit of state[3] (checked by the caller,
 * so the kernel stays branch-free).
 *
 * The state update C(s, x) = M·floor(x/f) + (x mod f) + cum = x + q·(M − f) + cum, q = floor(x/f),
 * takes q as floor((x + 0.5)·fl(1/f)) in float64, which is exact: with x = q·f + r, 0 <= r < f,
 * (x + 0.5)/f lies at least 1/(2f) from an integer, while the two roundings (of 1/f and of the
 * product) move it by less than (x + 0.5)/f·2^-52 < 2^-21/f (x < 2^31). It replaces an integer
 * division on the state's dependency chain (measured 15-25% faster per symbol). After
 * renormalisation x < f·2^16, so q < 2^16 and q·(M − f) < 2^31 stays in int32.
 */
function encodeBlock(
  codes: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  state: Int32Array,
  single: boolean,
): void {
  const { reciprocal, complement, cum, emit1, emit2 } = ENCODER_TABLES;
  let a = state[0];
  let b = state[1];
  let pos = state[2];
  let missing = state[3];
  if (single) {
    const s = codes[start];
    missing |= emit1[s];
    const k = ((emit1[s] - a) >>> 31) + ((emit2[s] - a) >>> 31);
    out[pos - 1] = a;
    out[pos - 2] = a >> 8;
    pos -= k;
    a >>= k << 3;
    const q = ((a + 0.5) * reciprocal[s]) | 0;
    a = a + q * complement[s] + cum[s];
  } else {
    for (let i = end - 1; i > start; i -= 2) {
      // Renormalise: write both candidate bytes, keep k of them (0, 1 or 2); then x -> C(s, x).
      const s1 = codes[i];
      const e1 = emit1[s1];
      missing |= e1;
      let k = ((e1 - b) >>> 31) + ((emit2[s1] - b) >>> 31);
      out[pos - 1] = b;
      out[pos - 2] = b >> 8;
      pos -= k;
      b >>= k << 3;
      const q1 = ((b + 0.5) * reciprocal[s1]) | 0;
      b = b + q1 * complement[s1] + cum[s1];

      const s0 = codes[i - 1];
      const e0 = emit1[s0];
      missing |= e0;
      k = ((e0 - a) >>> 31) + ((emit2[s0] - a) >>> 31);
      out[pos - 1] = a;
      out[pos - 2] = a >> 8;
      pos -= k;
      a >>= k << 3;
      const q0 = ((a + 0.5) * reciprocal[s0]) | 0;
      a = a + q0 * complement[s0] + cum[s0];
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
export function ransDecode(
  bytes: Uint8Array,
  count: number,
  bits: BitWidth,
  start = 0,
  end = bytes.length,
): Uint8Array {
  const reader = new BitReader(bytes, start, end, 'rans');
  const scaleBits = reader.read(4) + 8;
  // Above 2^15 the decoder's products f·(x >> scaleBits) could leave the int32 range.
  if (scaleBits > 15)
    throw new InputError('BAD_DATA', `rans: scale of 2^${scaleBits} is above the supported 2^15`);
  const stepsLog2 = reader.read(2);
  const levels = readTable(reader, 1 << bits, 255, 'rans');
  const frequencies = frequenciesFromLevels(levels, stepsLog2, scaleBits);
  const codes = new Uint8Array(count);
  const p0 = Math.ceil(reader.positionBits / 8);
  if (end - p0 < 8) throw new InputError('BAD_DATA', 'rans: stream truncated (no states)');
  let present = 0;
  for (let s = 0; s < frequencies.length; s++) if (frequencies[s] > 0) present++;
  if (count > 0 && present === 0)
    throw new InputError('BAD_DATA', 'rans: table has no symbols but codes are expected');

  const { freq, cum, symbolOfSlot } = decoderTables(frequencies, scaleBits);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const a = view.getUint32(p0, true);
  const b = view.getUint32(p0 + 4, true);
  if (a < RANS_L || a >= 2 ** 31 || b < RANS_L || b >= 2 ** 31) {
    throw new InputError('BAD_DATA', 'rans: initial state out of range (corrupted stream)');
  }
  // The kernel reads two bytes ahead without bounds checks: decode from a copy with zero padding
  // and check the consumed length after every block.
  const length = end - (p0 + 8);
  const input = scratchInput(length + 2 * BLOCK + 4);
  input.set(bytes.subarray(p0 + 8, end));
  input.fill(0, length, length + 2 * BLOCK + 4);
  const state = new Int32Array([a, b, 0]);
  const even = count & ~1;
  for (let s = 0; s < even; s += BLOCK) {
    decodeBlock(input, s, Math.min(even, s + BLOCK), codes, state, symbolOfSlot, freq, cum, scaleBits, false);
    if (state[2] > length) throw new InputError('BAD_DATA', 'rans: stream truncated');
  }
  if (even !== count) decodeBlock(input, even, count, codes, state, symbolOfSlot, freq, cum, scaleBits, true);
  if (state[2] > length) throw new InputError('BAD_DATA', 'rans: stream truncated');
  if (state[2] !== length)
    throw new InputError('BAD_DATA', `rans: ${length - state[2]} unexpected trailing bytes`);
  if (state[0] !== RANS_L || state[1] !== RANS_L)
    throw new InputError('BAD_DATA', 'rans: final state mismatch (corrupted stream)');
  return codes;
}

/**
 * The decoder's tables for a frequency table, kept between calls: the slot-to-symbol table has
 * 2^scaleBits entries (32 K at the default scale), and planning it took most of the decode time of
 * a small tensor; consecutive samples of a cut often share their table, which is then reused.
 * NOTE: valid until the next call (JavaScript decodes one stream at a time per thread).
 */
const DECODER_TABLES = {
  freq: new Int32Array(256),
  cum: new Int32Array(256),
  symbolOfSlot: new Uint8Array(1 << 15),
  /** Frequencies and scale the tables hold (scale 0: none yet). */
  frequencies: new Uint32Array(256),
  size: 0,
  scaleBits: 0,
};

function decoderTables(
  frequencies: Uint32Array,
  scaleBits: number,
): { freq: Int32Array; cum: Int32Array; symbolOfSlot: Uint8Array } {
  const t = DECODER_TABLES;
  const size = frequencies.length;
  let same = t.scaleBits === scaleBits && t.size === size;
  for (let s = 0; same && s < size; s++) same = t.frequencies[s] === frequencies[s];
  if (!same) {
    t.freq.fill(0);
    t.cum.fill(0);
    let c = 0;
    for (let s = 0; s < size; s++) {
      const f = frequencies[s];
      t.freq[s] = f;
      t.cum[s] = c;
      if (f > 0) t.symbolOfSlot.fill(s, c, c + f);
      c += f;
    }
    t.frequencies.set(frequencies);
    t.size = size;
    t.scaleBits = scaleBits;
  }
  return t;
}

let inputScratch = new Uint8Array(1 << 16);

function scratchInput(n: number): Uint8Array {
  if (inputScratch.length < n) inputScratch = new Uint8Array(n + (n >> 2));
  return inputScratch;
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
