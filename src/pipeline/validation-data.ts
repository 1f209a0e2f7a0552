/** Loading a validation set for a model: read, preprocess, subset, and check against the model input. */
import { fitToModelInput, loadDataset, type DataOptions, type Dataset } from '../data';
import type { ModelProto } from '../graph';
import { toNumber } from '../graph/onnx-types';
import { inputSpecs, type InputSpec } from '../runtime';
import { singleInput } from '../runtime';

/** Where the data is and how to read it. */
export interface DataSource {
  readonly data: string;
  readonly labels?: string;
  readonly options?: DataOptions;
}

/** A dataset ready to feed the model's input. */
export interface ValidationSet {
  readonly dataset: Dataset;
  readonly input: InputSpec;
  /** The model's other graph inputs and their data, sample for sample with `dataset`. */
  readonly moreInputs?: readonly { readonly input: InputSpec; readonly dataset: Dataset }[];
}

/**
 * The class count of a classifier: the second dim of its first output when that output is
 * declared `[batch, C]` with C a number; undefined otherwise (then the commands check each label
 * against the output they compute).
 */
export function declaredClasses(model: ModelProto): number | undefined {
  const dims = model.graph?.output?.[0]?.type?.tensorType?.shape?.dim;
  if (dims === undefined || dims === null || dims.length !== 2) return undefined;
  const c = dims[1];
  if (c.dimParam || c.dimValue === undefined || c.dimValue === null) return undefined;
  const n = toNumber(c.dimValue);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * Loads `source` and fits it to the model's single input (shapes checked before any work).
 * Labels are checked against the model's declared classes before any image is decoded: a label
 * outside them is an error naming the labels file and the value, in every command.
 */
export async function loadValidationSet(
  model: ModelProto,
  source: DataSource,
  modelPath: string,
): Promise<ValidationSet> {
  const input = singleInput(inputSpecs(model), modelPath);
  const numClasses = source.options?.numClasses ?? declaredClasses(model);
  const loaded = await loadDataset(source.data, source.labels, { ...source.options, numClasses });
  return { dataset: fitToModelInput(loaded, input.dims, input.name), input };
}
