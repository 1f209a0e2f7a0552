/**
 * Decoding one PNG or JPEG file to 8-bit RGBA with pngjs and jpeg-js. The format is detected by
 * its signature (PNG: 89 50 4E 47 0D 0A 1A 0A, ISO/IEC 15948; JPEG: FF D8 FF, ITU T.81), not by
 * the extension. 16-bit PNGs are scaled to 8 bits by pngjs; palette and grayscale images expand
 * to RGB; alpha is kept in the buffer but ignored downstream (as PIL's convert('RGB')).
 */
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';

/** A decoded image: `width × height` pixels, 4 bytes (R, G, B, A) each, row-major. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Decode PNG or JPEG bytes.
 * @throws Error (a plain one, with the decoder's reason) when the bytes are neither format or do
 *   not decode; callers turn it into an InputError or a warning
 */
export function decodeImage(bytes: Uint8Array): RgbaImage {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, rgba: png.data };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    // NOTE: tolerantDecoding false: image blocks missing from the scan are an error (as PIL's
    // default), not gray patches that would silently lower the measured accuracy.
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
    return { width: img.width, height: img.height, rgba: img.data };
  }
  throw new Error('not a PNG or JPEG file (unknown signature)');
}
