/**
 * Bounds on what one image may cost, checked from its header before its pixels are decoded or
 * its file is read whole, so that a 97-byte file declaring 20000x20000 pixels (or a valid 1-bit
 * PNG of that size) is refused in microseconds instead of allocating gigabytes.
 */
import * as fs from 'fs';
import { InputError } from '../core/errors';
import { ImageHeader, fileReader, readImageHeader } from './image-header';

/**
 * Most pixels one image may have: 2^26 = 67,108,864 (8192 x 8192), about 5x the largest
 * ImageNet validation image. Its 8-bit RGBA pixels take 256 MiB, its float copy 768 MiB.
 */
export const MAX_IMAGE_PIXELS = 2 ** 26;

/** Most bytes the decoded samples of one image may take (16-bit RGBA at the pixel limit: 512 MiB). */
export const MAX_DECODED_BYTES = 2 ** 29;

/** Most pixels per side of `--size` and `--crop`. */
export const MAX_SIZE_SIDE = 8192;

/**
 * Slack of the file-size check: a file may hold its raw pixels twice over (incompressible data in
 * PNG or JPEG stays within that) plus 16 MiB of metadata (EXIF, ICC profiles, text chunks).
 */
const FILE_SLACK_BYTES = 16 * 2 ** 20;

/** Bytes of the decoded samples as stored: width x height x channels x bytes per sample (at least RGBA 8-bit). */
export function decodedBytes(h: ImageHeader): number {
  return h.width * h.height * Math.max(4, h.channels * (h.bitDepth > 8 ? 2 : 1));
}

/**
 * Check what a header declares against the limits.
 * @param what the message prefix, e.g. `--data val/: image cat/1.jpg`
 * @throws InputError BAD_DATA naming the dimensions and the limit that they exceed
 */
export function checkImageHeader(h: ImageHeader, what: string): void {
  const dims = `${h.width}x${h.height}`;
  if (h.width < 1 || h.height < 1)
    throw new InputError('BAD_DATA', `${what}: header declares ${dims} pixels`);
  const pixels = h.width * h.height;
  if (pixels > MAX_IMAGE_PIXELS) {
    throw new InputError(
      'BAD_DATA',
      `${what}: ${dims} pixels (${pixels}) is over the limit of ${MAX_IMAGE_PIXELS} pixels (8192x8192); refused before decoding`,
    );
  }
  const bytes = decodedBytes(h);
  if (bytes > MAX_DECODED_BYTES) {
    throw new InputError(
      'BAD_DATA',
      `${what}: ${dims} pixels of ${h.channels}x${h.bitDepth} bits decode to ${bytes} bytes, over the limit of ${MAX_DECODED_BYTES}`,
    );
  }
}

/** An image file whose header has been read and checked. */
export interface CheckedImageFile {
  readonly path: string;
  readonly header: ImageHeader;
  /** The file's size in bytes when it was checked. */
  readonly sizeBytes: number;
}

/**
 * Open an image file and read and check its header (a few small reads, whatever the file's size).
 * @param file the path to open
 * @param what the message prefix, e.g. `--data val/: image cat/1.jpg`
 * @throws InputError BAD_DATA for a header over the limits or a file far larger than its pixels;
 *   Error (plain) for an unreadable file or header, which callers may skip (--on-bad-image skip)
 */
export function checkImageFile(file: string, what: string): CheckedImageFile {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new Error('not a regular file');
    const header = readImageHeader(fileReader(fd));
    checkImageHeader(header, what);
    const maxFile = 2 * decodedBytes(header) + FILE_SLACK_BYTES;
    if (stat.size > maxFile) {
      throw new InputError(
        'BAD_DATA',
        `${what}: file of ${stat.size} bytes for ${header.width}x${header.height} pixels is over the limit of ${maxFile} bytes`,
      );
    }
    return { path: file, header, sizeBytes: stat.size };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Read a checked image file whole, at most the size it had when checked.
 * @throws Error (plain) when it cannot be read
 */
export async function readImageBytes(checked: CheckedImageFile): Promise<Buffer> {
  const handle = await fs.promises.open(checked.path, 'r');
  try {
    const bytes = Buffer.alloc(checked.sizeBytes);
    let got = 0;
    while (got < bytes.length) {
      const { bytesRead } = await handle.read(bytes, got, bytes.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return bytes.subarray(0, got);
  } finally {
    await handle.close();
  }
}
