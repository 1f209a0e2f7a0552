/**
 * Reading one input file into memory: path checks (missing, a directory where a file is
 * expected), and transparent gunzip detected by the gzip magic bytes 1f 8b (RFC 1952), not by
 * the extension. Loaders never write anything.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { InputError } from '../core/errors';

/** Most bytes a gzipped data or labels file may unpack to: 2 GiB - 1, as much as Node reads from a plain file. */
export const MAX_UNPACKED_BYTES = 2 ** 31 - 1;

/** What a path names on disk. */
export type PathKind = 'file' | 'directory';

/**
 * Stat a path that must exist.
 * @param path the path as the user gave it
 * @param role the prefix for messages, e.g. `--data t10k-images.gz`
 * @throws InputError BAD_PATH when it does not exist or is neither a file nor a directory
 */
export function pathKind(path: string, role: string): PathKind {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such file or directory' : `cannot stat (${code ?? String(err)})`;
    throw new InputError('BAD_PATH', `${role}: ${what}`);
  }
  if (stat.isDirectory()) return 'directory';
  if (stat.isFile()) return 'file';
  throw new InputError('BAD_PATH', `${role}: not a regular file or directory`);
}

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A file's bytes after transparent gunzip. */
export interface FileBytes {
  /** The (decompressed) content. */
  readonly bytes: Uint8Array;
  /** True when the file on disk was gzip-compressed. */
  readonly gzipped: boolean;
}

/**
 * Read a whole file and gunzip it when it starts with the gzip magic.
 * @param path a regular file
 * @param role the prefix for messages, e.g. `--labels t10k-labels.gz`
 * @param maxUnpackedBytes most bytes a gzipped file may unpack to (default MAX_UNPACKED_BYTES)
 * @throws InputError BAD_PATH for a missing, unreadable path or a directory; BAD_DATA for a
 *   corrupt or truncated gzip stream or a file too large to read at once (2 GiB on Node 20)
 */
export function readFileBytes(path: string, role: string, maxUnpackedBytes = MAX_UNPACKED_BYTES): FileBytes {
  if (pathKind(path, role) === 'directory') {
    throw new InputError('BAD_PATH', `${role}: is a directory, expected a file`);
  }
  let raw: Buffer;
  try {
    raw = fs.readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // NOTE: Node 20 reads at most 2 GiB in one call (ERR_FS_FILE_TOO_LARGE).
    throw new InputError(
      e.code === 'ERR_FS_FILE_TOO_LARGE' ? 'BAD_DATA' : 'BAD_PATH',
      `${role}: cannot read the file (${e.code ?? e.message})`,
    );
  }
  if (!isGzip(raw)) return { bytes: raw, gzipped: false };
  try {
    // NOTE: the unpacked bytes are bounded like a plain file's (Node reads at most 2 GiB at once),
    // so a small gzip bomb stops at the bound instead of filling memory.
    return { bytes: zlib.gunzipSync(raw, { maxOutputLength: maxUnpackedBytes }), gzipped: true };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new InputError(
        'BAD_DATA',
        `${role}: unpacks to more than ${maxUnpackedBytes} bytes, the limit of a data file`,
      );
    }
    throw new InputError('BAD_DATA', `${role}: cannot gunzip: ${e.message.split('\n')[0]}`);
  }
}

/** Hex of the first `n` bytes, for "wrong magic" messages: `00 00 08 03`. */
export function hexPrefix(bytes: Uint8Array, n = 4): string {
  return Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join(' ');
}
