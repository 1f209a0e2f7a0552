/**
 * The context coder: adaptive binary arithmetic coding of quantization codes, each code's
 * probabilities conditioned on its already coded neighbours in the feature map.
 *
 * Why: a memoryless coder (rANS, Huffman) stops at the order-0 entropy, but neighbouring codes of
 * a feature map are correlated in space and across channels, and runs of zeros after a ReLU are
 * long. General-purpose compressors (brotli, zstd) exploit part of that through byte contexts and
 * matches; this coder models it directly.
 *
 * References: the binary range coder with carry propagation of LZMA (I. Pavlov, LZMA SDK,
 * public domain); the MED predictor and gradient contexts of LOCO-I / JPEG-LS (M. Weinberger,
 * G. Seroussi, G. Sapiro, IEEE Trans. Image Processing 9(8), 2000); binarization into adaptive
 * binary decisions as in CABAC (D. Marpe, H. Schwarz, T. Wiegand, IEEE TCSVT 13(7), 2003).
 *
 * Geometry. A sample of shape [..., H, W] is read as C = (product of the leading dims) planes of
 * H rows of W codes (rank 1: one row; rank 0: one code). Codes are coded in memory order.
 *
 * Model, per code v (0 .. 2^c − 1), with L, U, UL, UR the left, upper, upper-left and upper-right
 * neighbours in the same plane (missing ones replaced as in `neighbours` below) and P the code at
 * the same position in the previous plane:
 *   1. zero flag (v > 0), context: bit length of the MED prediction
 *      pred = median(L, U, L + U − UL) (capped at 7), the number of nonzero spatial neighbours
 *      (0..4) and whether P > 0;
 *   2. for v > 0, the residual of v against max(pred, 1), folded onto 0 .. 2^c − 2 so that small
 *      residuals of either sign get small numbers (`foldResidual`), coded as
 *      a) a flag u > 0, context: the local gradient A = |L − UL| + |U − UL| + |UR − U| and the
 *         previous plane's gradient B around P, both bucketed, and whether all four spatial
 *         neighbours are nonzero;
 *      b) for u > 0, its bit length e (1..c) in unary, each bin with context (bucket of A + B/2,
 *         the same neighbour flag, bin index);
 *      c) the e − 1 bits of u below its leading one, most significant first, the top two by
 *         (e, the bits so far), the others by (e, position).
 * Every decision's probability of a 0 is a 16-bit estimate, 32768 at the start, moved towards
 * each coded bit by 1/2^s of the distance, s growing with the context's use from 1 to 5 (fast
 * learning first, then stable estimates); the coder uses its top 15 bits.
 *
 * Payload: the range coder's bytes, nothing else (the shape and bit width are in the header).
 * The encoder leaves out the range coder's first byte, which is always 0; the decoder must end
 * exactly at the end of the payload, or the stream is rejected.
 */
import { InputError } from '../core/errors';
import type { BitWidth } from './types';

const { clz32, min } = Math;

/** Probability precision of the coder: 15 bits (the stored estimates have 16). */
const PROB_BITS = 15;
/** Normalisation threshold of the range: a byte is shifted out whenever range < 2^24. */
const TOP = 1 << 24;
const TWO_32 = 4294967296;

/** Context offsets in the probability table (see the model in the file header). */
const ZERO_BASE = 0; // 8 prediction lengths × 5 neighbour counts × 2 = 80
const RESIDUAL_BASE = 80; // 7 × 4 gradient buckets × 2 = 56
const LENGTH_BASE = 136; // 20 activity contexts × 8 bins = 160
const MANTISSA_BASE = 296; // 9 lengths × 64
const CONTEXTS = MANTISSA_BASE + 9 * 64;

/** Adaptation shift by how often a context was used (1 .. 5). */
const SHIFTS = Uint8Array.from({ length: 64 }, (_, n) => min(5, Math.max(1, Math.floor(Math.log2(n + 2)))));

/** Bucket of a non-negative gradient sum: 0, 1, 2-3, 4-7, 8-15, 16-47, 48+. */
function bucket(a: number): number {
  return a === 0 ? 0 : a < 2 ? 1 : a < 4 ? 2 : a < 8 ? 3 : a < 16 ? 4 : a < 48 ? 5 : 6;
}

function bitLength(v: number): number {
  return 32 - clz32(v);
}

/** C, H, W of a sample shape (see the file header). */
function planes(shape: readonly number[]): { c: number; h: number; w: number } {
  const r = shape.length;
  const w = r >= 1 ? shape[r - 1] : 1;
  const h = r >= 2 ? shape[r - 2] : 1;
  let c = 1;
  for (let d = 0; d < r - 2; d++) c *= shape[d];
  return { c, h, w };
}

/**
 * The model's view of code i: MED prediction, the zero-flag context and the two activity
 * indexes, written into `out` (reused, so the hot loop allocates nothing).
 * NOTE: one function for encoder and decoder, so both compute the same contexts by construction.
 */
function neighbours(
  codes: Uint8Array,
  i: number,
  x: number,
  y: number,
  plane: number,
  w: number,
  h: number,
  area: number,
  out: Int32Array,
): void {
  const l = x > 0 ? codes[i - 1] : y > 0 ? codes[i - w] : plane > 0 ? codes[i - area] : 0;
  const u = y > 0 ? codes[i - w] : l;
  const ul = x > 0 && y > 0 ? codes[i - w - 1] : u;
  const ur = y > 0 && x < w - 1 ? codes[i - w + 1] : u;
  const hi = l > u ? l : u;
  const lo = l > u ? u : l;
  const pred = ul >= hi ? lo : ul <= lo ? hi : l + u - ul;
  let b = 0;
  let p = 0;
  if (plane > 0) {
    const j = i - area;
    p = codes[j];
    const pl = x > 0 ? codes[j - 1] : p;
    const pu = y > 0 ? codes[j - w] : p;
    const pr = x < w - 1 ? codes[j + 1] : p;
    const pd = y < h - 1 ? codes[j + w] : p;
    b = (p > pl ? p - pl : pl - p) + (p > pu ? p - pu : pu - p) + (p > pr ? p - pr : pr - p);
    b += p > pd ? p - pd : pd - p;
  }
  const a = (l > ul ? l - ul : ul - l) + (u > ul ? u - ul : ul - u) + (ur > u ? ur - u : u - ur);
  const nonzero = (l > 0 ? 1 : 0) + (u > 0 ? 1 : 0) + (ul > 0 ? 1 : 0) + (ur > 0 ? 1 : 0);
  const full = nonzero === 4 ? 1 : 0;
  out[0] = pred;
  out[1] = ZERO_BASE + (min(bitLength(pred), 7) * 5 + nonzero) * 2 + (p > 0 ? 1 : 0);
  out[2] = RESIDUAL_BASE + (bucket(a) * 4 + (bucket(b) >> 1)) * 2 + full;
  out[3] = LENGTH_BASE + (min(bucket(a) + (bucket(b) >> 1), 9) * 2 + full) * 8;
}

/**
 * Folds v − pred onto 0 .. max − 1 for codes v in 1 .. max (pred in 1 .. max): 0, +1, −1, +2,
 * −2, ... while both signs are possible, then the one remaining side in order.
 */
function foldResidual(v: number, pred: number, max: number): number {
  const t = pred - 1 < max - pred ? pred - 1 : max - pred;
  const d = v - pred;
  const ad = d < 0 ? -d : d;
  return ad <= t ? (d > 0 ? 2 * d - 1 : -2 * d) : t + ad;
}

/** Inverse of `foldResidual`. */
function unfoldResidual(r: number, pred: number, max: number): number {
  const t = pred - 1 < max - pred ? pred - 1 : max - pred;
  if (r <= 2 * t) return r & 1 ? pred + ((r + 1) >> 1) : pred - (r >> 1);
  return t === pred - 1 ? pred + (r - t) : pred - (r - t);
}

/**
 * Range encoder (LZMA's scheme: 32-bit range, a 33-bit low kept in a float64, carries
 * propagated through a pending byte and a count of pending 0xff bytes) with the adaptive
 * probability tables of the model.
 */
class ContextEncoder {
  readonly probs = new Uint16Array(CONTEXTS).fill(32768);
  readonly uses = new Uint8Array(CONTEXTS);
  out: Uint8Array;
  pos = 0;
  private low = 0;
  private range = 0xffffffff;
  private cache = 0;
  private pending = 0;
  private first = true;

  constructor(capacity: number) {
    this.out = new Uint8Array(capacity);
  }

  bit(ctx: number, bit: number): void {
    const p = this.probs[ctx];
    const n = this.uses[ctx];
    const s = SHIFTS[n];
    if (n < 63) this.uses[ctx] = n + 1;
    const bound = (this.range >>> PROB_BITS) * (p >>> 1);
    if (bit === 0) {
      this.range = bound;
      this.probs[ctx] = p + ((65536 - p) >> s);
    } else {
      this.low += bound;
      this.range -= bound;
      this.probs[ctx] = p - (p >> s);
    }
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.shiftLow();
    }
  }

  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff000000 || low >= TWO_32) {
      const carry = low >= TWO_32 ? 1 : 0;
      if (this.pos + this.pending + 1 >= this.out.length) this.grow();
      if (!this.first) this.out[this.pos++] = (this.cache + carry) & 0xff;
      this.first = false;
      for (; this.pending > 0; this.pending--) this.out[this.pos++] = (0xff + carry) & 0xff;
      this.cache = (low >>> 24) & 0xff;
    } else {
      this.pending++;
    }
    this.low = (low & 0x00ffffff) * 256;
  }

  private grow(): void {
    const bigger = new Uint8Array(this.out.length * 2 + this.pending + 16);
    bigger.set(this.out.subarray(0, this.pos));
    this.out = bigger;
  }

  finish(): Uint8Array {
    for (let k = 0; k < 5; k++) this.shiftLow();
    return this.out.subarray(0, this.pos);
  }
}

/** Range decoder matching `ContextEncoder`; reads zero bytes past the end (the caller checks the length). */
class ContextDecoder {
  readonly probs = new Uint16Array(CONTEXTS).fill(32768);
  readonly uses = new Uint8Array(CONTEXTS);
  pos: number;
  private range = 0xffffffff;
  private code = 0;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
    for (let k = 0; k < 4; k++) this.code = this.code * 256 + this.next();
  }

  private next(): number {
    return this.pos < this.end ? this.bytes[this.pos++] : (this.pos++, 0);
  }

  bit(ctx: number): number {
    const p = this.probs[ctx];
    const n = this.uses[ctx];
    const s = SHIFTS[n];
    if (n < 63) this.uses[ctx] = n + 1;
    const bound = (this.range >>> PROB_BITS) * (p >>> 1);
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      this.probs[ctx] = p + ((65536 - p) >> s);
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      this.probs[ctx] = p - (p >> s);
      bit = 1;
    }
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.code = this.code * 256 + this.next();
    }
    return bit;
  }
}

/**
 * Codes the quantization codes of one sample with the context model.
 * @param codes one code per element, each in 0 .. 2^bits − 1 (not checked: the caller quantized them).
 * @param shape the sample's dims (their product is `codes.length`).
 * @returns the payload (a fresh array).
 * @example contextEncode(quantize(x, 4).codes, [16, 28, 28], 4).length  // payload bytes
 */
export function contextEncode(codes: Uint8Array, shape: readonly number[], bits: BitWidth): Uint8Array {
  const { c: planeCount, h, w } = planes(shape);
  const area = h * w;
  const max = (1 << bits) - 1;
  const enc = new ContextEncoder((codes.length >> 2) + 64);
  const view = new Int32Array(4);
  let i = 0;
  for (let plane = 0; plane < planeCount; plane++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        neighbours(codes, i, x, y, plane, w, h, area, view);
        const v = codes[i];
        if (v === 0) {
          enc.bit(view[1], 0);
          continue;
        }
        enc.bit(view[1], 1);
        const r = foldResidual(v, view[0] > 0 ? view[0] : 1, max);
        if (r === 0) {
          enc.bit(view[2], 0);
          continue;
        }
        enc.bit(view[2], 1);
        const e = bitLength(r);
        const lengthBase = view[3];
        for (let bin = 1; bin < bits; bin++) {
          const more = e > bin ? 1 : 0;
          enc.bit(lengthBase + bin, more);
          if (more === 0) break;
        }
        const mantissaBase = MANTISSA_BASE + e * 64;
        let node = 1;
        for (let j = e - 2; j >= 0; j--) {
          const b = (r >> j) & 1;
          enc.bit(j >= e - 3 ? mantissaBase + node : mantissaBase + 32 + j, b);
          node = (node << 1) | b;
        }
      }
    }
  }
  return enc.finish().slice();
}

/**
 * Decodes `count` codes of one sample from a context-coded payload `bytes[start, end)`.
 * @throws InputError BAD_DATA when the payload does not end exactly where the codes do.
 */
export function contextDecode(
  bytes: Uint8Array,
  count: number,
  shape: readonly number[],
  bits: BitWidth,
  start = 0,
  end = bytes.length,
): Uint8Array {
  const { c: planeCount, h, w } = planes(shape);
  const area = h * w;
  const max = (1 << bits) - 1;
  const codes = new Uint8Array(count);
  if (planeCount * area !== count) {
    throw new InputError(
      'BAD_DATA',
      `context payload: shape [${shape.join(', ')}] does not hold ${count} codes`,
    );
  }
  const dec = new ContextDecoder(bytes, start, end);
  const view = new Int32Array(4);
  let i = 0;
  for (let plane = 0; plane < planeCount; plane++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        neighbours(codes, i, x, y, plane, w, h, area, view);
        if (dec.bit(view[1]) === 0) continue; // codes[i] is already 0
        const pred = view[0] > 0 ? view[0] : 1;
        let r = 0;
        if (dec.bit(view[2]) === 1) {
          const lengthBase = view[3];
          let e = 1;
          while (e < bits && dec.bit(lengthBase + e) === 1) e++;
          const mantissaBase = MANTISSA_BASE + e * 64;
          let node = 1;
          for (let j = e - 2; j >= 0; j--) {
            node = (node << 1) | dec.bit(j >= e - 3 ? mantissaBase + node : mantissaBase + 32 + j);
          }
          r = node;
        }
        // A damaged payload can decode a residual beyond the fold's range; the checksum makes
        // that unreachable in a stream, but the decoder still never writes an out-of-range code.
        if (r > max - 1)
          throw new InputError('BAD_DATA', 'context payload: residual out of range (corrupted)');
        codes[i] = unfoldResidual(r, pred, max);
      }
    }
  }
  // The encoder flushes 4 bytes after the last decision's; the decoder has read exactly those.
  if (dec.pos !== end) {
    throw new InputError(
      'BAD_DATA',
      `context payload: the codes end after ${dec.pos - start} of ${end - start} bytes (corrupted or truncated)`,
    );
  }
  return codes;
}
