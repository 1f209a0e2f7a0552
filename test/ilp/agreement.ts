/**
 * Compares a solver's answer with the brute-force reference on one problem.
 */

import { bruteForceOptima, NoPlanError, type DecisionProblem, type Plan, type Solver } from '../../src/ilp';

/** Relative tolerance on predicted latency, loss and bytes between the two answers. */
export const REL = 1e-9;

export type Outcome = 'unique' | 'tied' | 'no-plan';

export interface Agreement {
  readonly outcome: Outcome;
  /** Why the answers differ, or null. */
  readonly mismatch: string | null;
  /** The solver's plan (null when NO_PLAN). */
  readonly plan: Plan | null;
}

export function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= REL * Math.max(1, Math.abs(a), Math.abs(b));
}

const bytesOf = (p: Plan): number => p.crossing.reduce((s, c) => s + c.bytes, 0);
const samePlan = (p: Plan, q: Plan): boolean => p.key === q.key && p.edgeNodes.join() === q.edgeNodes.join();

/**
 * Solves `problem` with `solver` and by brute force. Both must throw NO_PLAN with the same smallest
 * loss, or return plans with equal latency, loss, bytes and edge-node count; the solver's plan must
 * be one of the brute-force optima, and equal to it (every field) when that optimum is unique.
 */
export function agreement(solver: Solver, problem: DecisionProblem): Agreement {
  let optima: Plan[] | null = null;
  let referenceError: unknown = null;
  try {
    optima = bruteForceOptima(problem);
  } catch (e) {
    referenceError = e;
  }
  let plan: Plan | null = null;
  let solverError: unknown = null;
  try {
    plan = solver.solve(problem);
  } catch (e) {
    solverError = e;
  }
  if (optima === null) {
    if (!(referenceError instanceof NoPlanError)) throw referenceError;
    if (!(solverError instanceof NoPlanError)) {
      return {
        outcome: 'no-plan',
        plan,
        mismatch: `reference: NO_PLAN; ${solver.name}: ${plan ? JSON.stringify(plan) : String(solverError)}`,
      };
    }
    const a = referenceError.minLossPct;
    const b = solverError.minLossPct;
    const same = a === null || b === null ? a === b : close(a, b);
    const mismatch = same ? null : `NO_PLAN with smallest loss ${a} (reference) vs ${b} (${solver.name})`;
    return { outcome: 'no-plan', plan: null, mismatch };
  }
  if (plan === null)
    return {
      outcome: 'tied',
      plan,
      mismatch: `${solver.name} threw ${String(solverError)}; reference found a plan`,
    };
  const best = optima[0];
  const outcome: Outcome = optima.length === 1 ? 'unique' : 'tied';
  const problems: string[] = [];
  if (!close(plan.predictedMs.total, best.predictedMs.total))
    problems.push(`latency ${plan.predictedMs.total} vs ${best.predictedMs.total}`);
  if (!close(plan.predictedLossPct, best.predictedLossPct))
    problems.push(`loss ${plan.predictedLossPct} vs ${best.predictedLossPct}`);
  if (!close(bytesOf(plan), bytesOf(best))) problems.push(`bytes ${bytesOf(plan)} vs ${bytesOf(best)}`);
  if (plan.edgeNodes.length !== best.edgeNodes.length)
    problems.push(`edge nodes ${plan.edgeNodes.length} vs ${best.edgeNodes.length}`);
  if (!optima.some((o) => samePlan(o, plan as Plan)))
    problems.push('plan is not among the brute-force optima');
  if (outcome === 'unique' && JSON.stringify(plan) !== JSON.stringify(best))
    problems.push('unique optimum differs in some field');
  const mismatch =
    problems.length === 0
      ? null
      : `${problems.join('; ')}\n  ${solver.name}: ${JSON.stringify(plan)}\n  reference: ${JSON.stringify(best)}`;
  return { outcome, plan, mismatch };
}
