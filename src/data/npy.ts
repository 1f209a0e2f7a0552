/**
 * The NumPy .npy format, versions 1.0, 2.0 and 3.0 (NEP 1, "A simple file format for NumPy
 * arrays"; numpy.lib.format):
 *
 *   "\x93NUMPY" major minor
 *   HEADER_LEN: uint16 LE (1.0) or uint32 LE (2.0, 3.0)
 *   header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, 28, 28), }
 *           latin1 (1.0, 2.0) or utf8 (3.0), padded with spaces and ending in '\n'
 *   data:  product(shape) elements
 *
 * Supported: little-endian (or byte-order-free) float32, float64, uint8, int32, int64 in C order.
 */
import { InputError } from '../core/errors';
import { DTYPE_BYTES, DType, NdArray, decodeElements, formatDims, product } from './nd-array';
import { hexPrefix } from './source-file';

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const NPY_DTYPES: Readonly<Record<string, DType>> = {
  u1: 'uint8',
  i4: 'int32',
  i8: 'int64',
  f4: 'float32',
  f8: 'float64',
};

/** True when `bytes` start with the .npy magic `\x93NUMPY`. */
export function looksLikeNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && NPY_MAGIC.every((b, i) => bytes[i] === b);
}

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** Most nesting of tuples, lists and dicts in a header: numpy writes 2 (a dict holding a shape tuple). */
const MAX_HEADER_DEPTH = 32;

/** An open container while reading: a dict (with the key awaiting its value) or a tuple/list. */
type Frame =
  | { readonly kind: 'dict'; readonly value: { [key: string]: PyValue }; key: string | undefined }
  | { readonly kind: 'seq'; readonly close: ')' | ']'; readonly value: PyValue[] };

/** A scalar at `pos`: a string, an integer, True, False or None; returns it and the next position. */
function pyScalar(text: string, pos: number, fail: (what: string) => never): [PyValue, number] {
  const ch = text[pos];
  if (ch === "'" || ch === '"') {
    const end = text.indexOf(ch, pos + 1);
    if (end < 0) fail('unterminated string');
    return [text.slice(pos + 1, end), end + 1];
  }
  const word = /^[A-Za-z_]+|^[+-]?\d+L?/.exec(text.slice(pos, pos + 64));
  if (word === null) return fail('unexpected character');
  const next = pos + word[0].length;
  if (word[0] === 'True') return [true, next];
  if (word[0] === 'False') return [false, next];
  if (word[0] === 'None') return [null, next];
  if (/^[+-]?\d/.test(word[0])) return [Number.parseInt(word[0], 10), next];
  return fail(`unknown name ${word[0]}`);
}

/**
 * A reader for the Python literals that .npy headers contain (dicts, tuples, lists, strings,
 * integers, True/False/None). Iterative, with an explicit stack of open containers and a depth
 * limit, so a header of thousands of nested tuples is an error, not a stack overflow.
 */
function parsePyLiteral(text: string): PyValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${pos}`);
  };
  const skip = (): void => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const stack: Frame[] = [];
  let result: PyValue | undefined;
  /** Puts a finished value into the open container (or makes it the result); then expects , or a close. */
  const place = (v: PyValue): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      result = v;
      return;
    }
    if (top.kind === 'seq') top.value.push(v);
    else if (top.key === undefined) {
      if (typeof v !== 'string') fail('dict key is not a string');
      top.key = v as string;
      skip();
      if (text[pos] !== ':') fail("expected ':'");
      pos++;
      return;
    } else {
      top.value[top.key] = v;
      top.key = undefined;
    }
    skip();
    const close = top.kind === 'seq' ? top.close : '}';
    if (text[pos] === ',') pos++;
    else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
  };
  while (result === undefined) {
    skip();
    const ch = text[pos];
    const top = stack[stack.length - 1];
    const close = top === undefined ? undefined : top.kind === 'seq' ? top.close : '}';
    if (close !== undefined && ch === close && (top?.kind === 'seq' || top?.key === undefined)) {
      pos++;
      stack.pop();
      place((top as Frame).value);
    } else if (ch === '{' || ch === '(' || ch === '[') {
      if (stack.length >= MAX_HEADER_DEPTH) fail(`nested deeper than ${MAX_HEADER_DEPTH} levels`);
      pos++;
      stack.push(
        ch === '{'
          ? { kind: 'dict', value: {}, key: undefined }
          : { kind: 'seq', close: ch === '(' ? ')' : ']', value: [] },
      );
    } else {
      if (pos >= text.length) fail('unexpected end');
      const [v, next] = pyScalar(text, pos, fail);
      pos = next;
      place(v);
    }
  }
  skip();
  if (pos !== text.length) fail('trailing characters');
  return result;
}

/** The header text of a .npy file and where its payload starts (magic, version and length checked). */
function npyHeader(
  bytes: Uint8Array,
  role: string,
): { readonly headerText: string; readonly dataOffset: number } {
  if (!looksLikeNpy(bytes)) {
    throw new InputError(
      'BAD_DATA',
      `${role}: wrong .npy magic ${hexPrefix(bytes, 6)} (expected 93 4e 55 4d 50 59, "\\x93NUMPY")`,
    );
  }
  if (bytes.length < 10)
    throw new InputError('BAD_DATA', `${role}: .npy header truncated (${bytes.length} bytes)`);
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) {
    throw new InputError(
      'BAD_DATA',
      `${role}: unsupported .npy version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`,
    );
  }
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes)
    throw new InputError('BAD_DATA', `${role}: .npy header truncated (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lenBytes + headerLen;
  if (bytes.length < dataOffset) {
    throw new InputError(
      'BAD_DATA',
      `${role}: .npy header truncated: HEADER_LEN ${headerLen} needs ${dataOffset} bytes, file has ${bytes.length}`,
    );
  }
  const headerText = Buffer.from(bytes.buffer, bytes.byteOffset + 8 + lenBytes, headerLen).toString(
    major === 3 ? 'utf8' : 'latin1',
  );

  return { headerText, dataOffset };
}

/** The header for a one-line message: quoted, at most 80 characters of it. */
function headerExcerpt(headerText: string): string {
  const t = headerText.trim();
  return t.length <= 80 ? JSON.stringify(t) : `${JSON.stringify(t.slice(0, 80))}... (${t.length} characters)`;
}

/** The descr, fortran_order and shape of a .npy header, each checked for its type. */
function npyHeaderFields(
  headerText: string,
  role: string,
): { readonly descr: string; readonly fortranOrder: boolean; readonly dims: number[] } {
  let header: PyValue;
  try {
    header = parsePyLiteral(headerText);
  } catch (err) {
    throw new InputError(
      'BAD_DATA',
      `${role}: unreadable .npy header ${headerExcerpt(headerText)}: ${(err as Error).message}`,
    );
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new InputError('BAD_DATA', `${role}: .npy header is not a dict: ${headerExcerpt(headerText)}`);
  }
  const { descr, fortran_order: fortranOrder, shape } = header;
  if (typeof descr !== 'string') {
    throw new InputError(
      'BAD_DATA',
      `${role}: .npy descr ${JSON.stringify(descr)} is a structured dtype; only plain numeric arrays are supported`,
    );
  }
  if (typeof fortranOrder !== 'boolean') {
    throw new InputError('BAD_DATA', `${role}: .npy header has no boolean fortran_order`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && d >= 0)) {
    throw new InputError(
      'BAD_DATA',
      `${role}: .npy header shape ${JSON.stringify(shape)} is not a tuple of non-negative integers`,
    );
  }
  const dims = shape as number[];

  return { descr, fortranOrder, dims };
}

/** The element type a .npy descr names; big-endian data and fortran_order are refused. */
function npyDtype(descr: string, fortranOrder: boolean, role: string): NdArray['dtype'] {
  const m = /^([<>|=])([a-z])(\d+)$/.exec(descr);
  const dtype = m === null ? undefined : NPY_DTYPES[m[2] + m[3]];
  if (m === null || dtype === undefined) {
    throw new InputError(
      'BAD_DATA',
      `${role}: unsupported .npy dtype '${descr}' (expected float32 '<f4', float64 '<f8', uint8 '|u1', int32 '<i4' or int64 '<i8')`,
    );
  }
  if (m[1] === '>' && DTYPE_BYTES[dtype] > 1) {
    throw new InputError(
      'BAD_DATA',
      `${role}: big-endian .npy dtype '${descr}' is not supported; save it little-endian, e.g. a.astype('<${m[2]}${m[3]}')`,
    );
  }
  if (fortranOrder) {
    throw new InputError(
      'BAD_DATA',
      `${role}: fortran_order True is not supported; save a C-ordered array, e.g. np.save(f, np.ascontiguousarray(a))`,
    );
  }

  return dtype;
}

/**
 * Parse a .npy file.
 * @param bytes the file content (already gunzipped if it was compressed)
 * @param role the prefix for messages, e.g. `--data val-x.npy`
 * @throws InputError BAD_DATA for a wrong magic, an unknown version, an unreadable header, an
 *   unsupported dtype, big-endian data, fortran_order True, a truncated payload or extra bytes
 * @example parseNpy(fs.readFileSync('x.npy'), '--data x.npy') // { dtype: 'float32', dims: [100, 3, 32, 32], data }
 */
export function parseNpy(bytes: Uint8Array, role: string): NdArray {
  const { headerText, dataOffset } = npyHeader(bytes, role);
  const { descr, fortranOrder, dims } = npyHeaderFields(headerText, role);
  const dtype = npyDtype(descr, fortranOrder, role);
  const count = product(dims);
  const payloadBytes = count * DTYPE_BYTES[dtype];
  const present = bytes.length - dataOffset;
  if (present < payloadBytes) {
    throw new InputError(
      'BAD_DATA',
      `${role}: truncated .npy payload: header shape ${formatDims(dims)} ${dtype} promises ${payloadBytes} bytes, file has ${present}`,
    );
  }
  if (present > payloadBytes) {
    throw new InputError(
      'BAD_DATA',
      `${role}: .npy header shape ${formatDims(dims)} ${dtype} disagrees with the file size: ` +
        `${present - payloadBytes} extra bytes after the ${payloadBytes}-byte payload`,
    );
  }
  // NOTE: '=' (native) is taken as little-endian: numpy writes '<' or '|' on every common platform.
  return { dtype, dims, data: decodeElements(bytes, dataOffset, count, dtype, true) };
}
