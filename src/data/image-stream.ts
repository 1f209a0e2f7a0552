/**
 * An image folder as a stream of batches, in bounded memory: images are read, decoded, resized,
 * cropped and normalised on worker threads (sample-pool.ts) a bounded number ahead, and handed
 * over in order, a batch at a time, so inference on one batch runs while the next ones are
 * prepared. Memory follows the queue, not the folder: at most `maxInFlight` images (and at most
 * `maxCostBytes` of their pixels) are being prepared, plus the batch being filled.
 *
 * The listing, the subset, the order, the checks and their errors are the in-memory loader's
 * (image-folder.ts): the same images are kept, in the same order, as the same float32 values.
 * A bad image stops the stream (or is skipped under 'skip') at its place in the order: the
 * batches before it have been handed over by then.
 */
import * as os from 'os';
import { InputError, JaladError } from '../core/errors';
import { runAhead } from './decode-ahead';
import { badImage, imageGeometry, type FirstImage } from './image-checks';
import { defaultImageDecoder } from './image-decode';
import { chosenImages, listImageFolder, type ImageListing } from './image-folder';
import { checkImageFile, decodedBytes, type CheckedImageFile } from './image-limits';
import type { ResolvedDataOptions } from './options';
import { effectiveScale, imageShape, normalization, planGeometry } from './preprocess';
import type { SampleResult, SampleSpec } from './sample-job';
import { SamplePool, imageWorkerEntry } from './sample-pool';

/** One batch of a stream: `count` samples in the model's layout, sample after sample. */
export interface ImageBatch {
  /** Position of its first sample among the kept samples. */
  readonly start: number;
  readonly count: number;
  /** Per-sample shape (`[C, H, W]` or `[H, W, C]`). */
  readonly shape: readonly number[];
  readonly data: Float32Array;
  readonly labels?: Int32Array;
  /** Each sample's index in the listing. */
  readonly indices: Int32Array;
}

/** The bounds of a stream. */
export interface ImageStreamLimits {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Image worker threads (default: the cores less one, 1 to 4). */
  readonly workers?: number;
  /** Most images being prepared at once (default: two batches, 16 to 256). */
  readonly maxInFlight?: number;
  /** Most bytes (file, decoded pixels, float copies) of the images being prepared (default 512 MiB). */
  readonly maxCostBytes?: number;
  /** The worker threads' entry module (default: imageWorkerEntry()). */
  readonly workerEntry?: string;
}

/** An image folder listed and ready to stream. */
export interface ImageStream {
  /** How many images will be read (the samples, unless some are skipped). */
  readonly chosen: number;
  readonly labelled: boolean;
  readonly classNames?: readonly string[];
  /** The listing's warnings, then one per skipped image as the stream meets it. */
  readonly warnings: string[];
  /** The batches, in order; the worker threads end when the iteration ends or is left. */
  batches(): AsyncGenerator<ImageBatch>;
}

/**
 * Default image worker threads: one core fewer than the machine has, 1 to 4 (resizing is the
 * costliest step; ONNX Runtime and libvips want the other core).
 */
export function defaultImageWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

/**
 * List an image folder (labels checked, subset chosen; nothing decoded yet) and return its stream.
 * @throws InputError for the listing's errors (see listImageFolder), before any image is read
 */
export function openImageStream(
  dir: string,
  labelsPath: string | undefined,
  opts: ResolvedDataOptions,
  limits: ImageStreamLimits,
): ImageStream {
  const role = `--data ${dir}`;
  const listing = listImageFolder(dir, labelsPath, opts, role, `--labels ${labelsPath ?? ''}`);
  const chosen = chosenImages(listing, opts);
  const warnings = [...listing.warnings];
  return {
    chosen: chosen.length,
    labelled: listing.labels !== undefined,
    ...(listing.classNames === undefined ? {} : { classNames: listing.classNames }),
    warnings,
    batches: () => streamBatches(listing, chosen, opts, limits, { role, warnings }),
  };
}

/** What a job costs while it runs: its file, its decoded pixels and its float copies. */
function jobCost(checked: CheckedImageFile, opts: ResolvedDataOptions, outC: number): number {
  const { width, height } = checked.header;
  let floats = width * height * outC;
  try {
    const g = planGeometry(height, width, outC, opts, checked.path);
    floats += (g.resizeH * g.resizeW + g.outH * g.outW) * outC;
  } catch {
    // the crop does not fit: the job decodes only; the error is raised in order
  }
  return checked.sizeBytes + decodedBytes(checked.header) + 4 * floats;
}

/** How every image of the stream becomes a sample, as plain data for the worker threads. */
function sampleSpec(opts: ResolvedDataOptions, outC: 1 | 3, role: string): SampleSpec {
  const norm = normalization(opts, outC, role);
  return {
    outC,
    scale: effectiveScale(opts, true),
    mean: Array.from(norm.mean),
    std: Array.from(norm.std),
    layout: opts.layout,
    resize: opts.resize,
    crop: opts.crop,
    decoder: opts.decoder,
  };
}

/** The batch of the samples kept since the last one. */
function batchOf(
  start: number,
  samples: readonly Float32Array[],
  kept: readonly number[],
  first: FirstImage,
  opts: ResolvedDataOptions,
  listing: ImageListing,
): ImageBatch {
  const size = samples[0].length;
  const data = new Float32Array(samples.length * size);
  samples.forEach((s, k) => data.set(s, k * size));
  const labels = listing.labels;
  return {
    start,
    count: samples.length,
    shape: imageShape(first.geometry, opts.layout),
    data,
    ...(labels === undefined ? {} : { labels: Int32Array.from(kept, (k) => labels[k]) }),
    indices: Int32Array.from(kept),
  };
}

async function* streamBatches(
  listing: ImageListing,
  chosen: Int32Array,
  opts: ResolvedDataOptions,
  limits: ImageStreamLimits,
  out: { readonly role: string; readonly warnings: string[] },
): AsyncGenerator<ImageBatch> {
  const { role, warnings } = out;
  const outC = opts.channels === 'auto' ? 3 : opts.channels;
  const spec = sampleSpec(opts, outC, role);
  // NOTE: sharp is loaded on this thread before any worker loads it, so its shared libraries
  // stay loaded when a worker ends (sharp's advice for worker threads).
  if (opts.decoder !== 'portable') await defaultImageDecoder();
  const pool = new SamplePool(
    limits.workers ?? defaultImageWorkers(),
    limits.workerEntry ?? imageWorkerEntry(),
  );
  const whatOf = (i: number): string => `${role}: image ${listing.entries[chosen[i]].file}`;
  try {
    const outcomes = runAhead<CheckedImageFile, SampleResult>(
      chosen.length,
      (i) => checkImageFile(listing.entries[chosen[i]].path, whatOf(i)),
      (checked) => jobCost(checked, opts, outC),
      (checked) =>
        pool.run({ path: checked.path, header: checked.header, sizeBytes: checked.sizeBytes }, spec),
      {
        // NOTE: at least 16, so a model with a fixed batch of 1 still keeps the workers busy.
        maxInFlight: limits.maxInFlight ?? Math.min(256, Math.max(16, 2 * limits.batchSize)),
        maxCost: limits.maxCostBytes ?? 2 ** 29,
      },
    );
    let first: FirstImage | undefined;
    let samples: Float32Array[] = [];
    let kept: number[] = [];
    let start = 0;
    let i = 0;
    for await (const outcome of outcomes) {
      const entry = listing.entries[chosen[i]];
      if (!outcome.ok) {
        // NOTE: a header over the limits is a refusal, and a failed worker thread a fault, not a
        // bad image: never skipped.
        if (outcome.error instanceof JaladError) throw outcome.error;
        badImage(role, entry.file, outcome.error, opts.onBadImage, warnings);
      } else {
        const { width, height, sample } = outcome.value;
        const g = imageGeometry(height, width, outC, opts, whatOf(i), first);
        if (first === undefined) first = { geometry: g, file: entry.file };
        if (sample === undefined) throw new Error(`image ${entry.file}: planned here but not on its worker`);
        samples.push(sample);
        kept.push(chosen[i]);
      }
      i++;
      opts.onProgress?.(i, chosen.length);
      if (samples.length === limits.batchSize || (i === chosen.length && samples.length > 0)) {
        const batch = batchOf(start, samples, kept, first as FirstImage, opts, listing);
        start += samples.length;
        samples = [];
        kept = [];
        yield batch;
      }
    }
    if (first === undefined)
      throw new InputError(
        'BAD_DATA',
        `${role}: none of the ${chosen.length} chosen images could be decoded`,
      );
  } finally {
    await pool.close();
  }
}
