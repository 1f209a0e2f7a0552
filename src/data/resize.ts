/**
 * Image geometry: antialiased bilinear resampling and center-crop offsets.
 *
 * Resampling follows Pillow's `Image.resize(..., BILINEAR)` (libImaging/Resample.c), which is
 * also what torchvision's `Resize` does on PIL images and on tensors with `antialias=True`:
 * a separable triangle filter on half-pixel centers, widened by the scale factor when
 * downscaling (so it averages instead of aliasing) and plain bilinear interpolation when
 * upscaling. Unlike Pillow this works in float, without rounding to 8 bits between the passes.
 *
 * Center crop offsets follow torchvision's `center_crop`: top = round((H − h) / 2) with
 * Python's round-half-to-even.
 */
import { roundHalfEven } from '../core/round-half-even';

/** Per-axis filter taps: output i reads `count[i]` inputs from `start[i]` with `weights[i*maxTaps + k]`. */
interface AxisTaps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Float64Array;
  readonly maxTaps: number;
}

function axisTaps(inSize: number, outSize: number): AxisTaps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle filter has support 1
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    // NOTE: Math.trunc mirrors Pillow's (int) cast, then clamps to the image.
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let k = 0; k < hi - lo; k++) {
      const x = Math.abs((k + lo - center + 0.5) / filterScale);
      const w = x < 1 ? 1 - x : 0;
      weights[i * maxTaps + k] = w;
      total += w;
    }
    for (let k = 0; k < hi - lo; k++) weights[i * maxTaps + k] /= total;
    start[i] = lo;
    count[i] = hi - lo;
  }
  return { start, count, weights, maxTaps };
}

/**
 * Resize an interleaved HWC float image with antialiased bilinear filtering.
 * @param src `h·w·c` values, row-major, channels interleaved
 * @param h source height in pixels
 * @param w source width in pixels
 * @param c channels
 * @param outH output height in pixels
 * @param outW output width in pixels
 * @returns a new `outH·outW·c` Float32Array (the input itself when the size is unchanged)
 * @example resizeBilinear(Float32Array.of(0, 1), 1, 2, 1, 1, 4) // [0, 0.25, 0.75, 1]
 */
export function resizeBilinear(
  src: Float32Array,
  h: number,
  w: number,
  c: number,
  outH: number,
  outW: number,
): Float32Array {
  let cur = src;
  if (outW !== w) {
    const t = axisTaps(w, outW);
    const next = new Float32Array(h * outW * c);
    for (let y = 0; y < h; y++) {
      const row = y * w * c;
      for (let x = 0; x < outW; x++) {
        const s = t.start[x];
        const n = t.count[x];
        const wBase = x * t.maxTaps;
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let k = 0; k < n; k++) acc += cur[row + (s + k) * c + ch] * t.weights[wBase + k];
          next[(y * outW + x) * c + ch] = acc;
        }
      }
    }
    cur = next;
  }
  if (outH !== h) {
    const t = axisTaps(h, outH);
    const rowLen = outW * c;
    const next = new Float32Array(outH * rowLen);
    for (let y = 0; y < outH; y++) {
      const s = t.start[y];
      const n = t.count[y];
      const wBase = y * t.maxTaps;
      const out = y * rowLen;
      for (let k = 0; k < n; k++) {
        const wk = t.weights[wBase + k];
        const inRow = (s + k) * rowLen;
        for (let j = 0; j < rowLen; j++) next[out + j] += cur[inRow + j] * wk;
      }
    }
    cur = next;
  }
  return cur;
}

/**
 * Output size of a resize request for an `h × w` image.
 * A number is the shorter side; the longer side keeps the aspect ratio, rounded down
 * (torchvision `Resize(256)`).
 * @example resizedSize(375, 500, 256) // [256, 341]
 */
export function resizedSize(
  h: number,
  w: number,
  spec: number | readonly [number, number],
): [number, number] {
  if (typeof spec !== 'number') return [spec[0], spec[1]];
  return w <= h ? [Math.floor((spec * h) / w), spec] : [spec, Math.floor((spec * w) / h)];
}

/**
 * Top-left corner of a centered `cropH × cropW` window in an `h × w` image (torchvision rounding).
 * The caller has checked that the crop fits.
 * @example centerCropOffsets(256, 341, 224, 224) // [16, 58]
 */
export function centerCropOffsets(h: number, w: number, cropH: number, cropW: number): [number, number] {
  return [roundHalfEven((h - cropH) / 2), roundHalfEven((w - cropW) / 2)];
}
