/**
 * IEEE 754 binary16 ("half", the 'f16' precision) conversion, round to nearest, ties to even —
 * what ONNX Cast(to=FLOAT16) and numpy.float16 do. Values beyond the half range (|x| >= 65520)
 * become ±Infinity, as in IEEE; tiny values become half subnormals or ±0.
 */

/**
 * float32 → binary16 bit pattern, round to nearest even.
 * @example float32ToHalfBits(1) === 0x3c00; float32ToHalfBits(65520) === 0x7c00 (Infinity)
 */
export function float32ToHalfBits(value: number): number {
  const f32 = new Float32Array(1);
  f32[0] = value;
  return halfBitsOf(new Uint32Array(f32.buffer)[0]);
}

/**
 * binary16 bit pattern → number (exact).
 * @example halfBitsToFloat32(0x3555) === 0.333251953125
 */
export function halfBitsToFloat32(h: number): number {
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** float32 bits → half bits, round to nearest even. */
function halfBitsOf(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // Inf, NaN
  const e = exponent - 112; // rebias 127 → 15
  if (e >= 31) return sign | 0x7c00; // overflow → Infinity
  if (e <= 0) {
    // Subnormal half (or zero): value = m·2^(exponent − 150), half unit 2^-24 → shift right 14 − e.
    if (e < -10) return sign; // below half of the smallest subnormal (2^-25): ±0
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and 0x7bff + 1 is Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/**
 * Converts float32 values to half bit patterns (two bytes each, little-endian) into `out` from
 * byte `offset`.
 */
export function encodeHalfInto(values: Float32Array, out: Uint8Array, offset: number): void {
  // A Float32Array's byteOffset is always a multiple of 4, so the same bytes view as Uint32.
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const n = values.length;
  let o = offset;
  for (let i = 0; i < n; i++) {
    const h = halfBitsOf(bits[i]);
    out[o++] = h;
    out[o++] = h >>> 8;
  }
}

/** Decodes `count` little-endian half values from `bytes` at `offset` into float32. */
export function decodeHalf(bytes: Uint8Array, offset: number, count: number): Float32Array {
  // NOTE: a 65536-entry table makes decoding a lookup; it costs 256 KB once per call, so small
  // tensors convert directly.
  const out = new Float32Array(count);
  if (count < 1 << 15) {
    for (let i = 0, p = offset; i < count; i++, p += 2)
      out[i] = halfBitsToFloat32(bytes[p] | (bytes[p + 1] << 8));
    return out;
  }
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = halfBitsToFloat32(h);
  for (let i = 0, p = offset; i < count; i++, p += 2) out[i] = table[bytes[p] | (bytes[p + 1] << 8)];
  return out;
}
