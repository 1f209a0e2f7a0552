/** Turning decoded 8-bit pixels into a scaled float sample with the model's channel count. */
import type { DecodedImage } from './image-decode';
import { luma } from './preprocess';

/**
 * An interleaved `height × width × outC` float copy of `image`, each value passed through
 * `toScaled`. RGB to 1 channel uses PIL's convert('L') luma; gray to 3 channels replicates;
 * alpha is ignored.
 */
export function scaledPixels(
  image: DecodedImage,
  outC: 1 | 3,
  toScaled: (v: number) => number,
): Float32Array {
  const c = image.channels;
  const px = image.pixels;
  const hwc = new Float32Array(image.width * image.height * outC);
  // NOTE: 8-bit input has 256 values: scaling each once into a table makes the loop a lookup
  // (a third of the loader's main-thread time went into calling toScaled per sample).
  const lut = Float32Array.from({ length: 256 }, (_, v) => toScaled(v));
  if (c <= 2) {
    for (let p = 0, q = 0; p < hwc.length; p += outC, q += c) {
      const v = lut[px[q]];
      hwc[p] = v;
      if (outC === 3) {
        hwc[p + 1] = v;
        hwc[p + 2] = v;
      }
    }
  } else if (outC === 3) {
    for (let p = 0, q = 0; p < hwc.length; p += 3, q += c) {
      hwc[p] = lut[px[q]];
      hwc[p + 1] = lut[px[q + 1]];
      hwc[p + 2] = lut[px[q + 2]];
    }
  } else {
    for (let p = 0, q = 0; p < hwc.length; p++, q += c) hwc[p] = lut[luma(px[q], px[q + 1], px[q + 2], true)];
  }
  return hwc;
}
