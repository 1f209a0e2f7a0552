/**
 * Reading one input file into memory: path checks (missing, a directory where a file is
 * expected), and transparent gunzip detected by the gzip magic bytes 1f 8b (RFC 1952), not by
 * the extension. Loaders never write anything.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { InputError } from '../core/errors';

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
 * @throws InputError BAD_PATH for a missing, unreadable path or a directory; BAD_DATA for a
 *   corrupt or truncated gzip stream or a file too large to read at once (2 GiB on Node 20)
 */
export function readFileBytes(path: string, role: string): FileBytes {
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
    return { bytes: zlib.gunzipSync(raw), gzipped: true };
  } catch (err) {
    throw new InputError('BAD_DATA', `${role}: cannot gunzip: ${(err as Error).message}`);
  }
}

/** Hex of the first `n` bytes, for "wrong magic" messages: `00 00 08 03`. */
export function hexPrefix(bytes: Uint8Array, n = 4): string {
  return Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join(' ');
}
