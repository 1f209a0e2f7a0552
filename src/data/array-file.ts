/**
 * Detecting and parsing array files (IDX or .npy, either possibly gzipped). Detection is by
 * content: the .npy magic `\x93NUMPY`, or the IDX magic 00 00 <known type> <ndim ≥ 1>. When the
 * content matches neither, a name that says which format it should be (`.npy`, `*-idx3-ubyte`,
 * `.idx`) selects that parser so that the error names the wrong magic.
 */
import { looksLikeIdx, parseIdx } from './idx';
import { NdArray } from './nd-array';
import { looksLikeNpy, parseNpy } from './npy';

/** The array file formats. */
export type ArrayFormat = 'idx' | 'npy';

/**
 * The format of `bytes` by content, else by the name `path` (without a trailing .gz), else undefined.
 * @example detectArrayFormat(bytes, 't10k-images-idx3-ubyte.gz') // 'idx'
 */
export function detectArrayFormat(bytes: Uint8Array, path: string): ArrayFormat | undefined {
  if (looksLikeNpy(bytes)) return 'npy';
  if (looksLikeIdx(bytes)) return 'idx';
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.npy')) return 'npy';
  if (/idx\d*-u?byte$|\.idx\d*$/.test(name)) return 'idx';
  return undefined;
}

/** Parse `bytes` as `format`; see {@link parseIdx} and {@link parseNpy} for the errors. */
export function parseArrayFile(bytes: Uint8Array, format: ArrayFormat, role: string): NdArray {
  return format === 'npy' ? parseNpy(bytes, role) : parseIdx(bytes, role);
}
