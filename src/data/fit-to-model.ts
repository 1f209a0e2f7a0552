/**
 * Matching a dataset's per-sample shape to a model input's dims, e.g. Fashion-MNIST's IDX
 * images [N, 28, 28] (per sample [28, 28]) to a CNN input [batch, 1, 28, 28]: dims of size 1
 * may be inserted or dropped (a reshape that moves no data); nothing else changes.
 */
import { InputError } from '../core/errors';
import { Dataset } from './dataset';
import { formatDims } from './nd-array';

/** A model dim that matches any size: a symbolic name ('batch', 'N'), or a number ≤ 0 (-1: unknown). */
function isSymbolic(d: number | string): boolean {
  return typeof d === 'string' || !(Number.isInteger(d) && d > 0);
}

/** Align the non-singleton data dims to `model`, resolving symbolic dims; undefined if impossible. */
function align(data: readonly number[], model: readonly (number | string)[]): number[] | undefined {
  const go = (i: number, j: number): number[] | undefined => {
    if (j === model.length) return i === data.length ? [] : undefined;
    const d = model[j];
    if (d === 1) return prepend(1, go(i, j + 1));
    if (isSymbolic(d)) {
      // NOTE: a symbolic dim first takes the next data dim, and only else becomes 1.
      return (i < data.length ? prepend(data[i], go(i + 1, j + 1)) : undefined) ?? prepend(1, go(i, j + 1));
    }
    return i < data.length && data[i] === d ? prepend(d, go(i + 1, j + 1)) : undefined;
  };
  return go(0, 0);
}

function prepend(d: number, rest: number[] | undefined): number[] | undefined {
  return rest === undefined ? undefined : [d, ...rest];
}

/**
 * Check a dataset against a model input and reshape it when only singleton dims differ.
 * The first model dim is the batch dim and is not compared; symbolic dims ('batch', -1) match
 * any size. The data is shared, not copied.
 * @param dataset a loaded dataset
 * @param modelInputDims the model input's dims including the batch dim, e.g. ['batch', 1, 28, 28]
 * @param inputName the model input's name, for the message
 * @returns the dataset itself when the shape already matches, else a copy of it with the new shape
 * @throws InputError BAD_DATA naming the data file, its per-sample shape, the input and its dims
 * @example fitToModelInput(fashionMnistTest, ['batch', 1, 28, 28]).shape // [1, 28, 28] (was [28, 28])
 */
export function fitToModelInput(
  dataset: Dataset,
  modelInputDims: readonly (number | string)[],
  inputName = 'input',
): Dataset {
  const shape = fitShapeToModelInput(dataset.shape, dataset.source, modelInputDims, inputName);
  return shape === dataset.shape ? dataset : { ...dataset, shape };
}

/**
 * {@link fitToModelInput} for a per-sample shape alone (a streamed dataset's batches).
 * @param source the data path, for the message
 * @returns `shape` itself when it already matches, else the reshaped dims
 * @throws InputError BAD_DATA as fitToModelInput
 */
export function fitShapeToModelInput(
  shape: readonly number[],
  source: string,
  modelInputDims: readonly (number | string)[],
  inputName = 'input',
): readonly number[] {
  const fail = (why = ''): never => {
    throw new InputError(
      'BAD_DATA',
      `--data ${source}: per-sample shape ${formatDims(shape)} does not match the model input ` +
        `"${inputName}" ${formatDims(modelInputDims)}${why}`,
    );
  };
  if (modelInputDims.length === 0) fail(' (a scalar input has no batch dim)');
  const model = modelInputDims.slice(1);
  if (shape.length === model.length && shape.every((d, i) => isSymbolic(model[i]) || model[i] === d))
    return shape;
  const resolved = align(
    shape.filter((d) => d !== 1),
    model,
  );
  return resolved === undefined ? fail() : resolved;
}
