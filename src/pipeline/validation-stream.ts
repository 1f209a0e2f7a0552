/**
 * A validation image folder streamed to a single-input model in batches (src/data/image-stream.ts):
 * what `jalad eval` reads a folder with, so 50,000 ImageNet images never sit in memory at once.
 */
import * as fs from 'fs';
import { fitShapeToModelInput, openImageStream, resolveDataOptions, type ImageStream } from '../data';
import type { ModelProto } from '../graph';
import { effectiveBatchSize, inputSpecs, singleInput, type InputSpec } from '../runtime';
import { declaredClasses, type DataSource } from './validation-data';

/** An image folder's stream and the model input it feeds. */
export interface ValidationStream {
  readonly stream: ImageStream;
  readonly input: InputSpec;
  readonly batchSize: number;
  /** A batch's per-sample shape as the model input takes it (checked on the first batch). */
  fit(shape: readonly number[]): readonly number[];
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The stream of `source` when it is an image folder for a model with one input; undefined
 * otherwise (array files and several inputs load in memory, validation-data.ts). The folder is
 * listed and its labels checked against the model's declared classes before any image is read.
 * @param batchSize samples per batch wanted (a model with a fixed batch gets its own)
 */
export function openValidationStream(
  model: ModelProto,
  source: DataSource,
  modelPath: string,
  batchSize: number,
  workers?: number,
): ValidationStream | undefined {
  const specs = inputSpecs(model);
  if (specs.length !== 1 || !isFolder(source.data)) return undefined;
  const input = singleInput(specs, modelPath);
  const numClasses = source.options?.numClasses ?? declaredClasses(model);
  const opts = resolveDataOptions({ ...source.options, numClasses });
  const size = effectiveBatchSize(input, batchSize);
  const stream = openImageStream(source.data, source.labels, opts, { batchSize: size, workers });
  return {
    stream,
    input,
    batchSize: size,
    fit: (shape) => fitShapeToModelInput(shape, source.data, input.dims, input.name),
  };
}
