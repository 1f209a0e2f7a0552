// The context coder's payload version 6 (src/codec/context-coder-v6.ts, the reference and the
// description of the model) in AssemblyScript, compiled by `npm run build:wasm` into
// src/codec/context-v6-wasm-bytes.ts.
//
// It computes exactly what the JavaScript coder computes, decision for decision: version 4's
// contexts and binarisation, the secondary and third contexts, the two probabilities per context,
// the stretch / mix / squash / APM chain and the range coder on 12-bit probabilities, all in the
// same integer arithmetic (the mixer's dot product in 64 bits, where JavaScript's doubles are
// exact; squash and the APM's stretch of it from one table of their values). The tests compare
// both on every bit width and many maps. The range coder decides without a branch on the bit
// (select), as context-loop.ts does.
//
// Memory: the caller writes version 4's trained states (p0 << 6 | uses) at statesPtr(), sets the
// model's constants with `configure`, and puts the codes, the payload and the previous plane's
// contexts above heapBase(), growing the memory as needed.

const CONTEXTS: i32 = 332;
const RESIDUAL_BASE: i32 = 80;
const LENGTH_BASE: i32 = 136;
const MANTISSA_BASE: i32 = 296;
const TOP: u32 = 1 << 24;

/** Secondary contexts (see context-coder-v6.ts). */
const S_ZERO: i32 = 0;
const S_RESIDUAL: i32 = 256;
const S_LENGTH: i32 = 320;
const S_MANTISSA: i32 = 832;
const S_CONTEXTS: i32 = S_MANTISSA + 9 * 8 * 8 * 2;
/** Primary contexts: version 4's, then the mantissa bits below the top two. */
const P_LOW: i32 = CONTEXTS;
const P_CONTEXTS: i32 = P_LOW + 9 * 8;
const T_CONTEXTS: i32 = 12 * 16;
/** Where the secondary and the third contexts start among all of them. */
const S_AT: i32 = P_CONTEXTS;
const T_AT: i32 = P_CONTEXTS + S_CONTEXTS;
const ALL: i32 = T_AT + T_CONTEXTS;
/** Mixer weight sets. */
const M_ZERO: i32 = 0;
const M_RESIDUAL: i32 = 5;
const M_LENGTH: i32 = 6;
const M_MANTISSA: i32 = 14;
const M_SETS: i32 = 16;
/** Weights per set: 7 used, stored 8 apart. */
const W_STRIDE: i32 = 8;

/** Bucket of a gradient sum (0 .. 1023): 0, 1, 2-3, 4-7, 8-15, 16-47, 48+. */
const BUCKETS: usize = memory.data(1024);
/** Version 4's trained states, p0 << 6 | uses, per primary context below CONTEXTS (set by the caller). */
const STATES: usize = memory.data(CONTEXTS * 4, 16);
/** Per context: the slow and the fast probability of a 1 (16 bits), as two i32. */
const PROBS: usize = memory.data(ALL * 8, 16);
/** Per context: its use count (0 .. 255). */
const USES: usize = memory.data(ALL, 16);
const WEIGHTS: usize = memory.data(M_SETS * W_STRIDE * 4, 16);
/** APM: per weight set 33 interpolation points (16-bit probabilities). */
const APM: usize = memory.data(M_SETS * 33 * 4, 16);
/** stretch(p) for 12-bit p, as i32; entry 4096 is 0 (JavaScript reads undefined there, stored as 0). */
const STRETCH: usize = memory.data(4097 * 4, 16);
/**
 * For the mixer's output d clamped to −2048 .. 2048 (at d + 2048; squash is 1 below −2047 and 4095
 * above 2047): squash(d), and stretch(squash(d)) + 2048 << 16.
 */
const MIXED: usize = memory.data(4097 * 4, 16);
/** Per use count n: the slow shift, the fast shift << 8 and the next use count << 16 (set by `configure`). */
const STEPS: usize = memory.data(256 * 4, 16);
const SQUASH_POINTS: usize = memory.data<i32>([
  1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348, 3607, 3785,
  3901, 3975, 4022, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094,
]);

for (let a: i32 = 0; a < 1024; a++) {
  const b: i32 = a == 0 ? 0 : a < 2 ? 1 : a < 4 ? 2 : a < 8 ? 3 : a < 16 ? 4 : a < 48 ? 5 : 6;
  store<u8>(BUCKETS + <usize>a, <u8>b);
}

@inline function min32(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

function squash(d: i32): i32 {
  if (d > 2047) return 4095;
  if (d < -2047) return 1;
  const w = d & 127;
  const at = SQUASH_POINTS + (<usize>((d >> 7) + 16) << 2);
  return (load<i32>(at) * (128 - w) + load<i32>(at, 4) * w + 64) >> 7;
}

function fillStretch(): void {
  let pi: i32 = 0;
  for (let x: i32 = -2047; x <= 2047; x++) {
    const v = squash(x);
    for (let j = pi; j <= v; j++) store<i32>(STRETCH + (<usize>j << 2), x);
    pi = v + 1;
  }
  for (let j = pi; j < 4096; j++) store<i32>(STRETCH + (<usize>j << 2), 2047);
  store<i32>(STRETCH + (4096 << 2), 0);
  for (let d: i32 = -2048; d <= 2048; d++) {
    const p = squash(d);
    store<i32>(MIXED + (<usize>(d + 2048) << 2), p | ((stretch(p) + 2048) << 16));
  }
}

fillStretch();

export function statesPtr(): usize {
  return STATES;
}

export function heapBase(): usize {
  return __heap_base;
}

// The model's constants (V6 in context-coder-v6.ts), set by `configure` before a run.
let slowLimit: i32 = 7;
let fastShift: i32 = 4;
let mixShift: i32 = 11;
let apmWeight: i32 = 2;
let apmRate: i32 = 7;
let actShift: i32 = 2;
let actRate: i32 = 2;
let hitRate: i32 = 3;
let initPrimary: i32 = 0;
let initSecond: i32 = 0;
let initThird: i32 = 0;

export function configure(
  slow: i32,
  fast: i32,
  mix: i32,
  apm: i32,
  apmShift: i32,
  act: i32,
  actShiftRate: i32,
  mixInit: i32,
  secondInit: i32,
  thirdInit: i32,
  hitShift: i32,
): void {
  slowLimit = slow;
  fastShift = fast;
  mixShift = mix;
  apmWeight = apm;
  apmRate = apmShift;
  actShift = act;
  actRate = actShiftRate;
  initPrimary = mixInit;
  initSecond = secondInit;
  initThird = thirdInit;
  hitRate = hitShift;
  for (let n: i32 = 0; n < 256; n++) {
    const s = min32(slowLimit, 31 - clz<i32>(n + 2));
    store<u32>(STEPS + (<usize>n << 2), s | (min32(fastShift, s) << 8) | (min32(255, n + 1) << 16));
  }
}

/** The model's starting state (Model's constructor in context-coder-v6.ts). */
function reset(): void {
  for (let k: i32 = 0; k < ALL; k++) {
    const at = PROBS + (<usize>k << 3);
    let p: i32 = 32768;
    let n: i32 = 0;
    if (k < CONTEXTS) {
      const st = load<u32>(STATES + (<usize>k << 2));
      p = 65536 - <i32>(st >>> 6);
      n = <i32>(st & 63);
    }
    store<i32>(at, p);
    store<i32>(at, p, 4);
    store<u8>(USES + <usize>k, <u8>n);
  }
  for (let s: i32 = 0; s < M_SETS; s++) {
    const at = WEIGHTS + (<usize>(s * W_STRIDE) << 2);
    store<i32>(at, initPrimary);
    store<i32>(at, initPrimary, 4);
    store<i32>(at, initSecond, 8);
    store<i32>(at, initSecond, 12);
    store<i32>(at, initThird, 16);
    store<i32>(at, initThird, 20);
    store<i32>(at, 0, 24);
    store<i32>(at, 0, 28);
  }
  for (let k: i32 = 0; k < M_SETS * 33; k++) store<i32>(APM + (<usize>k << 2), squash(((k % 33) - 16) * 128) * 16);
}

@inline function stretch(p: i32): i32 {
  return load<i32>(STRETCH + (<usize>p << 2));
}

/** One context's two probabilities and use count after a coded bit (Model.adapt). */
@inline function adapt(at: usize, target: i32): void {
  const uses = USES + ((at - PROBS) >> 3);
  const step = load<u32>(STEPS + (<usize>load<u8>(uses) << 2));
  const slow = load<i32>(at);
  store<i32>(at, slow + ((target - slow) >> (step & 31)));
  const fast = load<i32>(at, 4);
  store<i32>(at, fast + ((target - fast) >> ((step >> 8) & 31)), 4);
  store<u8>(uses, <u8>(step >> 16));
}

/**
 * One binary decision with primary context a, secondary b, third t and weight set m: the 12-bit
 * probability of a 1 (Model.predict and Model.refine), the bit coded (`bit`) or decoded, and the
 * model updated (Model.update). Returns the bit.
 */
@inline function decide(encoding: bool, a: i32, b: i32, t: i32, m: i32, bit: i32): i32 {
  const pa = PROBS + (<usize>a << 3);
  const pb = PROBS + (<usize>(S_AT + b) << 3);
  const pc = PROBS + (<usize>(T_AT + t) << 3);
  const wt = WEIGHTS + (<usize>(m * W_STRIDE) << 2);
  const x0 = stretch(<i32>(<u32>load<i32>(pa) >> 4));
  const x1 = stretch(<i32>(<u32>load<i32>(pa, 4) >> 4));
  const x2 = stretch(<i32>(<u32>load<i32>(pb) >> 4));
  const x3 = stretch(<i32>(<u32>load<i32>(pb, 4) >> 4));
  const x4 = stretch(<i32>(<u32>load<i32>(pc) >> 4));
  const x5 = stretch(<i32>(<u32>load<i32>(pc, 4) >> 4));
  const w0 = load<i32>(wt);
  const w1 = load<i32>(wt, 4);
  const w2 = load<i32>(wt, 8);
  const w3 = load<i32>(wt, 12);
  const w4 = load<i32>(wt, 16);
  const w5 = load<i32>(wt, 20);
  const w6 = load<i32>(wt, 24);
  const dot: i64 =
    <i64>x0 * <i64>w0 +
    <i64>x1 * <i64>w1 +
    <i64>x2 * <i64>w2 +
    <i64>x3 * <i64>w3 +
    <i64>x4 * <i64>w4 +
    <i64>x5 * <i64>w5 +
    (<i64>w6 << 8);
  // squash, and the APM's stretch of it, from one table (the mixer's output clamped as squash does)
  const d64 = dot >> 16;
  const d = <i32>(d64 > 2048 ? 2048 : d64 < -2048 ? -2048 : d64);
  const mixed = load<i32>(MIXED + (<usize>(d + 2048) << 2));
  const p = mixed & 0xffff;
  const s = mixed >> 16;
  const w = s & 127;
  const at = APM + (<usize>(m * 33 + (s >> 7)) << 2);
  const q = (load<i32>(at) * (128 - w) + load<i32>(at, 4) * w) >> 11;
  const r = (p * (4 - apmWeight) + q * apmWeight + 2) >> 2;
  const pr = r < 1 ? 1 : r > 4095 ? 4095 : r;
  if (encoding) encodeBit(pr, bit);
  else bit = decodeBit(pr);
  const apm = at + (<usize>(w >> 6) << 2);
  const old = load<i32>(apm);
  store<i32>(apm, old + (((bit << 16) + (bit << apmRate) - bit - bit - old) >> apmRate));
  const err = (bit << 12) - pr;
  const shift = mixShift;
  store<i32>(wt, w0 + ((x0 * err) >> shift));
  store<i32>(wt, w1 + ((x1 * err) >> shift), 4);
  store<i32>(wt, w2 + ((x2 * err) >> shift), 8);
  store<i32>(wt, w3 + ((x3 * err) >> shift), 12);
  store<i32>(wt, w4 + ((x4 * err) >> shift), 16);
  store<i32>(wt, w5 + ((x5 * err) >> shift), 20);
  store<i32>(wt, w6 + ((256 * err) >> shift), 24);
  const target: i32 = -bit & 65535;
  adapt(pa, target);
  adapt(pb, target);
  adapt(pc, target);
  return bit;
}

function encodeDecision(a: i32, b: i32, t: i32, m: i32, bit: i32): i32 {
  return decide(true, a, b, t, m, bit);
}

function decodeDecision(a: i32, b: i32, t: i32, m: i32): i32 {
  return decide(false, a, b, t, m, 0);
}

// --- Range coder (context-coder-v6.ts's Encoder and Decoder) ---

let low: u32 = 0;
let range: u32 = 0;
let outPos: usize = 0;
let code: u32 = 0;
let inPos: usize = 0;
let inEnd: usize = 0;

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

@inline function encodeBit(p1: i32, bit: i32): void {
  const bound = (range >>> 12) * <u32>p1;
  // Without a branch on the bit (select), as in context-loop.ts: the bits are unpredictable.
  const one = bit != 0;
  addLow(bound & (<u32>one - 1));
  range = select<u32>(bound, range - bound, one);
  if (range < TOP) shiftOut();
}

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

@inline function decodeBit(p1: i32): i32 {
  const bound = (range >>> 12) * <u32>p1;
  const one = code < bound;
  code -= bound & (<u32>one - 1);
  range = select<u32>(bound, range - bound, one);
  if (range < TOP) shiftIn();
  return <i32>one;
}

/** One binary decision, coded (`bit`) or decoded (`bit` ignored); the bit. */
@inline function io(encoding: bool, a: i32, b: i32, t: i32, m: i32, bit: i32): i32 {
  return encoding ? encodeDecision(a, b, t, m, bit) : decodeDecision(a, b, t, m);
}

// --- Contexts (context-coder.ts's codeContexts and previousPlaneContexts, secondaryContexts) ---

@inline function bucket(a: i32): i32 {
  return <i32>load<u8>(BUCKETS + <usize>a);
}

@inline function absInt(d: i32): i32 {
  const s = d >> 31;
  return (d ^ s) - s;
}

function previousPlane(codes: usize, h: i32, w: i32, out: usize): void {
  for (let y: i32 = 0, k: i32 = 0; y < h; y++) {
    for (let x: i32 = 0; x < w; x++, k++) {
      const j = codes + <usize>k;
      const p = <i32>load<u8>(j);
      const pl = x > 0 ? <i32>load<u8>(j - 1) : p;
      const pu = y > 0 ? <i32>load<u8>(j - <usize>w) : p;
      const pr = x < w - 1 ? <i32>load<u8>(j + 1) : p;
      const pd = y < h - 1 ? <i32>load<u8>(j + <usize>w) : p;
      const b = absInt(p - pl) + absInt(p - pu) + absInt(p - pr) + absInt(p - pd);
      store<u8>(out + <usize>k, <u8>((bucket(b) >> 1) * 2 + (p != 0 ? 1 : 0)));
    }
  }
}

/** codeContexts: bits 0-7 the prediction, 8-15 the zero flag's context, 16-23 the residual flag's (less RESIDUAL_BASE), 24-28 the length's. */
function codeContexts(at: usize, x: i32, y: i32, w: i32, area: i32, plane: i32, pc: i32): i32 {
  const l: i32 =
    x > 0
      ? <i32>load<u8>(at - 1)
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
  const len: i32 = 32 - clz<i32>(pred);
  const act = qa + pb;
  return (
    pred |
    ((((len < 7 ? len : 7) * 5 + nonzero) * 2 + (pc & 1)) << 8) |
    (((qa * 4 + pb) * 2 + full) << 16) |
    (((act < 9 ? act : 9) * 2 + full) << 24)
  );
}

/** secondaryContexts in context-coder-v6.ts: bits 0-7 the zero flag's, 8-11 the magnitude class. */
function secondaryContexts(at: usize, x: i32, y: i32, w: i32, area: i32, plane: i32, seen: i32): i32 {
  const lv: i32 = x > 0 ? <i32>load<u8>(at - 1) : 0;
  const uv: i32 = y > 0 ? <i32>load<u8>(at - <usize>w) : lv;
  const l: i32 = lv != 0 ? 1 : 0;
  const u: i32 = y > 0 && uv != 0 ? 1 : 0;
  const ul: i32 = x > 0 && y > 0 && load<u8>(at - <usize>w - 1) != 0 ? 1 : 0;
  const ur: i32 = y > 0 && x < w - 1 && load<u8>(at - <usize>w + 1) != 0 ? 1 : 0;
  const ll: i32 = x > 1 ? (load<u8>(at - 2) != 0 ? 1 : 0) : l;
  const uu: i32 = y > 1 ? (load<u8>(at - <usize>(2 * w)) != 0 ? 1 : 0) : u;
  const p: i32 = plane > 0 && load<u8>(at - <usize>area) != 0 ? 1 : 0;
  const s: i32 = seen != 0 ? 1 : 0;
  const zero = l | (u << 1) | (ul << 2) | (ur << 3) | (ll << 4) | (uu << 5) | (p << 6) | (s << 7);
  const len: i32 = 32 - clz<i32>((lv + uv + 1) >> 1);
  const mag = (len < 7 ? len : 7) * 2 + (lv == uv ? 1 : 0);
  return zero | (mag << 8);
}

/** See foldResidual in context-coder.ts. */
@inline function fold(v: i32, pred: i32, max: i32): i32 {
  const t = pred - 1 < max - pred ? pred - 1 : max - pred;
  const d = v - pred;
  const ad = absInt(d);
  return ad <= t ? 2 * ad - (d > 0 ? 1 : 0) : t + ad;
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

/** codeResidual in context-coder-v6.ts: the length bins and mantissa bits of r > 0; r (decoded or as given). */
@inline function codeResidual(encoding: bool, r: i32, ctx: i32, mag: i32, ab: i32, bits: i32): i32 {
  const lengthBase = LENGTH_BASE + (ctx >>> 24) * 8;
  const e0: i32 = encoding ? 32 - clz<i32>(r) : 0;
  let e: i32 = 1;
  while (
    e < bits &&
    io(encoding, lengthBase + e, S_LENGTH + (mag >> 1) * 64 + e * 8 + min32(e - 1, 7), (1 + e) * 16 + ab, M_LENGTH + e, e0 > e ? 1 : 0) == 1
  )
    e++;
  let value: i32 = 1;
  for (let k: i32 = e - 2; k >= 0; k--) {
    const bit = encoding ? (r >> k) & 1 : 0;
    const pos = e - 2 - k;
    const primary = pos < 2 ? MANTISSA_BASE + e * 4 + (pos == 0 ? 1 : 2 + (value & 1)) : P_LOW + e * 8 + pos;
    const secondary = S_MANTISSA + ((e * 8 + pos) * 8 + (value & 7)) * 2 + (mag >= 8 ? 1 : 0);
    value = (value << 1) | io(encoding, primary, secondary, (pos < 2 ? 10 : 11) * 16 + ab, M_MANTISSA + (pos < 2 ? 0 : 1), bit);
  }
  return encoding ? r : value;
}

/**
 * `walk` in context-coder-v6.ts over planeCount planes of h×w codes at `codes` (read when encoding,
 * written when decoding). Returns 0; -1 for a residual out of range (damage; the decoder only),
 * -2 when the encoder's output passed `limit`, -3 when it passed `maxBytes`.
 */
@inline function walk(encoding: bool, codes: usize, planeCount: i32, h: i32, w: i32, bits: i32, dense: i32, prev: usize, out: usize, limit: usize, maxBytes: f64): i32 {
  const area = h * w;
  const max = (1 << bits) - 1;
  const top = dense == 1 ? max : max - 1;
  memory.fill(prev, 0, <usize>area);
  // per position, the rate of exact predictions in the planes so far (`hitClass` in the reference):
  // i32s after the previous plane's contexts, in the scratch the caller reserved (scratchBytes)
  const hits = prev + <usize>((area + 3) & ~3);
  memory.fill(hits, 0, <usize>area << 2);
  let i: i32 = 0;
  let act: i32 = 0;
  for (let plane: i32 = 0; plane < planeCount; plane++) {
    if (plane > 0) previousPlane(codes + <usize>(i - area), h, w, prev);
    let seen: i32 = 0;
    for (let y: i32 = 0, k: i32 = 0; y < h; y++) {
      for (let x: i32 = 0; x < w; x++, i++, k++) {
        const at = codes + <usize>i;
        if (encoding) {
          if (outPos > limit) return -2;
          if (<f64>(outPos - out) > maxBytes) return -3;
        }
        const ctx = codeContexts(at, x, y, w, area, plane, <i32>load<u8>(prev + <usize>k));
        const sc = secondaryContexts(at, x, y, w, area, plane, seen);
        const rc = (ctx >> 16) & 255;
        const pred = ctx & 255;
        const mag = sc >> 8;
        const ab = min32(15, act >> actShift);
        const v: i32 = encoding ? <i32>load<u8>(at) : 0;
        if (dense == 0) {
          const zc = (ctx >> 8) & 255;
          if (io(encoding, zc, S_ZERO + (sc & 255), ab, M_ZERO + min32((zc >> 1) % 5, 4), v == 0 ? 0 : 1) == 0) {
            act -= act >> actRate;
            const hk = hits + (<usize>k << 2);
            store<i32>(hk, load<i32>(hk) + (-load<i32>(hk) >> hitRate));
            if (!encoding) store<u8>(at, 0);
            continue;
          }
        }
        let r: i32 = 0;
        if (encoding) r = dense == 1 ? fold(v + 1, pred + 1, max + 1) : fold(v, pred > 0 ? pred : 1, max);
        const hk = hits + (<usize>k << 2);
        const hit = load<i32>(hk);
        if (io(encoding, RESIDUAL_BASE + rc, S_RESIDUAL + ((mag * 4 + (rc & 3)) & 63), 16 + min32(15, hit >> 2), M_RESIDUAL, r == 0 ? 0 : 1) == 1) {
          r = codeResidual(encoding, r, ctx, mag, ab, bits);
        }
        act += ((32 - clz<i32>(r)) * 8 - act) >> actRate;
        store<i32>(hk, hit + (((r == 0 ? 64 : 0) - hit) >> hitRate));
        if (r < 0 || r > top) return -1;
        if (!encoding) {
          const c = dense == 1 ? unfold(r, pred + 1, max + 1) - 1 : unfold(r, pred > 0 ? pred : 1, max);
          store<u8>(at, <u8>c);
        }
        seen |= <i32>load<u8>(at);
      }
    }
  }
  return 0;
}

/**
 * Encodes planeCount·h·w codes at `codes` into `out` (room for `capacity` bytes) as
 * contextEncodeV6, with the trained states at statesPtr() and the constants of `configure`.
 * Returns the payload's length; -1 when it exceeds maxBytes (given up), -2 when `out` may be too
 * small (the caller then codes in JavaScript).
 */
export function encode(codes: usize, planeCount: i32, h: i32, w: i32, bits: i32, out: usize, capacity: i32, prev: usize, maxBytes: f64): i32 {
  const n = planeCount * h * w;
  let zeros: i32 = 0;
  for (let j: i32 = 0; j < n; j++) if (load<u8>(codes + <usize>j) == 0) zeros++;
  const dense: i32 = zeros * 32 < n ? 1 : 0;
  reset();
  low = 0;
  range = 0xffffffff;
  outPos = out;
  // A code makes at most 16 decisions of at most 2 bytes each.
  const limit = out + <usize>capacity - 64;
  encodeBit(2048, dense);
  const status = walk(true, codes, planeCount, h, w, bits, dense, prev, out, limit, maxBytes);
  if (status == -3) return -1;
  if (status < 0 || outPos > limit) return -2;
  addLow(0xffffff);
  store<u8>(outPos, <u8>(low >>> 24));
  outPos++;
  return <i32>(outPos - out);
}

/**
 * Decodes planeCount·h·w codes into `codes` from the payload [start, end) as contextDecodeV6.
 * Every loop is bounded by the code count; reads past `end` are zeros. Returns the read position
 * less `start` (the caller checks that it is the length plus 3), or -1 for a residual out of range.
 */
export function decode(codes: usize, planeCount: i32, h: i32, w: i32, bits: i32, start: usize, end: usize, prev: usize): i32 {
  reset();
  inPos = start;
  inEnd = end;
  range = 0xffffffff;
  code = 0;
  for (let k = 0; k < 4; k++) code = (code << 8) | nextByte();
  const dense = decodeBit(2048);
  const status = walk(false, codes, planeCount, h, w, bits, dense, prev, 0, 0, 0);
  if (status < 0) return -1;
  return <i32>(inPos - start);
}

/** The float32 at `table` + 4·code for each of the n codes at `codes`, written at `out`. */
export function lookup(codes: usize, n: i32, table: usize, out: usize): void {
  for (let i: i32 = 0; i < n; i++) {
    store<f32>(out + (<usize>i << 2), load<f32>(table + (<usize>load<u8>(codes + <usize>i) << 2)));
  }
}
