/**
 * The context coder's payload version 6 (tensor format version 6, written on samples of fewer than
 * 8,192 codes at 7-8 bits, see docs/formats.md; this JavaScript is the reference, the WebAssembly
 * port in wasm/context-v6.ts runs): version 4's binarization and contexts (context-coder.ts) with a
 * stronger probability model, for small samples (fewer than 16,384 codes), where the speed targets
 * do not apply and a model that learns faster pays off.
 *
 * Per binary decision (zero flag, residual flag, residual length bins, mantissa bits):
 *   - three context states: the primary one (version 4's context, started from version 4's trained
 *     table), a secondary one (other neighbours, see `secondaryContexts`) and a third one (the
 *     decision's kind and a running mean of the residuals' bit lengths, see `walk`; for the
 *     residual flag instead the rate of exact predictions at the same position in the earlier
 *     planes, see `hitClass`), both at 1/2;
 *   - every state holds two probabilities of a 1 (16 bits): a slow one whose rate falls with use
 *     (1/2 .. 1/2^slowLimit) and a fast one (rate at most 1/2^fastShift);
 *   - the six probabilities are stretched (ln(p/(1−p)), integer table), mixed by a weight set
 *     chosen by the decision type (and, for the zero flag, the nonzero neighbour count), and
 *     squashed back; the weights learn online from each coded bit (logistic mixing as in
 *     PAQ8 / lpaq1 by M. Mahoney); an adaptive probability map per weight set (APM / SSE) refines
 *     the result, averaged half and half; all arithmetic is integer, so both sides agree exactly;
 *   - every mantissa bit is coded with the model (version 4 sends those below the top two plain).
 * Range coder: version 4's (32-bit low and range, carry into written bytes, one final byte, the
 * decoder must end exactly 3 zero bytes past the payload), with 12-bit probabilities of a 1.
 */
import { InputError } from '../core/errors';
import {
  codeContexts,
  DENSE_ZEROS,
  foldResidual,
  LENGTH_BASE,
  MANTISSA_BASE,
  planes,
  previousPlaneContexts,
  RESIDUAL_BASE,
  unfoldResidual,
  CONTEXTS,
} from './context-coder';
import { trainedStates } from './context-init-table';
import type { BitWidth } from './types';

const { clz32, floor, min } = Math;
const TOP = 1 << 24;
const TWO_32 = 4294967296;

/** The model's constants (mutable for scripts/v6-sizes.ts's experiments; the bytes depend on every value). */
export const V6 = {
  slowLimit: 7,
  fastShift: 4,
  mixShift: 11,
  mixInit: 0.45,
  secondInit: 0.1,
  apm: 2,
  apmRate: 7,
  thirdInit: 0.1,
  actShift: 2,
  actRate: 2,
  hitRate: 3,
};

/** squash(d) = 4096 / (1 + e^(−d/256)) for d in −2047..2047, by interpolation in a fixed table (lpaq1). */
const SQUASH_POINTS = [
  1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348, 3607, 3785,
  3901, 3975, 4022, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094,
];

function squash(d: number): number {
  if (d > 2047) return 4095;
  if (d < -2047) return 1;
  const w = d & 127;
  const k = (d >> 7) + 16;
  return (SQUASH_POINTS[k] * (128 - w) + SQUASH_POINTS[k + 1] * w + 64) >> 7;
}

/** stretch(p) = the inverse of squash on 12-bit probabilities. */
const STRETCH = (() => {
  const t = new Int16Array(4096);
  let pi = 0;
  for (let x = -2047; x <= 2047; x++) {
    const v = squash(x);
    for (let j = pi; j <= v; j++) t[j] = x;
    pi = v + 1;
  }
  for (let j = pi; j < 4096; j++) t[j] = 2047;
  return t;
})();

/** Secondary contexts: zero flags 256, residual flags 64, length bins 8 × 8 × 8, mantissa 9 × 8 × 8 × 2. */
const S_ZERO = 0;
const S_RESIDUAL = 256;
const S_LENGTH = 320;
const S_MANTISSA = 832;
const S_CONTEXTS = S_MANTISSA + 9 * 8 * 8 * 2;
/** Primary contexts: version 4's CONTEXTS, then the mantissa bits below the top two (9 × 8 positions). */
const P_LOW = CONTEXTS;
const P_CONTEXTS = P_LOW + 9 * 8;
/** Mixer weight sets: zero flag by nonzero count (5), residual flag, 8 length bins, 2 mantissa kinds. */
const M_ZERO = 0;
const M_RESIDUAL = 5;
const M_LENGTH = 6;
const M_MANTISSA = 14;
const M_SETS = 16;
const INPUTS = 7;
/** Third contexts: 12 decision kinds × 16 classes (activity, or for the residual flag `hitClass`; see `walk`). */
const T_CONTEXTS = 12 * 16;

/** The adaptive state of one sample's coding, identical in encoder and decoder. */
class Model {
  /** Per context: slow p (16 bits), fast p (16 bits), use count. */
  readonly slow: Int32Array;
  readonly fast: Int32Array;
  readonly uses: Uint8Array;
  readonly weights: Int32Array;
  private readonly x = new Int32Array(INPUTS);
  private a = 0;
  private b = 0;
  private c = 0;
  private set = 0;
  private pr = 2048;

  constructor(bits: BitWidth) {
    const n = P_CONTEXTS + S_CONTEXTS + T_CONTEXTS;
    this.slow = new Int32Array(n).fill(32768);
    this.fast = new Int32Array(n).fill(32768);
    this.uses = new Uint8Array(n);
    const start = trainedStates(bits);
    for (let k = 0; k < CONTEXTS; k++) {
      const p1 = 65536 - (start[k] >>> 6);
      this.slow[k] = p1;
      this.fast[k] = p1;
      this.uses[k] = start[k] & 63;
    }
    this.weights = new Int32Array(M_SETS * INPUTS);
    const w1 = Math.round(V6.mixInit * 65536);
    const w2 = Math.round(V6.secondInit * 65536);
    const w3 = Math.round(V6.thirdInit * 65536);
    for (let s = 0; s < M_SETS; s++) this.weights.set([w1, w1, w2, w2, w3, w3, 0], s * INPUTS);
  }

  /** The 12-bit probability of a 1 for primary context a, secondary context b, weight set m. */
  predict(a: number, b: number, t: number, m: number): number {
    const sb = P_CONTEXTS + b;
    const tc = P_CONTEXTS + S_CONTEXTS + t;
    const x = this.x;
    x[0] = STRETCH[this.slow[a] >>> 4];
    x[1] = STRETCH[this.fast[a] >>> 4];
    x[2] = STRETCH[this.slow[sb] >>> 4];
    x[3] = STRETCH[this.fast[sb] >>> 4];
    x[4] = STRETCH[this.slow[tc] >>> 4];
    x[5] = STRETCH[this.fast[tc] >>> 4];
    x[6] = 256;
    const o = m * INPUTS;
    const wt = this.weights;
    let dot = 0;
    for (let k = 0; k < INPUTS; k++) dot += x[k] * wt[o + k];
    const p = this.refine(squash(floor(dot / 65536)), m);
    this.a = a;
    this.b = sb;
    this.c = tc;
    this.set = o;
    this.pr = p < 1 ? 1 : p > 4095 ? 4095 : p;
    return this.pr;
  }

  private apmIndex = 0;
  private readonly apmTable = Int32Array.from(
    { length: M_SETS * 33 },
    (_, k) => squash(((k % 33) - 16) * 128) * 16,
  );

  /** APM / SSE: the mixed probability refined by an adaptive map from its stretch, per weight set. */
  private refine(p: number, m: number): number {
    const s = STRETCH[p] + 2048;
    const lo = s >> 7;
    const wt = s & 127;
    const idx = m * 33 + lo;
    this.apmIndex = idx + (wt >> 6);
    const t = this.apmTable;
    const q = (t[idx] * (128 - wt) + t[idx + 1] * wt) >> 11;
    return (p * (4 - V6.apm) + q * V6.apm + 2) >> 2;
  }

  update(bit: number): void {
    const t = this.apmTable;
    t[this.apmIndex] += ((bit << 16) + (bit << V6.apmRate) - bit - bit - t[this.apmIndex]) >> V6.apmRate;
    const err = (bit << 12) - this.pr;
    const wt = this.weights;
    const x = this.x;
    const o = this.set;
    for (let k = 0; k < INPUTS; k++) wt[o + k] += floor((x[k] * err) / (1 << V6.mixShift));
    this.adapt(this.a, bit);
    this.adapt(this.b, bit);
    this.adapt(this.c, bit);
  }

  private adapt(c: number, bit: number): void {
    const n = this.uses[c];
    const s = min(V6.slowLimit, 31 - clz32(n + 2));
    const target = bit === 1 ? 65535 : 0;
    this.slow[c] += (target - this.slow[c]) >> s;
    const f = min(V6.fastShift, s);
    this.fast[c] += (target - this.fast[c]) >> f;
    if (n < 255) this.uses[c] = n + 1;
  }
}

/** Range encoder / decoder pair on 12-bit probabilities of a 1 (see the file header). */
class Encoder {
  out = new Uint8Array(1024);
  pos = 0;
  low = 0;
  range = 0xffffffff;

  bit(p1: number, bit: number): void {
    const bound = (this.range >>> 12) * p1;
    if (bit === 1) this.range = bound;
    else {
      this.add(bound);
      this.range -= bound;
    }
    if (this.range < TOP) this.shift();
  }

  add(delta: number): void {
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

  shift(): void {
    do {
      this.put(this.low >>> 24);
      this.low = (this.low << 8) >>> 0;
      this.range = (this.range << 8) >>> 0;
    } while (this.range < TOP);
  }

  put(byte: number): void {
    if (this.pos === this.out.length) {
      const grown = new Uint8Array(2 * this.out.length);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.pos++] = byte;
  }

  finish(): Uint8Array {
    this.add(0xffffff);
    this.put(this.low >>> 24);
    return this.out.slice(0, this.pos);
  }
}

class Decoder {
  pos: number;
  range = 0xffffffff;
  code = 0;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
    for (let k = 0; k < 4; k++) this.code = this.code * 256 + this.next();
  }

  next(): number {
    return this.pos < this.end ? this.bytes[this.pos++] : (this.pos++, 0);
  }

  bit(p1: number): number {
    const bound = (this.range >>> 12) * p1;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      bit = 1;
    } else {
      this.code -= bound;
      this.range -= bound;
      bit = 0;
    }
    if (this.range < TOP) {
      do {
        this.range = (this.range << 8) >>> 0;
        this.code = ((this.code << 8) | this.next()) >>> 0;
      } while (this.range < TOP);
    }
    return bit;
  }
}

/**
 * One binary decision: coded (encoder: `bit` is the value) or decoded (decoder: `bit` ignored),
 * with the model's prediction, and the model updated. Returns the bit.
 */
type Io = (a: number, b: number, t: number, m: number, bit: number) => number;

/**
 * The secondary contexts of the code at `i` (x, y in a w-wide plane of `area` codes): bits 0-7 the
 * zero flag's (zero-ness of L, U, UL, UR, the codes two to the left and two above, P, and whether a
 * nonzero code came before in this plane, `seen`), bits 8-11 a magnitude class (bit length of the
 * mean of L and U, times 2, plus 1 where L = U) for the other decisions.
 */
function secondaryContexts(
  codes: Uint8Array,
  i: number,
  x: number,
  y: number,
  w: number,
  area: number,
  plane: number,
  seen: number,
): number {
  const lv = x > 0 ? codes[i - 1] : 0;
  const uv = y > 0 ? codes[i - w] : lv;
  const l = lv !== 0 ? 1 : 0;
  const u = y > 0 && uv !== 0 ? 1 : 0;
  const ul = x > 0 && y > 0 && codes[i - w - 1] !== 0 ? 1 : 0;
  const ur = y > 0 && x < w - 1 && codes[i - w + 1] !== 0 ? 1 : 0;
  const ll = x > 1 ? (codes[i - 2] !== 0 ? 1 : 0) : l;
  const uu = y > 1 ? (codes[i - 2 * w] !== 0 ? 1 : 0) : u;
  const p = plane > 0 && codes[i - area] !== 0 ? 1 : 0;
  const s = seen !== 0 ? 1 : 0;
  const zero = l | (u << 1) | (ul << 2) | (ur << 3) | (ll << 4) | (uu << 5) | (p << 6) | (s << 7);
  const mag = min(32 - clz32((lv + uv + 1) >> 1), 7) * 2 + (lv === uv ? 1 : 0);
  return zero | (mag << 8);
}

/** Codes (enc) or decodes one sample; returns the codes (decoder) or nothing. */
function walk(
  io: Io,
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  dense: number,
  enc: boolean,
): void {
  const { c: planeCount, h, w } = planes(shape);
  const area = h * w;
  const max = (1 << bits) - 1;
  const top = dense === 1 ? max : max - 1;
  const prev = new Uint8Array(area);
  let i = 0;
  let act = 0; // running mean of the residuals' bit lengths (zero codes count 0), in 1/8
  const hits = new Int32Array(area); // per position: rate of exact predictions in the planes so far (`hitClass`)
  for (let plane = 0; plane < planeCount; plane++) {
    if (plane > 0) previousPlaneContexts(codes, i - area, h, w, prev);
    let seen = 0; // nonzero once a nonzero code was coded in this plane
    for (let y = 0, k = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++, k++) {
        const ctx = codeContexts(codes, i, x, y, w, area, plane, prev[k]);
        const sc = secondaryContexts(codes, i, x, y, w, area, plane, seen);
        const rc = (ctx >> 16) & 255;
        const pred = ctx & 255;
        const mag = sc >> 8;
        const ab = min(15, act >> V6.actShift);
        const v = enc ? codes[i] : 0;
        if (dense === 0) {
          const nzCount = (((ctx >> 8) & 255) >> 1) % 5;
          if (
            io((ctx >> 8) & 255, S_ZERO + (sc & 255), ab, M_ZERO + min(nzCount, 4), v === 0 ? 0 : 1) === 0
          ) {
            act -= act >> V6.actRate;
            hits[k] += -hits[k] >> V6.hitRate;
            continue;
          }
        }
        let r = enc
          ? dense === 1
            ? foldResidual(v + 1, pred + 1, max + 1)
            : foldResidual(v, pred > 0 ? pred : 1, max)
          : 0;
        if (
          io(
            RESIDUAL_BASE + rc,
            S_RESIDUAL + ((mag * 4 + (rc & 3)) & 63),
            16 + hitClass(hits[k]),
            M_RESIDUAL,
            r === 0 ? 0 : 1,
          ) === 1
        ) {
          r = codeResidual(io, r, ctx, mag, ab, bits, enc);
        }
        act += ((32 - clz32(r)) * 8 - act) >> V6.actRate;
        hits[k] += ((r === 0 ? 64 : 0) - hits[k]) >> V6.hitRate;
        if (r < 0 || r > top) throw outOfRange();
        if (!enc)
          codes[i] =
            dense === 1
              ? unfoldResidual(r, pred + 1, max + 1) - 1
              : unfoldResidual(r, pred > 0 ? pred : 1, max);
        seen |= codes[i];
      }
    }
  }
}

/**
 * The residual flag's third context class from `hit`, the running rate (in 1/64, moved by
 * 1/2^hitRate of the distance, rounding down, so 0..57 and the class 0..14) at which the codes at
 * this position of the earlier planes were predicted exactly (residual 0; a zero code of a sparse
 * map counts as a miss). The planes are channels of one image: where the image is flat (a border,
 * a uniform background), many channels are flat at the same place, and exact predictions repeat
 * there from plane to plane.
 */
function hitClass(hit: number): number {
  return min(15, hit >> 2);
}

/** The residual's length bins and mantissa bits (r > 0); returns r (decoded or as given). */
function codeResidual(
  io: Io,
  r: number,
  ctx: number,
  mag: number,
  ab: number,
  bits: BitWidth,
  enc: boolean,
): number {
  const lengthBase = LENGTH_BASE + (ctx >>> 24) * 8;
  const e0 = enc ? 32 - clz32(r) : 0;
  let e = 1;
  while (
    e < bits &&
    io(
      lengthBase + e,
      S_LENGTH + (mag >> 1) * 64 + e * 8 + min(e - 1, 7),
      (1 + e) * 16 + ab,
      M_LENGTH + e,
      enc ? (e0 > e ? 1 : 0) : 0,
    ) === 1
  )
    e++;
  let value = 1;
  for (let k = e - 2; k >= 0; k--) {
    const bit = enc ? (r >> k) & 1 : 0;
    const pos = e - 2 - k; // 0 = the bit below the leading one
    const primary = pos < 2 ? MANTISSA_BASE + e * 4 + (pos === 0 ? 1 : 2 + (value & 1)) : P_LOW + e * 8 + pos;
    const secondary = S_MANTISSA + ((e * 8 + pos) * 8 + (value & 7)) * 2 + (mag >= 8 ? 1 : 0);
    value =
      (value << 1) |
      io(primary, secondary, (pos < 2 ? 10 : 11) * 16 + ab, M_MANTISSA + (pos < 2 ? 0 : 1), bit);
  }
  return enc ? r : value;
}

function outOfRange(): InputError {
  return new InputError('BAD_DATA', 'context payload v6: residual out of range (corrupted)');
}

/** Encodes one sample's codes as a version-6 payload. */
export function contextEncodeV6(codes: Uint8Array, shape: readonly number[], bits: BitWidth): Uint8Array {
  const model = new Model(bits);
  const coder = new Encoder();
  let zeros = 0;
  for (let j = 0; j < codes.length; j++) if (codes[j] === 0) zeros++;
  const dense = zeros * DENSE_ZEROS < codes.length ? 1 : 0;
  coder.bit(2048, dense);
  const io: Io = (a, b, t, m, bit) => {
    coder.bit(model.predict(a, b, t, m), bit);
    model.update(bit);
    return bit;
  };
  walk(io, codes, shape, bits, dense, true);
  return coder.finish();
}

/** Decodes `count` codes from a version-6 payload bytes[start, end). */
export function contextDecodeV6(
  bytes: Uint8Array,
  count: number,
  shape: readonly number[],
  bits: BitWidth,
  start = 0,
  end = bytes.length,
): Uint8Array {
  const { c, h, w } = planes(shape);
  if (c * h * w !== count)
    throw new InputError(
      'BAD_DATA',
      `context payload: shape [${shape.join(', ')}] does not hold ${count} codes`,
    );
  const model = new Model(bits);
  const coder = new Decoder(bytes, start, end);
  const dense = coder.bit(2048);
  const codes = new Uint8Array(count);
  const io: Io = (a, b, t, m) => {
    const bit = coder.bit(model.predict(a, b, t, m));
    model.update(bit);
    return bit;
  };
  walk(io, codes, shape, bits, dense, false);
  if (coder.pos !== end + 3) {
    throw new InputError(
      'BAD_DATA',
      `context payload: the codes end after ${coder.pos - 3 - start} of ${end - start} bytes (corrupted or truncated)`,
    );
  }
  return codes;
}
