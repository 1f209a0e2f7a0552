/**
 * Plan keys: what a plan sends, as a canonical string. The accuracy of a split depends only on
 * which tensors are quantized at which widths, so the key is what a measured-and-rejected plan is
 * excluded by (`DecisionProblem.excluded`).
 */

import { InputError } from '../core/errors';
import type { Bits, PlanKey } from './types';

/** One entry of a plan key. */
export interface PlanKeyEntry {
  /** Tensor name. */
  readonly tensor: string;
  /** Width it is sent at. */
  readonly bits: Bits;
}

/**
 * The key of a plan that sends `crossing`: a JSON array of `[tensor, bits]` pairs sorted by tensor
 * name (UTF-16 code-unit order, locale independent).
 *
 * @example planKey([{ tensor: 'b', bits: 8 }, { tensor: 'a', bits: 'f32' }]) === '[["a","f32"],["b",8]]'
 */
export function planKey(crossing: readonly PlanKeyEntry[]): PlanKey {
  const pairs = crossing.map((c): [string, Bits] => [c.tensor, c.bits]);
  pairs.sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0));
  return JSON.stringify(pairs);
}

/**
 * Parses a key made by `planKey`.
 * @throws InputError `BAD_OPTION` if `key` is not such a key (the message quotes it).
 */
export function parsePlanKey(key: PlanKey): PlanKeyEntry[] {
  const bad = (why: string): InputError =>
    new InputError('BAD_OPTION', `parsePlanKey: ${why} in plan key ${JSON.stringify(key)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    throw bad('invalid JSON');
  }
  if (!Array.isArray(parsed)) throw bad('not an array');
  const entries: PlanKeyEntry[] = [];
  const seen = new Set<string>();
  for (const pair of parsed as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
      throw bad('an entry that is not a [tensor, bits] pair');
    }
    const [tensor, bits] = pair as [string, unknown];
    if (!isBits(bits)) throw bad(`tensor "${tensor}" with invalid bits ${JSON.stringify(bits)}`);
    if (seen.has(tensor)) throw bad(`tensor "${tensor}" listed twice`);
    seen.add(tensor);
    entries.push({ tensor, bits });
  }
  return entries;
}

/** Whether `value` is a valid bit width: an integer 1..32 or `'f32'`. */
export function isBits(value: unknown): value is Bits {
  return (
    value === 'f32' || (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 32)
  );
}
