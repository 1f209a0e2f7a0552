/**
 * The entry point of the decision step: the fastest plan within the accuracy budget.
 */

import { createHighsSolver } from './highs-solver';
import type { DecisionProblem, Plan, Solver } from './types';

/** Options of `solveDecision`. */
export interface SolveDecisionOptions {
  /** The solver to use (default: a HiGHS solver created for this call; pass one to reuse it). */
  readonly solver?: Solver;
}

/**
 * Solves the decision problem exactly: the plan with the lowest predicted latency (ms) whose summed
 * loss is within `maxLossPct`, excluding `excluded`. Ties within a relative 1e-9 are broken by the
 * lowest predicted loss, then the fewest bytes sent, then the fewest nodes on the edge device.
 *
 * @example
 * const solver = await createHighsSolver();
 * let plan = await solveDecision(problem, { solver });
 * // measured loss too high? exclude it and solve again:
 * plan = await solveDecision({ ...problem, excluded: [plan.key] }, { solver });
 * @throws InputError `BAD_OPTION` for a malformed problem; NoPlanError (`NO_PLAN`) when no plan fits
 */
export async function solveDecision(
  problem: DecisionProblem,
  options: SolveDecisionOptions = {},
): Promise<Plan> {
  const solver = options.solver ?? (await createHighsSolver());
  return solver.solve(problem);
}
