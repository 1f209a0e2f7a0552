/**
 * An exact `Solver` on top of any 0-1 MILP engine: builds the model of `milp-model.ts`, solves the
 * four tie-break criteria lexicographically, and checks every answer in plain TypeScript (integral,
 * placement closed under predecessors, crossing and width variables consistent with it, budget met,
 * not excluded) before trusting it. Predictions are recomputed from the placement, never taken from
 * the engine's objective value.
 */

import { NoPlanError } from './no-plan-error';
import {
  CRITERIA,
  criterionForm,
  decisionLayout,
  formAtMost,
  noGoodRow,
  structuralRows,
  type Criterion,
  type DecisionLayout,
  type MilpModel,
  type MilpRow,
} from './milp-model';
import { prefixStart } from './milp-start';
import { buildPlan, isDownwardClosed, planBytes, tensorCrosses } from './plan-evaluation';
import { prepareProblem, type ExcludedPlan, type PreparedProblem } from './prepared-problem';
import { atMost } from './tolerance';
import type { DecisionProblem, Plan, Solver } from './types';

/** What a MILP engine reports for one model. */
export type MilpOutcome =
  { readonly status: 'optimal'; readonly values: ArrayLike<number> } | { readonly status: 'infeasible' };

/** A 0-1 MILP engine: solves `model` to proven optimality (zero gap) or proves it infeasible. */
export interface MilpBackend {
  /** Engine name, used as the `Solver` name and in messages. */
  readonly name: string;
  /**
   * Solves `model` exactly.
   * @param start a feasible assignment to start from (a hint; may be ignored)
   * @throws Error if the engine stops for any other reason (a limit, a numerical failure)
   */
  solve(model: MilpModel, start?: ArrayLike<number>): MilpOutcome;
}

/** Largest distance from 0 or 1 accepted for a binary column, before rounding. */
const INTEGRALITY_TOL = 1e-6;

/** Re-solves allowed after the engine returns a plan that breaks the budget by its own tolerance. */
const MAX_REPAIRS = 16;

/**
 * Wraps a MILP engine as an exact `Solver`.
 *
 * Tie-break (the same as `bruteForceDecision`): among plans whose predicted latency is within the
 * relative tolerance `TIE_REL` (1e-9) of the best, the lowest predicted loss; then the fewest bytes
 * sent; then the fewest nodes on the edge device. Each criterion is one more engine solve with the
 * earlier ones constrained to stay within the tolerance of their optimum.
 *
 * @example const plan = createMilpSolver(backend).solve(problem);
 */
export function createMilpSolver(backend: MilpBackend): Solver {
  return {
    name: backend.name,
    solve: (problem) => solveWithBackend(backend, problem),
  };
}

function solveWithBackend(backend: MilpBackend, problem: DecisionProblem): Plan {
  const prep = prepareProblem(problem, `${backend.name}.solve`);
  const layout = decisionLayout(prep);
  const structural = structuralRows(prep, layout);
  const budget =
    prep.problem.maxLossPct === Infinity
      ? []
      : [formAtMost(criterionForm(prep, layout, 'loss', 0), prep.problem.maxLossPct)];
  const excluded = prep.excluded.map((e) => noGoodRow(prep, layout, e));
  const repairs: MilpRow[] = [];

  const forms = new Map(
    CRITERIA.map((c) => [c, criterionForm(prep, layout, c, problem.bandwidthMbps)] as const),
  );
  const start = prefixStart(prep, layout, forms.get('latency')!, budget.length > 0);
  for (let attempt = 0; attempt <= MAX_REPAIRS; attempt++) {
    const base = [...structural, ...budget, ...excluded, ...repairs];
    const first = solveStage(backend, prep, layout, forms.get('latency')!, base, start);
    if (first === null) throw noPlanError(backend, prep, layout, [...structural, ...excluded]);
    if (!isAllowed(prep, first.plan)) {
      // NOTE: the engine accepts a row violated by its feasibility tolerance (~1e-7); a plan whose
      // loss is over the budget by more than TIE_REL is forbidden by a no-good row and re-solved.
      repairs.push(noGoodRow(prep, layout, excludedOf(prep, first.plan)));
      continue;
    }
    let best = first;
    const rows = [...base];
    const limits: number[] = [];
    for (let i = 1; i < CRITERIA.length; i++) {
      limits.push(criterionValue(best.plan, CRITERIA[i - 1]));
      rows.push(formAtMost(forms.get(CRITERIA[i - 1])!, limits[i - 1]));
      const next = solveStage(backend, prep, layout, forms.get(CRITERIA[i])!, rows, best.values);
      // NOTE: a later stage can only fail through the engine's tolerances; the plan found so far is
      // then kept, being optimal for the earlier criteria.
      if (next === null || !isAllowed(prep, next.plan) || !withinLimits(next.plan, limits)) break;
      best = next;
    }
    return best.plan;
  }
  throw new Error(`${backend.name}: the solver kept returning plans over the accuracy budget`);
}

interface StageResult {
  readonly plan: Plan;
  readonly values: ArrayLike<number>;
}

function solveStage(
  backend: MilpBackend,
  prep: PreparedProblem,
  layout: DecisionLayout,
  objective: { readonly coefficients: Float64Array; readonly constant: number },
  rows: readonly MilpRow[],
  start?: ArrayLike<number>,
): StageResult | null {
  const model: MilpModel = {
    numCols: layout.numCols,
    cost: Array.from(objective.coefficients),
    offset: objective.constant,
    rows,
  };
  const outcome = backend.solve(model, start);
  if (outcome.status === 'infeasible') return null;
  return { plan: decodePlan(backend, prep, layout, outcome.values), values: outcome.values };
}

/** The plan of a solution vector, after checking it is integral and self-consistent. */
function decodePlan(
  backend: MilpBackend,
  prep: PreparedProblem,
  layout: DecisionLayout,
  values: ArrayLike<number>,
): Plan {
  if (values.length !== layout.numCols) {
    throw new Error(`${backend.name}: returned ${values.length} values for ${layout.numCols} columns`);
  }
  const bit = (j: number): number => {
    const v = values[j];
    const r = Math.round(v);
    if (!(Math.abs(v - r) <= INTEGRALITY_TOL) || (r !== 0 && r !== 1)) {
      throw new Error(`${backend.name}: returned a non-binary value ${v} for column ${j}`);
    }
    return r;
  };
  const n = prep.problem.nodes.length;
  const edge = new Uint8Array(n);
  for (let v = 0; v < n; v++) edge[v] = bit(v);
  if (!isDownwardClosed(prep, edge))
    throw new Error(`${backend.name}: returned a placement that breaks precedence`);
  const crossing: number[] = [];
  const choice: number[] = [];
  for (const t of prep.tensors) {
    const crosses = tensorCrosses(t, edge);
    const y = layout.y[t.index];
    if ((y < 0 ? 0 : bit(y)) !== (crosses ? 1 : 0)) {
      throw new Error(
        `${backend.name}: crossing variable of tensor "${t.name}" disagrees with the placement`,
      );
    }
    const chosen = layout.z[t.index].flatMap((col, j) => (bit(col) === 1 ? [t.allowed[j]] : []));
    if (chosen.length !== (crosses ? 1 : 0)) {
      throw new Error(`${backend.name}: tensor "${t.name}" has ${chosen.length} widths chosen`);
    }
    if (crosses) {
      crossing.push(t.index);
      choice.push(chosen[0]);
    }
  }
  return buildPlan(prep, edge, crossing, choice, prep.problem.bandwidthMbps);
}

/** Whether a plan meets the budget (checked in TypeScript) and is not excluded. */
function isAllowed(prep: PreparedProblem, plan: Plan): boolean {
  return atMost(plan.predictedLossPct, prep.problem.maxLossPct) && !prep.excludedKeys.has(plan.key);
}

/** The value of a plan under one tie-break criterion. */
export function criterionValue(plan: Plan, criterion: Criterion): number {
  switch (criterion) {
    case 'latency':
      return plan.predictedMs.total;
    case 'loss':
      return plan.predictedLossPct;
    case 'bytes':
      return planBytes(plan);
    case 'edgeCount':
      return plan.edgeNodes.length;
  }
}

/** Whether `plan` is within the tie tolerance of `limits`, one per criterion in tie-break order. */
function withinLimits(plan: Plan, limits: readonly number[]): boolean {
  return limits.every((limit, i) => atMost(criterionValue(plan, CRITERIA[i]), limit));
}

function excludedOf(prep: PreparedProblem, plan: Plan): ExcludedPlan {
  const choices = new Map<number, number>();
  const byName = new Map(prep.tensors.map((t) => [t.name, t.index]));
  for (const c of plan.crossing) {
    const ti = byName.get(c.tensor)!;
    choices.set(
      ti,
      prep.problem.tensors[ti].options.findIndex((o) => o.bits === c.bits),
    );
  }
  return { key: plan.key, choices };
}

/**
 * The NO_PLAN error, with the smallest loss any allowed plan reaches: one more solve, minimising
 * the loss under `rows` (the structural and the caller's no-good rows, no budget).
 */
function noPlanError(
  backend: MilpBackend,
  prep: PreparedProblem,
  layout: DecisionLayout,
  rows: readonly MilpRow[],
): NoPlanError {
  const lossForm = criterionForm(prep, layout, 'loss', 0);
  const result = solveStage(
    backend,
    prep,
    layout,
    lossForm,
    rows,
    prefixStart(prep, layout, lossForm, false),
  );
  return new NoPlanError(
    prep.problem.maxLossPct,
    result === null ? null : result.plan.predictedLossPct,
    prep.excludedKeys.size,
  );
}
