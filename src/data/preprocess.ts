/**
 * The per-sample preprocessing pipeline shared by array files (IDX, .npy) and image folders:
 *
 *   1. read one sample into an interleaved HWC float buffer: channel conversion, then × scale
 *   2. resize (antialiased bilinear, resize.ts), if asked
 *   3. center crop, (x − mean[c]) / std[c], and write in the model's layout into the output
 *
 * NOTE: stage 1 always produces HWC and stage 3 re-lays it out, two passes per sample instead
 * of one; the pipeline stays one code path for every source layout, and for Fashion-MNIST's
 * 10k samples both passes together take milliseconds.
 */
import { InputError } from '../core/errors';
import { Layout, ResolvedDataOptions } from './options';
import { centerCropOffsets, resizeBilinear, resizedSize } from './resize';
import { DType, NdArray, formatDims, isFloatDType, product } from './nd-array';

/** Where one sample's pixels go: resize target, crop window, output size and channels. */
export interface SampleGeometry {
  /** Source height and width in pixels. */
  readonly srcH: number;
  readonly srcW: number;
  /** Size after resizing (the source size when not resizing). */
  readonly resizeH: number;
  readonly resizeW: number;
  /** Top-left corner of the crop window in the resized image. */
  readonly cropTop: number;
  readonly cropLeft: number;
  /** Output height, width and channels. */
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
}

/**
 * Plan resize and center crop for one `srcH × srcW` sample.
 * @param what names the sample in messages (a file, or `--data x.npy`)
 * @throws InputError BAD_OPTION when the crop is larger than the (resized) sample
 */
export function planGeometry(
  srcH: number,
  srcW: number,
  outC: number,
  opts: Pick<ResolvedDataOptions, 'resize' | 'crop'>,
  what: string,
): SampleGeometry {
  const [resizeH, resizeW] = opts.resize === undefined ? [srcH, srcW] : resizedSize(srcH, srcW, opts.resize);
  let outH = resizeH;
  let outW = resizeW;
  let cropTop = 0;
  let cropLeft = 0;
  if (opts.crop !== undefined) {
    [outH, outW] = opts.crop;
    if (outH > resizeH || outW > resizeW) {
      throw new InputError(
        'BAD_OPTION',
        `${what}: crop ${outH}x${outW} is larger than the ${opts.resize === undefined ? '' : 'resized '}sample ${resizeH}x${resizeW}`,
      );
    }
    [cropTop, cropLeft] = centerCropOffsets(resizeH, resizeW, outH, outW);
  }
  return { srcH, srcW, resizeH, resizeW, cropTop, cropLeft, outH, outW, outC };
}

/** The per-sample output shape of a geometry in a layout: `[C, H, W]` or `[H, W, C]`. */
export function imageShape(g: SampleGeometry, layout: Layout): number[] {
  return layout === 'NCHW' ? [g.outC, g.outH, g.outW] : [g.outH, g.outW, g.outC];
}

/** Per-channel mean and std, broadcast to `channels` values. */
export interface Normalization {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/**
 * Broadcast the mean and std options to `channels` values.
 * @throws InputError BAD_OPTION when a list has neither 1 nor `channels` values
 */
export function normalization(opts: ResolvedDataOptions, channels: number, what: string): Normalization {
  const expand = (values: readonly number[], name: string): Float64Array => {
    if (values.length === 1) return new Float64Array(channels).fill(values[0]);
    if (values.length !== channels) {
      throw new InputError(
        'BAD_OPTION',
        `${what}: ${name} has ${values.length} values [${values.join(', ')}] but the data has ${channels} channel(s)`,
      );
    }
    return Float64Array.from(values);
  };
  return { mean: expand(opts.mean, 'mean'), std: expand(opts.std, 'std') };
}

/**
 * Stage 2 and 3: resize `hwc` (an interleaved `srcH × srcW × outC` sample, already scaled),
 * crop, normalize, and write it at `offset` in `out` in `layout`.
 */
export function writeSample(
  hwc: Float32Array,
  g: SampleGeometry,
  norm: Normalization,
  layout: Layout,
  out: Float32Array,
  offset: number,
): void {
  const c = g.outC;
  const src =
    g.resizeH === g.srcH && g.resizeW === g.srcW
      ? hwc
      : resizeBilinear(hwc, g.srcH, g.srcW, c, g.resizeH, g.resizeW);
  const { outH, outW, resizeW, cropTop, cropLeft } = g;
  const { mean, std } = norm;
  const plane = outH * outW;
  const nchw = layout === 'NCHW';
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const s = ((y + cropTop) * resizeW + (x + cropLeft)) * c;
      const p = y * outW + x;
      for (let ch = 0; ch < c; ch++) {
        out[offset + (nchw ? ch * plane + p : p * c + ch)] = (src[s + ch] - mean[ch]) / std[ch];
      }
    }
  }
}

/**
 * The effective scale: `opts.scale`, or for 'auto' 1/255 on 8-bit data and 1 otherwise.
 * @param eightBit true for images and uint8 arrays
 */
export function effectiveScale(opts: ResolvedDataOptions, eightBit: boolean): number {
  if (opts.scale !== 'auto') return opts.scale;
  return eightBit ? 1 / 255 : 1;
}

/**
 * `v × scale`, computed as `v / d` when scale is exactly 1/d for an integer d (1/255 is), so that
 * 8-bit data matches torchvision's ToTensor (`x.div(255)`) bit for bit.
 */
export function scaler(scale: number): (v: number) => number {
  const divisor = 1 / scale;
  return Number.isInteger(divisor) ? (v) => v / divisor : (v) => v * scale;
}

/**
 * Allocate the output buffer, turning an impossible size into a clear error.
 * @param elements samples × per-sample elements
 * @throws InputError BAD_DATA when the engine cannot allocate it (suggests maxSamples)
 */
export function allocateOutput(elements: number, role: string, samples: number): Float32Array {
  try {
    return new Float32Array(elements);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    const gib = ((elements * 4) / 2 ** 30).toFixed(1);
    throw new InputError(
      'BAD_DATA',
      `${role}: ${samples} samples need ${gib} GiB as float32, more than can be allocated; load a subset (maxSamples)`,
    );
  }
}

/** How a rank-3 sample is stored in the file. */
type SourceLayout = 'HW' | 'CHW' | 'HWC' | 'flat';

function sourceLayout(rest: readonly number[], opts: ResolvedDataOptions): SourceLayout {
  if (rest.length === 2) return 'HW';
  if (rest.length !== 3) return 'flat';
  if (opts.dataLayout !== 'auto') return opts.dataLayout === 'NCHW' ? 'CHW' : 'HWC';
  const firstIsC = rest[0] === 1 || rest[0] === 3;
  const lastIsC = rest[2] === 1 || rest[2] === 3;
  if (firstIsC && !lastIsC) return 'CHW';
  if (lastIsC && !firstIsC) return 'HWC';
  // NOTE: ambiguous ([3, 32, 3]) or neither: take the file to be in the output layout already.
  return opts.layout === 'NCHW' ? 'CHW' : 'HWC';
}

/** Result of {@link preprocessArray}. */
export interface PreprocessedArray {
  /** Per-sample shape in the model's layout. */
  readonly shape: readonly number[];
  /** `indices.length × product(shape)` values. */
  readonly data: Float32Array;
}

/**
 * Channels, height and width of one input sample in its layout (a flat sample is one row of pixels).
 * @throws InputError BAD_OPTION for image options on data that is not an image
 */
function sourceDims(
  rest: readonly number[],
  layoutIn: ReturnType<typeof sourceLayout>,
  opts: ResolvedDataOptions,
  role: string,
): [number, number, number] {
  if (layoutIn === 'flat') {
    if (opts.resize !== undefined || opts.crop !== undefined || opts.channels !== 'auto') {
      throw new InputError(
        'BAD_OPTION',
        `${role}: per-sample shape ${formatDims(rest)} is not an image; resize, crop and channels need [H, W], [C, H, W] or [H, W, C]`,
      );
    }
    return [1, 1, product(rest)];
  }
  if (layoutIn === 'HW') {
    return [1, rest[0], rest[1]];
  }
  if (layoutIn === 'CHW') {
    return [rest[0], rest[1], rest[2]];
  }
  return [rest[2], rest[0], rest[1]];
}

/**
 * Preprocess the selected samples of an array file into a contiguous Float32Array.
 *
 * Per-sample ranks: [H, W] is one channel (output stays [H, W] unless `channels` is given, then
 * gains a channel dim in `layout`; fitToModelInput inserts a missing singleton channel dim);
 * [C, H, W] / [H, W, C] are detected as described at `dataLayout`; any other rank is a flat
 * vector that only takes scale and a single mean/std.
 * Float data is checked for NaN and ±Infinity (also after narrowing float64 to float32).
 *
 * @param array the parsed file; dims[0] is the sample count
 * @param indices sample indices to keep, in output order
 * @param role the prefix for messages, e.g. `--data x.npy`
 * @throws InputError NON_FINITE naming the first sample (its index in the file) with NaN/Infinity;
 *   BAD_OPTION for options that do not fit the data; BAD_DATA for a scalar file or too much data
 */
export function preprocessArray(
  array: NdArray,
  indices: ArrayLike<number>,
  opts: ResolvedDataOptions,
  role: string,
): PreprocessedArray {
  if (array.dims.length === 0)
    throw new InputError('BAD_DATA', `${role}: a scalar array has no sample dimension`);
  const rest = array.dims.slice(1);
  const layoutIn = sourceLayout(rest, opts);
  const sampleSize = product(rest);
  const [srcC, srcH, srcW] = sourceDims(rest, layoutIn, opts, role);
  const outC = opts.channels === 'auto' ? srcC : opts.channels;
  if (outC !== srcC && !(srcC === 1 && outC === 3) && !(srcC === 3 && outC === 1)) {
    throw new InputError('BAD_OPTION', `${role}: cannot convert ${srcC} channels to ${outC} (only 1 <-> 3)`);
  }
  const g = planGeometry(srcH, srcW, outC, opts, role);
  const norm = normalization(opts, outC, role);
  const shape =
    layoutIn === 'flat'
      ? rest
      : layoutIn === 'HW' && opts.channels === 'auto'
        ? [g.outH, g.outW]
        : imageShape(g, opts.layout);
  const outSize = product(shape);
  const samples = indices.length;

  const eightBit = array.dtype === 'uint8';
  const scale = effectiveScale(opts, eightBit);
  const checkFinite = isFloatDType(array.dtype);
  const identity =
    checkFinite &&
    array.dtype === 'float32' &&
    scale === 1 &&
    norm.mean.every((m) => m === 0) &&
    norm.std.every((s) => s === 1) &&
    outC === srcC &&
    g.resizeH === srcH &&
    g.resizeW === srcW &&
    g.outH === srcH &&
    g.outW === srcW &&
    (layoutIn !== 'CHW' || opts.layout === 'NCHW') &&
    (layoutIn !== 'HWC' || opts.layout === 'NHWC') &&
    isAllInOrder(indices, array.dims[0]);
  if (identity) {
    // NOTE: zero copy: a float32 file that needs no change is returned as a view on its bytes.
    const data = array.data as Float32Array;
    assertFinite(data, sampleSize, indices, role);
    return { shape, data };
  }

  const data = allocateOutput(samples * outSize, role, samples);
  const read = elementReader(array);
  const toScaled = scaler(scale);
  const hwc = new Float32Array(srcH * srcW * outC);
  const plane = srcH * srcW;
  // element offset of (pixel p, channel ch) within a sample = p * pixelStride + ch * channelStride
  const pixelStride = layoutIn === 'CHW' ? 1 : srcC;
  const channelStride = layoutIn === 'CHW' ? plane : 1;
  for (let i = 0; i < samples; i++) {
    const base = indices[i] * sampleSize;
    if (checkFinite) assertFiniteSample(read, base, sampleSize, indices[i], array.dtype, role);
    for (let p = 0; p < plane; p++) {
      const at = base + p * pixelStride;
      if (outC === srcC) {
        for (let ch = 0; ch < srcC; ch++) hwc[p * outC + ch] = toScaled(read(at + ch * channelStride));
      } else if (srcC === 1) {
        const v = toScaled(read(at));
        hwc[p * 3] = v;
        hwc[p * 3 + 1] = v;
        hwc[p * 3 + 2] = v;
      } else {
        const lum = luma(read(at), read(at + channelStride), read(at + 2 * channelStride), eightBit);
        hwc[p] = toScaled(lum);
      }
    }
    writeSample(hwc, g, norm, opts.layout, data, i * outSize);
  }
  return { shape, data };
}

/**
 * Gray value of an RGB pixel, ITU-R 601-2 (L = 0.299 R + 0.587 G + 0.114 B). For 8-bit values
 * it is Pillow's fixed-point formula, so results equal `Image.convert('L')` exactly.
 */
export function luma(r: number, g: number, b: number, eightBit: boolean): number {
  return eightBit ? (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16 : 0.299 * r + 0.587 * g + 0.114 * b;
}

function elementReader(array: NdArray): (i: number) => number {
  const d = array.data;
  if (d instanceof BigInt64Array) return (i) => Number(d[i]);
  return (i) => d[i];
}

function isAllInOrder(indices: ArrayLike<number>, total: number): boolean {
  if (indices.length !== total) return false;
  for (let i = 0; i < total; i++) if (indices[i] !== i) return false;
  return true;
}

function assertFinite(
  data: Float32Array,
  sampleSize: number,
  indices: ArrayLike<number>,
  role: string,
): void {
  for (let j = 0; j < data.length; j++) {
    if (!Number.isFinite(data[j])) {
      const s = Math.floor(j / sampleSize);
      throw new InputError(
        'NON_FINITE',
        `${role}: sample ${indices[s]} has ${data[j]} at element ${j - s * sampleSize} (float data must be finite)`,
      );
    }
  }
}

function assertFiniteSample(
  read: (i: number) => number,
  base: number,
  sampleSize: number,
  sample: number,
  dtype: DType,
  role: string,
): void {
  for (let j = 0; j < sampleSize; j++) {
    const v = read(base + j);
    if (!Number.isFinite(Math.fround(v))) {
      const what = Number.isFinite(v) ? `${v}, beyond the float32 range` : String(v);
      throw new InputError(
        'NON_FINITE',
        `${role}: sample ${sample} has ${what} at element ${j} (${dtype} data must be finite)`,
      );
    }
  }
}
