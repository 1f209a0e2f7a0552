/**
 * The libvips decoder (sharp) against the portable one (pngjs, jpeg-js) that jalad used before:
 * PNG pixel-exact in every colour type and bit depth; JPEG within the documented tolerance
 * (docs/data.md); truncated files are errors; headers are read without decoding.
 */
import sharp from 'sharp';
import { DecodedImage, ImageDecoder, decodeImage } from '../../src/data/image-decode';
import { bytesReader, readImageHeader } from '../../src/data/image-header';
import { scaledPixels } from '../../src/data/image-pixels';
import { caught, jpegBytes, pngBytes, pngChunk, rawPng, rgbaImage, seededBytes } from './fixtures';

const W = 37;
const H = 23;

async function decodeWith(bytes: Buffer, decoder: ImageDecoder): Promise<DecodedImage> {
  return decodeImage(bytes, readImageHeader(bytesReader(bytes)), decoder);
}

/** Both decoders' RGB samples (alpha dropped, gray replicated), as jalad's loader uses them. */
async function bothRgb(bytes: Buffer): Promise<[Float32Array, Float32Array]> {
  const asRgb = (image: DecodedImage): Float32Array => scaledPixels(image, 3, (v) => v);
  return [asRgb(await decodeWith(bytes, 'libvips')), asRgb(await decodeWith(bytes, 'portable'))];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Scanlines with filter byte 0 and the given bytes per row taken from seeded noise. */
function noiseRows(rowBytes: number, rows: number, seed: number): Buffer {
  const noise = seededBytes(rowBytes * rows, seed);
  const out = Buffer.alloc((rowBytes + 1) * rows);
  for (let y = 0; y < rows; y++)
    Buffer.from(noise.subarray(y * rowBytes, (y + 1) * rowBytes)).copy(out, y * (rowBytes + 1) + 1);
  return out;
}

const photo = rgbaImage(W, H, (x, y) => [
  (x * 7 + y * 3) & 255,
  (x * y) & 255,
  ((x >> 3) + (y >> 3)) & 1 ? 220 : 30,
]);

describe('PNG: libvips and pngjs agree pixel for pixel', () => {
  const palette = pngChunk('PLTE', Buffer.from(seededBytes(3 * 16, 9)));
  test.each<[string, Buffer]>([
    ['8-bit RGB', pngBytes(W, H, photo, 2)],
    ['8-bit RGBA', pngBytes(W, H, photo, 6)],
    ['8-bit gray', pngBytes(W, H, photo, 0)],
    ['8-bit gray + alpha', rawPng(W, H, 8, 4, noiseRows(W * 2, H, 3))],
    ['1-bit gray', rawPng(W, H, 1, 0, noiseRows(Math.ceil(W / 8), H, 4))],
    ['4-bit palette', rawPng(W, H, 4, 3, noiseRows(Math.ceil(W / 2), H, 5), [palette])],
    ['16-bit RGB', rawPng(W, H, 16, 2, noiseRows(W * 6, H, 6))],
    ['16-bit gray', rawPng(W, H, 16, 0, noiseRows(W * 2, H, 7))],
  ])('%s', async (_, bytes) => {
    const [vips, portable] = await bothRgb(bytes);
    expect(maxAbsDiff(vips, portable)).toBe(0);
  });
});

describe('JPEG: libvips within the documented tolerance of jpeg-js', () => {
  test('4:4:4 colour (jpeg-js encoder): every sample within 4 levels', async () => {
    for (const quality of [50, 90, 100]) {
      const [vips, portable] = await bothRgb(jpegBytes(W, H, photo, quality));
      expect(maxAbsDiff(vips, portable)).toBeLessThanOrEqual(4);
    }
  });
  test('grayscale (1 component): every sample within 1 level', async () => {
    const gray = await sharp(Buffer.from(seededBytes(W * H, 11)), {
      raw: { width: W, height: H, channels: 1 },
    })
      .jpeg({ quality: 85 })
      .toBuffer();
    const [vips, portable] = await bothRgb(gray);
    expect(maxAbsDiff(vips, portable)).toBeLessThanOrEqual(1);
  });
  test('4:2:0 colour: luma within 16 levels, 1 on average; colour differs at edges (chroma upsampling)', async () => {
    const rgb = Buffer.from(scaledPixels({ width: W, height: H, channels: 4, pixels: photo }, 3, (v) => v));
    const subsampled = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
      .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
      .toBuffer();
    const vips = scaledPixels(await decodeWith(subsampled, 'libvips'), 1, (v) => v);
    const portable = scaledPixels(await decodeWith(subsampled, 'portable'), 1, (v) => v);
    let sum = 0;
    for (let i = 0; i < vips.length; i++) sum += Math.abs(vips[i] - portable[i]);
    expect(maxAbsDiff(vips, portable)).toBeLessThanOrEqual(16);
    expect(sum / vips.length).toBeLessThanOrEqual(1);
    const [vipsRgb, portableRgb] = await bothRgb(subsampled);
    expect(maxAbsDiff(vipsRgb, portableRgb)).toBeGreaterThan(16); // the documented difference is real
  });
});

describe('truncated and corrupt files are errors, never gray pixels', () => {
  test('a JPEG cut before its end', async () => {
    const whole = jpegBytes(W, H, photo, 90);
    const cut = whole.subarray(0, Math.floor(whole.length * 0.7));
    expect((await caught(() => decodeWith(cut, 'libvips'))).message).toMatch(/premature end|truncated/i);
  });
  test('a PNG whose data stream holds fewer rows than its header declares', async () => {
    const short = rawPng(16, 16, 8, 0, noiseRows(16, 5, 1));
    await caught(() => decodeWith(short, 'libvips'));
  });
  test('a PNG cut in its data', async () => {
    const whole = pngBytes(W, H, photo);
    await caught(() => decodeWith(whole.subarray(0, whole.length - 30), 'libvips'));
  });
});

describe('readImageHeader: dimensions without decoding', () => {
  test('PNG IHDR and JPEG frame header', () => {
    expect(readImageHeader(bytesReader(pngBytes(W, H, photo, 6)))).toEqual({
      format: 'png',
      width: W,
      height: H,
      channels: 4,
      bitDepth: 8,
    });
    expect(readImageHeader(bytesReader(jpegBytes(W, H, photo)))).toMatchObject({
      format: 'jpeg',
      width: W,
      height: H,
      channels: 3,
    });
  });
  test.each<[string, Buffer, RegExp]>([
    ['unknown signature', Buffer.from('GIF89a........'), /unknown signature/],
    ['PNG without IHDR', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), /IHDR/],
    ['JPEG ending in its segments', jpegBytes(W, H, photo).subarray(0, 30), /truncated|frame header/],
    ['JPEG scan before any frame', Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2]), /no frame header/],
  ])('%s is an error', (_, bytes, reason) => {
    expect(() => readImageHeader(bytesReader(bytes))).toThrow(reason);
  });
});
