/**
 * The IDX file format (LeCun, Cortes & Burges, "THE MNIST DATABASE of handwritten digits",
 * http://yann.lecun.com/exdb/mnist/, section "FILE FORMATS FOR THE MNIST DATABASE"):
 *
 *   magic  = 0x00 0x00 <type> <ndim>
 *   dims   = ndim big-endian uint32
 *   data   = product(dims) big-endian elements, C order
 *
 * type: 0x08 unsigned byte, 0x09 signed byte, 0x0B short (2 bytes), 0x0C int (4 bytes),
 * 0x0D float (4 bytes), 0x0E double (8 bytes). Used by MNIST and Fashion-MNIST (usually gzipped).
 */
import { InputError } from '../core/errors';
import { DTYPE_BYTES, DType, NdArray, decodeElements, formatDims, product } from './nd-array';
import { hexPrefix } from './source-file';

const IDX_TYPES: Readonly<Record<number, DType>> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/**
 * True when `bytes` plausibly start an IDX file: two zero bytes, a known type code, ndim >= 1.
 * Used for format detection; {@link parseIdx} gives the precise error.
 */
export function looksLikeIdx(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0 &&
    bytes[1] === 0 &&
    IDX_TYPES[bytes[2]] !== undefined &&
    bytes[3] >= 1
  );
}

/**
 * Parse an (already gunzipped) IDX file. Multi-byte elements are converted from big-endian to
 * host order in one native byte swap; ubyte payloads are a zero-copy view on `bytes`.
 * @param bytes the file content
 * @param role the prefix for messages, e.g. `--data t10k-images-idx3-ubyte.gz`
 * @throws InputError BAD_DATA for a wrong magic, an unknown type code, ndim 0, a truncated header
 *   or payload, or extra bytes after the payload
 * @example parseIdx(fs.readFileSync('labels.idx1-ubyte'), '--labels l').dims // [10000]
 */
export function parseIdx(bytes: Uint8Array, role: string): NdArray {
  if (bytes.length < 4) {
    throw new InputError('BAD_DATA', `${role}: IDX header truncated: ${bytes.length} bytes, need at least 4`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InputError(
      'BAD_DATA',
      `${role}: wrong IDX magic ${hexPrefix(bytes)} (expected 00 00 <type> <ndim>)`,
    );
  }
  const dtype = IDX_TYPES[bytes[2]];
  if (dtype === undefined) {
    throw new InputError(
      'BAD_DATA',
      `${role}: unknown IDX element type 0x${bytes[2].toString(16).padStart(2, '0')} ` +
        '(expected 08 ubyte, 09 byte, 0b short, 0c int, 0d float or 0e double)',
    );
  }
  const ndim = bytes[3];
  if (ndim === 0) throw new InputError('BAD_DATA', `${role}: IDX header declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new InputError(
      'BAD_DATA',
      `${role}: IDX header truncated: ${ndim} dimensions need ${headerBytes} bytes, file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = product(dims);
  const payloadBytes = count * DTYPE_BYTES[dtype];
  const present = bytes.length - headerBytes;
  if (present < payloadBytes) {
    throw new InputError(
      'BAD_DATA',
      `${role}: truncated IDX payload: header ${formatDims(dims)} ${dtype} promises ${payloadBytes} bytes, ` +
        `file has ${present}`,
    );
  }
  if (present > payloadBytes) {
    throw new InputError(
      'BAD_DATA',
      `${role}: IDX header ${formatDims(dims)} ${dtype} disagrees with the file size: ` +
        `${present - payloadBytes} extra bytes after the ${payloadBytes}-byte payload`,
    );
  }
  return { dtype, dims, data: decodeElements(bytes, headerBytes, count, dtype, false) };
}
