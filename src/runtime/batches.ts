/**
 * Running a model over a validation set in batches. Models with a dynamic batch axis
 * take `batchSize` samples per call; models with a fixed batch of 1 take one at a time.
 */
import { InputError } from '../core/errors';
import type { Dataset } from '../data';
import type { InputSpec } from './inputs';
import { createTensor, type Tensor } from './tensor';

/** The batch size a model can take: `wanted` if its batch axis is dynamic, else its fixed size. */
export function effectiveBatchSize(spec: InputSpec, wanted: number): number {
  const b = spec.dims[0];
  return typeof b === 'number' && b > 0 ? b : wanted;
}

/** The model's only input; --data feeds one tensor. */
export function singleInput(specs: readonly InputSpec[], source: string): InputSpec {
  if (specs.length !== 1) {
    throw new InputError(
      'BAD_DATA',
      `${source}: the model has ${specs.length} inputs (${specs.map((s) => s.name).join(', ')}); --data feeds a model with one input`,
    );
  }
  return specs[0];
}

/** One batch: the sample range and its input tensor. */
export interface Batch {
  readonly start: number;
  readonly count: number;
  readonly tensor: Tensor;
}

/**
 * Yields the dataset as input tensors of `batchSize` samples (the last may be smaller,
 * unless the model's batch is fixed, in which case every batch is exactly that size).
 * Tensors are views of the dataset's buffer: no copy.
 */
export function* batches(dataset: Dataset, batchSize: number): Generator<Batch> {
  const per = dataset.shape.reduce((a, b) => a * b, 1);
  for (let start = 0; start < dataset.samples; start += batchSize) {
    const count = Math.min(batchSize, dataset.samples - start);
    const data = dataset.data.subarray(start * per, (start + count) * per);
    yield { start, count, tensor: createTensor('float32', data, [count, ...dataset.shape]) };
  }
}

/** Index of the largest of `n` scores starting at `offset` (ties: the first, as torch.argmax). */
export function argmax(scores: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  let bestValue = scores[offset];
  for (let j = 1; j < n; j++) {
    const v = scores[offset + j];
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}

/** True when `label` is among the `k` largest of `n` scores at `offset` (ties broken towards lower indices). */
export function inTopK(
  scores: ArrayLike<number>,
  offset: number,
  n: number,
  label: number,
  k: number,
): boolean {
  const target = scores[offset + label];
  let above = 0;
  for (let j = 0; j < n; j++) {
    const v = scores[offset + j];
    if (v > target || (v === target && j < label)) above++;
    if (above >= k) return false;
  }
  return true;
}
