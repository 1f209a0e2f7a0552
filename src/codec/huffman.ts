/**
 * Canonical Huffman coding of quantization codes, length-limited to 15 bits — the entropy coder of
 * the JALAD paper (Li et al., ICPADS 2018, section "in-layer compression").
 *
 * Code lengths: Moffat & Katajainen's in-place minimum-redundancy algorithm ("In-place calculation
 * of minimum-redundancy codes", WADS 1995); when the longest code exceeds the limit, the optimal
 * length-limited code by package-merge (Larmore & Hirschberg, J. ACM 1990).
 * Codes are canonical (as in DEFLATE, RFC 1951 section 3.2.2): shorter codes first, then by symbol.
 *
 * Payload layout, one MSB-first bit stream with no alignment in between:
 *   the code lengths of the 2^c symbols (`writeTable`, 0 = absent), then the code of every symbol,
 *   then zero bits to a whole byte.
 */
import { InputError } from '../core/errors';
import { BitReader, BitWriter } from './bit-io';
import { readTable, tableSizeBits, writeTable } from './code-table';
import type { BitWidth } from './types';
import { codeHistogram } from './entropy';

/** Longest Huffman code, in bits. */
export const HUFFMAN_MAX_LENGTH_BITS = 15;

/** A Huffman code chosen for one histogram, with the exact size it will encode to. */
export interface HuffmanPlan {
  readonly bits: BitWidth;
  /** Code length in bits of every symbol, 0 for absent symbols. */
  readonly lengths: Uint8Array;
  /** Size of the transmitted code-length table, in bits. */
  readonly tableBits: number;
  /** Size of the coded symbols, in bits. */
  readonly payloadBits: number;
  /** Exact size of `huffmanEncode`'s output, in bytes. */
  readonly sizeBytes: number;
}

/**
 * Optimal code lengths (at most `maxLengthBits`) for a histogram.
 * Absent symbols get length 0; a single present symbol gets length 1.
 * @example huffmanCodeLengths(Uint32Array.of(5, 1, 1, 0)) -> [1, 2, 2, 0]
 */
export function huffmanCodeLengths(
  histogram: ArrayLike<number>,
  maxLengthBits = HUFFMAN_MAX_LENGTH_BITS,
): Uint8Array {
  const k = histogram.length;
  const lengths = new Uint8Array(k);
  // Sort present symbols by (count, symbol) ascending with one numeric key: count·256 + symbol.
  let present = 0;
  for (let s = 0; s < k; s++) if (histogram[s] > 0) present++;
  if (present === 0) return lengths;
  if (present === 1) {
    for (let s = 0; s < k; s++) if (histogram[s] > 0) lengths[s] = 1;
    return lengths;
  }
  if (present > 2 ** maxLengthBits)
    throw new RangeError(`huffman: ${present} symbols need codes longer than ${maxLengthBits} bits`);
  const keys = new Float64Array(present);
  let j = 0;
  for (let s = 0; s < k; s++) if (histogram[s] > 0) keys[j++] = histogram[s] * 256 + s;
  keys.sort();
  const weights = new Float64Array(present);
  for (let i = 0; i < present; i++) weights[i] = Math.floor(keys[i] / 256);
  let sorted = minimumRedundancyLengths(weights);
  if (sorted[0] > maxLengthBits) sorted = packageMergeLengths(weights, maxLengthBits);
  for (let i = 0; i < present; i++) lengths[keys[i] % 256] = sorted[i];
  return lengths;
}

/**
 * Moffat–Katajainen: code lengths for weights sorted ascending (length >= 2), in O(n) and one array.
 * Returns the length of each weight (the smallest weight gets the longest code).
 */
function minimumRedundancyLengths(sortedWeights: Float64Array): Float64Array {
  const n = sortedWeights.length;
  const a = Float64Array.from(sortedWeights);
  // Phase 1: combine; internal nodes reuse the front of the array, leaving parent pointers.
  let leaf = 0;
  let root = 0;
  for (let next = 0; next < n - 1; next++) {
    if (leaf >= n || (root < next && a[root] < a[leaf])) {
      a[next] = a[root];
      a[root++] = next;
    } else {
      a[next] = a[leaf++];
    }
    if (leaf >= n || (root < next && a[root] < a[leaf])) {
      a[next] += a[root];
      a[root++] = next;
    } else {
      a[next] += a[leaf++];
    }
  }
  // Phase 2: depth of every internal node from its parent pointer.
  a[n - 2] = 0;
  for (let next = n - 3; next >= 0; next--) a[next] = a[a[next]] + 1;
  // Phase 3: leaf depths, heaviest leaves (at the end) shallowest.
  let avail = 1;
  let used = 0;
  let depth = 0;
  let rootIndex = n - 2;
  let next = n - 1;
  while (avail > 0) {
    while (rootIndex >= 0 && a[rootIndex] === depth) {
      used++;
      rootIndex--;
    }
    while (avail > used) {
      a[next--] = depth;
      avail--;
    }
    avail = 2 * used;
    depth++;
    used = 0;
  }
  return a;
}

/**
 * Package-merge: optimal code lengths no longer than `limit` for weights sorted ascending.
 * Level lists only need, per position, whether the item is a leaf: the items selected at each
 * level are a prefix of that level's list, and its leaves are a prefix of the sorted leaves.
 */
function packageMergeLengths(sortedWeights: Float64Array, limit: number): Float64Array {
  const m = sortedWeights.length;
  const leafFlags: Uint8Array[] = new Array(limit + 1);
  let previous = Float64Array.from(sortedWeights);
  leafFlags[limit] = new Uint8Array(m).fill(1);
  for (let level = limit - 1; level >= 1; level--) {
    const packages = Math.floor(previous.length / 2);
    const merged = new Float64Array(m + packages);
    const flags = new Uint8Array(m + packages);
    let li = 0;
    let pi = 0;
    for (let o = 0; o < merged.length; o++) {
      const pw = pi < packages ? previous[2 * pi] + previous[2 * pi + 1] : Infinity;
      if (li < m && sortedWeights[li] <= pw) {
        merged[o] = sortedWeights[li++];
        flags[o] = 1;
      } else {
        merged[o] = pw;
        pi++;
      }
    }
    leafFlags[level] = flags;
    previous = merged;
  }
  const lengths = new Float64Array(m);
  let take = 2 * m - 2;
  for (let level = 1; level <= limit && take > 0; level++) {
    const flags = leafFlags[level];
    let leaves = 0;
    for (let o = 0; o < take; o++) leaves += flags[o];
    for (let i = 0; i < leaves; i++) lengths[i]++;
    take = 2 * (take - leaves);
  }
  return lengths;
}

/**
 * Canonical codes for code lengths (DEFLATE's assignment): code of each symbol, right-aligned.
 * @example canonicalCodes(Uint8Array.of(1, 2, 2)) -> [0b0, 0b10, 0b11]
 */
export function canonicalCodes(lengths: Uint8Array): Uint16Array {
  const counts = new Uint16Array(HUFFMAN_MAX_LENGTH_BITS + 2);
  for (let s = 0; s < lengths.length; s++) counts[lengths[s]]++;
  counts[0] = 0;
  const nextCode = new Uint32Array(HUFFMAN_MAX_LENGTH_BITS + 2);
  let code = 0;
  for (let len = 1; len <= HUFFMAN_MAX_LENGTH_BITS + 1; len++) {
    code = (code + counts[len - 1]) << 1;
    nextCode[len] = code;
  }
  const codes = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) if (lengths[s] > 0) codes[s] = nextCode[lengths[s]]++;
  return codes;
}

/**
 * Chooses the Huffman code for a histogram of c-bit codes and computes the exact encoded size.
 * @param histogram counts of each code, length 2^bits.
 */
export function planHuffman(histogram: ArrayLike<number>, bits: BitWidth): HuffmanPlan {
  const lengths = huffmanCodeLengths(histogram);
  const tableBits = tableSizeBits(lengths);
  let payloadBits = 0;
  for (let s = 0; s < lengths.length; s++) payloadBits += histogram[s] * lengths[s];
  return { bits, lengths, tableBits, payloadBits, sizeBytes: Math.ceil((tableBits + payloadBits) / 8) };
}

/**
 * Huffman-codes c-bit codes: the code-length table followed by the codes (layout in the file header).
 * @param plan from `planHuffman` for these codes' histogram; computed when omitted.
 * @example huffmanDecode(huffmanEncode(codes, 4), codes.length, 4) equals codes
 */
export function huffmanEncode(codes: Uint8Array, bits: BitWidth, plan?: HuffmanPlan): Uint8Array {
  const p = plan ?? planHuffman(codeHistogram(codes, 1 << bits), bits);
  const writer = new BitWriter(Math.ceil(p.tableBits / 8) + 8);
  writeTable(writer, p.lengths);
  const head = writer.snapshot();
  const out = new Uint8Array(p.sizeBytes);
  out.set(head.bytes);
  const lengths = p.lengths;
  const symbolCodes = canonicalCodes(lengths);
  const n = codes.length;
  // state: [acc, pending bits, output position]
  const state = Int32Array.of(head.acc, head.pending, head.bytes.length);
  // Writes past the end of `out` are dropped by the typed array, and the count check below
  // catches them (only a plan made for other codes can overrun its exact size).
  for (let start = 0; start < n; start += BLOCK) {
    encodeBlock(codes, start, Math.min(n, start + BLOCK), lengths, symbolCodes, out, state);
  }
  let o = state[2];
  const pending = state[1];
  if (pending > 0) out[o++] = state[0] << (8 - pending);
  if (o !== out.length)
    throw new Error(`huffmanEncode: wrote ${o} bytes, planned ${out.length} (plan is for other codes)`);
  return out;
}

/**
 * Decodes `count` c-bit codes from a Huffman payload in `bytes[start, end)`.
 * @throws InputError BAD_DATA for a malformed table, a truncated stream or trailing bytes.
 */
export function huffmanDecode(
  bytes: Uint8Array,
  count: number,
  bits: BitWidth,
  start = 0,
  end = bytes.length,
): Uint8Array {
  const reader = new BitReader(bytes, start, end, 'huffman');
  const lengths = readTable(reader, 1 << bits, HUFFMAN_MAX_LENGTH_BITS, 'huffman');
  const codes = new Uint8Array(count);
  let maxLen = 0;
  let present = 0;
  let kraft = 0; // Σ 2^(15 − len)
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s];
    if (len === 0) continue;
    present++;
    if (len > maxLen) maxLen = len;
    kraft += 1 << (HUFFMAN_MAX_LENGTH_BITS - len);
  }
  let bitPos = reader.positionBits;
  const endBits = end * 8;
  if (count > 0 && present === 0)
    throw new InputError('BAD_DATA', 'huffman: table has no symbols but codes are expected');
  if (present === 1) {
    // One symbol with the 1-bit code 0.
    let symbol = 0;
    while (lengths[symbol] === 0) symbol++;
    if (lengths[symbol] !== 1)
      throw new InputError('BAD_DATA', 'huffman: a single symbol must have a 1-bit code');
    if (bitPos + count > endBits) throw new InputError('BAD_DATA', 'huffman: stream truncated');
    for (let i = 0; i < count; i++, bitPos++) {
      if ((bytes[bitPos >>> 3] >>> (7 - (bitPos & 7))) & 1)
        throw new InputError('BAD_DATA', 'huffman: invalid code');
    }
    codes.fill(symbol);
  } else if (present >= 2) {
    if (kraft !== 1 << HUFFMAN_MAX_LENGTH_BITS) {
      throw new InputError('BAD_DATA', 'huffman: code lengths do not form a complete prefix code');
    }
    // Full lookup table on maxLen bits: entry = symbol << 4 | length.
    const table = new Uint16Array(1 << maxLen);
    const symbolCodes = canonicalCodes(lengths);
    for (let s = 0; s < lengths.length; s++) {
      const len = lengths[s];
      if (len === 0) continue;
      const first = symbolCodes[s] << (maxLen - len);
      table.fill((s << 4) | len, first, first + (1 << (maxLen - len)));
    }
    // Decode from a zero-padded copy so the kernel never reads out of bounds; the consumed length
    // is checked against the real end afterwards.
    const first = bitPos >>> 3;
    const input = new Uint8Array(end - first + 8);
    input.set(bytes.subarray(first, end));
    const state = Int32Array.of(input[0] & ((1 << (8 - (bitPos & 7))) - 1), 8 - (bitPos & 7), 1);
    for (let s = 0; s < count; s += BLOCK) {
      decodeBlock(input, s, Math.min(count, s + BLOCK), table, maxLen, codes, state);
      if (state[2] > input.length - 4) throw new InputError('BAD_DATA', 'huffman: stream truncated');
    }
    const p = first + state[2];
    const avail = state[1];
    bitPos = p * 8 - avail;
  }
  if (bitPos > endBits) throw new InputError('BAD_DATA', 'huffman: stream truncated');
  if (Math.ceil(bitPos / 8) !== end) {
    throw new InputError('BAD_DATA', `huffman: ${end - Math.ceil(bitPos / 8)} unexpected trailing bytes`);
  }
  return codes;
}

/** Symbols per call of the hot-loop kernels (V8 optimises small kernels better than one long loop). */
const BLOCK = 4096;

function encodeBlock(
  codes: Uint8Array,
  start: number,
  end: number,
  lengths: Uint8Array,
  symbolCodes: Uint16Array,
  out: Uint8Array,
  state: Int32Array,
): void {
  let acc = state[0];
  let pending = state[1];
  let o = state[2];
  for (let i = start; i < end; i++) {
    const s = codes[i];
    const len = lengths[s];
    acc = (acc << len) | symbolCodes[s];
    pending += len;
    // NOTE: at most 7 + 15 pending bits, so two flushes suffice; the Uint8Array store keeps the
    // low 8 bits and `acc` only needs its low `pending` bits.
    if (pending >= 8) {
      pending -= 8;
      out[o++] = acc >>> pending;
      if (pending >= 8) {
        pending -= 8;
        out[o++] = acc >>> pending;
      }
    }
  }
  state[0] = acc;
  state[1] = pending;
  state[2] = o;
}

/** Decodes codes[start, end) with a full lookup table on `maxLen` bits (entry = symbol << 4 | length). */
function decodeBlock(
  input: Uint8Array,
  start: number,
  end: number,
  table: Uint16Array,
  maxLen: number,
  codes: Uint8Array,
  state: Int32Array,
): void {
  const mask = (1 << maxLen) - 1;
  let acc = state[0];
  let avail = state[1];
  let p = state[2];
  for (let i = start; i < end; i++) {
    if (avail < maxLen) {
      // Refill to at least 16 bits (maxLen <= 15); acc keeps at most 8 + 16 meaningful bits.
      acc = (acc << 16) | (input[p] << 8) | input[p + 1];
      p += 2;
      avail += 16;
    }
    const e = table[(acc >>> (avail - maxLen)) & mask];
    codes[i] = e >>> 4;
    avail -= e & 15;
  }
  state[0] = acc;
  state[1] = avail;
  state[2] = p;
}
