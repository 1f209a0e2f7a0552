// The context coder's per-code loops (context-coder.ts: payload versions 3 and 4; context-coder-v5.ts: 5) in
// AssemblyScript, compiled by `npm run build:wasm` into src/codec/context-wasm-bytes.ts.
//
// This file is the source of those bytes; a test rebuilds it and checks that the committed bytes
// are identical. It computes exactly what the JavaScript coder computes (the same contexts,
// binarisation, adaptation and range coder, decision for decision); context-coder.ts is the
// reference and the description of the model, and the tests compare both on every bit width.
//
// Memory: the caller (src/codec/context-wasm.ts) writes the contexts' starting states at
// statesPtr(), rANS's cost per code value at codeBitsPtr() (encoder pace), and puts the codes,
// the payload and the previous plane's contexts above heapBase(), growing the memory as needed.

const CONTEXTS: i32 = 332;
const RESIDUAL_BASE: i32 = 80;
const LENGTH_BASE: i32 = 136;
const MANTISSA_BASE: i32 = 296;
const TOP: u32 = 1 << 24;

/** Bucket of a gradient sum (0 .. 1023): 0, 1, 2-3, 4-7, 8-15, 16-47, 48+. */
const BUCKETS: usize = memory.data(1024);
/** p << 6 | uses, per context. */
const STATES: usize = memory.data(CONTEXTS * 4, 16);
/** float64 bits rANS spends on each code value (the encoder's pace). */
const CODE_BITS: usize = memory.data(256 * 8, 16);

for (let a: i32 = 0; a < 1024; a++) {
  const b: i32 = a == 0 ? 0 : a < 2 ? 1 : a < 4 ? 2 : a < 8 ? 3 : a < 16 ? 4 : a < 48 ? 5 : 6;
  store<u8>(BUCKETS + <usize>a, <u8>b);
}

export function statesPtr(): usize {
  return STATES;
}

export function codeBitsPtr(): usize {
  return CODE_BITS;
}

export function heapBase(): usize {
  return __heap_base;
}

// --- Shared by both directions ---

@inline function bucket(a: i32): i32 {
  return <i32>load<u8>(BUCKETS + <usize>a);
}

@inline function absInt(d: i32): i32 {
  const s = d >> 31;
  return (d ^ s) - s;
}

/** Per use count n (0..63): the adaptation shift min(6, floor(log2(n + 2))) << 8 | min(63, n + 1). */
const STEPS: usize = memory.data(64 * 4, 16);

for (let n: i32 = 0; n < 64; n++) {
  const s: i32 = 31 - clz<i32>(n + 2);
  store<u32>(STEPS + (<usize>n << 2), ((s < 6 ? s : 6) << 8) | (n < 63 ? n + 1 : 63));
}

/** A context's next state (p << 6 | uses) after coding `one` (false: a 0). */
@inline function adapt(st: u32, one: bool): u32 {
  const p = st >>> 6;
  const step = load<u32>(STEPS + ((<usize>st & 63) << 2));
  const s = step >> 8;
  return (select<u32>(p - (p >> s), p + ((65536 - p) >> s), one) << 6) | (step & 255);
}

/** previousPlane's value at one position from the code p and its four neighbours (edge: p itself). */
@inline function planeContext(p: i32, pl: i32, pu: i32, pr: i32, pd: i32): u8 {
  const b = absInt(p - pl) + absInt(p - pu) + absInt(p - pr) + absInt(p - pd);
  return <u8>((bucket(b) >> 1) * 2 + (p != 0 ? 1 : 0));
}

/** previousPlane at one position, with the edge checks (the border of the plane). */
@inline function planeEdge(j: usize, x: i32, y: i32, h: i32, w: i32): u8 {
  const p = <i32>load<u8>(j);
  const pl = x > 0 ? <i32>load<u8>(j - 1) : p;
  const pu = y > 0 ? <i32>load<u8>(j - <usize>w) : p;
  const pr = x < w - 1 ? <i32>load<u8>(j + 1) : p;
  const pd = y < h - 1 ? <i32>load<u8>(j + <usize>w) : p;
  return planeContext(p, pl, pu, pr, pd);
}

/**
 * planeContext of 16 interior positions at once (j: the first), with u8 lanes: the four absolute
 * differences are summed with saturation at 255, which changes no bucket (the last starts at 48);
 * (bucket >> 1) is then the count of the limits 2, 8 and 48 that the sum reaches.
 */
@inline function planeContext16(j: usize, w: usize): v128 {
  const p = v128.load(j);
  const l = v128.load(j - 1);
  const r = v128.load(j + 1);
  const u = v128.load(j - w);
  const d = v128.load(j + w);
  const dl = v128.or(i8x16.sub_sat_u(p, l), i8x16.sub_sat_u(l, p));
  const dr = v128.or(i8x16.sub_sat_u(p, r), i8x16.sub_sat_u(r, p));
  const du = v128.or(i8x16.sub_sat_u(p, u), i8x16.sub_sat_u(u, p));
  const dd = v128.or(i8x16.sub_sat_u(p, d), i8x16.sub_sat_u(d, p));
  const b = i8x16.add_sat_u(i8x16.add_sat_u(dl, dr), i8x16.add_sat_u(du, dd));
  // Each comparison is -1 in a lane where it holds: the negated sum counts them.
  const reached = i8x16.add(i8x16.add(i8x16.gt_u(b, i8x16.splat(1)), i8x16.gt_u(b, i8x16.splat(7))), i8x16.gt_u(b, i8x16.splat(47)));
  const nonzero = v128.andnot(i8x16.splat(1), i8x16.eq(p, i8x16.splat(0)));
  return v128.or(i8x16.shl(i8x16.neg(reached), 1), nonzero);
}

/**
 * See previousPlaneContexts in context-coder.ts. The rows between the first and the last, taken
 * as one run of positions, 16 at a time (the last block overlapping the one before); the left and
 * right neighbours of their first and last columns are wrong there (the next or previous row), so
 * those columns and the first and last rows are then done one by one with the edge checks.
 */
function previousPlane(codes: usize, h: i32, w: i32, out: usize): void {
  const first = <usize>w;
  const past = <usize>((h - 1) * w);
  let k: usize = first;
  if (h >= 3 && past - first >= 16) {
    for (; k + 16 <= past; k += 16) v128.store(out + k, planeContext16(codes + k, <usize>w));
    if (k < past) v128.store(out + past - 16, planeContext16(codes + past - 16, <usize>w));
  } else {
    for (; k < past; k++) store<u8>(out + k, planeEdge(codes + k, 1, 1, h, w));
  }
  for (let y: i32 = 0; y < h; y++) {
    const row = <usize>(y * w);
    if (y == 0 || y == h - 1) {
      for (let x: i32 = 0; x < w; x++) store<u8>(out + row + <usize>x, planeEdge(codes + row + <usize>x, x, y, h, w));
    } else {
      store<u8>(out + row, planeEdge(codes + row, 0, y, h, w));
      store<u8>(out + row + <usize>(w - 1), planeEdge(codes + row + <usize>(w - 1), w - 1, y, h, w));
    }
  }
}

// The contexts of the current code (see codeContexts in context-coder.ts), set by `contexts`.
let cPred: i32 = 0;
let cZero: i32 = 0;
let cResidual: i32 = 0;
let cLength: i32 = 0;

@inline function contexts(at: usize, x: i32, y: i32, w: i32, area: i32, plane: i32, pc: i32, left: i32): void {
  const l: i32 =
    x > 0
      ? left
      : y > 0
        ? <i32>load<u8>(at - <usize>w)
        : plane > 0
          ? <i32>load<u8>(at - <usize>area)
          : 0;
  const u: i32 = y > 0 ? <i32>load<u8>(at - <usize>w) : l;
  const ul: i32 = x > 0 && y > 0 ? <i32>load<u8>(at - <usize>w - 1) : u;
  const ur: i32 = y > 0 && x < w - 1 ? <i32>load<u8>(at - <usize>w + 1) : u;
  const dlu = l - u;
  const lo = u + (dlu & (dlu >> 31));
  const hi = l - (dlu & (dlu >> 31));
  const g = l + u - ul;
  const dl = g - lo;
  const up = lo + (dl & ~(dl >> 31));
  const dh = up - hi;
  const pred = hi + (dh & (dh >> 31));
  const nonzero: i32 = (l != 0 ? 1 : 0) + (u != 0 ? 1 : 0) + (ul != 0 ? 1 : 0) + (ur != 0 ? 1 : 0);
  const qa = bucket(absInt(l - ul) + absInt(u - ul) + absInt(ur - u));
  const full = nonzero >> 2;
  const pb = pc >> 1;
  const len: i32 = pred == 0 ? 0 : 32 - clz<i32>(pred);
  cPred = pred;
  cZero = ((len < 7 ? len : 7) * 5 + nonzero) * 2 + (pc & 1);
  cResidual = RESIDUAL_BASE + (qa * 4 + pb) * 2 + full;
  const act = qa + pb;
  cLength = LENGTH_BASE + ((act < 9 ? act : 9) * 2 + full) * 8;
}

// --- Encoder ---

let low: u32 = 0;
let range: u32 = 0;
let outPos: usize = 0;

function carry(): void {
  let k = outPos - 1;
  while (load<u8>(k) == 0xff) {
    store<u8>(k, 0);
    k--;
  }
  store<u8>(k, load<u8>(k) + 1);
}

@inline function addLow(delta: u32): void {
  const l = low + delta;
  if (l < low) carry();
  low = l;
}

function shiftOut(): void {
  do {
    store<u8>(outPos, <u8>(low >>> 24));
    outPos++;
    low = low << 8;
    range = range << 8;
  } while (range < TOP);
}

@inline function encodeBit(ctx: i32, bit: i32): void {
  const a = STATES + (<usize>ctx << 2);
  const st = load<u32>(a);
  const bound = (range >>> 16) * (st >>> 6);
  // Branch-free (select): the bit is as unpredictable as the data.
  const one = bit != 0;
  addLow(bound & -(<u32>one));
  range = select<u32>(range - bound, bound, one);
  store<u32>(a, adapt(st, one));
  if (range < TOP) shiftOut();
}

@inline function encodePlain(k: i32, value: i32): void {
  range = range >>> <u32>k;
  addLow(range * <u32>value);
  if (range < TOP) shiftOut();
}

/** See foldResidual in context-coder.ts. */
@inline function fold(v: i32, pred: i32, max: i32): i32 {
  const t = pred - 1 < max - pred ? pred - 1 : max - pred;
  const d = v - pred;
  const ad = absInt(d);
  return ad <= t ? 2 * ad - (d > 0 ? 1 : 0) : t + ad;
}

/** The decisions of one code (v at `at`), after its contexts. */
@inline function encodeCode(v: i32, dense: i32, max: i32, bits: i32): void {
  let r: i32;
  if (dense == 1) {
    r = fold(v + 1, cPred + 1, max + 1);
  } else {
    encodeBit(cZero, v == 0 ? 0 : 1);
    if (v == 0) return;
    r = fold(v, cPred > 0 ? cPred : 1, max);
  }
  if (r == 0) {
    encodeBit(cResidual, 0);
    return;
  }
  encodeBit(cResidual, 1);
  const e: i32 = 32 - clz<i32>(r);
  for (let bin: i32 = 1; bin < bits; bin++) {
    const more: i32 = e > bin ? 1 : 0;
    encodeBit(cLength + bin, more);
    if (more == 0) break;
  }
  if (e >= 2) {
    const b1 = (r >> (e - 2)) & 1;
    encodeBit(MANTISSA_BASE + e * 4 + 1, b1);
    if (e >= 3) {
      encodeBit(MANTISSA_BASE + e * 4 + 2 + b1, (r >> (e - 3)) & 1);
      if (e >= 4) encodePlain(e - 3, r & ((1 << (e - 3)) - 1));
    }
  }
}

/**
 * Encodes n = planeCount·h·w codes at `codes` into `out` (room for `capacity` bytes) with the
 * states at statesPtr(). Per plane, as contextEncodeFrom: gives up (-1) when the payload exceeds
 * maxBytes, or with `pace` (1) when it exceeds the pace bound; -2 when `out` may be too small (the
 * caller then codes in JavaScript). Otherwise the payload's length (before the final byte check).
 */
export function encode(
  codes: usize,
  planeCount: i32,
  h: i32,
  w: i32,
  bits: i32,
  out: usize,
  capacity: i32,
  prev: usize,
  maxBytes: f64,
  pace: i32,
  tolerance: f64,
  learningBytes: f64,
  marginBytes: f64,
): i32 {
  const area = h * w;
  const n = planeCount * area;
  const max = (1 << bits) - 1;
  let zeros: i32 = 0;
  for (let j: i32 = 0; j < n; j++) if (load<u8>(codes + <usize>j) == 0) zeros++;
  const dense: i32 = zeros * 32 < n ? 1 : 0;
  low = 0;
  range = 0xffffffff;
  outPos = out;
  // Room for one plane's worst case is checked per code below (a code writes at most 23 bytes).
  const limit = out + <usize>capacity - 32;
  encodePlain(1, dense);
  memory.fill(prev, 0, <usize>area);
  let i: i32 = 0;
  let pacedBits: f64 = 0;
  let paced: i32 = 0;
  for (let plane: i32 = 0; plane < planeCount; plane++) {
    const written = <f64>(outPos - out);
    if (written > maxBytes) return -1;
    if (pace != 0 && 4 * i >= n && i > 0) {
      for (; paced < i; paced++) pacedBits += load<f64>(CODE_BITS + (<usize>load<u8>(codes + <usize>paced) << 3));
      if (written > (pacedBits / 8) * tolerance + learningBytes + marginBytes) return -1;
    }
    if (plane > 0) previousPlane(codes + <usize>(i - area), h, w, prev);
    let k: i32 = 0;
    for (let y: i32 = 0; y < h; y++) {
      for (let x: i32 = 0; x < w; x++, i++, k++) {
        const at = codes + <usize>i;
        contexts(at, x, y, w, area, plane, <i32>load<u8>(prev + <usize>k), x > 0 ? <i32>load<u8>(at - 1) : 0);
        encodeCode(<i32>load<u8>(at), dense, max, bits);
        if (outPos > limit) return -2;
      }
    }
  }
  addLow(0xffffff);
  store<u8>(outPos, <u8>(low >>> 24));
  outPos++;
  return <i32>(outPos - out);
}

// --- Decoder ---

let code: u32 = 0;
let inPos: usize = 0;
let inEnd: usize = 0;

@inline function nextByte(): u32 {
  const b: u32 = inPos < inEnd ? <u32>load<u8>(inPos) : 0;
  inPos++;
  return b;
}

function shiftIn(): void {
  do {
    range = range << 8;
    code = (code << 8) | nextByte();
  } while (range < TOP);
}

@inline function decodeBit(ctx: i32): i32 {
  const a = STATES + (<usize>ctx << 2);
  const st = load<u32>(a);
  const bound = (range >>> 16) * (st >>> 6);
  // Branch-free (select): the bit is as unpredictable as the data.
  const one = code >= bound;
  code -= bound & -(<u32>one);
  range = select<u32>(range - bound, bound, one);
  store<u32>(a, adapt(st, one));
  if (range < TOP) shiftIn();
  return <i32>one;
}

/** k plain bits; -1 for a value no encoder writes (damage). */
@inline function decodePlain(k: i32): i32 {
  range = range >>> <u32>k;
  const value = code / range;
  if (value >> <u32>k != 0) return -1;
  code -= value * range;
  if (range < TOP) shiftIn();
  return <i32>value;
}

/** See unfoldResidual in context-coder.ts. */
@inline function unfold(r: i32, pred: i32, max: i32): i32 {
  const t = pred - 1 < max - pred ? pred - 1 : max - pred;
  if (r <= 2 * t) {
    const neg = (r & 1) - 1;
    return pred + ((((r + 1) >> 1) ^ neg) - neg);
  }
  return t == pred - 1 ? pred + (r - t) : pred - (r - t);
}

/** The folded residual of one code after its contexts; -1 for damage. */
@inline function decodeResidual(residual: i32, length: i32, bits: i32): i32 {
  if (decodeBit(residual) == 0) return 0;
  let e: i32 = 1;
  while (e < bits && decodeBit(length + e) == 1) e++;
  if (e < 2) return 1;
  const b1 = decodeBit(MANTISSA_BASE + e * 4 + 1);
  let r: i32 = 2 | b1;
  if (e < 3) return r;
  r = (r << 1) | decodeBit(MANTISSA_BASE + e * 4 + 2 + b1);
  if (e < 4) return r;
  const low3 = decodePlain(e - 3);
  return low3 < 0 ? -1 : (r << (e - 3)) | low3;
}

/** The prediction median(l, u, l + u − ul), without a branch. */
@inline function predict(l: i32, u: i32, ul: i32): i32 {
  const dlu = l - u;
  const lo = u + (dlu & (dlu >> 31));
  const hi = l - (dlu & (dlu >> 31));
  const dl = l + u - ul - lo;
  const up = lo + (dl & ~(dl >> 31));
  const dh = up - hi;
  return hi + (dh & (dh >> 31));
}

/**
 * One code of version 3 or 4 from its four neighbours (already past the edge fallbacks of
 * `contexts`) and its previous-plane context pc, the contexts in locals. Stores and returns the
 * code, or -1 for a residual out of range (damage).
 */
@inline function step4(at: usize, l: i32, u: i32, ul: i32, ur: i32, pc: i32, dense: i32, bits: i32, top: i32, max: i32): i32 {
  const pred = predict(l, u, ul);
  const nonzero: i32 = (l != 0 ? 1 : 0) + (u != 0 ? 1 : 0) + (ul != 0 ? 1 : 0) + (ur != 0 ? 1 : 0);
  const qa = bucket(absInt(l - ul) + absInt(u - ul) + absInt(ur - u));
  const full = nonzero >> 2;
  const pb = pc >> 1;
  if (dense == 0) {
    const len: i32 = pred == 0 ? 0 : 32 - clz<i32>(pred);
    if (decodeBit(((len < 7 ? len : 7) * 5 + nonzero) * 2 + (pc & 1)) == 0) {
      store<u8>(at, 0);
      return 0;
    }
  }
  const act = qa + pb;
  const r = decodeResidual(RESIDUAL_BASE + (qa * 4 + pb) * 2 + full, LENGTH_BASE + ((act < 9 ? act : 9) * 2 + full) * 8, bits);
  if (r < 0 || r > top) return -1;
  const v = dense == 1 ? unfold(r, pred + 1, max + 1) - 1 : unfold(r, pred > 0 ? pred : 1, max);
  store<u8>(at, <u8>v);
  return v;
}

/**
 * Decodes planeCount·h·w codes into `codes` from the payload [start, end) with the states at
 * statesPtr(), as contextDecodeFrom. Every loop is bounded by the code count; reads past `end`
 * are zeros. Returns the read position less `start` (the caller checks it), or -1 for a
 * residual out of range (damage).
 */
export function decode(
  codes: usize,
  planeCount: i32,
  h: i32,
  w: i32,
  bits: i32,
  start: usize,
  end: usize,
  prev: usize,
): i32 {
  const area = h * w;
  const max = (1 << bits) - 1;
  inPos = start;
  inEnd = end;
  range = 0xffffffff;
  code = 0;
  for (let k = 0; k < 4; k++) code = (code << 8) | nextByte();
  const dense = decodePlain(1);
  const top = dense == 1 ? max : max - 1;
  memory.fill(prev, 0, <usize>area);
  const none = i32x4.splat(0);
  for (let plane: i32 = 0; plane < planeCount; plane++) {
    const at = codes + <usize>(plane * area);
    if (plane > 0) previousPlane(at - <usize>area, h, w, prev);
    const bad =
      dense == 1
        ? planeCodes(at, h, w, area, plane == 0, prev, 1, bits, top, max, none, none, false)
        : planeCodes(at, h, w, area, plane == 0, prev, 0, bits, top, max, none, none, false);
    if (bad < 0) return -1;
  }
  return <i32>(inPos - start);
}

/**
 * Dequantisation after `decode`: the float32 at `table` + 4·code for each of the n codes at
 * `codes`, written at `out` (table: normalize.ts's dequantizeTable, so the values are its).
 */
export function lookup(codes: usize, n: i32, table: usize, out: usize): void {
  for (let i: i32 = 0; i < n; i++) {
    store<f32>(out + (<usize>i << 2), load<f32>(table + (<usize>load<u8>(codes + <usize>i) << 2)));
  }
}

/** `contexts` as version 5 uses them: the same cPred and cResidual, cZero only in sparse mode, no cLength. */
@inline function contexts5(at: usize, x: i32, y: i32, w: i32, area: i32, plane: i32, pc: i32, left: i32, dense: i32): void {
  const l: i32 = x > 0 ? left : y > 0 ? <i32>load<u8>(at - <usize>w) : plane > 0 ? <i32>load<u8>(at - <usize>area) : 0;
  const u: i32 = y > 0 ? <i32>load<u8>(at - <usize>w) : l;
  const ul: i32 = x > 0 && y > 0 ? <i32>load<u8>(at - <usize>w - 1) : u;
  const ur: i32 = y > 0 && x < w - 1 ? <i32>load<u8>(at - <usize>w + 1) : u;
  const dlu = l - u;
  const lo = u + (dlu & (dlu >> 31));
  const hi = l - (dlu & (dlu >> 31));
  const g = l + u - ul;
  const dl = g - lo;
  const up = lo + (dl & ~(dl >> 31));
  const dh = up - hi;
  const pred = hi + (dh & (dh >> 31));
  const nonzero: i32 = (l != 0 ? 1 : 0) + (u != 0 ? 1 : 0) + (ul != 0 ? 1 : 0) + (ur != 0 ? 1 : 0);
  const qa = bucket(absInt(l - ul) + absInt(u - ul) + absInt(ur - u));
  cPred = pred;
  cResidual = RESIDUAL_BASE + (qa * 4 + (pc >> 1)) * 2 + (nonzero >> 2);
  if (dense == 0) {
    const len: i32 = pred == 0 ? 0 : 32 - clz<i32>(pred);
    cZero = ((len < 7 ? len : 7) * 5 + nonzero) * 2 + (pc & 1);
  }
}

// --- Format version 5 (src/codec/context-coder-v5.ts): the residual's bit length as one
// multi-symbol decision, then its mantissa; the decoder's path does not depend on decoded bits. ---

/** Per multi-symbol context: 8 slow u16 boundaries, then 8 fast ones (see context-coder-v5.ts). */
const CDFS: usize = memory.data(56 * 32, 16);
/** Per multi-symbol context: its use count (0..30). */
const USES: usize = memory.data(56, 16);
/** The slow copy's rate by use count (CDF_RATES). */
const RATES: usize = memory.data(32, 16);
const FAST_RATE: i32 = 4;
/** From this bit width up the mantissa's second bit is raw (RAW_SECOND_BITS in context-coder-v5.ts). */
const RAW_SECOND_BITS: i32 = 7;
const MAX_USES: i32 = 30;

for (let n: i32 = 0; n < 32; n++) {
  store<u8>(RATES + <usize>n, <u8>(n < 2 ? 2 : n < 6 ? 3 : n < 14 ? 4 : n < 20 ? 5 : n < 30 ? 6 : 7));
}

export function cdfsPtr(): usize {
  return CDFS;
}

export function usesPtr(): usize {
  return USES;
}

/** The boundary f_(i+1) used for coding: the rounded mean of the slow and fast copies. */
@inline function mixed(a: usize, i: i32): u32 {
  const at = a + (<usize>i << 1);
  return (<u32>load<u16>(at) + <u32>load<u16>(at, 16) + 1) >> 1;
}

/** The low and high bound of symbol s (b_s, b_(s+1)) for R = range >>> 15, as Model.bound. */
@inline function symbolLow(a: usize, s: i32, r15: u32): u32 {
  return select<u32>(r15 * mixed(a, s - 1) + (<u32>s << 2), 0, s > 0);
}

@inline function symbolHigh(a: usize, s: i32, r15: u32, bits: i32): u32 {
  return select<u32>(r15 * mixed(a, s) + (<u32>(s + 1) << 2), range, s < bits);
}

/** One copy's boundaries moved towards the symbol: up where `above` (lane i > s), down elsewhere. */
@inline function adaptCopy(v: v128, above: v128, rate: i32): v128 {
  const up = i16x8.shr_u(i16x8.sub(i16x8.splat(<i16>0x8000), v), rate);
  const down = i16x8.shr_u(v, rate);
  return i16x8.sub(i16x8.add(v, v128.and(up, above)), v128.andnot(down, above));
}

@inline function adaptCdf(a: usize, ctx: i32, s: i32): void {
  const above = i16x8.gt_u(i16x8(1, 2, 3, 4, 5, 6, 7, 8), i16x8.splat(<i16>s));
  const n = <i32>load<u8>(USES + <usize>ctx);
  v128.store(a, adaptCopy(v128.load(a), above, <i32>load<u8>(RATES + <usize>n)));
  v128.store(a, adaptCopy(v128.load(a, 16), above, FAST_RATE), 16);
  store<u8>(USES + <usize>ctx, <u8>(n < MAX_USES ? n + 1 : n));
}

@inline function encodeSymbol(ctx: i32, s: i32, bits: i32): void {
  const a = CDFS + (<usize>ctx << 5);
  const r15 = range >>> 15;
  const lo = symbolLow(a, s, r15);
  const hi = symbolHigh(a, s, r15, bits);
  addLow(lo);
  range = hi - lo;
  adaptCdf(a, ctx, s);
  if (range < TOP) shiftOut();
}

// Version 5's raw bits (the mantissa below its top two bits), outside the range coder: written
// at rawOut, LSB first, and appended in reverse order after the range coder's bytes by `encode5`.
let rawOut: usize = 0;
let rawBits: u32 = 0;
let rawCount: u32 = 0;

@inline function encodeRaw(k: i32, value: i32): void {
  rawBits |= <u32>value << rawCount;
  rawCount += <u32>k;
  if (rawCount >= 8) {
    store<u8>(rawOut, <u8>rawBits);
    rawOut++;
    rawBits >>>= 8;
    rawCount -= 8;
  }
}

/** The decisions of one code in version 5 (see encodeResidual in context-coder-v5.ts). */
@inline function encodeCode5(v: i32, dense: i32, max: i32, bits: i32): void {
  let r: i32;
  if (dense == 1) {
    r = fold(v + 1, cPred + 1, max + 1);
  } else {
    encodeBit(cZero, v == 0 ? 0 : 1);
    if (v == 0) return;
    r = fold(v, cPred > 0 ? cPred : 1, max);
  }
  const e: i32 = 32 - clz<i32>(r);
  encodeSymbol(cResidual - RESIDUAL_BASE, e, bits);
  if (e >= 2) {
    const b1 = (r >> (e - 2)) & 1;
    encodeBit(MANTISSA_BASE + e * 4 + 1, b1);
    if (e >= 3 && bits >= RAW_SECOND_BITS) encodeRaw(e - 2, r & ((1 << (e - 2)) - 1));
    else if (e >= 3) {
      encodeBit(MANTISSA_BASE + e * 4 + 2 + b1, (r >> (e - 3)) & 1);
      encodeRaw(e - 3, r & ((1 << (e - 3)) - 1));
    }
  }
}

/**
 * `encode` for format version 5 (the same arguments and results, and `raw`: room for the raw bits,
 * n bytes); states, CDFs and uses set by the caller.
 */
export function encode5(
  codes: usize,
  planeCount: i32,
  h: i32,
  w: i32,
  bits: i32,
  out: usize,
  capacity: i32,
  prev: usize,
  maxBytes: f64,
  pace: i32,
  tolerance: f64,
  learningBytes: f64,
  marginBytes: f64,
  raw: usize,
): i32 {
  const area = h * w;
  const n = planeCount * area;
  const max = (1 << bits) - 1;
  let zeros: i32 = 0;
  for (let j: i32 = 0; j < n; j++) if (load<u8>(codes + <usize>j) == 0) zeros++;
  const dense: i32 = zeros * 32 < n ? 1 : 0;
  low = 0;
  range = 0xffffffff;
  outPos = out;
  rawOut = raw;
  rawBits = 0;
  rawCount = 0;
  const limit = out + <usize>capacity - 32;
  encodePlain(1, dense);
  memory.fill(prev, 0, <usize>area);
  let i: i32 = 0;
  let pacedBits: f64 = 0;
  let paced: i32 = 0;
  for (let plane: i32 = 0; plane < planeCount; plane++) {
    const written = <f64>(outPos - out + rawOut - raw);
    if (written > maxBytes) return -1;
    if (pace != 0 && 4 * i >= n && i > 0) {
      for (; paced < i; paced++) pacedBits += load<f64>(CODE_BITS + (<usize>load<u8>(codes + <usize>paced) << 3));
      if (written > (pacedBits / 8) * tolerance + learningBytes + marginBytes) return -1;
    }
    if (plane > 0) previousPlane(codes + <usize>(i - area), h, w, prev);
    let k: i32 = 0;
    for (let y: i32 = 0; y < h; y++) {
      for (let x: i32 = 0; x < w; x++, i++, k++) {
        const at = codes + <usize>i;
        contexts5(at, x, y, w, area, plane, <i32>load<u8>(prev + <usize>k), x > 0 ? <i32>load<u8>(at - 1) : 0, dense);
        encodeCode5(<i32>load<u8>(at), dense, max, bits);
        if (outPos > limit) return -2;
      }
    }
  }
  if (rawCount > 0) {
    store<u8>(rawOut, <u8>rawBits);
    rawOut++;
  }
  if (outPos + 2 + (rawOut - raw) > limit) return -2;
  // Two bytes of low (see Encoder.finish in context-coder-v5.ts), then the raw bytes reversed.
  addLow(0xffff);
  store<u8>(outPos, <u8>(low >>> 24));
  store<u8>(outPos + 1, <u8>(low >>> 16));
  outPos += 2;
  while (rawOut > raw) {
    rawOut--;
    store<u8>(outPos, load<u8>(rawOut));
    outPos++;
  }
  return <i32>(outPos - out);
}

/**
 * Brings range back to 2^24 or more without a branch: the bytes needed (0..3) in one step, from a
 * 4-byte big-endian load (past the payload's end: the zero bytes the caller put after it).
 */
@inline function renorm(): void {
  if (range >= TOP) return;
  const n: u32 = clz<u32>(range) >> 3;
  const at = select<usize>(inPos, inEnd, inPos < inEnd);
  const next = bswap<u32>(load<u32>(at));
  code = <u32>((((<u64>code << 32) | <u64>next) << <u64>(n << 3)) >> 32);
  range = range << (n << 3);
  inPos += <usize>n;
}

/** A binary decision, or where `active` is false none (range, code and state unchanged; returns 0). */
@inline function decodeBitIf(ctx: i32, active: bool): i32 {
  const a = STATES + (<usize>ctx << 2);
  const st = load<u32>(a);
  const bound = select<u32>((range >>> 16) * (st >>> 6), range, active);
  const one = code >= bound;
  code -= bound & -(<u32>one);
  range = select<u32>(range - bound, bound, one);
  store<u32>(a, select<u32>(adapt(st, one), st, active));
  renorm();
  return <i32>one;
}

/** The largest and the smallest u32 lane of v. */
@inline function maxLane(v: v128): u32 {
  const m = i32x4.max_u(v, v128.shuffle<i32>(v, v, 2, 3, 0, 1));
  return <u32>i32x4.extract_lane(i32x4.max_u(m, v128.shuffle<i32>(m, m, 1, 0, 3, 2)), 0);
}

@inline function minLane(v: v128): u32 {
  const m = i32x4.min_u(v, v128.shuffle<i32>(v, v, 2, 3, 0, 1));
  return <u32>i32x4.extract_lane(i32x4.min_u(m, v128.shuffle<i32>(m, m, 1, 0, 3, 2)), 0);
}

/**
 * One multi-symbol decision: all 8 bounds at once, compared with the code value; the symbol is the
 * count of bounds at or below it (lanes past `bits` left out), and its interval's ends are the
 * largest of those bounds and the smallest of the others (or range), taken from the lanes
 * directly rather than reloaded by symbol.
 */
@inline function decodeSymbol(ctx: i32, bits: i32, padL: v128, padH: v128): i32 {
  const a = CDFS + (<usize>ctx << 5);
  const r15 = range >>> 15;
  const f = i16x8.avgr_u(v128.load(a), v128.load(a, 16));
  const rv = i32x4.splat(r15);
  const cv = i32x4.splat(code);
  const bl = i32x4.add(i32x4.mul(i32x4.extend_low_i16x8_u(f), rv), i32x4(4, 8, 12, 16));
  const bh = i32x4.add(i32x4.mul(i32x4.extend_high_i16x8_u(f), rv), i32x4(20, 24, 28, 32));
  const gl = v128.andnot(i32x4.ge_u(cv, bl), padL);
  const gh = v128.andnot(i32x4.ge_u(cv, bh), padH);
  const s = popcnt<i32>(i32x4.bitmask(gl) | (i32x4.bitmask(gh) << 4));
  const lo = maxLane(i32x4.max_u(v128.and(bl, gl), v128.and(bh, gh)));
  const hiLanes = minLane(i32x4.min_u(v128.or(bl, v128.or(gl, padL)), v128.or(bh, v128.or(gh, padH))));
  const hi = hiLanes < range ? hiLanes : range;
  code -= lo;
  range = hi - lo;
  adaptCdf(a, ctx, s);
  renorm();
  return s;
}

// Version 5's raw bits, read from the payload's end backwards: the next byte at rawIn − 1.
let rawIn: usize = 0;
let rawStart: usize = 0;
let rawLeft: u32 = 0;

/** k (0..6) raw bits (see Decoder.raw in context-coder-v5.ts), without a branch. */
@inline function decodeRaw(k: i32): i32 {
  const need = rawCount < <u32>k;
  // Before the payload's start: a zero byte (the 4 zeros after its end), and the end check fails.
  const byte = <u32>load<u8>(select<usize>(rawIn - 1, inEnd, rawIn > rawStart));
  rawLeft |= select<u32>(byte << rawCount, 0, need);
  rawCount += select<u32>(8, 0, need);
  rawIn -= <usize>need;
  const value = rawLeft & ((1 << <u32>k) - 1);
  rawLeft >>>= <u32>k;
  rawCount -= <u32>k;
  return <i32>value;
}

/** The folded residual of one code in version 5 after its contexts; negative for damage. */
@inline function decodeResidual5(ctx: i32, bits: i32, padL: v128, padH: v128): i32 {
  const e = decodeSymbol(ctx, bits, padL, padH);
  if (e < 2) return e;
  const b1 = decodeBitIf(MANTISSA_BASE + e * 4 + 1, true);
  if (e < 3) return 2 | b1;
  if (bits >= RAW_SECOND_BITS) return ((2 | b1) << (e - 2)) | decodeRaw(e - 2);
  const r = 4 | (b1 << 1) | decodeBitIf(MANTISSA_BASE + e * 4 + 2 + b1, true);
  return (r << (e - 3)) | decodeRaw(e - 3);
}

/** The 4 bytes at the range decoder's read position `pos`, big-endian (past the payload's end: the zeros after it). */
@inline function nextWord(pos: usize): u32 {
  return bswap<u32>(load<u32>(select<usize>(pos, inEnd, pos < inEnd)));
}

/** `code` after renormalising by n bytes (n = clz(range) >> 3: 0 where range >= 2^24), as renorm. */
@inline function shiftCode(cod: u32, pos: usize, n: u32): u32 {
  return <u32>((((<u64>cod << 32) | <u64>nextWord(pos)) << <u64>(n << 3)) >> 32);
}

/**
 * One code of version 5 from its four neighbours (already past the edge fallbacks of contexts5)
 * and its previous-plane context pc: the contexts, the decisions (decodeBitIf, decodeSymbol and
 * renorm written out, with the range decoder's state in locals: one load and one store of each
 * global per code) and the unfold. Stores and returns the code, or -1 for a residual out of range.
 */
@inline function step5(at: usize, l: i32, u: i32, ul: i32, ur: i32, pc: i32, dense: i32, bits: i32, top: i32, max: i32, padL: v128, padH: v128): i32 {
  const dlu = l - u;
  const lo = u + (dlu & (dlu >> 31));
  const hi = l - (dlu & (dlu >> 31));
  const g = l + u - ul;
  const dl = g - lo;
  const up = lo + (dl & ~(dl >> 31));
  const dh = up - hi;
  const pred = hi + (dh & (dh >> 31));
  const nonzero: i32 = (l != 0 ? 1 : 0) + (u != 0 ? 1 : 0) + (ul != 0 ? 1 : 0) + (ur != 0 ? 1 : 0);
  const qa = bucket(absInt(l - ul) + absInt(u - ul) + absInt(ur - u));
  const ctx = (qa * 4 + (pc >> 1)) * 2 + (nonzero >> 2);
  let rng = range;
  let cod = code;
  let pos = inPos;
  let n: u32;
  if (dense == 0) {
    const len: i32 = pred == 0 ? 0 : 32 - clz<i32>(pred);
    const za = STATES + (<usize>(((len < 7 ? len : 7) * 5 + nonzero) * 2 + (pc & 1)) << 2);
    const zst = load<u32>(za);
    const zb = (rng >>> 16) * (zst >>> 6);
    const nz = cod >= zb;
    cod -= zb & -(<u32>nz);
    rng = select<u32>(rng - zb, zb, nz);
    store<u32>(za, adapt(zst, nz));
    n = clz<u32>(rng) >> 3;
    cod = shiftCode(cod, pos, n);
    rng <<= n << 3;
    pos += <usize>n;
    if (!nz) {
      range = rng;
      code = cod;
      inPos = pos;
      store<u8>(at, 0);
      return 0;
    }
  }
  // The residual's bit length e: decodeSymbol.
  const a = CDFS + (<usize>ctx << 5);
  const r15 = rng >>> 15;
  const f = i16x8.avgr_u(v128.load(a), v128.load(a, 16));
  const rv = i32x4.splat(r15);
  const cv = i32x4.splat(cod);
  const bl = i32x4.add(i32x4.mul(i32x4.extend_low_i16x8_u(f), rv), i32x4(4, 8, 12, 16));
  const bh = i32x4.add(i32x4.mul(i32x4.extend_high_i16x8_u(f), rv), i32x4(20, 24, 28, 32));
  const gl = v128.andnot(i32x4.ge_u(cv, bl), padL);
  const gh = v128.andnot(i32x4.ge_u(cv, bh), padH);
  const e = popcnt<i32>(i32x4.bitmask(gl) | (i32x4.bitmask(gh) << 4));
  const sLo = maxLane(i32x4.max_u(v128.and(bl, gl), v128.and(bh, gh)));
  const hiLanes = minLane(i32x4.min_u(v128.or(bl, v128.or(gl, padL)), v128.or(bh, v128.or(gh, padH))));
  const sHi = hiLanes < rng ? hiLanes : rng;
  cod -= sLo;
  rng = sHi - sLo;
  adaptCdf(a, ctx, e);
  n = clz<u32>(rng) >> 3;
  cod = shiftCode(cod, pos, n);
  rng <<= n << 3;
  pos += <usize>n;
  let r: i32 = e;
  if (e >= 2) {
    const ma = STATES + (<usize>(MANTISSA_BASE + e * 4 + 1) << 2);
    const mst = load<u32>(ma);
    const mb = (rng >>> 16) * (mst >>> 6);
    const m1 = cod >= mb;
    cod -= mb & -(<u32>m1);
    rng = select<u32>(rng - mb, mb, m1);
    store<u32>(ma, adapt(mst, m1));
    n = clz<u32>(rng) >> 3;
    cod = shiftCode(cod, pos, n);
    rng <<= n << 3;
    pos += <usize>n;
    const b1 = <i32>m1;
    r = 2 | b1;
    if (e >= 3) {
      if (bits >= RAW_SECOND_BITS) r = (r << (e - 2)) | decodeRaw(e - 2);
      else {
        const sa = STATES + (<usize>(MANTISSA_BASE + e * 4 + 2 + b1) << 2);
        const sst = load<u32>(sa);
        const sb = (rng >>> 16) * (sst >>> 6);
        const m2 = cod >= sb;
        cod -= sb & -(<u32>m2);
        rng = select<u32>(rng - sb, sb, m2);
        store<u32>(sa, adapt(sst, m2));
        n = clz<u32>(rng) >> 3;
        cod = shiftCode(cod, pos, n);
        rng <<= n << 3;
        pos += <usize>n;
        r = (((r << 1) | <i32>m2) << (e - 3)) | decodeRaw(e - 3);
      }
    }
  }
  range = rng;
  code = cod;
  inPos = pos;
  if (<u32>r > <u32>top) return -1;
  const v = dense == 1 ? unfold(r, pred + 1, max + 1) - 1 : unfold(r, pred > 0 ? pred : 1, max);
  store<u8>(at, <u8>v);
  return v;
}

/**
 * The codes of one plane (from `at`, the previous plane's contexts at `prev`), with step5 (version
 * 5) or step4 (versions 3 and 4): the first row, then per row the first column, the interior (no
 * edge fallbacks: the row above slides through locals, one load per code) and the last column. 0,
 * or -1 for damage.
 */
@inline function planeCodes(at: usize, h: i32, w: i32, area: i32, first: bool, prev: usize, dense: i32, bits: i32, top: i32, max: i32, padL: v128, padH: v128, v5: bool): i32 {
  let last: i32 = first ? 0 : <i32>load<u8>(at - <usize>area);
  for (let x: i32 = 0; x < w; x++) {
    last = (v5 ? step5(at + <usize>x, last, last, last, last, <i32>load<u8>(prev + <usize>x), dense, bits, top, max, padL, padH) : step4(at + <usize>x, last, last, last, last, <i32>load<u8>(prev + <usize>x), dense, bits, top, max));
    if (last < 0) return -1;
  }
  for (let y: i32 = 1; y < h; y++) {
    const row = at + <usize>(y * w);
    const above = row - <usize>w;
    const pr = prev + <usize>(y * w);
    let u = <i32>load<u8>(above);
    let ur = w > 1 ? <i32>load<u8>(above + 1) : u;
    last = (v5 ? step5(row, u, u, u, ur, <i32>load<u8>(pr), dense, bits, top, max, padL, padH) : step4(row, u, u, u, ur, <i32>load<u8>(pr), dense, bits, top, max));
    if (last < 0) return -1;
    for (let x: i32 = 1; x < w - 1; x++) {
      const ul = u;
      u = ur;
      ur = <i32>load<u8>(above + <usize>x + 1);
      last = (v5 ? step5(row + <usize>x, last, u, ul, ur, <i32>load<u8>(pr + <usize>x), dense, bits, top, max, padL, padH) : step4(row + <usize>x, last, u, ul, ur, <i32>load<u8>(pr + <usize>x), dense, bits, top, max));
      if (last < 0) return -1;
    }
    if (w > 1) {
      const x = w - 1;
      last = (v5 ? step5(row + <usize>x, last, ur, u, ur, <i32>load<u8>(pr + <usize>x), dense, bits, top, max, padL, padH) : step4(row + <usize>x, last, ur, u, ur, <i32>load<u8>(pr + <usize>x), dense, bits, top, max));
      if (last < 0) return -1;
    }
  }
  return 0;
}

/**
 * `decode` for format version 5 (same arguments); the payload must be followed by 4 zero bytes in
 * memory (`renorm` loads 4 bytes at a time). Returns the bytes consumed (the range coder's up to 2
 * past their end, and the raw ones), -1 for a residual out of range or -2 when they are all
 * consumed but the last raw byte's unused bits are not 0 (damage either way).
 */
export function decode5(
  codes: usize,
  planeCount: i32,
  h: i32,
  w: i32,
  bits: i32,
  start: usize,
  end: usize,
  prev: usize,
): i32 {
  const area = h * w;
  const max = (1 << bits) - 1;
  inPos = start;
  inEnd = end;
  rawIn = end;
  rawStart = start;
  rawLeft = 0;
  rawCount = 0;
  range = 0xffffffff;
  code = 0;
  for (let k = 0; k < 4; k++) code = (code << 8) | nextByte();
  const dense = decodePlain(1);
  const top = dense == 1 ? max : max - 1;
  memory.fill(prev, 0, <usize>area);
  // The lanes past the last symbol's bound (all ones), left out of every multi-symbol decision.
  const padL = i32x4.gt_s(i32x4(1, 2, 3, 4), i32x4.splat(bits));
  const padH = i32x4.gt_s(i32x4(5, 6, 7, 8), i32x4.splat(bits));
  for (let plane: i32 = 0; plane < planeCount; plane++) {
    const at = codes + <usize>(plane * area);
    if (plane > 0) previousPlane(at - <usize>area, h, w, prev);
    const bad =
      dense == 1
        ? planeCodes(at, h, w, area, plane == 0, prev, 1, bits, top, max, padL, padH, true)
        : planeCodes(at, h, w, area, plane == 0, prev, 0, bits, top, max, padL, padH, true);
    if (bad < 0) return -1;
  }
  const consumed = <i32>(inPos - 2 - start) + <i32>(end - rawIn);
  return consumed == <i32>(end - start) && rawLeft != 0 ? -2 : consumed;
}
