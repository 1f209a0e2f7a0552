/**
 * The context coder, format version 5: the model of versions 3 and 4 (context-coder.ts: the same
 * planes, neighbours, MED prediction, contexts, residual folding, dense and sparse modes, zero flag
 * and mantissa), with the residual's flag r > 0 and its unary bit length replaced by ONE adaptive
 * multi-symbol decision: the bit length e of the folded residual r (0 for r = 0), 0 .. c, in the
 * residual flag's context (bucketed gradients, previous plane, all neighbours nonzero: 56 contexts).
 *
 * Why: at 6-8 bits versions 3 and 4 make about four adaptive binary decisions per code (the flag,
 * two or three unary bins, two mantissa bits), one after the other on the range coder's state. One
 * multi-symbol decision is found without a branch per bin (all the symbol bounds are computed and
 * compared with the code value at once: WebAssembly SIMD in wasm/context-loop.ts), and the
 * mantissa's low bits are raw bits kept outside the range coder. (Measured: a decoder that also
 * decided the mantissa bits without branches was slower; see docs/benchmarks.md.)
 *
 * Multi-symbol decision (as in AV1 and Daala's entropy coder, here with an ascending CDF): each
 * context holds two copies (slow, fast) of CDF_LANES u16 boundaries f_1 .. f_8, f_i ≈ 32768 · P(e <
 * i), those past c fixed at 32768; coding uses m_i = (slow_i + fast_i + 1) >> 1. With R = range >>>
 * 15, symbol s covers [b_s, b_{s+1}) where b_0 = 0, b_i = R · m_i + 4 · i (1 <= i <= c) and b_{c+1} =
 * range: the 4 · i keeps every symbol's interval at least 4 wide, since m_i stays in 0 .. 32767.
 * The decoder's symbol is the number of i in 1..c with code >= b_i. After each use the boundaries
 * move towards the symbol: f_i += (32768 − f_i) >> rate for i > s, f_i −= f_i >> rate for i <= s
 * (the slow copy's rate from the context's use count, CDF_RATES; the fast copy's CDF_FAST_RATE), so
 * they never leave 0 .. 32767 and never need a rescale.
 *
 * Mantissa: for e >= 2 the bit below the leading one is an adaptive binary decision (context e);
 * for e >= 3 below RAW_SECOND_BITS bits the next one too (context e and the bit before); the rest
 * are raw bits.
 *
 * Starting state (part of the byte format): the binary contexts (zero flag, mantissa) start from
 * version 4's trained table (context-init-table.ts); each multi-symbol context starts from the
 * distribution of e that the same table's residual flag and unary length contexts imply
 * (`initialCdf`), and use count CDF_START_USES. Nothing here is fitted to the bundled models.
 *
 * Range coder: versions 3 and 4's (32-bit low and range, bytes out when range < 2^24, carry into
 * the bytes written), ending with two bytes of low instead of one, so that the decoder's value
 * stays in the final interval whatever follows; then the raw bits, packed LSB first into bytes
 * appended in reverse order, which the decoder reads from the payload's end backwards. The decoder
 * reads zeros past the end; a valid payload has the range decoder 2 bytes past its part exactly
 * where the raw bytes begin, and the last raw byte's unused bits 0.
 */
import { InputError } from '../core/errors';
import {
  DENSE_ZEROS,
  LENGTH_BASE,
  MANTISSA_BASE,
  RESIDUAL_BASE,
  codeContexts,
  foldResidual,
  planes,
  previousPlaneContexts,
  unfoldResidual,
  type PaceBound,
} from './context-coder';
import { trainedStates } from './context-init-table';
import { contextDecodeWasm, contextEncodeWasm } from './context-wasm';
import { dequantizeInto, dequantizeTable } from './normalize';
import type { BitWidth } from './types';

const { clz32, floor, min } = Math;

const TOP = 1 << 24;
const TWO_32 = 4294967296;
const PACE_TOLERANCE = 1 + 1 / 64;
const PACE_LEARNING_BYTES = 64;

/** Multi-symbol contexts: the residual flag's of version 4 (7 gradient buckets × 4 × 2). */
export const SYMBOL_CONTEXTS = 56;
/** u16 boundaries per multi-symbol context (bit lengths 0..8: at most 8 inner boundaries). */
export const CDF_LANES = 8;
/** The CDF's total: boundaries are 15-bit. */
const CDF_ONE = 32768;
/** The use count a multi-symbol context starts from (the trained start is trusted a little). */
export const CDF_START_USES = 2;
/** Adaptation rate of a multi-symbol context by its use count (0..31; the count stops at 31). */
export const CDF_RATES = Uint8Array.from({ length: 32 }, (_, n) =>
  n < 2 ? 2 : n < 6 ? 3 : n < 14 ? 4 : n < 20 ? 5 : n < 30 ? 6 : 7,
);
const CDF_MAX_USES = 30;
/**
 * From this bit width up, the mantissa's second bit is raw too: it saves an adaptive decision per
 * code where most codes have one (about 8% of the 8-bit decode time) for about 0.1% of the payload.
 */
export const RAW_SECOND_BITS = 7;
/** The fast copy's fixed rate (the boundaries coded with are the mean of the slow and fast copies). */
export const CDF_FAST_RATE = 4;

/** Binary contexts' adaptation, as in context-coder.ts. */
const SHIFTS = Uint8Array.from({ length: 64 }, (_, n) => min(6, Math.max(1, floor(Math.log2(n + 2)))));
const NEXT_USE = Uint8Array.from({ length: 64 }, (_, n) => min(63, n + 1));

/** The starting boundaries of every multi-symbol context at `bits`, and the binary states. */
export interface V5Start {
  readonly states: Int32Array;
  readonly cdfs: Uint16Array;
  readonly uses: Uint8Array;
}

const starts: (V5Start | undefined)[] = [];

/**
 * P(e < i) for i = 1..8 of one multi-symbol context from version 4's table: the residual flag's
 * probability of r = 0 and the unary length bins of the length context the same code would use.
 */
function initialCdf(
  states: Int32Array,
  symbolContext: number,
  bits: number,
  out: Uint16Array,
  at: number,
): void {
  const qa = symbolContext >> 3;
  const pb = (symbolContext >> 1) & 3;
  const full = symbolContext & 1;
  const lengthBase = LENGTH_BASE + (min(qa + pb, 9) * 2 + full) * 8;
  const zero = (states[RESIDUAL_BASE + symbolContext] >>> 6) / 65536;
  let below = zero;
  let rest = 1 - zero;
  let previous = 0;
  for (let i = 1; i <= CDF_LANES; i++) {
    let f = CDF_ONE;
    if (i <= bits) {
      f = min(CDF_ONE - 1, Math.max(previous, Math.round(below * CDF_ONE)));
      previous = f;
      // P(e = i) given e >= i: the bin i says "stop" (a 0) with its probability.
      const stop = i < bits ? (states[lengthBase + i] >>> 6) / 65536 : 1;
      below += rest * stop;
      rest *= 1 - stop;
    }
    out[at + i - 1] = f;
  }
}

/** Version 5's starting state at `bits` (shared: callers copy it). */
export function v5Start(bits: BitWidth): V5Start {
  let start = starts[bits];
  if (start === undefined) {
    const states = trainedStates(bits);
    const cdfs = new Uint16Array(SYMBOL_CONTEXTS * 2 * CDF_LANES);
    for (let k = 0; k < SYMBOL_CONTEXTS; k++) {
      initialCdf(states, k, bits, cdfs, 2 * k * CDF_LANES);
      cdfs.copyWithin((2 * k + 1) * CDF_LANES, 2 * k * CDF_LANES, (2 * k + 1) * CDF_LANES);
    }
    start = { states, cdfs, uses: new Uint8Array(SYMBOL_CONTEXTS).fill(CDF_START_USES) };
    starts[bits] = start;
  }
  return start;
}

/** The adaptive state of one encode or decode (a copy of the start). */
class Model {
  readonly states: Int32Array;
  /** Per multi-symbol context: CDF_LANES slow boundaries, then CDF_LANES fast ones. */
  readonly cdfs: Uint16Array;
  readonly uses: Uint8Array;

  constructor(start: V5Start) {
    this.states = start.states.slice();
    this.cdfs = start.cdfs.slice();
    this.uses = start.uses.slice();
  }

  /** b_i of context `ctx` (1 <= i <= bits) for R = range >>> 15; 0 for i = 0, `range` past bits. */
  bound(ctx: number, i: number, r15: number, range: number, bits: number): number {
    if (i === 0) return 0;
    if (i > bits) return range;
    const at = ctx * 2 * CDF_LANES + i - 1;
    return r15 * ((this.cdfs[at] + this.cdfs[at + CDF_LANES] + 1) >> 1) + 4 * i;
  }

  /** Moves context `ctx`'s boundaries (both rates) towards symbol `s`. */
  adaptCdf(ctx: number, s: number): void {
    const n = this.uses[ctx];
    const base = ctx * 2 * CDF_LANES;
    adaptLanes(this.cdfs, base, s, CDF_RATES[n]);
    adaptLanes(this.cdfs, base + CDF_LANES, s, CDF_FAST_RATE);
    this.uses[ctx] = n < CDF_MAX_USES ? n + 1 : n;
  }

  /** A binary context's next state after coding `bit`. */
  adaptBit(ctx: number, bit: number): void {
    const st = this.states[ctx];
    const p = st >>> 6;
    const used = st & 63;
    const s = SHIFTS[used];
    this.states[ctx] = ((bit === 0 ? p + ((65536 - p) >> s) : p - (p >> s)) << 6) | NEXT_USE[used];
  }
}

/** f_i += (32768 − f_i) >> rate for the boundaries above symbol s, f_i −= f_i >> rate for the others. */
function adaptLanes(cdfs: Uint16Array, base: number, s: number, rate: number): void {
  for (let i = 1; i <= CDF_LANES; i++) {
    const f = cdfs[base + i - 1];
    cdfs[base + i - 1] = i > s ? f + ((CDF_ONE - f) >> rate) : f - (f >> rate);
  }
}

let outputScratch = new Uint8Array(1 << 16);

/** Range encoder of version 5 (binary decisions, plain bits, multi-symbol decisions). */
class Encoder {
  private out: Uint8Array;
  pos = 0;
  private low = 0;
  private range = 0xffffffff;
  /** The raw bits (see `raw`), bytes in the order written, LSB first within a byte. */
  private readonly rawBytes: number[] = [];
  private rawBits = 0;
  private rawCount = 0;

  constructor(
    private readonly model: Model,
    capacity: number,
    private readonly bits: number,
  ) {
    if (outputScratch.length < capacity) outputScratch = new Uint8Array(capacity + (capacity >> 2));
    this.out = outputScratch;
  }

  bit(ctx: number, bit: number): void {
    const bound = (this.range >>> 16) * (this.model.states[ctx] >>> 6);
    if (bit === 0) this.range = bound;
    else {
      this.add(bound);
      this.range -= bound;
    }
    this.model.adaptBit(ctx, bit);
    if (this.range < TOP) this.shift();
  }

  symbol(ctx: number, s: number): void {
    const r15 = this.range >>> 15;
    const lo = this.model.bound(ctx, s, r15, this.range, this.bits);
    const hi = this.model.bound(ctx, s + 1, r15, this.range, this.bits);
    this.add(lo);
    this.range = hi - lo;
    this.model.adaptCdf(ctx, s);
    if (this.range < TOP) this.shift();
  }

  plain(k: number, value: number): void {
    this.range = this.range >>> k;
    this.add(this.range * value);
    if (this.range < TOP) this.shift();
  }

  /** k (0..8) raw bits of `value`, kept out of the range coder (appended at the end, see finish). */
  raw(k: number, value: number): void {
    this.rawBits |= value << this.rawCount;
    this.rawCount += k;
    if (this.rawCount >= 8) {
      this.rawBytes.push(this.rawBits & 255);
      this.rawBits >>>= 8;
      this.rawCount -= 8;
    }
  }

  /** Bytes written so far: the range coder's and the raw bits'. */
  written(): number {
    return this.pos + this.rawBytes.length;
  }

  /**
   * The payload: the range coder's bytes ending with two bytes of low (the smallest multiple of
   * 2^16 at or above it: whatever bytes follow, the decoder's value stays in the final interval),
   * then the raw bytes in reverse order (the decoder reads them from the payload's end backwards).
   */
  finish(): Uint8Array {
    if (this.rawCount > 0) this.rawBytes.push(this.rawBits);
    this.add(0xffff);
    this.ensure(2 + this.rawBytes.length);
    this.out[this.pos++] = this.low >>> 24;
    this.out[this.pos++] = (this.low >>> 16) & 255;
    for (let j = this.rawBytes.length - 1; j >= 0; j--) this.out[this.pos++] = this.rawBytes[j];
    return this.out.slice(0, this.pos);
  }

  private add(delta: number): void {
    const low = this.low + delta;
    if (low < TWO_32) {
      this.low = low;
      return;
    }
    this.low = low - TWO_32;
    let k = this.pos - 1;
    while (this.out[k] === 0xff) this.out[k--] = 0;
    this.out[k]++;
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
 * The decisions of one folded residual r (0 .. 2^bits − 1) after its symbol context: the symbol e,
 * the bit below the leading one adaptive (context e), the next one adaptive (context e and the bit
 * before) below RAW_SECOND_BITS bits, the rest raw.
 */
function encodeResidual(enc: Encoder, symbolContext: number, r: number, bits: number): void {
  const e = 32 - clz32(r);
  enc.symbol(symbolContext, e);
  if (e >= 2) {
    const b1 = (r >> (e - 2)) & 1;
    enc.bit(MANTISSA_BASE + e * 4 + 1, b1);
    if (e >= 3 && bits >= RAW_SECOND_BITS) enc.raw(e - 2, r & ((1 << (e - 2)) - 1));
    else if (e >= 3) {
      enc.bit(MANTISSA_BASE + e * 4 + 2 + b1, (r >> (e - 3)) & 1);
      enc.raw(e - 3, r & ((1 << (e - 3)) - 1));
    }
  }
}

/**
 * Version 5's payload of one sample's codes (see contextEncodeWithin in context-coder.ts for
 * `maxBytes` and `pace`, which work alike); null when given up. JavaScript: the reference.
 */
export function contextEncodeV5Js(
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  maxBytes = Infinity,
  pace?: PaceBound,
): Uint8Array | null {
  const { c: planeCount, h, w } = planes(shape);
  const area = h * w;
  const max = (1 << bits) - 1;
  const enc = new Encoder(new Model(v5Start(bits)), (codes.length >> 1) + 64, bits);
  let zeros = 0;
  for (let j = 0; j < codes.length; j++) if (codes[j] === 0) zeros++;
  const dense = zeros * DENSE_ZEROS < codes.length ? 1 : 0;
  enc.plain(1, dense);
  const prev = new Uint8Array(area);
  let i = 0;
  let pacedBits = 0;
  let paced = 0;
  for (let plane = 0; plane < planeCount; plane++) {
    if (enc.written() > maxBytes) return null;
    if (pace !== undefined && 4 * i >= codes.length && i > 0) {
      for (; paced < i; paced++) pacedBits += pace.codeBits[codes[paced]];
      if (enc.written() > (pacedBits / 8) * PACE_TOLERANCE + PACE_LEARNING_BYTES + pace.marginBytes)
        return null;
    }
    if (plane > 0) previousPlaneContexts(codes, i - area, h, w, prev);
    for (let y = 0, k = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++, k++) {
        const ctx = codeContexts(codes, i, x, y, w, area, plane, prev[k]);
        const v = codes[i];
        const pred = ctx & 255;
        if (dense === 1) {
          encodeResidual(enc, (ctx >> 16) & 255, foldResidual(v + 1, pred + 1, max + 1), bits);
        } else {
          enc.bit((ctx >> 8) & 255, v === 0 ? 0 : 1);
          if (v !== 0)
            encodeResidual(enc, (ctx >> 16) & 255, foldResidual(v, pred > 0 ? pred : 1, max), bits);
        }
      }
    }
  }
  const payload = enc.finish();
  return payload.length > maxBytes ? null : payload;
}

/** Range decoder matching `Encoder`; reads zero bytes past the end, raw bits from the end backwards. */
class Decoder {
  pos: number;
  private range = 0xffffffff;
  private code = 0;
  /** The raw bits: the next byte is at rawPos − 1; rawBits holds rawCount bits not yet read. */
  rawPos: number;
  rawBits = 0;
  private rawCount = 0;

  constructor(
    private readonly model: Model,
    private readonly bytes: Uint8Array,
    private readonly start: number,
    private readonly end: number,
    private readonly bits: number,
  ) {
    this.pos = start;
    this.rawPos = end;
    for (let k = 0; k < 4; k++) this.code = this.code * 256 + this.next();
  }

  /** k (0..6) raw bits; past the payload's start, zeros (the end check then fails). */
  raw(k: number): number {
    if (this.rawCount < k) {
      const byte = this.rawPos > this.start ? this.bytes[this.rawPos - 1] : 0;
      this.rawPos--;
      this.rawBits |= byte << this.rawCount;
      this.rawCount += 8;
    }
    const value = this.rawBits & ((1 << k) - 1);
    this.rawBits >>>= k;
    this.rawCount -= k;
    return value;
  }

  private next(): number {
    return this.pos < this.end ? this.bytes[this.pos++] : (this.pos++, 0);
  }

  bit(ctx: number): number {
    const bound = (this.range >>> 16) * (this.model.states[ctx] >>> 6);
    const bit = this.code < bound ? 0 : 1;
    if (bit === 0) this.range = bound;
    else {
      this.code -= bound;
      this.range -= bound;
    }
    this.model.adaptBit(ctx, bit);
    if (this.range < TOP) this.shift();
    return bit;
  }

  symbol(ctx: number): number {
    const r15 = this.range >>> 15;
    let s = 0;
    for (let i = 1; i <= this.bits; i++)
      if (this.code >= this.model.bound(ctx, i, r15, this.range, this.bits)) s++;
    const lo = this.model.bound(ctx, s, r15, this.range, this.bits);
    const hi = this.model.bound(ctx, s + 1, r15, this.range, this.bits);
    this.code -= lo;
    this.range = hi - lo;
    this.model.adaptCdf(ctx, s);
    if (this.range < TOP) this.shift();
    return s;
  }

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

/** One folded residual (see encodeResidual). */
function decodeResidual(dec: Decoder, symbolContext: number, bits: number): number {
  const e = dec.symbol(symbolContext);
  if (e < 2) return e;
  const b1 = dec.bit(MANTISSA_BASE + e * 4 + 1);
  if (e < 3) return 2 | b1;
  if (bits >= RAW_SECOND_BITS) return ((2 | b1) << (e - 2)) | dec.raw(e - 2);
  const r = 4 | (b1 << 1) | dec.bit(MANTISSA_BASE + e * 4 + 2 + b1);
  return (r << (e - 3)) | dec.raw(e - 3);
}

function bad(message: string): InputError {
  return new InputError('BAD_DATA', `context payload: ${message}`);
}

/**
 * The range coder's bytes (read up to 2 past their end) and the raw bytes (read from the end) must
 * meet exactly, and the last raw byte's unused bits must be 0.
 */
function checkEnd(consumed: number, length: number, rawLeft: number): void {
  if (consumed !== length)
    throw bad(`the codes end after ${consumed} of ${length} bytes (corrupted or truncated)`);
  if (rawLeft !== 0) throw bad('nonzero padding bits (corrupted)');
}

/**
 * Decodes `count` codes of one sample from a version-5 payload `bytes[start, end)` (JavaScript: the
 * reference and fallback).
 * @throws InputError BAD_DATA when the payload does not end exactly where the codes do, or decodes
 *   an impossible residual.
 */
export function contextDecodeV5Js(
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
  if (planeCount * area !== count) throw bad(`shape [${shape.join(', ')}] does not hold ${count} codes`);
  const codes = new Uint8Array(count);
  const dec = new Decoder(new Model(v5Start(bits)), bytes, start, end, bits);
  const dense = dec.plain(1);
  const top = dense === 1 ? max : max - 1;
  const prev = new Uint8Array(area);
  let i = 0;
  for (let plane = 0; plane < planeCount; plane++) {
    if (plane > 0) previousPlaneContexts(codes, i - area, h, w, prev);
    for (let y = 0, k = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++, k++) {
        const ctx = codeContexts(codes, i, x, y, w, area, plane, prev[k]);
        if (dense === 0 && dec.bit((ctx >> 8) & 255) === 0) continue;
        const r = decodeResidual(dec, (ctx >> 16) & 255, bits);
        if (r < 0 || r > top) throw bad('residual out of range (corrupted)');
        const pred = ctx & 255;
        codes[i] =
          dense === 1
            ? unfoldResidual(r, pred + 1, max + 1) - 1
            : unfoldResidual(r, pred > 0 ? pred : 1, max);
      }
    }
  }
  checkEnd(dec.pos - 2 - start + (end - dec.rawPos), end - start, dec.rawBits);
  return codes;
}

/**
 * Version 5's payload of one sample's codes: the WebAssembly loop (wasm/context-loop.ts, the same
 * decisions) where it runs, else `contextEncodeV5Js`; null when given up (see contextEncodeWithin).
 */
export function contextEncodeV5(
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  maxBytes = Infinity,
  pace?: PaceBound,
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
  const start = v5Start(bits);
  const payload = contextEncodeWasm(codes, planeCount, h, w, bits, maxBytes, wasmPace, start.states, start);
  if (payload === undefined) return contextEncodeV5Js(codes, shape, bits, maxBytes, pace);
  return payload === null || payload.length > maxBytes ? null : payload;
}

/**
 * Decodes a version-5 payload `bytes[start, end)` into `count` codes and their values (normalize.ts's
 * `dequantizeInto` with `lo`, `hi`), in WebAssembly where it runs.
 * @throws InputError BAD_DATA as `contextDecodeV5Js`.
 */
export function contextDecodeV5Values(
  bytes: Uint8Array,
  count: number,
  shape: readonly number[],
  bits: BitWidth,
  range: { start: number; end: number; lo: number; hi: number },
): { codes: Uint8Array; values: Float32Array } {
  const { start, end, lo, hi } = range;
  const { c: planeCount, h, w } = planes(shape);
  if (planeCount * h * w !== count) throw bad(`shape [${shape.join(', ')}] does not hold ${count} codes`);
  const begin = v5Start(bits);
  const table = dequantizeTable(lo, hi, bits);
  const decoded = contextDecodeWasm(bytes, planeCount, h, w, bits, start, end, begin.states, table, begin);
  if (decoded === -1) throw bad('residual out of range (corrupted)');
  if (decoded === -2) throw bad('nonzero padding bits (corrupted)');
  if (decoded === undefined || decoded.values === undefined) {
    const codes = contextDecodeV5Js(bytes, count, shape, bits, start, end);
    const values = new Float32Array(count);
    dequantizeInto(codes, lo, hi, bits, values);
    return { codes, values };
  }
  checkEnd(decoded.readBytes, end - start, 0);
  return { codes: decoded.codes, values: decoded.values };
}
