/**
 * Options for loading and preprocessing validation data, their defaults, their validation, and
 * parsers for the string forms flags use ("1/255", "0.485,0.456,0.406", "224x224").
 * Preprocessing follows the usual PyTorch evaluation pipeline:
 *   x = (raw · scale − mean[c]) / std[c], after an optional resize and center crop.
 */
import { InputError } from '../core/errors';
import type { ImageDecoder } from './image-decode';
import { MAX_SIZE_SIDE } from './image-limits';

/** Memory layout of one batch: channels first (PyTorch, ONNX default) or channels last (TensorFlow). */
export type Layout = 'NCHW' | 'NHWC';

/** What to do with an image file that cannot be decoded. */
export type OnBadImage = 'stop' | 'skip';

/**
 * A resize request: `[height, width]` in pixels, or one number for the shorter side (the other
 * side keeps the aspect ratio, rounded down, as torchvision's `Resize(256)` does).
 */
export type ResizeSpec = number | readonly [number, number];

/** Options of {@link loadDataset}; every field is optional and defaults to {@link DATA_DEFAULTS}. */
export interface DataOptions {
  /**
   * Multiplier applied to raw values before mean/std. 'auto' (default): 1/255 for 8-bit data
   * (images, IDX ubyte, npy uint8; the convention of torchvision's ToTensor), 1 for anything
   * else (float data is used as is; wider integers keep their raw values).
   */
  readonly scale?: number | 'auto';
  /** Per-channel mean subtracted after scaling, in scaled units; one value broadcasts. Default [0]. */
  readonly mean?: readonly number[];
  /** Per-channel standard deviation divided by after the mean; one value broadcasts; nonzero. Default [1]. */
  readonly std?: readonly number[];
  /** Layout of the output, i.e. of the model input. Default 'NCHW'. */
  readonly layout?: Layout;
  /**
   * How a rank-3 per-sample array in an IDX/.npy file is stored. 'auto' (default): channels first
   * when only the first dim is 1 or 3, channels last when only the last dim is, otherwise the
   * output layout (no transpose).
   */
  readonly dataLayout?: Layout | 'auto';
  /** Resize every sample with antialiased bilinear filtering (see resize.ts). Default: none. */
  readonly resize?: ResizeSpec;
  /** Center crop after resizing: `[height, width]` in pixels, or one number for a square. Default: none. */
  readonly crop?: number | readonly [number, number];
  /**
   * Output channels. 'auto' (default): images become RGB (3); arrays keep their channels.
   * 1 from RGB uses the ITU-R 601-2 luma transform (as PIL's convert('L')); 3 from 1 replicates.
   */
  readonly channels?: 1 | 3 | 'auto';
  /**
   * An image in a folder that cannot be decoded: 'stop' (default) fails the load naming it;
   * 'skip' drops it and records a warning.
   */
  readonly onBadImage?: OnBadImage;
  /** Load a class-stratified subset of at most this many samples (see subset.ts). Default: all. */
  readonly maxSamples?: number;
  /** Seed of the subset PRNG (an integer). Default 0. */
  readonly seed?: number;
  /** Number of classes of the model: labels must lie in [0, numClasses). Default: unchecked. */
  readonly numClasses?: number;
  /**
   * Fixed class-name → index mapping for folder and CSV class names (index i is classNames[i]).
   * Default: the sorted names found.
   */
  readonly classNames?: readonly string[];
  /** Called after each decoded image with (done, total); for progress on stderr. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * The image decoder: 'libvips' (sharp) or 'portable' (pngjs, jpeg-js). Default: libvips when
   * sharp's binary loads on this platform, else portable. For benchmarks and agreement tests.
   */
  readonly decoder?: ImageDecoder;
  /**
   * The most bytes an image folder loaded whole (not streamed) may take as float32; over it the
   * load is refused before decoding (memory-bound.ts). Default: half of the machine's memory.
   */
  readonly maxDataBytes?: number;
}

/** {@link DataOptions} with defaults merged and values validated. */
export interface ResolvedDataOptions {
  readonly scale: number | 'auto';
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly layout: Layout;
  readonly dataLayout: Layout | 'auto';
  readonly resize: ResizeSpec | undefined;
  readonly crop: readonly [number, number] | undefined;
  readonly channels: 1 | 3 | 'auto';
  readonly onBadImage: OnBadImage;
  readonly maxSamples: number | undefined;
  readonly seed: number;
  readonly numClasses: number | undefined;
  readonly classNames: readonly string[] | undefined;
  readonly onProgress: ((done: number, total: number) => void) | undefined;
  readonly decoder: ImageDecoder | undefined;
  readonly maxDataBytes: number | undefined;
}

/** The defaults of {@link DataOptions}. Reasons are in the field docs. */
export const DATA_DEFAULTS = {
  scale: 'auto',
  mean: [0],
  std: [1],
  layout: 'NCHW',
  dataLayout: 'auto',
  channels: 'auto',
  onBadImage: 'stop',
  seed: 0,
} as const satisfies Partial<ResolvedDataOptions>;

function bad(message: string): never {
  throw new InputError('BAD_OPTION', message);
}

function positiveInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) bad(`${name}: expected a positive integer, got ${value}`);
  return value;
}

/** A resize or crop side: 1 to MAX_SIZE_SIDE pixels. */
function sidePixels(value: number, name: string): number {
  positiveInt(value, name);
  if (value > MAX_SIZE_SIDE) bad(`${name}: ${value} pixels is over the limit of ${MAX_SIZE_SIDE}`);
  return value;
}

/**
 * Merge `options` over {@link DATA_DEFAULTS} and validate every value once.
 * @throws InputError BAD_OPTION naming the option and the value received
 */
export function resolveDataOptions(options: DataOptions = {}): ResolvedDataOptions {
  const o = { ...DATA_DEFAULTS, ...stripUndefined(options) };
  if (o.scale !== 'auto' && (!Number.isFinite(o.scale) || o.scale === 0)) {
    bad(`scale: expected a finite nonzero number or 'auto', got ${o.scale}`);
  }
  for (const [name, values] of [
    ['mean', o.mean],
    ['std', o.std],
  ] as const) {
    if (values.length === 0) bad(`${name}: expected at least one value`);
    for (const v of values) {
      if (!Number.isFinite(v)) bad(`${name}: value ${v} is not a finite number`);
      if (name === 'std' && v === 0) bad(`std: values must be nonzero, got ${formatList(values)}`);
    }
  }
  if (o.layout !== 'NCHW' && o.layout !== 'NHWC')
    bad(`layout: expected NCHW or NHWC, got ${String(o.layout)}`);
  if (o.dataLayout !== 'NCHW' && o.dataLayout !== 'NHWC' && o.dataLayout !== 'auto') {
    bad(`dataLayout: expected NCHW, NHWC or auto, got ${String(o.dataLayout)}`);
  }
  if (o.channels !== 1 && o.channels !== 3 && o.channels !== 'auto')
    bad(`channels: expected 1, 3 or auto, got ${String(o.channels)}`);
  if (o.onBadImage !== 'stop' && o.onBadImage !== 'skip')
    bad(`onBadImage: expected stop or skip, got ${String(o.onBadImage)}`);
  let resize: ResizeSpec | undefined;
  if (options.resize !== undefined) {
    resize =
      typeof options.resize === 'number'
        ? sidePixels(options.resize, 'resize')
        : [sidePixels(options.resize[0], 'resize height'), sidePixels(options.resize[1], 'resize width')];
  }
  let crop: readonly [number, number] | undefined;
  if (options.crop !== undefined) {
    crop =
      typeof options.crop === 'number'
        ? [sidePixels(options.crop, 'crop'), options.crop]
        : [sidePixels(options.crop[0], 'crop height'), sidePixels(options.crop[1], 'crop width')];
  }
  if (!Number.isSafeInteger(o.seed)) bad(`seed: expected an integer, got ${o.seed}`);
  if (options.classNames !== undefined && new Set(options.classNames).size !== options.classNames.length) {
    bad(`classNames: names must be unique, got ${formatList(options.classNames)}`);
  }
  return {
    scale: o.scale,
    mean: o.mean,
    std: o.std,
    layout: o.layout,
    dataLayout: o.dataLayout,
    resize,
    crop,
    channels: o.channels,
    onBadImage: o.onBadImage,
    maxSamples: options.maxSamples === undefined ? undefined : positiveInt(options.maxSamples, 'maxSamples'),
    seed: o.seed,
    numClasses: options.numClasses === undefined ? undefined : positiveInt(options.numClasses, 'numClasses'),
    classNames: options.classNames,
    onProgress: options.onProgress,
    decoder: options.decoder,
    maxDataBytes:
      options.maxDataBytes === undefined ? undefined : positiveInt(options.maxDataBytes, 'maxDataBytes'),
  };
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function formatList(values: readonly (number | string)[]): string {
  return `[${values.join(', ')}]`;
}

function parseNumber(text: string, what: string): number {
  const t = text.trim();
  const v = t === '' ? Number.NaN : Number(t);
  if (!Number.isFinite(v)) bad(`${what}: "${text}" is not a finite number`);
  return v;
}

/**
 * Parse a scale flag: a number ("0.00392"), a fraction ("1/255"), or "auto".
 * @example parseScale('1/255') === 1 / 255
 * @throws InputError BAD_OPTION for anything else, zero, or a zero denominator
 */
export function parseScale(text: string): number | 'auto' {
  if (text.trim() === 'auto') return 'auto';
  const parts = text.split('/');
  if (parts.length > 2) bad(`scale: "${text}" is not a number or a fraction like 1/255`);
  const num = parseNumber(parts[0], 'scale');
  const den = parts.length === 2 ? parseNumber(parts[1], 'scale') : 1;
  if (den === 0) bad(`scale: "${text}" divides by zero`);
  const v = num / den;
  if (!Number.isFinite(v) || v === 0) bad(`scale: "${text}" must be a finite nonzero number`);
  return v;
}

/**
 * Parse per-channel values such as a mean or std flag: comma-separated numbers.
 * @param what the flag name for messages, e.g. 'mean'
 * @example parseChannelValues('0.485,0.456,0.406', 'mean') // [0.485, 0.456, 0.406]
 */
export function parseChannelValues(text: string, what: string): number[] {
  return text.split(',').map((part) => parseNumber(part, what));
}

/**
 * Parse a size flag: "224" (one number: shorter side for resize, square for crop) or
 * "HxW" / "H,W" in pixels, each 1 to MAX_SIZE_SIDE (8192).
 * @example parseSize('224x192', 'crop') // [224, 192]
 */
export function parseSize(text: string, what: string): number | [number, number] {
  const parts = text.split(/[x,]/i);
  const ints = parts.map((p) => {
    const v = parseNumber(p, what);
    if (!Number.isSafeInteger(v) || v < 1) bad(`${what}: "${text}" must be positive integer pixels`);
    if (v > MAX_SIZE_SIDE)
      bad(`${what}: "${text}": ${v} pixels is over the limit of ${MAX_SIZE_SIDE} per side`);
    return v;
  });
  if (ints.length === 1) return ints[0];
  if (ints.length === 2) return [ints[0], ints[1]];
  return bad(`${what}: "${text}" is not N or HxW`);
}
