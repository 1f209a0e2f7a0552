/**
 * How far a model's outputs are from reference outputs (ONNX's `output_N.pb`): per output, the
 * largest absolute difference and the relative difference (that over the reference's largest
 * magnitude), and whether integer, boolean and string outputs are exactly equal.
 */
import type { Tensor } from './tensor';

/** One output against its reference. */
export interface OutputDiff {
  readonly name: string;
  /** True for integer, boolean and string outputs, which must match exactly. */
  readonly integer: boolean;
  /** Every element equal (NaN equal to NaN), same shape. */
  readonly exact: boolean;
  /** max |got - want| (Infinity for a shape or NaN-position mismatch). */
  readonly maxAbsDiff: number;
  /** maxAbsDiff / max |want| (maxAbsDiff itself when the reference is all zeros). */
  readonly relDiff: number;
}

const FLOAT_TYPES = new Set(['float32', 'float64', 'float16']);

/** float16 bits -> number. */
function half(bits: number): number {
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  const s = bits & 0x8000 ? -1 : 1;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Compares one tensor with its reference. */
export function diffTensor(name: string, got: Tensor, want: Tensor): OutputDiff {
  const integer = !FLOAT_TYPES.has(want.type);
  const sameShape = got.dims.length === want.dims.length && got.dims.every((d, i) => d === want.dims[i]);
  if (!sameShape || got.type !== want.type)
    return { name, integer, exact: false, maxAbsDiff: Infinity, relDiff: Infinity };
  const x = got.data as ArrayLike<number | bigint | string>;
  const y = want.data as ArrayLike<number | bigint | string>;
  const conv = want.type === 'float16' ? (v: unknown) => half(Number(v)) : (v: unknown) => Number(v);
  let exact = true;
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    if (typeof y[i] === 'string' || typeof y[i] === 'bigint') {
      if (x[i] !== y[i]) {
        exact = false;
        maxAbs =
          typeof y[i] === 'bigint' ? Math.max(maxAbs, Math.abs(Number(x[i]) - Number(y[i]))) : Infinity;
      }
      continue;
    }
    const a = conv(x[i]);
    const b = conv(y[i]);
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) {
        exact = false;
        maxAbs = Infinity;
      }
      continue;
    }
    if (a === b) {
      if (Number.isFinite(b)) scale = Math.max(scale, Math.abs(b));
      continue;
    }
    exact = false;
    maxAbs = Math.max(maxAbs, Math.abs(a - b));
    if (Number.isFinite(b)) scale = Math.max(scale, Math.abs(b));
  }
  if (Number.isNaN(maxAbs)) maxAbs = Infinity;
  return { name, integer, exact, maxAbsDiff: maxAbs, relDiff: scale > 0 ? maxAbs / scale : maxAbs };
}

/** Compares every reference output with the model's output of the same name. */
export function diffOutputs(
  got: Readonly<Record<string, Tensor>>,
  want: ReadonlyMap<string, Tensor>,
): OutputDiff[] {
  return [...want].map(([name, w]) => {
    const g = got[name];
    return g
      ? diffTensor(name, g, w)
      : { name, integer: !FLOAT_TYPES.has(w.type), exact: false, maxAbsDiff: Infinity, relDiff: Infinity };
  });
}
