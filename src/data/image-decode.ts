/**
 * Decoding one PNG or JPEG file to 8-bit pixels.
 *
 * The decoder is libvips through `sharp` (libjpeg-turbo's decoder for JPEG, libpng/libspng for
 * PNG), which runs on libuv's thread pool, so several images decode at once off the main thread.
 * Its JPEG output is the same, pixel for pixel, as Pillow's (`Image.open(f).convert('RGB')`, the
 * usual torchvision pipeline): both are libjpeg-turbo with its default settings (islow IDCT,
 * smooth chroma upsampling). When sharp's prebuilt binary is not available for the platform the
 * portable pure-JavaScript decoders (pngjs, jpeg-js) are used instead; docs/data.md states how
 * far their pixels differ.
 *
 * The format is detected by its signature, not the extension. 16-bit PNGs are scaled to 8 bits
 * as pngjs does (round(v · 255 / 65535)); palette images expand to RGB; alpha is kept but ignored
 * downstream (as PIL's convert('RGB')). EXIF orientation is not applied (as PIL's Image.open).
 * A truncated file is an error (not gray or black pixels that would silently lower the measured
 * accuracy).
 */
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import type { Sharp, SharpOptions } from 'sharp';
import type { ImageHeader } from './image-header';

/** A decoded image: `width × height` pixels of `channels` 8-bit samples each, row-major, interleaved. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  readonly pixels: Uint8Array;
}

/** Which decoder decodes: libvips (sharp) or the portable JavaScript ones (pngjs, jpeg-js). */
export type ImageDecoder = 'libvips' | 'portable';

type SharpFactory = (input: Buffer, options?: SharpOptions) => Sharp;
let sharpFactory: SharpFactory | null | undefined;

/** sharp's factory, or null when its native binary cannot be loaded on this platform. */
async function loadSharp(): Promise<SharpFactory | null> {
  if (sharpFactory === undefined) {
    try {
      sharpFactory = (await import('sharp')).default as unknown as SharpFactory;
    } catch {
      sharpFactory = null;
    }
  }
  return sharpFactory;
}

/** The decoder `decodeImage` uses when none is asked for: libvips when sharp loads, else portable. */
export async function defaultImageDecoder(): Promise<ImageDecoder> {
  return (await loadSharp()) === null ? 'portable' : 'libvips';
}

/** 16-bit samples (host order, as libvips writes them) scaled to 8 bits as pngjs does. */
function to8Bit(raw: Buffer): Uint8Array {
  const words = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
  const out = new Uint8Array(words.length);
  for (let i = 0; i < words.length; i++) out[i] = Math.floor((words[i] * 255) / 65535 + 0.5);
  return out;
}

async function decodeWithSharp(
  sharp: SharpFactory,
  bytes: Buffer,
  header: ImageHeader,
): Promise<DecodedImage> {
  // NOTE: failOn 'truncated' makes a cut-off JPEG or a short PNG data stream an error; the pixel
  // limit repeats the caller's header check inside libvips as a second guard.
  let pipeline = sharp(bytes, {
    failOn: 'truncated',
    limitInputPixels: Math.max(1, header.width * header.height),
    sequentialRead: true,
  });
  // CMYK JPEGs come out as 4 ink channels; ask for sRGB as jpeg-js and PIL's convert('RGB') give.
  if (header.format === 'jpeg' && header.channels === 4) pipeline = pipeline.toColourspace('srgb');
  // NOTE: by default libvips shifts 16-bit samples to 8 bits (v >> 8); keep all 16 and round as
  // pngjs does, so both decoders agree exactly.
  const sixteen = header.bitDepth === 16;
  if (sixteen) pipeline = pipeline.toColourspace(header.channels <= 2 ? 'grey16' : 'rgb16');
  const { data, info } = await pipeline
    .raw(sixteen ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true });
  const pixels = sixteen ? to8Bit(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (info.channels < 1 || info.channels > 4 || pixels.length !== info.width * info.height * info.channels) {
    throw new Error(`unexpected decoded layout (${info.channels} channels, ${data.byteLength} bytes)`);
  }
  return { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4, pixels };
}

function decodePortable(bytes: Buffer, header: ImageHeader): DecodedImage {
  if (header.format === 'png') {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, channels: 4, pixels: png.data };
  }
  // NOTE: tolerantDecoding false: image blocks missing from the scan are an error (as PIL's
  // default). The limits are the caller's: it has checked the header already.
  const img = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    tolerantDecoding: false,
    maxResolutionInMP: Math.ceil((header.width * header.height) / 1e6) + 1,
    maxMemoryUsageInMB: Math.ceil((header.width * header.height * 16) / 2 ** 20) + 64,
  });
  return { width: img.width, height: img.height, channels: 4, pixels: img.data };
}

/**
 * Decode PNG or JPEG bytes whose header was read and checked already.
 * @param bytes the whole file
 * @param header its header (see readImageHeader); the caller has checked its size against the limits
 * @param decoder which decoder; default: libvips when available, else portable
 * @throws Error (a plain one, with the decoder's reason) when the bytes do not decode or are
 *   truncated; callers turn it into an InputError or a warning
 */
export async function decodeImage(
  bytes: Uint8Array,
  header: ImageHeader,
  decoder?: ImageDecoder,
): Promise<DecodedImage> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sharp = decoder === 'portable' ? null : await loadSharp();
  if (sharp === null) {
    if (decoder === 'libvips')
      throw new Error('the libvips decoder (sharp) is not available on this platform');
    return decodePortable(buf, header);
  }
  const image = await decodeWithSharp(sharp, buf, header);
  if (image.width !== header.width || image.height !== header.height) {
    throw new Error(
      `decoded ${image.width}x${image.height} but the header declares ${header.width}x${header.height}`,
    );
  }
  return image;
}
