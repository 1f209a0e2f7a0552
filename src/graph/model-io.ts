/**
 * ONNX bytes <-> ModelProto, and reading a model file safely.
 *
 * Decoding keeps every field of the current IR (see onnx-schema.ts); initializer
 * `rawData` stays a view into the file's buffer, so a 100 MB model is not copied.
 * External data (ONNX IR "external_data") is resolved relative to the model's folder
 * and must stay inside it.
 */
import * as fs from 'fs';
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
}

/**
 * Reads and decodes an ONNX file; loads external data (which must lie inside the
 * model's folder) into the tensors so the model is self-contained in memory.
 * @throws InputError 'BAD_PATH' for a missing file, a directory or an unsafe external path;
 *   'BAD_MODEL' for a file that is not ONNX.
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
  const bytes = fs.readFileSync(filePath);
  const model = decodeModel(bytes, filePath);
  loadExternalData(model, path.dirname(path.resolve(filePath)), filePath);
  return { model, path: filePath, fileBytes: bytes.length, bytes };
}

/** Every tensor held by the model's main graph and its subgraphs (initializers and Constant values). */
function* allTensors(model: ModelProto): Generator<TensorProto> {
  const graphs = model.graph ? [model.graph] : [];
  while (graphs.length > 0) {
    const g = graphs.pop()!;
    for (const t of g.initializer ?? []) yield t;
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

/**
 * Replaces external-data references by the bytes they point to (views into each file,
 * read once). A location must be a relative path that stays inside `baseDir`.
 */
function loadExternalData(model: ModelProto, baseDir: string, source: string): void {
  const files = new Map<string, Buffer>();
  for (const t of allTensors(model)) {
    if (t.dataLocation !== EXTERNAL) continue;
    const info = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = info.get('location');
    if (!location)
      throw new InputError('BAD_MODEL', `${source}: tensor "${t.name}" is external but has no location`);
    const resolved = path.resolve(baseDir, location);
    const rel = path.relative(baseDir, resolved);
    if (path.isAbsolute(location) || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new InputError(
        'BAD_PATH',
        `${source}: tensor "${t.name}" has external data at "${location}", which leaves the model's folder`,
      );
    }
    let file = files.get(resolved);
    if (!file) {
      try {
        file = fs.readFileSync(resolved);
      } catch {
        throw new InputError(
          'BAD_PATH',
          `${source}: external data file "${location}" of tensor "${t.name}" cannot be read`,
        );
      }
      files.set(resolved, file);
    }
    const offset = Number(info.get('offset') ?? 0);
    const length = info.has('length') ? Number(info.get('length')) : file.length - offset;
    if (
      !Number.isInteger(offset) ||
      !Number.isInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > file.length
    ) {
      throw new InputError(
        'BAD_MODEL',
        `${source}: tensor "${t.name}" reads bytes ${offset}..${offset + length} of "${location}", which has ${file.length}`,
      );
    }
    t.rawData = file.subarray(offset, offset + length);
    t.externalData = [];
    delete t.dataLocation;
  }
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
