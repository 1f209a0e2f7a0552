/**
 * The first context coder (format version 2), kept so that version-2 streams stay decodable (its
 * encoder serves their tests; new streams use context-coder.ts, version 3): adaptive binary
 * arithmetic coding of quantization codes, each code's probabilities conditioned on its already
 * coded neighbours in the feature map.
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
 *      c) the e − 1 bits of u below its leading one, most significant first: the top two
 *         adaptive, by (e, the bits so far); the rest (at most 5, nearly uniform) as plain bits.
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
// The model (geometry, contexts, MED prediction, residual folding) is format 3's own: the two
// formats differ in the range coder and the adaptation schedule (SHIFTS) only.
import {
  CONTEXTS,
  LENGTH_BASE,
  MANTISSA_BASE,
  RESIDUAL_BASE,
  codeContexts,
  foldResidual,
  planes,
  previousPlaneContexts,
  unfoldResidual,
} from './context-coder';

const { clz32, floor, min } = Math;

/** Probability precision of the coder: 15 bits (the stored estimates have 16). */
const PROB_BITS = 15;
/** Normalisation threshold of the range: a byte is shifted out whenever range < 2^24. */
const TOP = 1 << 24;
const TWO_32 = 4294967296;

/** Adaptation shift by how often a context was used (1 .. 5). */
const SHIFTS = Uint8Array.from({ length: 64 }, (_, n) => min(5, Math.max(1, floor(Math.log2(n + 2)))));

function bitLength(v: number): number {
  return 32 - clz32(v);
}

/**
 * Scratch of the encoder's modelling pass: one entry per decision, (context << 1) | bit for an
 * adaptive decision, ~((k << 8) | value) for k plain bits. Reused by every call.
 * NOTE: two passes (model, then code) keep the range coder's state in local variables of one
 * tight loop; measured faster than coding each decision where the model makes it.
 */
let decisionScratch = new Int32Array(1 << 16);
/** Per-position contexts from the previous plane (see previousPlaneContexts). */
let planeScratch = new Uint8Array(1 << 12);

function scratchDecisions(n: number): Int32Array {
  if (decisionScratch.length < n) decisionScratch = new Int32Array(n + (n >> 2));
  return decisionScratch;
}

let outputScratch = new Uint8Array(1 << 16);

function scratchOutput(n: number): Uint8Array {
  if (outputScratch.length < n) outputScratch = new Uint8Array(n + (n >> 2));
  return outputScratch;
}

function scratchPlane(n: number): Uint8Array {
  if (planeScratch.length < n) planeScratch = new Uint8Array(n);
  return planeScratch.subarray(0, n);
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
  // At most 2 flags + (bits − 1) length bins + 2 mantissa decisions + 1 plain group per code.
  const decisions = scratchDecisions(codes.length * (bits + 4) + 1);
  const prev = scratchPlane(area);
  prev.fill(0);
  let d = 0;
  let i = 0;
  for (let plane = 0; plane < planeCount; plane++) {
    if (plane > 0) previousPlaneContexts(codes, i - area, h, w, prev);
    for (let y = 0, k = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++, k++) {
        const ctx = codeContexts(codes, i, x, y, w, area, plane, prev[k]);
        const pred = ctx & 255;
        const v = codes[i];
        const zeroCtx = (ctx >> 8) & 255;
        if (v === 0) {
          decisions[d++] = zeroCtx << 1;
          continue;
        }
        decisions[d++] = (zeroCtx << 1) | 1;
        const r = foldResidual(v, pred > 0 ? pred : 1, max);
        const residualCtx = RESIDUAL_BASE + ((ctx >> 16) & 255);
        if (r === 0) {
          decisions[d++] = residualCtx << 1;
          continue;
        }
        decisions[d++] = (residualCtx << 1) | 1;
        const e = bitLength(r);
        const lengthBase = LENGTH_BASE + (ctx >> 24) * 8;
        for (let bin = 1; bin < bits; bin++) {
          if (e > bin) {
            decisions[d++] = ((lengthBase + bin) << 1) | 1;
          } else {
            decisions[d++] = (lengthBase + bin) << 1;
            break;
          }
        }
        if (e >= 2) {
          const b1 = (r >> (e - 2)) & 1;
          decisions[d++] = ((MANTISSA_BASE + e * 4 + 1) << 1) | b1;
          if (e >= 3) {
            const b2 = (r >> (e - 3)) & 1;
            decisions[d++] = ((MANTISSA_BASE + e * 4 + 2 + b1) << 1) | b2;
            if (e >= 4) decisions[d++] = ~(((e - 3) << 8) | (r & ((1 << (e - 3)) - 1)));
          }
        }
      }
    }
  }
  return rangeEncode(decisions, d);
}

/** Range-codes the decisions of the modelling pass (LZMA's carry scheme). */
function rangeEncode(decisions: Int32Array, count: number): Uint8Array {
  const probs = new Uint16Array(CONTEXTS).fill(32768);
  const uses = new Uint8Array(CONTEXTS);
  // A decision costs at most 13 bits (probability >= 7/32768), a plain group at most 5.
  const out = scratchOutput(2 * count + 16);
  let pos = 0;
  let low = 0;
  let range = 0xffffffff;
  let cache = 0;
  let pending = 0;
  let first = true;
  for (let n = 0; n < count; n++) {
    const entry = decisions[n];
    if (entry >= 0) {
      const ctx = entry >> 1;
      const p = probs[ctx];
      const used = uses[ctx];
      const s = SHIFTS[used];
      if (used < 63) uses[ctx] = used + 1;
      const bound = (range >>> PROB_BITS) * (p >>> 1);
      if ((entry & 1) === 0) {
        range = bound;
        probs[ctx] = p + ((65536 - p) >> s);
      } else {
        low += bound;
        range -= bound;
        probs[ctx] = p - (p >> s);
      }
    } else {
      const group = ~entry;
      range = range >>> (group >> 8);
      low += range * (group & 255);
    }
    while (range < TOP) {
      range = (range * 256) >>> 0;
      // Shift the top byte of low out (LZMA's ShiftLow); same code as the flush below.
      if (low < 0xff000000 || low >= TWO_32) {
        const carry = low >= TWO_32 ? 1 : 0;
        if (!first) out[pos++] = (cache + carry) & 0xff;
        first = false;
        for (; pending > 0; pending--) out[pos++] = (0xff + carry) & 0xff;
        cache = (low >>> 24) & 0xff;
      } else {
        pending++;
      }
      // NOTE: `&` keeps the low 24 bits of a float64 below 2^53 exactly (ToInt32 is mod 2^32)
      // and, unlike `%`, compiles to integer instructions.
      low = (low & 0xffffff) * 256;
    }
  }
  // Five shifts flush the low end (the first byte, always 0, is dropped).
  for (let k = 0; k < 5; k++) {
    if (low < 0xff000000 || low >= TWO_32) {
      const carry = low >= TWO_32 ? 1 : 0;
      if (!first) out[pos++] = (cache + carry) & 0xff;
      first = false;
      for (; pending > 0; pending--) out[pos++] = (0xff + carry) & 0xff;
      cache = (low >>> 24) & 0xff;
    } else {
      pending++;
    }
    low = (low & 0xffffff) * 256;
  }
  return out.slice(0, pos);
}

/** Range decoder matching `rangeEncode`; reads zero bytes past the end (the caller checks the length). */
class RangeDecoder {
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

  private normalize(): void {
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.code = this.code * 256 + this.next();
    }
  }

  bit(ctx: number): number {
    const p = this.probs[ctx];
    const used = this.uses[ctx];
    const s = SHIFTS[used];
    if (used < 63) this.uses[ctx] = used + 1;
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
    if (this.range < TOP) this.normalize();
    return bit;
  }

  /** k plain bits (k <= 5), most significant first. */
  plain(k: number): number {
    this.range = this.range >>> k;
    const value = floor(this.code / this.range);
    this.code -= value * this.range;
    this.normalize();
    return value;
  }
}

/**
 * Decodes `count` codes of one sample from a context-coded payload `bytes[start, end)`.
 * @throws InputError BAD_DATA when the payload does not end exactly where the codes do, or
 *   decodes to an impossible residual (a damaged payload).
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
  if (planeCount * area !== count) {
    throw new InputError(
      'BAD_DATA',
      `context payload: shape [${shape.join(', ')}] does not hold ${count} codes`,
    );
  }
  const codes = new Uint8Array(count);
  const dec = new RangeDecoder(bytes, start, end);
  const prev = scratchPlane(area);
  prev.fill(0);
  let i = 0;
  for (let plane = 0; plane < planeCount; plane++) {
    if (plane > 0) previousPlaneContexts(codes, i - area, h, w, prev);
    for (let y = 0, k = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++, k++) {
        const ctx = codeContexts(codes, i, x, y, w, area, plane, prev[k]);
        if (dec.bit((ctx >> 8) & 255) === 0) continue;
        let r = 0;
        if (dec.bit(RESIDUAL_BASE + ((ctx >> 16) & 255)) === 1) {
          const lengthBase = LENGTH_BASE + (ctx >> 24) * 8;
          let e = 1;
          while (e < bits && dec.bit(lengthBase + e) === 1) e++;
          r = 1;
          if (e >= 2) {
            const b1 = dec.bit(MANTISSA_BASE + e * 4 + 1);
            r = 2 | b1;
            if (e >= 3) {
              r = (r << 1) | dec.bit(MANTISSA_BASE + e * 4 + 2 + b1);
              if (e >= 4) r = (r << (e - 3)) | dec.plain(e - 3);
            }
          }
        }
        // A damaged payload can decode a residual beyond the fold's range; the checksum makes
        // that unreachable in a stream, but the decoder still never writes an out-of-range code.
        if (r > max - 1)
          throw new InputError('BAD_DATA', 'context payload: residual out of range (corrupted)');
        const pred = ctx & 255;
        codes[i] = unfoldResidual(r, pred > 0 ? pred : 1, max);
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
