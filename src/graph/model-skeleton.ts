/**
 * A model read for its structure: everything but the large initializer data, which stays in the
 * file and is read back one tensor at a time when asked for. Structure-only analysis (`analyze
 * --no-profile`) needs the graph, the dims and types of the weights, and their values only to run
 * the shape probe a segment at a time; holding a 100 MB file in memory for that would make the
 * file the largest thing in the process.
 *
 * The file is scanned in chunks (protobuf wire format, ModelProto -> graph -> initializer ->
 * raw_data) and hashed on the way; the bytes of every other field are copied into a small
 * protobuf that decodes as usual.
 *
 * A session gets those weights without a copy in JavaScript: `inFile` turns an initializer into an
 * ONNX external-data reference to its bytes in the model file, which ONNX Runtime reads itself.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../core/errors';
import { decodeModel, readModelFile, requireTensorInputs, type LoadedModel } from './model-io';
import type { TensorProto } from './onnx-types';

/** raw_data fields at least this large stay in the file. */
const LAZY_MIN_BYTES = 4096;

/** Chunk size of the scan. */
const CHUNK_BYTES = 1 << 20;

/** Where one tensor's raw_data lies in the file. */
interface FileRange {
  readonly offset: number;
  readonly length: number;
}

/** Reads a file forwards through a window, hashing every byte once. */
class Cursor {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  private hashedTo = 0;
  private readonly hash = createHash('sha256');
  constructor(
    private readonly fd: number,
    readonly size: number,
    readonly source: string,
  ) {}

  /** The byte at `pos`. */
  byte(pos: number): number {
    const k = pos - this.windowStart;
    if (k >= 0 && k < this.window.length) return this.window[k];
    return this.bytes(pos, 1)[0];
  }

  /** Bytes [pos, pos + n) (n small, or a field to copy). */
  bytes(pos: number, n: number): Buffer {
    if (pos + n > this.size) throw this.truncated();
    if (pos < this.windowStart || pos + n > this.windowStart + this.window.length) this.load(pos, n);
    return this.window.subarray(pos - this.windowStart, pos - this.windowStart + n);
  }

  /** A varint at `pos`: its value and the position after it. */
  varint(pos: number): [number, number] {
    let value = 0;
    let scale = 1;
    for (let k = 0; k < 10; k++) {
      const b = this.byte(pos + k);
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) {
        if (!Number.isSafeInteger(value)) break;
        return [value, pos + k + 1];
      }
    }
    throw new InputError('BAD_MODEL', `${this.source}: not a valid ONNX model (bad varint at byte ${pos})`);
  }

  /** Hashes the rest of the file (skipped ranges included) and returns the digest. */
  digest(): string {
    this.hashTo(this.size);
    return this.hash.digest('hex');
  }

  private load(pos: number, n: number): void {
    const length = Math.min(this.size - pos, Math.max(n, CHUNK_BYTES));
    this.hashTo(pos);
    const buf = Buffer.allocUnsafe(length);
    this.readInto(buf, pos);
    this.window = buf;
    this.windowStart = pos;
    // The window is hashed as it is read; bytes before it were hashed by hashTo.
    if (pos === this.hashedTo) {
      this.hash.update(buf);
      this.hashedTo = pos + length;
    } else if (pos < this.hashedTo && pos + length > this.hashedTo) {
      this.hash.update(buf.subarray(this.hashedTo - pos));
      this.hashedTo = pos + length;
    }
  }

  /** Hashes the file up to `pos` (reading skipped ranges in chunks). */
  private hashTo(pos: number): void {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(0, pos - this.hashedTo)));
    while (this.hashedTo < pos) {
      const n = Math.min(buf.length, pos - this.hashedTo);
      this.readInto(buf.subarray(0, n), this.hashedTo);
      this.hash.update(buf.subarray(0, n));
      this.hashedTo += n;
    }
  }

  private readInto(buf: Buffer, pos: number): void {
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(this.fd, buf, got, buf.length - got, pos + got);
      if (n === 0) throw this.truncated();
      got += n;
    }
  }

  private truncated(): InputError {
    return new InputError(
      'BAD_MODEL',
      `${this.source}: not a valid ONNX model (truncated: ${this.size} bytes)`,
    );
  }
}

/** A field's tag and where its payload lies. */
interface Field {
  readonly number: number;
  readonly wire: number;
  /** Start of the field (its tag). */
  readonly start: number;
  /** Start and end of a length-delimited payload (for other wire types: end of the field). */
  readonly payload: number;
  readonly end: number;
}

/** The fields of the message at [start, end). */
function* fields(c: Cursor, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = c.varint(pos);
    const number = Math.floor(tag / 8);
    const wire = tag & 7;
    let payload = afterTag;
    let fieldEnd: number;
    if (wire === 0) fieldEnd = c.varint(afterTag)[1];
    else if (wire === 1) fieldEnd = afterTag + 8;
    else if (wire === 5) fieldEnd = afterTag + 4;
    else if (wire === 2) {
      const [length, after] = c.varint(afterTag);
      payload = after;
      fieldEnd = after + length;
    } else throw new InputError('BAD_MODEL', `${c.source}: not a valid ONNX model (wire type ${wire})`);
    if (fieldEnd > end)
      throw new InputError('BAD_MODEL', `${c.source}: not a valid ONNX model (field past its message)`);
    yield { number, wire, start: pos, payload, end: fieldEnd };
    pos = fieldEnd;
  }
}

/** A varint's bytes. */
function varintBytes(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** A length-delimited field of `number` holding `parts`. */
function lengthField(number: number, parts: readonly Buffer[]): Buffer[] {
  const length = parts.reduce((s, p) => s + p.length, 0);
  return [varintBytes(number * 8 + 2), varintBytes(length), ...parts];
}

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
/** TensorProto.DataLocation EXTERNAL. */
const EXTERNAL_DATA = 1;

/** A TensorProto with a large raw_data left out; the range it occupies. */
function tensorSkeleton(c: Cursor, f: Field): { parts: Buffer[]; range?: FileRange } {
  const parts: Buffer[] = [];
  let range: FileRange | undefined;
  for (const t of fields(c, f.payload, f.end)) {
    if (t.number === TENSOR_RAW_DATA && t.wire === 2 && t.end - t.payload >= LAZY_MIN_BYTES)
      range = { offset: t.payload, length: t.end - t.payload };
    else parts.push(Buffer.from(c.bytes(t.start, t.end - t.start)));
  }
  return { parts: lengthField(GRAPH_INITIALIZER, parts), range };
}

/** The model's structure (initializer data left in the file), the data's ranges and the file's hash. */
function scan(c: Cursor): { skeleton: Buffer; ranges: (FileRange | undefined)[]; sha256: string } {
  const out: Buffer[] = [];
  const ranges: (FileRange | undefined)[] = [];
  for (const f of fields(c, 0, c.size)) {
    if (f.number !== MODEL_GRAPH || f.wire !== 2) {
      out.push(Buffer.from(c.bytes(f.start, f.end - f.start)));
      continue;
    }
    const graph: Buffer[] = [];
    for (const g of fields(c, f.payload, f.end)) {
      if (g.number === GRAPH_INITIALIZER && g.wire === 2) {
        const t = tensorSkeleton(c, g);
        graph.push(...t.parts);
        ranges.push(t.range);
      } else graph.push(Buffer.from(c.bytes(g.start, g.end - g.start)));
    }
    out.push(...lengthField(MODEL_GRAPH, graph));
  }
  return { skeleton: Buffer.concat(out), ranges, sha256: c.digest() };
}

/** A model read for its structure; large initializer data is read from the file on demand. */
export interface ModelSkeleton extends LoadedModel {
  /**
   * The tensor with its data in memory: an initializer whose data stayed in the file comes back
   * as a copy holding it; any other tensor as it is.
   */
  readonly withData: (t: TensorProto) => TensorProto;
  /**
   * The tensor as a session should get it without a copy in JavaScript: an initializer whose data
   * stayed in the file comes back as a copy pointing at its bytes there (ONNX external data, its
   * location the file's real path relative to EXTERNAL_DATA_ROOT, which jalad's sessions resolve
   * locations against); any other tensor as it is.
   */
  readonly inFile: (t: TensorProto) => TensorProto;
}

/**
 * The folder every session resolves external-data locations against: the file system's root, so
 * that a location can name any file by its real path (ONNX Runtime refuses absolute locations and
 * any that lead out of that folder).
 */
export const EXTERNAL_DATA_ROOT = path.parse(path.resolve('/')).root;

/** `inFile` and `withData` of a skeleton whose large initializers lie at `lazy`'s ranges of the file (at `realPath`). */
function fileTensors(
  filePath: string,
  realPath: string,
  lazy: ReadonlyMap<TensorProto, FileRange>,
): Pick<ModelSkeleton, 'inFile' | 'withData'> {
  const location = path.relative(EXTERNAL_DATA_ROOT, realPath);
  // A file on another drive than the sessions' root (Windows) cannot be named: its data is read.
  const named = path.parse(realPath).root === EXTERNAL_DATA_ROOT;
  const withData = (t: TensorProto): TensorProto => {
    const r = lazy.get(t);
    if (!r) return t;
    const data = Buffer.allocUnsafe(r.length);
    const fdData = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      let got = 0;
      while (got < r.length) {
        const n = fs.readSync(fdData, data, got, r.length - got, r.offset + got);
        if (n === 0)
          throw new InputError('BAD_MODEL', `${filePath}: changed while read (tensor "${t.name}")`);
        got += n;
      }
    } finally {
      fs.closeSync(fdData);
    }
    return { ...t, rawData: data };
  };
  return {
    withData,
    inFile: (t) => {
      const r = lazy.get(t);
      if (!r) return t;
      if (!named) return withData(t);
      // NOTE: ONNX Runtime maps or reads exactly these bytes of the file itself when a session
      // opens, and frees them with the session: the weights never pass through JavaScript.
      const externalData = [
        { key: 'location', value: location },
        { key: 'offset', value: String(r.offset) },
        { key: 'length', value: String(r.length) },
      ];
      return { ...t, dataLocation: EXTERNAL_DATA, externalData };
    },
  };
}

/**
 * Reads a model for structure-only work: the file is scanned in 1 MiB chunks, large initializer
 * data left in it. `bytes` and `sessionBytes` read the whole file when first asked for. A model
 * with external data, or one the scan cannot read, is read whole by `readModelFile` (whose checks
 * and messages then apply).
 */
export function readModelSkeleton(filePath: string): ModelSkeleton {
  let fd: number | undefined;
  let scanned: ReturnType<typeof scan> | undefined;
  let size = 0;
  try {
    const stat = fs.statSync(filePath);
    if (stat.isFile() && stat.size > 0) {
      fd = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      size = fs.fstatSync(fd).size;
      scanned = scan(new Cursor(fd, size, filePath));
    }
  } catch {
    scanned = undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  const whole = () => ({
    ...readModelFile(filePath),
    withData: (t: TensorProto) => t,
    inFile: (t: TensorProto) => t,
  });
  if (!scanned) return whole();
  let model;
  try {
    model = decodeModel(scanned.skeleton, filePath);
  } catch {
    return whole();
  }
  requireTensorInputs(model, filePath);
  const inits = model.graph?.initializer ?? [];
  if (inits.length !== scanned.ranges.length || inits.some((t) => t.dataLocation === 1)) return whole();
  const lazy = new Map<TensorProto, FileRange>();
  inits.forEach((t, i) => {
    const r = scanned!.ranges[i];
    if (r) lazy.set(t, r);
  });
  // NOTE: ONNX Runtime refuses an external location that leads out of its folder, through a
  // symbolic link too: sessions name the file by its real path.
  const realPath = fs.realpathSync(filePath);
  let full: LoadedModel | undefined;
  const fullRead = () => (full ??= readModelFile(filePath));
  return {
    model,
    path: filePath,
    fileBytes: size,
    sha256: scanned.sha256,
    get bytes() {
      return fullRead().bytes;
    },
    get sessionBytes() {
      return fullRead().sessionBytes;
    },
    ...fileTensors(filePath, realPath, lazy),
  };
}

/**
 * Reads a model for sessions that read its weights from the file: readModelSkeleton's model with
 * every large initializer replaced by its `inFile` reference. Parts extracted from it share those
 * references, so neither the file nor any part's weights are held in JavaScript; ONNX Runtime reads
 * what each session needs when it opens and frees it with the session. Not for writing models out
 * (the references name this file); `bytes` and `sessionBytes` read the whole file when asked for.
 */
export function readModelInFile(filePath: string): LoadedModel {
  const skeleton = readModelSkeleton(filePath);
  const g = skeleton.model.graph;
  if (g?.initializer) g.initializer = g.initializer.map(skeleton.inFile);
  return skeleton;
}
