/**
 * The body of an inference request or response: named byte streams (each one tensor in the
 * codec's byte format, src/codec/tensor-format.ts) in one buffer.
 *
 * Layout (integers little-endian):
 *   2 bytes  magic "JW"; 1 byte version 1; 2 bytes frame count n
 *   n times: 2 bytes name length, name (UTF-8), 4 bytes stream length, stream
 * Nothing may follow the last frame. Each stream carries its own checksum, so the framing only
 * has to catch truncation and lengths that run past the end.
 */
import { InputError } from '../core/errors';

/** One named stream. */
export interface Frame {
  readonly name: string;
  readonly bytes: Uint8Array;
}

const MAGIC = [0x4a, 0x57] as const;
const VERSION = 1;

/** Packs named streams into one body. */
export function encodeFrames(frames: readonly Frame[]): Uint8Array {
  const names = frames.map((f) => Buffer.from(f.name, 'utf8'));
  const size = 5 + frames.reduce((sum, f, i) => sum + 6 + names[i].length + f.bytes.length, 0);
  const out = Buffer.alloc(size);
  out[0] = MAGIC[0];
  out[1] = MAGIC[1];
  out[2] = VERSION;
  out.writeUInt16LE(frames.length, 3);
  let p = 5;
  frames.forEach((f, i) => {
    out.writeUInt16LE(names[i].length, p);
    names[i].copy(out, p + 2);
    p += 2 + names[i].length;
    out.writeUInt32LE(f.bytes.length, p);
    out.set(f.bytes, p + 4);
    p += 4 + f.bytes.length;
  });
  return out;
}

/**
 * Unpacks a body made by `encodeFrames` (streams are views into `body`).
 * @throws InputError BAD_DATA for a body that is not framed, is truncated or has trailing bytes
 */
export function decodeFrames(body: Uint8Array): Frame[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const fail = (what: string): never => {
    throw new InputError('BAD_DATA', `request body: ${what}`);
  };
  if (buf.length < 5) fail(`truncated (${buf.length} bytes, less than the 5-byte header)`);
  if (buf[0] !== MAGIC[0] || buf[1] !== MAGIC[1]) fail('not a jalad tensor body (bad magic)');
  if (buf[2] !== VERSION) fail(`unsupported body version ${buf[2]}`);
  const n = buf.readUInt16LE(3);
  const frames: Frame[] = [];
  let p = 5;
  for (let i = 0; i < n; i++) {
    if (p + 2 > buf.length) fail(`truncated in frame ${i + 1} of ${n}`);
    const nameBytes = buf.readUInt16LE(p);
    if (p + 2 + nameBytes + 4 > buf.length) fail(`truncated in frame ${i + 1} of ${n}`);
    const name = buf.toString('utf8', p + 2, p + 2 + nameBytes);
    p += 2 + nameBytes;
    const length = buf.readUInt32LE(p);
    if (p + 4 + length > buf.length) fail(`truncated in stream "${name}" (${length} bytes announced)`);
    frames.push({ name, bytes: body.subarray(p + 4, p + 4 + length) });
    p += 4 + length;
  }
  if (p !== buf.length) fail(`${buf.length - p} trailing bytes after the last frame`);
  return frames;
}
