/** Refusing a model that has nothing to split, before any work. */
import { InputError } from '../core/errors';

/**
 * Returns `cuts` when there is at least one; a model with none (no nodes, or outputs that are
 * its inputs or its weights) computes nothing from its inputs, so there is nothing to place on an
 * edge device or in the cloud.
 *
 * @throws InputError `BAD_MODEL` naming the model
 */
export function requireCutPoints<T>(cuts: readonly T[], modelPath: string): readonly T[] {
  if (cuts.length === 0)
    throw new InputError(
      'BAD_MODEL',
      `${modelPath}: has no cut points: no node computes its outputs from its inputs (outputs that are inputs or weights); nothing ` +
        `to split`,
    );
  return cuts;
}
