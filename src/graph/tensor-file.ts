/**
 * TensorProto files (`input_0.pb`, `output_0.pb`, ... in ONNX's `test_data_set_N/` folders) and
 * the values a TensorProto holds, as plain typed arrays.
 *
 * A TensorProto stores its elements either in `raw_data` (little-endian, packed) or in one of the
 * typed repeated fields (ONNX's onnx.proto: float_data for float32 and complex64; int32_data for
 * int32, int16, int8, uint16, uint8, bool and the bits of float16/bfloat16; int64_data; double_data;
 * uint64_data for uint32 and uint64; string_data).
 */
import { InputError } from '../core/errors';
import { TENSOR_PROTO } from './onnx-schema';
import { DataType, toNumber, type TensorProto } from './onnx-types';
import { elementBytes } from './model-io';

/** Typed storage of a host tensor; strings as JS strings. */
export type HostData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/** A tensor's values in host memory: what a `.pb` or `.npy` file holds. */
export interface HostTensor {
  /** The TensorProto's own name ('' when it has none). */
  readonly name: string;
  /** ONNX data type (1 = float32). */
  readonly elemType: number;
  readonly dims: readonly number[];
  readonly data: HostData;
}

/** Largest element count jalad allocates for one tensor (2^31 - 1, the typed-array limit it relies on). */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/**
 * Decodes the bytes of a serialized TensorProto.
 * @throws InputError 'BAD_DATA' naming `source` when the bytes are not a TensorProto
 */
export function decodeTensorProto(bytes: Uint8Array, source: string): TensorProto {
  try {
    const buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return TENSOR_PROTO.decode(buf) as unknown as TensorProto;
  } catch (err) {
    throw new InputError(
      'BAD_DATA',
      `${source}: not an ONNX TensorProto (protobuf decoding failed: ${(err as Error).message})`,
    );
  }
}

/** Copies `count` little-endian elements of `size` bytes out of `raw` into an aligned buffer. */
function alignedCopy(raw: Uint8Array, count: number, size: number): ArrayBuffer {
  const copy = new Uint8Array(count * size);
  copy.set(raw.subarray(0, count * size));
  // NOTE: x86 and ARM hosts are little-endian, as raw_data is; a big-endian host would swap here.
  return copy.buffer;
}

/**
 * The values of a TensorProto (embedded data only: external data must be loaded first).
 * @param source names the file in messages
 * @throws InputError 'BAD_DATA' for a type jalad cannot hold, absurd dims, or data that does not
 *   match the dims
 */
export function hostTensor(t: TensorProto, source: string): HostTensor {
  const name = t.name ?? '';
  const what = `${source}: tensor "${name}"`;
  const elemType = t.dataType ?? 0;
  const dims = (t.dims ?? []).map((d) => toNumber(d));
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw new InputError('BAD_DATA', `${what} has invalid dims [${dims.join(', ')}]`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_TENSOR_ELEMENTS)
    throw new InputError(
      'BAD_DATA',
      `${what} declares ${count} elements ([${dims.join(', ')}]), more than jalad holds (2^31 - 1)`,
    );
  const mismatch = (have: number) =>
    new InputError(
      'BAD_DATA',
      `${what} holds ${have} elements, but its dims [${dims.join(', ')}] need ${count}`,
    );
  if (elemType === DataType.STRING) {
    const strings = (t.stringData ?? []).map((s) => Buffer.from(s).toString('utf8'));
    if (strings.length !== count) throw mismatch(strings.length);
    return { name, elemType, dims, data: strings };
  }
  const size = elementBytes(elemType);
  const ctor = TYPED[elemType];
  if (!ctor || size === 0)
    throw new InputError(
      'BAD_DATA',
      `${what} has ONNX data type ${elemType}, which jalad cannot feed to ONNX Runtime`,
    );
  let data: HostData;
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== count * size) throw mismatch(Math.floor(t.rawData.length / size));
    data = new ctor(alignedCopy(t.rawData, count, size), 0, count);
  } else {
    const field = fieldOf(t, elemType);
    if (field.length !== count) throw mismatch(field.length);
    data = fromField(field, elemType, count);
  }
  return { name, elemType, dims, data };
}

type TypedCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => Exclude<HostData, string[]>;

const TYPED: Readonly<Record<number, TypedCtor>> = {
  [DataType.FLOAT]: Float32Array,
  [DataType.DOUBLE]: Float64Array,
  [DataType.INT8]: Int8Array,
  [DataType.UINT8]: Uint8Array,
  [DataType.BOOL]: Uint8Array,
  [DataType.INT16]: Int16Array,
  [DataType.UINT16]: Uint16Array,
  [DataType.FLOAT16]: Uint16Array,
  [DataType.INT32]: Int32Array,
  [DataType.UINT32]: Uint32Array,
  [DataType.INT64]: BigInt64Array,
  [DataType.UINT64]: BigUint64Array,
};

/** The typed repeated field that holds `elemType` when raw_data is empty (onnx.proto). */
function fieldOf(t: TensorProto, elemType: number): readonly (number | bigint | { toString(): string })[] {
  switch (elemType) {
    case DataType.FLOAT:
      return t.floatData ?? [];
    case DataType.DOUBLE:
      return t.doubleData ?? [];
    case DataType.INT64:
      return t.int64Data ?? [];
    case DataType.UINT32:
    case DataType.UINT64:
      return t.uint64Data ?? [];
    default:
      return t.int32Data ?? [];
  }
}

function fromField(
  field: readonly (number | bigint | { toString(): string })[],
  elemType: number,
  count: number,
): HostData {
  if (elemType === DataType.INT64) {
    const out = new BigInt64Array(count);
    // NOTE: Long values print their exact decimal; BigInt() of it keeps all 64 bits.
    for (let i = 0; i < count; i++) out[i] = BigInt.asIntN(64, BigInt(field[i].toString()));
    return out;
  }
  if (elemType === DataType.UINT64) {
    const out = new BigUint64Array(count);
    for (let i = 0; i < count; i++) out[i] = BigInt.asUintN(64, BigInt(field[i].toString()));
    return out;
  }
  const ctor = TYPED[elemType];
  const out = new ctor(new ArrayBuffer(count * elementBytes(elemType)), 0, count);
  for (let i = 0; i < count; i++) (out as Float64Array)[i] = Number(field[i].toString());
  return out;
}
