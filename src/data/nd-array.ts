/**
 * Raw n-dimensional arrays as read from IDX and .npy files, before any preprocessing.
 * The element storage is a typed array in host byte order, viewed on the file's bytes when
 * the file's byte order and alignment allow it and copied (then byte-swapped natively) otherwise.
 */

/** Element types the loaders understand (IDX ubyte/byte/short/int/float/double; npy u1/i4/i8/f4/f8). */
export type DType = 'uint8' | 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64';

/** Typed storage for a {@link DType}: int64 is kept exact as BigInt64Array. */
export type NumericArray =
  Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

/** A dense C-order array: `data.length === product(dims)`. */
export interface NdArray {
  readonly dtype: DType;
  /** Dimensions, outermost first; dims[0] is the sample count for data and label files. */
  readonly dims: readonly number[];
  readonly data: NumericArray;
}

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  float32: 4,
  float64: 8,
};

/** True for float32 and float64. */
export function isFloatDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/**
 * Product of dimensions (1 for an empty list).
 * @example product([10, 28, 28]) === 7840
 */
export function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Format dims the way messages show them: `[10000, 28, 28]`. */
export function formatDims(dims: readonly (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Turn `count` elements of `dtype` that start at `offset` in `bytes` into a typed array in host
 * byte order. Zero copy when the byte order matches the host and the start is aligned; otherwise
 * one copy into a fresh aligned buffer, byte-swapped with Buffer's native swap16/32/64.
 * The caller has already checked that the bytes are present.
 * @param bytes the whole file (possibly a view into a larger pooled buffer)
 * @param offset start of the payload in bytes, relative to `bytes`
 * @param count number of elements
 * @param littleEndian byte order of the payload in the file
 */
export function decodeElements(
  bytes: Uint8Array,
  offset: number,
  count: number,
  dtype: DType,
  littleEndian: boolean,
): NumericArray {
  const size = DTYPE_BYTES[dtype];
  const start = bytes.byteOffset + offset;
  const swap = size > 1 && littleEndian !== HOST_LITTLE_ENDIAN;
  let buffer: ArrayBufferLike = bytes.buffer;
  let byteOffset = start;
  if (swap || start % size !== 0) {
    const copy = new Uint8Array(count * size);
    copy.set(bytes.subarray(offset, offset + count * size));
    if (swap) {
      const view = Buffer.from(copy.buffer, 0, copy.byteLength);
      if (size === 2) view.swap16();
      else if (size === 4) view.swap32();
      else view.swap64();
    }
    buffer = copy.buffer;
    byteOffset = 0;
  }
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, count);
    case 'int8':
      return new Int8Array(buffer, byteOffset, count);
    case 'int16':
      return new Int16Array(buffer, byteOffset, count);
    case 'int32':
      return new Int32Array(buffer, byteOffset, count);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, count);
    case 'float32':
      return new Float32Array(buffer, byteOffset, count);
    case 'float64':
      return new Float64Array(buffer, byteOffset, count);
  }
}

/** Element `i` of a NumericArray as a JS number (int64 through Number(), exact below 2^53). */
export function elementAt(data: NumericArray, i: number): number {
  return data instanceof BigInt64Array ? Number(data[i]) : data[i];
}
