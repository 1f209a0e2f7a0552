/**
 * The context coder (format versions 3 and 4): adaptive binary arithmetic coding of quantization codes,
 * each code's probabilities conditioned on its already coded neighbours in the feature map.
 *
 * Why: a memoryless coder (rANS, Huffman) stops at the order-0 entropy, but neighbouring codes of
 * a feature map are correlated in space and across channels, and runs of zeros after a ReLU are
 * long. General-purpose compressors (brotli, zstd) exploit part of that through byte contexts and
 * matches; this coder models it directly.
 *
 * References: binary range coding as in LZMA (I. Pavlov, LZMA SDK, public domain), here with the
 * carry added into the bytes already written; the MED predictor and gradient contexts of LOCO-I /
 * JPEG-LS (M. Weinberger, G. Seroussi, G. Sapiro, IEEE Trans. Image Processing 9(8), 2000);
 * binarization into adaptive binary decisions as in CABAC (D. Marpe, H. Schwarz, T. Wiegand,
 * IEEE TCSVT 13(7), 2003).
 *
 * Geometry. A sample of shape [..., H, W] is read as C = (product of the leading dims) planes of
 * H rows of W codes (rank 1: one row; rank 0: one code). Codes are coded in memory order.
 *
 * Model, per code v (0 .. 2^c − 1), with L, U, UL, UR the left, upper, upper-left and upper-right
 * neighbours in the same plane (missing ones replaced as in `codeContexts`) and P the code at the
 * same position in the previous plane:
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
 * Every decision's probability of a 0 is a 16-bit estimate, moved towards
 * each coded bit by 1/2^s of the distance, s growing with the context's use from 1 to 6 (fast
 * learning first, then stable estimates).
 *
 * Start (the only difference between payload versions 3 and 4): version 3 starts every context
 * at p = 32768 and no use; version 4 from a trained table per bit width (context-init-table.ts,
 * made by scripts/train-context-init.ts from maps of models other than the bundled ones), so that
 * small maps pay less for learning.
 *
 * Range coder: 32-bit low and range; a decision splits the range at (range >>> 16) · p; a byte
 * is shifted out whenever range < 2^24, and a carry out of low is added into the bytes already
 * written. The encoder ends with one byte: the top byte of the smallest multiple of 2^24 at or
 * above low (it lies inside the final interval because range >= 2^24); the decoder reads zero
 * bytes past the end and must have read exactly 3 of them, or the payload is rejected.
 * Payload: the range coder's bytes, nothing else (the shape and bit width are in the header).
 */
import { InputError } from '../core/errors';
import { trainedStates } from './context-init-table';
import { contextDecodeWasm, contextEncodeWasm } from './context-wasm';
import { dequantizeInto, dequantizeTable } from './normalize';
import type { BitWidth } from './types';

const { clz32, floor, min } = Math;

/** Normalisation threshold of the range: a byte is shifted out whenever range < 2^24. */
const TOP = 1 << 24;
const TWO_32 = 4294967296;
/**
 * `contextEncodeWithin`'s pace: the payload may exceed the other coder's cost of the codes so far
 * by this factor (plus the margin). The context coder pays for learning early: on the bundled maps
 * it is at most ~1.01x rANS's order-0 cost a quarter of the way and ends well below; on maps
 * without spatial structure it stays at 1.02-1.05x.
 */
const PACE_TOLERANCE = 1 + 1 / 64;
/**
 * Bytes the pace allows on top, for learning: the ~330 adaptive contexts start at p = 1/2 (version
 * 3; version 4's trained start lowers but does not remove that cost), and on small many-channel
 * maps (112×7×7) it alone put the context coder a few bytes above rANS a quarter of the way on
 * maps where it ends 5–10% below.
 */
const PACE_LEARNING_BYTES = 64;
/** Dense mode (no zero flags) when fewer than 1 code in DENSE_ZEROS is 0. */
export const DENSE_ZEROS = 32;

/**
 * Context offsets in the probability table (see the model in the file header). This model (the
 * offsets and the functions below, up to `codeContexts`) is format 2's too: context-coder-v2.ts
 * imports it, so the two formats cannot drift apart.
 */
const ZERO_BASE = 0; // 8 prediction lengths × 5 neighbour counts × 2 = 80
export const RESIDUAL_BASE = 80; // 7 × 4 gradient buckets × 2 = 56
export const LENGTH_BASE = 136; // 20 activity contexts × 8 bins = 160
export const MANTISSA_BASE = 296; // 9 lengths × 4 tree nodes
export const CONTEXTS = MANTISSA_BASE + 9 * 4;

/** Adaptation shift by how often a context was used (1 .. 5). */
const SHIFTS = Uint8Array.from({ length: 64 }, (_, n) => min(6, Math.max(1, floor(Math.log2(n + 2)))));

/** The use count after one more use (capped at 63, where the shift stays 6). */
const NEXT_USE = Uint8Array.from({ length: 64 }, (_, n) => min(63, n + 1));

/** Bucket of a non-negative gradient sum (at most 4·255): 0, 1, 2-3, 4-7, 8-15, 16-47, 48+. */
const BUCKETS = Uint8Array.from({ length: 1024 }, (_, a) =>
  a === 0 ? 0 : a < 2 ? 1 : a < 4 ? 2 : a < 8 ? 3 : a < 16 ? 4 : a < 48 ? 5 : 6,
);

/** min(bit length of a code, 7). */
const PREDICTION_LENGTHS = Uint8Array.from({ length: 256 }, (_, v) => min(32 - clz32(v), 7));

/** C, H, W of a sample shape (see the file header). */
export function planes(shape: readonly number[]): { c: number; h: number; w: number } {
  const r = shape.length;
  const w = r >= 1 ? shape[r - 1] : 1;
  const h = r >= 2 ? shape[r - 2] : 1;
  let c = 1;
  for (let d = 0; d < r - 2; d++) c *= shape[d];
  return { c, h, w };
}

/**
 * The previous plane's part of the contexts at every position of the next plane: the bucketed
 * gradient B around P, halved (0..3), times 2, plus 1 when P > 0.
 * NOTE: computed once per plane in a loop of its own, not per code inside the coding loop: the
 * values are the same and the coding loop keeps fewer branches.
 */
export function previousPlaneContexts(
  codes: Uint8Array,
  start: number,
  h: number,
  w: number,
  out: Uint8Array,
): void {
  for (let y = 0, k = 0; y < h; y++) {
    for (let x = 0; x < w; x++, k++) {
      const j = start + k;
      const p = codes[j];
      const pl = x > 0 ? codes[j - 1] : p;
      const pu = y > 0 ? codes[j - w] : p;
      const pr = x < w - 1 ? codes[j + 1] : p;
      const pd = y < h - 1 ? codes[j + w] : p;
      const b = absInt(p - pl) + absInt(p - pu) + absInt(p - pr) + absInt(p - pd);
      out[k] = (BUCKETS[b] >> 1) * 2 + (-p >>> 31);
    }
  }
}

/**
 * Folds v − pred onto 0 .. max − 1 for codes v in 1 .. max (pred in 1 .. max): 0, +1, −1, +2,
 * −2, ... while both signs are possible, then the one remaining side in order.
 */
export function foldResidual(v: number, pred: number, max: number): number {
  const t = pred - 1 < max - pred ? pred - 1 : max - pred;
  const d = v - pred;
  const ad = absInt(d);
  return ad <= t ? 2 * ad - (-d >>> 31) : t + ad;
}

/** |d| for an int32 without a branch (the sign of a residual is unpredictable). */
function absInt(d: number): number {
  const s = d >> 31;
  return (d ^ s) - s;
}

/** Inverse of `foldResidual`. */
export function unfoldResidual(r: number, pred: number, max: number): number {
  const t = pred - 1 < max - pred ? pred - 1 : max - pred;
  if (r <= 2 * t) {
    const neg = (r & 1) - 1;
    return pred + ((((r + 1) >> 1) ^ neg) - neg);
  }
  return t === pred - 1 ? pred + (r - t) : pred - (r - t);
}

/**
 * The contexts of the code at `i` (plane `plane`, row `y`, column `x` of a w-wide plane of `area`
 * codes), from the codes before it and `pc`, the previous plane's part (see
 * previousPlaneContexts). Encoder and decoder both call it, so they model every code alike.
 * @returns packed: bits 0-7 the MED prediction, 8-15 the zero flag's context, 16-23 the residual
 *   flag's context less RESIDUAL_BASE, 24-28 the residual length's activity context (its first
 *   bin is LENGTH_BASE + 8 × that).
 * NOTE: one small integer, not an object or an array: nothing is allocated or stored per code.
 */
export function codeContexts(
  codes: Uint8Array,
  i: number,
  x: number,
  y: number,
  w: number,
  area: number,
  plane: number,
  pc: number,
): number {
  const l = x > 0 ? codes[i - 1] : y > 0 ? codes[i - w] : plane > 0 ? codes[i - area] : 0;
  const u = y > 0 ? codes[i - w] : l;
  const ul = x > 0 && y > 0 ? codes[i - w - 1] : u;
  const ur = y > 0 && x < w - 1 ? codes[i - w + 1] : u;
  // median(l, u, l + u − ul) = l + u − ul clamped to [min(l, u), max(l, u)], without branches
  const dlu = l - u;
  const lo = u + (dlu & (dlu >> 31));
  const hi = l - (dlu & (dlu >> 31));
  const g = l + u - ul;
  const dl = g - lo;
  const up = lo + (dl & ~(dl >> 31));
  const dh = up - hi;
  const pred = hi + (dh & (dh >> 31));
  const nonzero = (-l >>> 31) + (-u >>> 31) + (-ul >>> 31) + (-ur >>> 31);
  const qa = BUCKETS[absInt(l - ul) + absInt(u - ul) + absInt(ur - u)];
  const full = nonzero >> 2;
  const pb = pc >> 1;
  return (
    pred |
    ((ZERO_BASE + (PREDICTION_LENGTHS[pred] * 5 + nonzero) * 2 + (pc & 1)) << 8) |
    (((qa * 4 + pb) * 2 + full) << 16) |
    ((min(qa + pb, 9) * 2 + full) << 24)
  );
}

/** Per-position contexts from the previous plane (see previousPlaneContexts), reused by every call. */
let planeScratch = new Uint8Array(1 << 12);

function scratchPlane(n: number): Uint8Array {
  if (planeScratch.length < n) planeScratch = new Uint8Array(n);
  return planeScratch.subarray(0, n);
}

let outputScratch = new Uint8Array(1 << 16);

/**
 * The adaptive probabilities of every context with their use counts, shared by the encoder and
 * the decoder so that both adapt alike.
 */
class Model {
  /** p << 6 | uses (uses capped at 63). */
  readonly states: Int32Array;

  constructor(initial: Int32Array) {
    this.states = initial.slice();
  }
}

/** Version 3's starting state of every context: p = 1/2, no use yet. */
const UNIFORM_STATES = new Int32Array(CONTEXTS).fill(32768 << 6);

/** The context coder's payload versions this build writes and reads (the tensor format's byte 2). */
export type ContextVersion = 3 | 4;

/** The version `contextEncode` writes unless told otherwise. */
export const CONTEXT_VERSION: ContextVersion = 4;

/**
 * The state every context starts from, per payload version and bit width: 1/2 and no use in
 * version 3; version 4's trained table (context-init-table.ts).
 */
export function initialStates(version: ContextVersion, bits: BitWidth): Int32Array {
  return version === 3 ? UNIFORM_STATES : trainedStates(bits);
}

/** Binary range encoder (see the file header); writes into a scratch buffer it grows. */
class RangeEncoder {
  private readonly states: Int32Array;
  private out: Uint8Array;
  /** Bytes written so far. */
  pos = 0;
  private low = 0;
  private range = 0xffffffff;

  constructor(model: Model, capacity: number) {
    this.states = model.states;
    if (outputScratch.length < capacity) outputScratch = new Uint8Array(capacity + (capacity >> 2));
    this.out = outputScratch;
  }

  /** Codes `bit` (0 or 1) with the probability of context `ctx` and adapts it. */
  bit(ctx: number, bit: number): void {
    const st = this.states[ctx];
    const p = st >>> 6;
    const used = st & 63;
    const s = SHIFTS[used];
    const next = NEXT_USE[used];
    const bound = (this.range >>> 16) * p;
    if (bit === 0) {
      this.range = bound;
      this.states[ctx] = ((p + ((65536 - p) >> s)) << 6) | next;
    } else {
      const low = this.low + bound;
      if (low < TWO_32) this.low = low;
      else this.carry(low);
      this.range -= bound;
      this.states[ctx] = ((p - (p >> s)) << 6) | next;
    }
    if (this.range < TOP) this.shift();
  }

  /** low = low − 2^32 and the carry into the bytes already written. */
  private carry(low: number): void {
    this.low = low - TWO_32;
    let k = this.pos - 1;
    // Never past the first byte: low + range never exceeds the initial interval's top.
    while (this.out[k] === 0xff) this.out[k--] = 0;
    this.out[k]++;
  }

  /** Codes the k low bits of `value` (k <= 8), each with probability 1/2. */
  plain(k: number, value: number): void {
    this.range = this.range >>> k;
    this.add(this.range * value);
    if (this.range < TOP) this.shift();
  }

  /** The payload so far plus the final byte (a fresh array). */
  finish(): Uint8Array {
    // The smallest multiple of 2^24 at or above low: its top byte is all the decoder needs.
    this.add(0xffffff);
    this.ensure(1);
    this.out[this.pos++] = this.low >>> 24;
    return this.out.slice(0, this.pos);
  }

  /** low += delta; a carry out of bit 31 goes into the bytes already written. */
  private add(delta: number): void {
    const low = this.low + delta;
    if (low < TWO_32) this.low = low;
    else this.carry(low);
  }

  private shift(): void {
    do {
      this.ensure(1);
      this.out[this.pos++] = this.low >>> 24;
      this.low = (this.low << 8) >>> 0;
      this.range = (this.range << 8) >>> 0;
    } while (this.range < TOP);
  }

  private ensure(more: number): void {
    if (this.pos + more <= this.out.length) return;
    const grown = new Uint8Array(2 * this.out.length + more);
    grown.set(this.out.subarray(0, this.pos));
    this.out = grown;
    outputScratch = grown;
  }
}

/**
 * Codes the quantization codes of one sample with the context model.
 * @param codes one code per element, each in 0 .. 2^bits − 1 (not checked: the caller quantized them).
 * @param shape the sample's dims (their product is `codes.length`).
 * @returns the payload (a fresh array).
 * @example contextEncode(quantize(x, 4).codes, [16, 28, 28], 4).length  // payload bytes
 */
export function contextEncode(
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  version: ContextVersion = CONTEXT_VERSION,
): Uint8Array {
  return contextEncodeFrom(codes, shape, bits, Infinity, undefined, initialStates(version, bits))!;
}

/**
 * A running bound for `contextEncodeWithin`: what another coder (the tensor format's rANS) would
 * spend on each code value, so that the context coder can give up part-way on maps where it is
 * not winning, long before it passes the whole payload's limit.
 */
export interface PaceBound {
  /** Bits the other coder spends on each code value (index = code). */
  readonly codeBits: Float64Array;
  /** Bytes by which the context payload may exceed that cost over the codes coded so far. */
  readonly marginBytes: number;
}

/**
 * `contextEncode`, given up (null) as soon as the payload would exceed `maxBytes`, or, with `pace`,
 * once at least a quarter of the codes are coded and the payload so far exceeds the other coder's
 * cost of the same codes by more than a 64th (PACE_TOLERANCE), 64 bytes and `pace.marginBytes`: the caller has another coding at hand
 * (the tensor format's fallback to rANS), so the rest is not coded.
 * NOTE: checked once per plane, not per code; a payload within the limit is coded in full.
 * Why the pace: on maps without spatial structure (noise) the context coder ends a few percent
 * above rANS and used to run to the end before the fallback; a quarter of the way its excess is
 * already plain, and the encode then costs about a quarter of a full one plus rANS.
 */
export function contextEncodeWithin(
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  maxBytes: number,
  pace?: PaceBound,
  version: ContextVersion = CONTEXT_VERSION,
): Uint8Array | null {
  return contextEncodeFrom(codes, shape, bits, maxBytes, pace, initialStates(version, bits));
}

/**
 * `contextEncodeWithin` with the contexts starting from `initial` (CONTEXTS states, p << 6 | uses)
 * instead of a version's: what scripts/train-context-init.ts measures candidate tables with.
 */
export function contextEncodeFrom(
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  maxBytes: number,
  pace: PaceBound | undefined,
  initial: Int32Array,
): Uint8Array | null {
  const { c: planeCount, h, w } = planes(shape);
  const wasmPace =
    pace === undefined
      ? undefined
      : {
          codeBits: pace.codeBits,
          toleranceFactor: PACE_TOLERANCE,
          learningBytes: PACE_LEARNING_BYTES,
          marginBytes: pace.marginBytes,
        };
  const payload = contextEncodeWasm(codes, planeCount, h, w, bits, maxBytes, wasmPace, initial);
  if (payload === undefined) return contextEncodeFromJs(codes, shape, bits, maxBytes, pace, initial);
  return payload === null || payload.length > maxBytes ? null : payload;
}

/**
 * `contextEncodeFrom` in JavaScript: the reference the WebAssembly loop (context-wasm.ts) is
 * checked against, and the fallback where it cannot run.
 */
export function contextEncodeFromJs(
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  maxBytes: number,
  pace: PaceBound | undefined,
  initial: Int32Array,
): Uint8Array | null {
  const { c: planeCount, h, w } = planes(shape);
  const area = h * w;
  const max = (1 << bits) - 1;
  const enc = new RangeEncoder(new Model(initial), (codes.length >> 1) + 64);
  let zeros = 0;
  for (let j = 0; j < codes.length; j++) if (codes[j] === 0) zeros++;
  const dense = zeros * DENSE_ZEROS < codes.length ? 1 : 0;
  enc.plain(1, dense);
  const prev = scratchPlane(area);
  prev.fill(0);
  let i = 0;
  let pacedBits = 0;
  let paced = 0;
  for (let plane = 0; plane < planeCount; plane++) {
    if (enc.pos > maxBytes) return null;
    if (pace !== undefined && 4 * i >= codes.length && i > 0) {
      for (; paced < i; paced++) pacedBits += pace.codeBits[codes[paced]];
      if (enc.pos > (pacedBits / 8) * PACE_TOLERANCE + PACE_LEARNING_BYTES + pace.marginBytes) return null;
    }
    if (plane > 0) previousPlaneContexts(codes, i - area, h, w, prev);
    for (let y = 0, k = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++, k++) {
        const ctx = codeContexts(codes, i, x, y, w, area, plane, prev[k]);
        const v = codes[i];
        const pred = ctx & 255;
        let r: number;
        if (dense === 1) {
          r = foldResidual(v + 1, pred + 1, max + 1);
        } else {
          enc.bit((ctx >> 8) & 255, v === 0 ? 0 : 1);
          if (v === 0) continue;
          r = foldResidual(v, pred > 0 ? pred : 1, max);
        }
        if (r === 0) {
          enc.bit(RESIDUAL_BASE + ((ctx >> 16) & 255), 0);
          continue;
        }
        enc.bit(RESIDUAL_BASE + ((ctx >> 16) & 255), 1);
        const e = 32 - clz32(r);
        const lengthBase = LENGTH_BASE + (ctx >>> 24) * 8;
        for (let bin = 1; bin < bits; bin++) {
          const more = e > bin ? 1 : 0;
          enc.bit(lengthBase + bin, more);
          if (more === 0) break;
        }
        if (e >= 2) {
          const b1 = (r >> (e - 2)) & 1;
          enc.bit(MANTISSA_BASE + e * 4 + 1, b1);
          if (e >= 3) {
            enc.bit(MANTISSA_BASE + e * 4 + 2 + b1, (r >> (e - 3)) & 1);
            if (e >= 4) enc.plain(e - 3, r & ((1 << (e - 3)) - 1));
          }
        }
      }
    }
  }
  const payload = enc.finish();
  return payload.length > maxBytes ? null : payload;
}

/** Range decoder matching `RangeEncoder`; reads zero bytes past the end (the caller checks the length). */
class RangeDecoder {
  private readonly states: Int32Array;
  pos: number;
  private range = 0xffffffff;
  private code = 0;

  constructor(
    model: Model,
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.states = model.states;
    this.pos = start;
    for (let k = 0; k < 4; k++) this.code = this.code * 256 + this.next();
  }

  private next(): number {
    return this.pos < this.end ? this.bytes[this.pos++] : (this.pos++, 0);
  }

  bit(ctx: number): number {
    const st = this.states[ctx];
    const p = st >>> 6;
    const used = st & 63;
    const s = SHIFTS[used];
    const bound = (this.range >>> 16) * p;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      this.states[ctx] = ((p + ((65536 - p) >> s)) << 6) | NEXT_USE[used];
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      this.states[ctx] = ((p - (p >> s)) << 6) | NEXT_USE[used];
      bit = 1;
    }
    if (this.range < TOP) this.shift();
    return bit;
  }

  /** k plain bits (k <= 8), most significant first; -1 for a value no encoder writes (damage). */
  plain(k: number): number {
    this.range = this.range >>> k;
    const value = floor(this.code / this.range);
    if (value >> k !== 0) return -1;
    this.code -= value * this.range;
    if (this.range < TOP) this.shift();
    return value;
  }

  private shift(): void {
    do {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.next()) >>> 0;
    } while (this.range < TOP);
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
  version: ContextVersion = CONTEXT_VERSION,
): Uint8Array {
  return contextDecodeFrom(bytes, count, shape, bits, start, end, initialStates(version, bits));
}

/** `contextDecode` with the contexts starting from `initial` (see `contextEncodeFrom`). */
export function contextDecodeFrom(
  bytes: Uint8Array,
  count: number,
  shape: readonly number[],
  bits: BitWidth,
  start: number,
  end: number,
  initial: Int32Array,
): Uint8Array {
  const { c: planeCount, h, w } = planes(shape);
  checkCount(shape, planeCount * h * w, count);
  const decoded = contextDecodeWasm(bytes, planeCount, h, w, bits, start, end, initial);
  if (decoded === undefined) return contextDecodeFromJs(bytes, count, shape, bits, start, end, initial);
  if (decoded === -1 || decoded === -2) throw outOfRange();
  checkEnd(start + decoded.readBytes, start, end);
  return decoded.codes;
}

/**
 * `contextDecode` followed by dequantisation (normalize.ts's `dequantizeInto` with `lo`, `hi`):
 * the codes and their values. The WebAssembly decoder looks the values up before the codes leave
 * its memory; the values are the same either way.
 * @throws InputError BAD_DATA as `contextDecode`.
 */
export function contextDecodeValues(
  bytes: Uint8Array,
  count: number,
  shape: readonly number[],
  bits: BitWidth,
  range: { start: number; end: number; lo: number; hi: number },
  version: ContextVersion = CONTEXT_VERSION,
): { codes: Uint8Array; values: Float32Array } {
  const { start, end, lo, hi } = range;
  const { c: planeCount, h, w } = planes(shape);
  checkCount(shape, planeCount * h * w, count);
  const initial = initialStates(version, bits);
  const decoded = contextDecodeWasm(
    bytes,
    planeCount,
    h,
    w,
    bits,
    start,
    end,
    initial,
    dequantizeTable(lo, hi, bits),
  );
  if (decoded === -1 || decoded === -2) throw outOfRange();
  if (decoded === undefined || decoded.values === undefined) {
    const codes = contextDecodeFromJs(bytes, count, shape, bits, start, end, initial);
    const values = new Float32Array(count);
    dequantizeInto(codes, lo, hi, bits, values);
    return { codes, values };
  }
  checkEnd(start + decoded.readBytes, start, end);
  return { codes: decoded.codes, values: decoded.values };
}

function checkCount(shape: readonly number[], held: number, count: number): void {
  if (held !== count) {
    throw new InputError(
      'BAD_DATA',
      `context payload: shape [${shape.join(', ')}] does not hold ${count} codes`,
    );
  }
}

function outOfRange(): InputError {
  return new InputError('BAD_DATA', 'context payload: residual out of range (corrupted)');
}

/** The decoder reads 4 bytes ahead; the encoder's last byte leaves 3 of them past the end. */
function checkEnd(pos: number, start: number, end: number): void {
  if (pos !== end + 3) {
    throw new InputError(
      'BAD_DATA',
      `context payload: the codes end after ${pos - 3 - start} of ${end - start} bytes (corrupted or truncated)`,
    );
  }
}

/** `contextDecodeFrom` in JavaScript: the reference and fallback (see `contextEncodeFromJs`). */
export function contextDecodeFromJs(
  bytes: Uint8Array,
  count: number,
  shape: readonly number[],
  bits: BitWidth,
  start: number,
  end: number,
  initial: Int32Array,
): Uint8Array {
  const { c: planeCount, h, w } = planes(shape);
  const area = h * w;
  const max = (1 << bits) - 1;
  checkCount(shape, planeCount * area, count);
  const codes = new Uint8Array(count);
  const dec = new RangeDecoder(new Model(initial), bytes, start, end);
  const dense = dec.plain(1);
  const top = dense === 1 ? max : max - 1;
  const prev = scratchPlane(area);
  prev.fill(0);
  let i = 0;
  for (let plane = 0; plane < planeCount; plane++) {
    if (plane > 0) previousPlaneContexts(codes, i - area, h, w, prev);
    for (let y = 0, k = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++, k++) {
        const ctx = codeContexts(codes, i, x, y, w, area, plane, prev[k]);
        if (dense === 0 && dec.bit((ctx >> 8) & 255) === 0) continue;
        let r = 0;
        if (dec.bit(RESIDUAL_BASE + ((ctx >> 16) & 255)) === 1) {
          const lengthBase = LENGTH_BASE + (ctx >>> 24) * 8;
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
        // A damaged payload can decode a residual beyond the fold's range (or a plain group no
        // encoder writes, r < 0); the checksum makes that unreachable in a stream, but the
        // decoder still never writes an out-of-range code.
        if (r < 0 || r > top) throw outOfRange();
        const pred = ctx & 255;
        codes[i] =
          dense === 1
            ? unfoldResidual(r, pred + 1, max + 1) - 1
            : unfoldResidual(r, pred > 0 ? pred : 1, max);
      }
    }
  }
  checkEnd(dec.pos, start, end);
  return codes;
}
