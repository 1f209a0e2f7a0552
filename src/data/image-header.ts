/**
 * Reading an image's dimensions from its header, without decoding it, so that its size can be
 * checked before any pixel memory is allocated.
 *
 * PNG (ISO/IEC 15948): the 8-byte signature, then the IHDR chunk: width, height (uint32 BE), bit
 * depth and colour type. JPEG (ITU T.81): segments after SOI (FF D8) are walked by their 16-bit
 * lengths until the first start-of-frame marker (SOF0..SOF15 except DHT C4, JPG C8, DAC CC),
 * which holds precision, height, width and the component count. Only the bytes of the segment
 * markers are read, so an EXIF or ICC segment of any size costs one small read.
 */
import * as fs from 'fs';

/** What an image header declares. */
export interface ImageHeader {
  readonly format: 'png' | 'jpeg';
  readonly width: number;
  readonly height: number;
  /** Samples per pixel as stored: 1 (gray, palette), 2 (gray + alpha), 3 (RGB, YCbCr), 4 (RGBA, CMYK). */
  readonly channels: number;
  /** Bits per sample as stored (PNG 1, 2, 4, 8, 16; JPEG 8 or 12). */
  readonly bitDepth: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** PNG colour type → samples per pixel (type 3 is a palette index). */
const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Positional reads of a file or of bytes already in memory. */
export type ReadAt = (position: number, length: number) => Uint8Array;

/** A ReadAt over an open file descriptor (short reads at the end of the file return fewer bytes). */
export function fileReader(fd: number): ReadAt {
  return (position, length) => {
    const buf = Buffer.alloc(length);
    const n = fs.readSync(fd, buf, 0, length, position);
    return buf.subarray(0, n);
  };
}

/** A ReadAt over bytes in memory. */
export function bytesReader(bytes: Uint8Array): ReadAt {
  return (position, length) => bytes.subarray(position, position + length);
}

function pngHeader(read: ReadAt): ImageHeader {
  const b = read(8, 25);
  // length 13, "IHDR", width, height, depth, colour type, ...
  if (b.length < 18 || b[4] !== 0x49 || b[5] !== 0x48 || b[6] !== 0x44 || b[7] !== 0x52) {
    throw new Error('PNG without an IHDR chunk (truncated or corrupt header)');
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const width = view.getUint32(8);
  const height = view.getUint32(12);
  const bitDepth = b[16];
  const channels = PNG_CHANNELS[b[17]];
  if (channels === undefined) throw new Error(`PNG colour type ${b[17]} is not defined`);
  if (![1, 2, 4, 8, 16].includes(bitDepth)) throw new Error(`PNG bit depth ${bitDepth} is not defined`);
  return { format: 'png', width, height, channels, bitDepth };
}

/** True for the start-of-frame markers C0..CF other than DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegHeader(read: ReadAt): ImageHeader {
  let pos = 2;
  // NOTE: bounded: every step moves forward by at least 2 bytes and a file is finite; a segment
  // count cap keeps a pathological file of padding bytes from costing many small reads.
  for (let step = 0; step < 100_000; step++) {
    const m = read(pos, 4);
    if (m.length < 4) throw new Error('JPEG ends before its frame header (truncated)');
    if (m[0] !== 0xff) throw new Error(`JPEG segment expected at byte ${pos}, found ${m[0].toString(16)}`);
    const marker = m[1];
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) throw new Error('JPEG has no frame header before its scan');
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // markers without a length
      continue;
    }
    const length = (m[2] << 8) | m[3];
    if (length < 2) throw new Error(`JPEG segment at byte ${pos} has length ${length}`);
    if (isStartOfFrame(marker)) {
      const f = read(pos + 4, 6);
      if (f.length < 6) throw new Error('JPEG frame header truncated');
      return {
        format: 'jpeg',
        bitDepth: f[0],
        height: (f[1] << 8) | f[2],
        width: (f[3] << 8) | f[4],
        channels: f[5],
      };
    }
    pos += 2 + length;
  }
  throw new Error('JPEG has too many segments before its frame header');
}

/**
 * The format and declared size of a PNG or JPEG, from its first bytes.
 * @throws Error (plain, with the reason) for an unknown signature or a truncated/corrupt header
 */
export function readImageHeader(read: ReadAt): ImageHeader {
  const sig = read(0, 8);
  if (sig.length === 8 && PNG_SIGNATURE.every((b, i) => sig[i] === b)) return pngHeader(read);
  if (sig.length >= 3 && sig[0] === 0xff && sig[1] === 0xd8 && sig[2] === 0xff) return jpegHeader(read);
  throw new Error('not a PNG or JPEG file (unknown signature)');
}
