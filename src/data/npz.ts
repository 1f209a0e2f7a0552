/**
 * Reading a NumPy .npz archive (numpy.savez / savez_compressed): a ZIP file holding one .npy file
 * per array, stored or deflated. Only what numpy writes is read: no ZIP64, no encryption, no
 * multi-disk archives (APPNOTE.TXT, sections 4.3.7, 4.3.12, 4.3.16).
 */
import * as zlib from 'zlib';
import { InputError } from '../core/errors';
import type { NdArray } from './nd-array';
import { parseNpy } from './npy';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
/** End-of-directory record: 22 bytes, then a comment of at most 65,535 bytes. */
const END_RECORD_BYTES = 22;

/** True when `bytes` starts like a ZIP archive (a local file header). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32LE(0) === LOCAL_HEADER;
}

function bad(role: string, why: string): never {
  throw new InputError('BAD_DATA', `${role}: ${why}`);
}

/** Offset of the end-of-directory record, searched backwards over a possible comment. */
function endOfDirectory(buf: Buffer, role: string): number {
  const lowest = Math.max(0, buf.length - END_RECORD_BYTES - 65535);
  for (let at = buf.length - END_RECORD_BYTES; at >= lowest; at--)
    if (buf.readUInt32LE(at) === END_OF_DIRECTORY) return at;
  return bad(role, 'not a readable .npz (ZIP) file: no end-of-directory record');
}

/** One member's bytes, inflated when deflated. */
function memberBytes(buf: Buffer, entry: number, role: string, name: string): Uint8Array {
  const method = buf.readUInt16LE(entry + 10);
  const compressed = buf.readUInt32LE(entry + 20);
  const size = buf.readUInt32LE(entry + 24);
  const local = buf.readUInt32LE(entry + 42);
  if (compressed === 0xffffffff || size === 0xffffffff || local === 0xffffffff)
    bad(role, `${name}: ZIP64 members are not supported`);
  if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL_HEADER)
    bad(role, `${name}: the member's local header is missing (truncated file?)`);
  const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  if (start + compressed > buf.length)
    bad(role, `${name}: the member runs past the end of the file (truncated?)`);
  const raw = buf.subarray(start, start + compressed);
  if (method === 0) return raw;
  if (method !== 8)
    bad(role, `${name}: ZIP compression method ${method} is not supported (stored or deflated only)`);
  try {
    // NOTE: bounded by the size the directory declares: a member cannot inflate past it.
    return zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
  } catch (error) {
    return bad(role, `${name}: the deflated member is corrupt (${(error as Error).message})`);
  }
}

/**
 * The arrays of an .npz archive by name (the member name without `.npy`), in archive order.
 * @param role names the file in messages, e.g. `--data inputs.npz`
 * @throws InputError 'BAD_DATA' for a malformed archive or member, naming the member
 */
export function parseNpz(bytes: Uint8Array, role: string): Map<string, NdArray> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < END_RECORD_BYTES) bad(role, 'not a readable .npz (ZIP) file: too short');
  const end = endOfDirectory(buf, role);
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const arrays = new Map<string, NdArray>();
  for (let i = 0; i < count; i++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== CENTRAL_HEADER)
      bad(role, `not a readable .npz (ZIP) file: directory entry ${i} is malformed`);
    const nameLength = buf.readUInt16LE(at + 28);
    const name = buf.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const next = at + 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    if (!name.endsWith('/')) {
      const key = name.replace(/\.npy$/, '');
      arrays.set(key, parseNpy(memberBytes(buf, at, role, name), `${role} (${name})`));
    }
    at = next;
  }
  if (arrays.size === 0) bad(role, 'the .npz archive holds no arrays');
  return arrays;
}
