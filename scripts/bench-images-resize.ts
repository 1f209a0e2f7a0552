/**
 * Part of bench:images: how far libvips' own resize (through sharp) is from jalad's resize
 * (src/data/resize.ts: Pillow's antialiased bilinear, in float) on the benchmark's JPEGs, shorter
 * side to 256. Why it matters: resizing in libvips would be faster, but a model evaluated with the
 * torchvision/Pillow pipeline should see the pixels it was measured on; jalad resizes on worker
 * threads with its own code instead (docs/data.md#memory-streamed-or-whole).
 */
import sharp, { type ResizeOptions } from 'sharp';
import { resizeBilinear, resizedSize } from '../src/data';
import { decodeImage } from '../src/data/image-decode';
import { bytesReader, readImageHeader } from '../src/data/image-header';

/** Largest and mean absolute difference, in levels of 255, per sharp resize option set. */
export async function libvipsResizeAgreement(
  jpegs: readonly Buffer[],
): Promise<{ readonly name: string; readonly maxLevels: number; readonly meanLevels: number }[]> {
  const modes: [string, ResizeOptions][] = [
    ["kernel 'linear', fastShrinkOnLoad false", { kernel: 'linear', fastShrinkOnLoad: false }],
    ["sharp's defaults (kernel 'lanczos3', fastShrinkOnLoad true)", {}],
  ];
  const out = [];
  for (const [name, options] of modes) {
    let max = 0;
    let sum = 0;
    let n = 0;
    for (const bytes of jpegs) {
      const image = await decodeImage(bytes, readImageHeader(bytesReader(bytes)), 'libvips');
      const [h, w] = resizedSize(image.height, image.width, 256);
      const ours = resizeBilinear(
        Float32Array.from(image.pixels),
        image.height,
        image.width,
        image.channels,
        h,
        w,
      );
      const theirs = await sharp(bytes)
        .resize(w, h, { fit: 'fill', ...options })
        .raw()
        .toBuffer();
      for (let k = 0; k < ours.length; k++) {
        const d = Math.abs(ours[k] - theirs[k]);
        max = Math.max(max, d);
        sum += d;
        n++;
      }
    }
    out.push({ name, maxLevels: max, meanLevels: sum / n });
  }
  return out;
}
