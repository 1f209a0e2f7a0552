/**
 * The tensors that cross the runtime's boundary: a plain view of type, data and dims. Tensors
 * made here (and every tensor a session returns) are ONNX Runtime's own, so feeding them back
 * costs no copy; callers see only this interface.
 */
import * as ort from 'onnxruntime-node';
import { DataType } from '../graph/onnx-types';
import type { HostData } from '../graph/tensor-file';

/** Element types a tensor can hold, as ONNX Runtime names them. */
export type TensorType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string';

/** The element buffer of a tensor (the same storage a `.pb` or `.npy` file decodes to). */
export type TensorData = HostData;

/** A tensor: element type, elements in row-major order, dims. */
export interface Tensor {
  readonly type: TensorType | string;
  readonly data: TensorData;
  readonly dims: readonly number[];
}

/** Named tensors: a session's feeds or results. */
export type TensorMap = Record<string, Tensor>;

/**
 * A tensor over `data` (no copy). Typed arrays must come from this realm (see test/ort-environment.js
 * for jest's separate realms).
 * @param dims row-major dims; their product must equal `data.length`
 */
export function createTensor(type: TensorType, data: TensorData, dims: readonly number[]): Tensor {
  return new ort.Tensor(type as 'float32', data as Float32Array, dims);
}

/** ONNX Runtime's own tensor for `t`: `t` itself when it is one, else a view of its data. */
export function toOrtTensor(t: Tensor): ort.Tensor {
  return t instanceof ort.Tensor ? t : new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
}

const ONNX_TYPES: Record<string, number> = {
  float32: DataType.FLOAT,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  uint16: DataType.UINT16,
  int16: DataType.INT16,
  int32: DataType.INT32,
  int64: DataType.INT64,
  string: DataType.STRING,
  bool: DataType.BOOL,
  float16: DataType.FLOAT16,
  float64: DataType.DOUBLE,
  uint32: DataType.UINT32,
  uint64: DataType.UINT64,
};

/** ONNX data type of a tensor type string ('float32' -> 1; 0 when unknown). */
export function onnxTypeOf(type: string): number {
  return ONNX_TYPES[type] ?? 0;
}

/** The tensor type ONNX Runtime names an ONNX data type (7 -> 'int64'), or undefined for types it has no name for. */
export function tensorTypeOf(onnxType: number): string | undefined {
  for (const k in ONNX_TYPES) if (ONNX_TYPES[k] === onnxType) return k;
  return undefined;
}

/** Largest |a_i - b_i| over two tensors of the same shape (Infinity if shapes differ, NaN-aware). */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (a.dims.length !== b.dims.length || a.dims.some((d, i) => d !== b.dims[i])) return Infinity;
  const x = a.data as ArrayLike<number | bigint>;
  const y = b.data as ArrayLike<number | bigint>;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = Number(x[i]);
    const yi = Number(y[i]);
    if (Number.isNaN(xi) !== Number.isNaN(yi)) return Infinity;
    if (Number.isNaN(xi)) continue;
    const d = xi === yi ? 0 : Math.abs(xi - yi);
    if (d > m) m = d;
  }
  return m;
}
