/**
 * The error raised when no plan meets the accuracy budget. It carries the smallest loss any
 * (non-excluded) plan reaches, so the CLI can say which `--max-loss` would admit one.
 */

import { JaladError } from '../core/errors';
import { atMost } from './tolerance';

/**
 * `JaladError` with code `NO_PLAN` (exit code 1).
 *
 * @example
 * // message: "no plan meets the accuracy budget of 0.2 percentage points: the smallest loss any
 * //           plan reaches is 0.537 points (--max-loss 0.54 admits it)"
 */
export class NoPlanError extends JaladError {
  /** Smallest predicted loss, percentage points, of any allowed plan; `null` if no plan exists at any budget. */
  readonly minLossPct: number | null;
  /** A `--max-loss` value (percentage points, rounded up to 0.01) that admits that plan; `null` as above. */
  readonly suggestedMaxLossPct: number | null;

  /**
   * @param maxLossPct the budget that failed, percentage points
   * @param minLossPct smallest loss any allowed plan reaches, percentage points, or `null` if none exists
   * @param excludedCount how many plans the caller excluded (mentioned in the message)
   */
  constructor(maxLossPct: number, minLossPct: number | null, excludedCount: number) {
    const suggested = minLossPct === null ? null : admittingBudget(minLossPct);
    const excludedNote =
      excludedCount > 0 ? ` (${excludedCount} plan${excludedCount === 1 ? '' : 's'} excluded)` : '';
    const message =
      minLossPct === null || suggested === null
        ? `no plan exists at any accuracy budget${excludedNote}: every placement sends a tensor with no allowed bit width or was excluded`
        : `no plan meets the accuracy budget of ${maxLossPct} percentage points${excludedNote}: ` +
          `the smallest loss any plan reaches is ${round6(minLossPct)} points (--max-loss ${suggested} admits it)`;
    super('NO_PLAN', message);
    this.name = 'NoPlanError';
    this.minLossPct = minLossPct;
    this.suggestedMaxLossPct = suggested;
  }
}

/** The smallest multiple of 0.01 that admits `lossPct` (percentage points) under `atMost`. */
function admittingBudget(lossPct: number): number {
  // NOTE: 0.53 * 100 is 53.000000000000007 in binary floating point; the 1e-7 keeps it at 0.53.
  let budget = Math.ceil(lossPct * 100 - 1e-7) / 100;
  if (!atMost(lossPct, budget)) budget = Math.round((budget + 0.01) * 100) / 100;
  return budget;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
