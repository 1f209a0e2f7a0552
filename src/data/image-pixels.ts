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
  const gray = c <= 2;
  for (let p = 0, q = 0; p < hwc.length; p += outC, q += c) {
    if (gray) {
      const v = toScaled(px[q]);
      hwc[p] = v;
      if (outC === 3) {
        hwc[p + 1] = v;
        hwc[p + 2] = v;
      }
    } else if (outC === 3) {
      hwc[p] = toScaled(px[q]);
      hwc[p + 1] = toScaled(px[q + 1]);
      hwc[p + 2] = toScaled(px[q + 2]);
    } else {
      hwc[p] = toScaled(luma(px[q], px[q + 1], px[q + 2], true));
    }
  }
  return hwc;
}
