/** Loading a validation set for a model: read, preprocess, subset, and check against the model input. */
import { fitToModelInput, loadDataset, type DataOptions, type Dataset } from '../data';
import type { ModelProto } from '../graph';
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
}

/** Loads `source` and fits it to the model's single input (shapes checked before any work). */
export async function loadValidationSet(
  model: ModelProto,
  source: DataSource,
  modelPath: string,
): Promise<ValidationSet> {
  const input = singleInput(inputSpecs(model), modelPath);
  const loaded = await loadDataset(source.data, source.labels, source.options ?? {});
  return { dataset: fitToModelInput(loaded, input.dims, input.name), input };
}
