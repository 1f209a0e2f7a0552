// Tiny writers for real test files (IDX, .npy, PNG, JPEG) and a temp-dir helper.
// Writers are independent of src/data so that the loaders are tested against the formats' specs.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';

export type IdxType = 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double';

const IDX_CODES: Record<IdxType, [number, number]> = {
  ubyte: [0x08, 1],
  byte: [0x09, 1],
  short: [0x0b, 2],
  int: [0x0c, 4],
  float: [0x0d, 4],
  double: [0x0e, 8],
};

/** IDX bytes: 00 00 type ndim, big-endian uint32 dims, big-endian payload. */
export function idxBytes(type: IdxType, dims: readonly number[], values: ArrayLike<number>): Buffer {
  const [code, size] = IDX_CODES[type];
  const buf = Buffer.alloc(4 + 4 * dims.length + values.length * size);
  buf[2] = code;
  buf[3] = dims.length;
  dims.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  let at = 4 + 4 * dims.length;
  for (let i = 0; i < values.length; i++, at += size) {
    const v = values[i];
    if (type === 'ubyte') buf.writeUInt8(v, at);
    else if (type === 'byte') buf.writeInt8(v, at);
    else if (type === 'short') buf.writeInt16BE(v, at);
    else if (type === 'int') buf.writeInt32BE(v, at);
    else if (type === 'float') buf.writeFloatBE(v, at);
    else buf.writeDoubleBE(v, at);
  }
  return buf;
}

export type NpyDescr = '<f4' | '<f8' | '|u1' | '<i8' | '<i4';

/** The payload of a little-endian .npy array. */
export function npyPayload(descr: NpyDescr, values: ArrayLike<number>): Buffer {
  switch (descr) {
    case '<f4':
      return Buffer.from(Float32Array.from(values).buffer);
    case '<f8':
      return Buffer.from(Float64Array.from(values).buffer);
    case '|u1':
      return Buffer.from(Uint8Array.from(values).buffer);
    case '<i4':
      return Buffer.from(Int32Array.from(values).buffer);
    case '<i8':
      return Buffer.from(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
  }
}

/** .npy bytes as numpy writes them: header padded with spaces to a multiple of 64, ending in '\n'. */
export function npyBytes(
  version: 1 | 2 | 3,
  descr: string,
  dims: readonly number[],
  payload: Buffer,
  fortranOrder = false,
): Buffer {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shape}, }`;
  return npyWithHeader(version, dict, payload);
}

/** .npy bytes around an arbitrary header dict text (padded as numpy does). */
export function npyWithHeader(version: 1 | 2 | 3, dict: string, payload: Buffer): Buffer {
  const lenBytes = version === 1 ? 2 : 4;
  const pre = 8 + lenBytes;
  const padded = dict + ' '.repeat(64 - ((pre + dict.length + 1) % 64 || 64)) + '\n';
  const head = Buffer.alloc(pre);
  Buffer.from('\x93NUMPY', 'latin1').copy(head);
  head[6] = version;
  head[7] = 0;
  if (version === 1) head.writeUInt16LE(padded.length, 8);
  else head.writeUInt32LE(padded.length, 8);
  return Buffer.concat([head, Buffer.from(padded, version === 3 ? 'utf8' : 'latin1'), payload]);
}

/** A PNG of the given RGBA pixels; colorType 0 (gray), 2 (RGB) or 6 (RGBA). */
export function pngBytes(width: number, height: number, rgba: Uint8Array, colorType: 0 | 2 | 6 = 2): Buffer {
  const png = new PNG({ width, height });
  Buffer.from(rgba).copy(png.data);
  return PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true });
}

/** A JPEG of the given RGBA pixels (lossy: compare with a tolerance). */
export function jpegBytes(width: number, height: number, rgba: Uint8Array, quality = 100): Buffer {
  return jpeg.encode({ width, height, data: Buffer.from(rgba) }, quality).data;
}

/** RGBA pixels from a per-pixel function (alpha 255). */
export function rgbaImage(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      out.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return out;
}

/** gzip, as the MNIST distribution does. */
export function gzip(bytes: Buffer): Buffer {
  return zlib.gzipSync(bytes);
}

/** A fresh temp dir; `write(rel, bytes)` creates parents; `remove()` deletes it all. */
export interface TempDir {
  readonly root: string;
  write(rel: string, bytes: Buffer | string): string;
  mkdir(rel: string): string;
  remove(): void;
}

export function tempDir(prefix = 'jalad-data-'): TempDir {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    root,
    write(rel, bytes) {
      const p = path.join(root, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, bytes);
      return p;
    },
    mkdir(rel) {
      const p = path.join(root, rel);
      fs.mkdirSync(p, { recursive: true });
      return p;
    },
    remove() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Run `fn`, expecting it to throw (or reject) an error; returns it for assertions. */
export async function caught(fn: () => unknown): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error, got none');
}

/** Deterministic pseudo-random bytes for pixel data (xorshift32, seeded). */
export function seededBytes(n: number, seed: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A PNG written field by field: IHDR as given, `scanlines` (filter byte + packed samples per row,
 * as many rows as the test wants: fewer makes a short image) deflated into one IDAT, optional
 * chunks (PLTE) before it. For headers that lie, bit depths pngjs cannot write, and palettes.
 */
export function rawPng(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  scanlines: Buffer,
  before: Buffer[] = [],
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...before,
    pngChunk('IDAT', zlib.deflateSync(scanlines)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
