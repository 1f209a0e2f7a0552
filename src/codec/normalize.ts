/**
 * JALAD normalization: per-sample min/max quantization of a whole tensor to c-bit codes.
 *
 * Reference: Li et al., JALAD (ICPADS 2018, arXiv 1812.10027), eq. for "in-layer compression";
 * docs/method.md#jalad-normalization.
 *
 * Every step is computed in float32 (Math.fround after each operation), so the codes equal what an
 * ONNX graph computes with float32 operators. The exact op sequence an ONNX graph must mirror:
 *
 *   encode (x: float32 tensor of one sample, L = float32(2^c − 1)):
 *     lo   = ReduceMin(x)                    over all axes
 *     hi   = ReduceMax(x)                    over all axes
 *     r    = Sub(hi, lo)
 *     rs   = Where(Equal(r, 0), 1, r)       only guards 0/0 when hi == lo (then d is 0 and q is 0)
 *     d    = Sub(x, lo)
 *     q    = Div(d, rs)
 *     s    = Mul(q, L)
 *     k    = Round(s)                       half to even (ONNX Round)
 *     k    = Clip(k, 0, L)                  a no-op for finite input: 0 <= d <= r, so 0 <= s <= L
 *     code = Cast(k, to=UINT8)
 *
 *   decode (code: uint8 tensor, lo, hi: float32 scalars):
 *     step = Div(Sub(hi, lo), L)            one float32 scalar; 0 when hi == lo
 *     xhat = Add(Mul(Cast(code, to=FLOAT), step), lo)
 *
 * NOTE: JavaScript computes in float64; rounding each float64 result of +, −, ×, ÷ on float32
 * operands to float32 gives exactly the float32 IEEE result (float64 has at least 2·24 + 2 bits, so
 * the double rounding is innocuous). Hence `fround(a − b)` is float32 Sub, etc. This assumes the
 * runtime does not flush float32 subnormals to zero (ONNX Runtime keeps them unless the session
 * option `session.set_denormal_as_zero` is set).
 */
import { JaladError } from '../core/errors';
import { assertBitWidth } from './precision';
import { simdKernels } from './simd-kernels';
import type { BitWidth, QuantizedTensor } from './types';

/** Options of `quantize` and `tensorRange`. */
export interface QuantizeOptions {
  /** Name of the tensor, used in error messages. Default "tensor". */
  readonly name?: string;
}

/** The range of one sample, both ends float32 values. */
export interface TensorRange {
  readonly lo: number;
  readonly hi: number;
}

/**
 * Math.fround, read once.
 * NOTE: inside a vm context (jest runs every test file in one) each lookup of the global `Math`
 * goes through the context's interceptor and was measured 20-35x slower than a module constant;
 * the hot loops call this alias instead.
 */
const fround = Math.fround;

/** 2^52: adding and subtracting it rounds a float64 in [0, 2^51) to an integer, ties to even. */
const ROUND_MAGIC = 4503599627370496;

/**
 * Elements per call of the hot-loop kernels.
 * NOTE: V8 optimises a loop that runs once over millions of elements by on-stack replacement, and
 * that code was measured up to 4x slower than a small kernel called once per block.
 */
const BLOCK = 4096;

/**
 * min and max of a float32 tensor, rejecting NaN and ±Infinity.
 *
 * An empty tensor has the range lo = hi = 0 (it then encodes as a header only). An end that is
 * zero is +0, even when the tensor holds −0 (the sign of a zero end changes no code).
 * @throws JaladError NON_FINITE naming the tensor, the index and the value found.
 */
export function tensorRange(values: Float32Array, options: QuantizeOptions = {}): TensorRange {
  const n = values.length;
  if (n === 0) return { lo: 0, hi: 0 };
  const simd = n >= SIMD_MIN_ELEMENTS ? simdKernels() : null;
  const range = simd !== null ? simd.range(values) : rangeScalar(values);
  if (range === null) throwNonFinite(values, options.name);
  // NOTE: which zero a scan keeps when both −0 and +0 are the min (or max) depends on its order;
  // x + 0 makes it +0 whatever the kernel, so equal tensors give equal headers. Codes and decoded
  // values do not depend on the sign of a zero end.
  return { lo: range.lo + 0, hi: range.hi + 0 };
}

/** The JavaScript range scan; null when a value is NaN or ±Infinity. */
function rangeScalar(values: Float32Array): TensorRange | null {
  const n = values.length;
  // state: [lo, hi, Σ (v − v)]; the sum is 0 for finite values and NaN once NaN or ±Infinity appears.
  const state = Float64Array.of(values[0], values[0], 0);
  for (let start = 0; start < n; start += BLOCK) rangeBlock(values, start, Math.min(n, start + BLOCK), state);
  return state[2] === 0 ? { lo: state[0], hi: state[1] } : null;
}

function rangeBlock(values: Float32Array, start: number, end: number, state: Float64Array): void {
  let lo0 = state[0];
  let hi0 = state[1];
  let lo1 = lo0;
  let hi1 = hi0;
  let bad0 = state[2];
  let bad1 = 0;
  const end2 = start + ((end - start) & ~1);
  let i = start;
  // Two lanes shorten the dependency chains; ternaries compile to branch-free selects.
  for (; i < end2; i += 2) {
    const u = values[i];
    const v = values[i + 1];
    bad0 += u - u;
    bad1 += v - v;
    lo0 = u < lo0 ? u : lo0;
    hi0 = u > hi0 ? u : hi0;
    lo1 = v < lo1 ? v : lo1;
    hi1 = v > hi1 ? v : hi1;
  }
  if (i < end) {
    const u = values[i];
    bad0 += u - u;
    lo0 = u < lo0 ? u : lo0;
    hi0 = u > hi0 ? u : hi0;
  }
  state[0] = lo1 < lo0 ? lo1 : lo0;
  state[1] = hi1 > hi0 ? hi1 : hi0;
  state[2] = bad0 + bad1;
}

function throwNonFinite(values: Float32Array, name: string | undefined): never {
  let i = 0;
  while (i < values.length && Number.isFinite(values[i])) i++;
  throw new JaladError(
    'NON_FINITE',
    `quantize: tensor "${name ?? 'tensor'}" has ${values[i]} at index ${i}; only finite values can be encoded`,
  );
}

/**
 * The quantization step (hi − lo)/(2^c − 1) in float32, as the decoder uses it.
 * @example quantizationStep(0, 255, 8) === 1
 */
export function quantizationStep(lo: number, hi: number, bits: BitWidth): number {
  const levels = (1 << bits) - 1;
  return fround(fround(hi - lo) / levels);
}

/**
 * Quantizes one sample to c-bit codes, JALAD normalization over the whole tensor.
 *
 * code = round_half_even((x − lo)/(hi − lo)·(2^c − 1)) in float32 (see the file header for the
 * op sequence); all codes are 0 when hi == lo. An empty tensor gives no codes and lo = hi = 0.
 * @param values one sample, any shape, flattened.
 * @param bits c, 1..8.
 * @throws InputError BAD_OPTION for a bad bit width; JaladError NON_FINITE for NaN or ±Infinity,
 *   or when hi − lo overflows float32.
 * @example quantize(Float32Array.of(0, 1, 2), 1).codes -> [0, 0, 1] (0.5 rounds to 0, half to even)
 */
export function quantize(
  values: Float32Array,
  bits: BitWidth,
  options: QuantizeOptions = {},
): QuantizedTensor {
  const c = assertBitWidth(bits, 'quantize');
  const { lo, hi } = tensorRange(values, options);
  const codes = new Uint8Array(values.length);
  quantizeInto(values, lo, hi, c, codes, new Uint32Array(1 << c), options.name);
  return { bits: c, codes, lo, hi };
}

/**
 * hi − lo in float32, the range the codes span.
 * @throws JaladError NON_FINITE when it overflows float32.
 */
function spanOf(lo: number, hi: number, name: string | undefined): number {
  const r = fround(hi - lo);
  if (r === Infinity) {
    throw new JaladError(
      'NON_FINITE',
      `quantize: tensor "${name ?? 'tensor'}" has range hi − lo = ${hi} − (${lo}) that overflows float32`,
    );
  }
  return r;
}

/**
 * Quantizes into caller-provided buffers and counts the codes (the codec's hot loop).
 * `lo` and `hi` must be the float32 min and max of `values` (see `tensorRange`).
 * @param histogram zeroed, length at least 2^bits; receives the count of every code.
 * @throws JaladError NON_FINITE when hi − lo overflows float32.
 */
export function quantizeInto(
  values: Float32Array,
  lo: number,
  hi: number,
  bits: BitWidth,
  codes: Uint8Array,
  histogram: Uint32Array,
  name?: string,
): void {
  const n = values.length;
  const levels = (1 << bits) - 1;
  const r = spanOf(lo, hi, name);
  if (r === 0) {
    codes.fill(0, 0, n);
    histogram[0] += n;
    return;
  }
  const simd = n >= SIMD_MIN_ELEMENTS ? simdKernels() : null;
  if (simd !== null) {
    simd.quantize(values, lo, r, levels, codes, histogram);
    return;
  }
  quantizeScalar(values, lo, r, levels, codes, histogram);
}

/** The JavaScript quantizer (the fallback without WebAssembly SIMD; tests compare the two). */
export function quantizeScalar(
  values: Float32Array,
  lo: number,
  r: number,
  levels: number,
  codes: Uint8Array,
  histogram: Uint32Array,
): void {
  const n = values.length;
  // NOTE: four interleaved histograms (one array, offsets 0, 256, 512, 768) break the
  // store-to-load dependency of `h[k]++` on runs of equal codes (post-ReLU maps are mostly code 0).
  const h = HISTOGRAM_LANES;
  // NOTE: fround(d · (1/r)) with 1/r kept in float64 equals fround(d / r) (float32 Div) and is
  // faster than dividing. Proof: the float64 product is within 2^-52 (relative) of d/r, while a
  // quotient of two float32 values that is not itself a float32 midpoint lies at least 2^-49
  // (relative) from every midpoint (and is never exactly one), so both round to the same float32.
  // The test suite also checks it against the division on random and adversarial inputs.
  const inverse = 1 / r;
  for (let start = 0; start < n; start += BLOCK)
    quantizeBlock(values, start, Math.min(n, start + BLOCK), lo, inverse, levels, codes, h);
  for (let s = 0; s <= levels; s++) histogram[s] += h[s] + h[256 + s] + h[512 + s] + h[768 + s];
  h.fill(0);
}

/** The four histogram lanes of `quantizeInto`, zero between calls (reused: see tensor-format.ts on allocations). */
const HISTOGRAM_LANES = new Uint32Array(1024);

function quantizeBlock(
  values: Float32Array,
  start: number,
  end: number,
  lo: number,
  inverse: number,
  levels: number,
  codes: Uint8Array,
  h: Uint32Array,
): void {
  const end4 = start + ((end - start) & ~3);
  let i = start;
  for (; i < end4; i += 4) {
    // d = Sub(x, lo); q = Div(d, r); s = Mul(q, L); k = Round(s) — each rounded to float32 (q via
    // the exact reciprocal product, see quantizeInto). 0 <= d <= r because fround is monotone, so
    // 0 <= s <= L and no Clip is needed.
    const k0 = (fround(fround(fround(values[i] - lo) * inverse) * levels) + ROUND_MAGIC - ROUND_MAGIC) | 0;
    const k1 =
      (fround(fround(fround(values[i + 1] - lo) * inverse) * levels) + ROUND_MAGIC - ROUND_MAGIC) | 0;
    const k2 =
      (fround(fround(fround(values[i + 2] - lo) * inverse) * levels) + ROUND_MAGIC - ROUND_MAGIC) | 0;
    const k3 =
      (fround(fround(fround(values[i + 3] - lo) * inverse) * levels) + ROUND_MAGIC - ROUND_MAGIC) | 0;
    codes[i] = k0;
    codes[i + 1] = k1;
    codes[i + 2] = k2;
    codes[i + 3] = k3;
    h[k0]++;
    h[256 + k1]++;
    h[512 + k2]++;
    h[768 + k3]++;
  }
  for (; i < end; i++) {
    const k = (fround(fround(fround(values[i] - lo) * inverse) * levels) + ROUND_MAGIC - ROUND_MAGIC) | 0;
    codes[i] = k;
    h[k]++;
  }
}

/**
 * Decodes codes back to values: x̂ = lo + code·step with step = (hi − lo)/(2^c − 1), in float32
 * (see the file header for the op sequence). Every x̂ is within step/2 of the value that was
 * quantized, up to float32 rounding: at most 2^-20·(|lo| + |hi|), plus 2^(c − 149) when the step
 * is a float32 subnormal (hi − lo below about 1e-38·(2^c − 1)).
 * @throws InputError BAD_OPTION for a bad bit width.
 * @example dequantize({ bits: 1, codes: Uint8Array.of(0, 1), lo: -1, hi: 3 }) -> [-1, 3]
 */
export function dequantize(quantized: QuantizedTensor): Float32Array {
  const bits = assertBitWidth(quantized.bits, 'dequantize');
  const out = new Float32Array(quantized.codes.length);
  dequantizeInto(quantized.codes, quantized.lo, quantized.hi, bits, out);
  return out;
}

/**
 * Decodes codes into a caller-provided buffer of the same length (the decoder's hot loop).
 * Codes above 2^c − 1 are not checked here; the byte-format decoder never produces them.
 */
export function dequantizeInto(
  codes: Uint8Array,
  lo: number,
  hi: number,
  bits: BitWidth,
  out: Float32Array,
): void {
  const table = dequantizeTable(lo, hi, bits);
  const n = codes.length;
  for (let start = 0; start < n; start += BLOCK)
    lookupBlock(codes, start, Math.min(n, start + BLOCK), table, out);
}

/**
 * The decoded value of every code 0 .. 2^c − 1 (the rest 0): x̂ = fround(fround(k·step) + lo). A
 * table lookup per code is then exactly `dequantizeInto` (the context coder's WebAssembly decoder
 * uses it the same way).
 */
export function dequantizeTable(lo: number, hi: number, bits: BitWidth): Float32Array {
  const levels = (1 << bits) - 1;
  const step = fround(fround(hi - lo) / levels);
  const table = new Float32Array(256);
  for (let k = 0; k <= levels; k++) table[k] = fround(fround(k * step) + lo);
  return table;
}

/**
 * `dequantize(quantize(values))` in one pass, without codes or a histogram: the values the cloud
 * reconstructs, as the accuracy sweep needs them for every sample (`lo`, `hi` from `tensorRange`).
 * @throws JaladError NON_FINITE when hi − lo overflows float32.
 */
export function roundTripInto(
  values: Float32Array,
  lo: number,
  hi: number,
  bits: BitWidth,
  out: Float32Array,
  name?: string,
): void {
  const n = values.length;
  const levels = (1 << bits) - 1;
  const r = spanOf(lo, hi, name);
  if (r === 0) {
    // Every code is 0 and decodes as dequantizeInto does: fround(0·0 + lo) (+0 for lo = −0).
    out.fill(fround(0 + lo), 0, n);
    return;
  }
  const step = fround(r / levels);
  const simd = n >= SIMD_MIN_ELEMENTS ? simdKernels() : null;
  if (simd !== null) {
    simd.roundTrip(values, lo, r, levels, step, out);
    return;
  }
  roundTripScalar(values, lo, r, levels, step, out);
}

/**
 * Below this many elements the JavaScript kernel is used: the SIMD path copies through the
 * module's memory, whose fixed cost shows on tiny tensors only.
 */
const SIMD_MIN_ELEMENTS = 64;

/** The JavaScript round trip (the fallback without WebAssembly SIMD; tests compare the two). */
export function roundTripScalar(
  values: Float32Array,
  lo: number,
  r: number,
  levels: number,
  step: number,
  out: Float32Array,
): void {
  const n = values.length;
  const table = ROUND_TRIP_TABLE;
  for (let k = 0; k <= levels; k++) table[k] = fround(fround(k * step) + lo);
  const inverse = 1 / r;
  for (let start = 0; start < n; start += BLOCK)
    roundTripBlock(values, start, Math.min(n, start + BLOCK), lo, inverse, levels, table, out);
}

/** Decoded value of every code, refilled by each `roundTripInto` call. */
const ROUND_TRIP_TABLE = new Float32Array(256);

function roundTripBlock(
  values: Float32Array,
  start: number,
  end: number,
  lo: number,
  inverse: number,
  levels: number,
  table: Float32Array,
  out: Float32Array,
): void {
  // Unrolled by four as quantizeBlock (measured about 15% faster than the plain loop).
  const end4 = start + ((end - start) & ~3);
  let i = start;
  for (; i < end4; i += 4) {
    const k0 = (fround(fround(fround(values[i] - lo) * inverse) * levels) + ROUND_MAGIC - ROUND_MAGIC) | 0;
    const k1 =
      (fround(fround(fround(values[i + 1] - lo) * inverse) * levels) + ROUND_MAGIC - ROUND_MAGIC) | 0;
    const k2 =
      (fround(fround(fround(values[i + 2] - lo) * inverse) * levels) + ROUND_MAGIC - ROUND_MAGIC) | 0;
    const k3 =
      (fround(fround(fround(values[i + 3] - lo) * inverse) * levels) + ROUND_MAGIC - ROUND_MAGIC) | 0;
    out[i] = table[k0];
    out[i + 1] = table[k1];
    out[i + 2] = table[k2];
    out[i + 3] = table[k3];
  }
  for (; i < end; i++) {
    out[i] =
      table[(fround(fround(fround(values[i] - lo) * inverse) * levels) + ROUND_MAGIC - ROUND_MAGIC) | 0];
  }
}

function lookupBlock(
  codes: Uint8Array,
  start: number,
  end: number,
  table: Float32Array,
  out: Float32Array,
): void {
  for (let i = start; i < end; i++) out[i] = table[codes[i]];
}
