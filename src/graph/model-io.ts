/**
 * ONNX bytes <-> ModelProto, and reading a model file safely.
 *
 * Decoding keeps every field of the current IR (see onnx-schema.ts); initializer
 * `rawData` stays a view into the file's buffer, so a 100 MB model is not copied.
 * External data (ONNX IR "external_data") is resolved relative to the model file's folder,
 * whatever the working directory, and must stay inside it (real paths: symbolic links included).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../core/errors';
import { MODEL_PROTO } from './onnx-schema';
import { DataType, toNumber, type ModelProto, type TensorProto } from './onnx-types';

/**
 * Decodes ONNX protobuf bytes. Throws InputError 'BAD_MODEL' naming `source` when the
 * bytes are not an ONNX model.
 * @param bytes the file's bytes; a Buffer keeps `rawData` fields as views into it
 * @param source a name for messages (usually the file path)
 */
export function decodeModel(bytes: Uint8Array, source = 'model'): ModelProto {
  if (bytes.length === 0)
    throw new InputError('BAD_MODEL', `${source}: file is empty, expected an ONNX model`);
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let model: ModelProto;
  try {
    model = MODEL_PROTO.decode(buf) as unknown as ModelProto;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new InputError(
      'BAD_MODEL',
      `${source}: not a valid ONNX model (protobuf decoding failed: ${why}; truncated or not ONNX?)`,
    );
  }
  // A random file can decode as protobuf by chance; a real model has these.
  if (toNumber(model.irVersion) <= 0 || !model.graph) {
    throw new InputError('BAD_MODEL', `${source}: not an ONNX model (no ir_version or no graph)`);
  }
  return model;
}

/** Encodes a model to ONNX protobuf bytes. */
export function encodeModel(model: ModelProto): Uint8Array {
  return MODEL_PROTO.encode(model as never).finish();
}

/** The result of reading a model file. */
export interface LoadedModel {
  /** The model, with external data loaded into `rawData` (ready for ONNX Runtime). */
  readonly model: ModelProto;
  readonly path: string;
  /** Size of the .onnx file in bytes. */
  readonly fileBytes: number;
  /** The file's bytes, as read (the model's `rawData` fields are views into these). */
  readonly bytes: Buffer;
  /**
   * Bytes to open sessions on: the file's own bytes, or, when the model has external data, the
   * model re-encoded with that data inside. (ONNX Runtime would resolve the file's external
   * locations against the working directory, not the model's folder.)
   */
  readonly sessionBytes: Uint8Array;
  /** SHA-256 of the file's bytes, hex: ties analyses and profiles to this exact file. */
  readonly sha256: string;
}

/**
 * Reads and decodes an ONNX file; loads external data (which must lie inside the
 * model's folder) into the tensors so the model is self-contained in memory.
 * @throws InputError 'BAD_PATH' for a missing file, a directory, a device or pipe, or an unsafe
 *   external path; 'BAD_MODEL' for a file that is not ONNX or external data that does not fit.
 */
export function readModelFile(filePath: string): LoadedModel {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(filePath);
  } catch {
    throw new InputError('BAD_PATH', `${filePath}: no such file`);
  }
  if (stat.isDirectory())
    throw new InputError('BAD_PATH', `${filePath}: is a directory, expected an .onnx file`);
  // NOTE: a FIFO or a device (/dev/zero) would block or never end: only regular files are read.
  if (!stat.isFile())
    throw new InputError('BAD_PATH', `${filePath}: not a regular file, expected an .onnx file`);
  const bytes = fs.readFileSync(filePath);
  const model = decodeModel(bytes, filePath);
  requireTensorInputs(model, filePath);
  const external = loadExternalData(model, path.dirname(path.resolve(filePath)), filePath);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    model,
    path: filePath,
    fileBytes: bytes.length,
    bytes,
    sessionBytes: external > 0 ? encodeModel(model) : bytes,
    sha256,
  };
}

/**
 * jalad feeds, splits and sends tensors only: a graph input that is a sequence, a map or an
 * optional is refused here, where the file's name is known, rather than later by the runtime.
 * @throws InputError 'BAD_MODEL' naming the file, the input and its kind
 */
export function requireTensorInputs(model: ModelProto, filePath: string): void {
  const g = model.graph ?? {};
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  for (const v of g.input ?? []) {
    if (inits.has(v.name) || v.type?.tensorType) continue;
    const kind = Object.keys(v.type ?? {})
      .filter((k) => k.endsWith('Type') && (v.type as Record<string, unknown>)[k])
      .map((k) => k.replace(/Type$/, ''))[0];
    throw new InputError(
      'BAD_MODEL',
      `${filePath}: input "${v.name}" is ${kind ? `a ${kind}` : 'not a tensor'}; jalad handles tensor inputs only`,
    );
  }
}

/** Every tensor held by the model's main graph and its subgraphs (initializers and Constant values). */
function* allTensors(model: ModelProto): Generator<TensorProto> {
  const graphs = model.graph ? [model.graph] : [];
  while (graphs.length > 0) {
    const g = graphs.pop()!;
    for (const t of g.initializer ?? []) yield t;
    for (const s of g.sparseInitializer ?? []) {
      if (s.values) yield s.values;
      if (s.indices) yield s.indices;
    }
    for (const n of g.node ?? []) {
      for (const a of n.attribute ?? []) {
        if (a.t) yield a.t;
        for (const t of a.tensors ?? []) yield t;
        if (a.g) graphs.push(a.g);
        for (const sg of a.graphs ?? []) graphs.push(sg);
      }
    }
  }
}

const EXTERNAL = 1;

/** A whole decimal number of bytes ("0", "4096"), or undefined for anything else. */
function byteCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Where a tensor's external data lives, checked: the location is relative, resolves (symbolic
 * links followed) to a regular file inside the model's real folder.
 * @returns the file's real path
 */
function externalFile(location: string, baseDir: string, what: string): string {
  const leaves = () =>
    new InputError('BAD_PATH', `${what}: location "${location}" leaves the model's folder`);
  if (path.isAbsolute(location)) throw leaves();
  const lexical = path.relative(baseDir, path.resolve(baseDir, location));
  if (lexical === '' || lexical.startsWith('..') || path.isAbsolute(lexical)) throw leaves();
  let real: string;
  let realBase: string;
  try {
    realBase = fs.realpathSync(baseDir);
    real = fs.realpathSync(path.resolve(baseDir, location));
  } catch {
    throw new InputError('BAD_PATH', `${what}: location "${location}" does not exist`);
  }
  // A symbolic link (to a file or a folder on the way) may point outside: check the real path too.
  const rel = path.relative(realBase, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
    throw new InputError(
      'BAD_PATH',
      `${what}: location "${location}" leads outside the model's folder (to ${real})`,
    );
  const stat = fs.statSync(real);
  if (!stat.isFile())
    throw new InputError(
      'BAD_PATH',
      `${what}: location "${location}" is not a regular file (a ` +
        `${stat.isDirectory() ? 'folder' : stat.isFIFO() ? 'named pipe' : 'device or socket'})`,
    );
  return real;
}

/**
 * Replaces external-data references by exactly the bytes they name. Each location must be a
 * relative path that resolves, symbolic links included, to a regular file inside `baseDir`; exactly
 * `length` bytes (default: the tensor's size from its dims and type) are read from `offset`, and a
 * file too short for them is an error. Sizes are checked before anything is allocated.
 */
function loadExternalData(model: ModelProto, baseDir: string, source: string): number {
  const fds = new Map<string, { fd: number; size: number }>();
  let loaded = 0;
  try {
    for (const t of allTensors(model)) {
      if (t.dataLocation !== EXTERNAL) continue;
      const info = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
      const location = info.get('location');
      const what = `${source}: tensor "${t.name}"`;
      if (!location) throw new InputError('BAD_MODEL', `${what} is external but has no location`);
      const where = `${what}, location "${location}"`;
      const dims = (t.dims ?? []).map((d) => toNumber(d));
      const elements = dims.reduce((a, b) => a * b, 1);
      const size = elementBytes(t.dataType ?? 0);
      if (size === 0)
        throw new InputError(
          'BAD_MODEL',
          `${where}: external data of ONNX type ${t.dataType} is not supported`,
        );
      const expected = elements * size;
      const offset = byteCount(info.get('offset') ?? '0');
      const length = info.has('length') ? byteCount(info.get('length')) : expected;
      if (offset === undefined || length === undefined)
        throw new InputError(
          'BAD_MODEL',
          `${where}: offset "${info.get('offset')}" and length "${info.get('length')}" must be whole numbers of bytes`,
        );
      if (length !== expected)
        throw new InputError(
          'BAD_MODEL',
          `${where}: length ${length} bytes, but dims [${dims.join(', ')}] need ${expected}`,
        );
      if (length > os.totalmem())
        throw new InputError(
          'BAD_MODEL',
          `${where}: ${length} bytes, more than this machine's memory (${os.totalmem()})`,
        );
      const real = externalFile(location, baseDir, what);
      let file = fds.get(real);
      if (!file) {
        // NOTE: O_NONBLOCK: should the file be swapped for a pipe after the check, open must not hang.
        const fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
        const stat = fs.fstatSync(fd);
        file = { fd, size: stat.size };
        fds.set(real, file);
        if (!stat.isFile()) throw new InputError('BAD_PATH', `${where}: not a regular file`);
      }
      if (offset + length > file.size)
        throw new InputError(
          'BAD_MODEL',
          `${where}: needs bytes ${offset}..${offset + length}, the file has ${file.size}`,
        );
      const data = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = fs.readSync(file.fd, data, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      if (got !== length)
        throw new InputError('BAD_MODEL', `${where}: the file ended after ${offset + got} bytes`);
      t.rawData = data;
      t.externalData = [];
      delete t.dataLocation;
      loaded++;
    }
  } finally {
    for (const { fd } of fds.values()) fs.closeSync(fd);
  }
  return loaded;
}

/** Bytes per element of an ONNX data type (0 for strings and unknown types). */
export function elementBytes(dataType: number): number {
  switch (dataType) {
    case DataType.BOOL:
    case DataType.UINT8:
    case DataType.INT8:
      return 1;
    case DataType.UINT16:
    case DataType.INT16:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return 2;
    case DataType.FLOAT:
    case DataType.INT32:
    case DataType.UINT32:
      return 4;
    case DataType.DOUBLE:
    case DataType.INT64:
    case DataType.UINT64:
    case DataType.COMPLEX64:
      return 8;
    case DataType.COMPLEX128:
      return 16;
    default:
      return 0;
  }
}

/** Number of elements a TensorProto holds (product of dims; 1 for a scalar). */
export function tensorElements(t: TensorProto): number {
  return (t.dims ?? []).reduce<number>((n, d) => n * toNumber(d), 1);
}
