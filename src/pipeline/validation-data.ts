/** Loading a validation set for a model: read, preprocess, subset, and check against the model input. */
import {
  fitToModelInput,
  isNpzPath,
  loadDataset,
  loadInputArrays,
  parseNamedSources,
  type DataOptions,
  type Dataset,
} from '../data';
import { InputError } from '../core/errors';
import { DataType } from '../graph';
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
 * Loads `source` and fits it to the model's inputs (shapes checked before any work): one source
 * for a single-input model (IDX, .npy, an image folder), or one array per graph input for any
 * model (`NAME=PATH,...` or an .npz whose arrays are named after the inputs).
 * Labels are checked against the model's declared classes before any image is decoded: a label
 * outside them is an error naming the labels file and the value, in every command.
 */
export async function loadValidationSet(
  model: ModelProto,
  source: DataSource,
  modelPath: string,
): Promise<ValidationSet> {
  const specs = inputSpecs(model);
  const numClasses = source.options?.numClasses ?? declaredClasses(model);
  if (specs.length > 1 || parseNamedSources(source.data) !== undefined || isNpzPath(source.data))
    return loadArraysPerInput(specs, source, numClasses);
  const input = singleInput(specs, modelPath);
  const loaded = await loadDataset(source.data, source.labels, { ...source.options, numClasses });
  return { dataset: fitToModelInput(loaded, input.dims, input.name), input };
}

/**
 * One array per graph input: every input named, counted and shaped before the sweep starts.
 * @throws InputError naming the input, the file or the array
 */
function loadArraysPerInput(
  specs: readonly InputSpec[],
  source: DataSource,
  numClasses: number | undefined,
): ValidationSet {
  for (const s of specs)
    if (s.elemType !== DataType.FLOAT)
      throw new InputError(
        'BAD_DATA',
        `--data ${source.data}: input "${s.name}" has ONNX type ${s.elemType}; --data feeds float32 inputs only`,
      );
  const sets = loadInputArrays(
    source.data,
    source.labels,
    { ...source.options, numClasses },
    specs.map((s) => s.name),
  );
  const fitted = sets.map((d, i) => fitToModelInput(d, specs[i].dims, specs[i].name));
  return {
    dataset: fitted[0],
    input: specs[0],
    moreInputs: fitted.slice(1).map((dataset, i) => ({ input: specs[i + 1], dataset })),
  };
}
