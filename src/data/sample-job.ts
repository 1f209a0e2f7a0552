/**
 * One image of a folder, from file to model-ready sample, as a plain-data job: read the file,
 * decode it, scale, resize, crop and normalise it. A worker thread runs it (sample-worker.ts), so
 * the job and its result are structured-clonable; the arithmetic is the in-memory loader's
 * (scaledPixels, writeSample), so both give the same float32 values bit for bit.
 */
import type { ImageDecoder } from './image-decode';
import { decodeImage } from './image-decode';
import type { ImageHeader } from './image-header';
import { readImageBytes } from './image-limits';
import { scaledPixels } from './image-pixels';
import type { Layout, ResizeSpec } from './options';
import { planGeometry, scaler, writeSample, type Normalization } from './preprocess';

/** How every image of a stream is turned into a sample (the same for all its jobs). */
export interface SampleSpec {
  readonly outC: 1 | 3;
  /** The effective scale (1/255 for 8-bit images unless --scale says otherwise). */
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly layout: Layout;
  readonly resize: ResizeSpec | undefined;
  readonly crop: readonly [number, number] | undefined;
  readonly decoder: ImageDecoder | undefined;
}

/** One image whose header was read and checked (image-limits.ts). */
export interface SampleJob {
  readonly path: string;
  readonly header: ImageHeader;
  readonly sizeBytes: number;
}

/**
 * A decoded image's size and, when its geometry plans (the crop fits), its sample in the
 * layout. Without a sample the caller re-plans on its thread, in order, to raise the error.
 */
export interface SampleResult {
  readonly width: number;
  readonly height: number;
  readonly sample?: Float32Array;
}

/**
 * Read, decode and preprocess one image.
 * @throws what reading or decoding throws (a plain Error or an errno error: an undecodable image)
 */
export async function prepareSample(job: SampleJob, spec: SampleSpec): Promise<SampleResult> {
  const image = await decodeImage(await readImageBytes(job), job.header, spec.decoder);
  const { width, height } = image;
  let geometry;
  try {
    geometry = planGeometry(height, width, spec.outC, { resize: spec.resize, crop: spec.crop }, job.path);
  } catch {
    // NOTE: the crop does not fit: the consumer raises that error in order, naming the image.
    return { width, height };
  }
  const norm: Normalization = { mean: Float64Array.from(spec.mean), std: Float64Array.from(spec.std) };
  const sample = new Float32Array(geometry.outH * geometry.outW * spec.outC);
  writeSample(scaledPixels(image, spec.outC, scaler(spec.scale)), geometry, norm, spec.layout, sample, 0);
  return { width, height, sample };
}
