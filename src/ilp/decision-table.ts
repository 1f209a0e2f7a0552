/**
 * Adaptation (docs/method.md#adaptation): the best plan for every bandwidth in a range.
 *
 * For a fixed plan the predicted latency is a + s·8/(B·10^3) ms (a = edge + cloud + RTT + codec ms, s = bytes
 * sent), a line in 1/B; the best plan over a range of B is the lower envelope of these lines, and
 * its breakpoints are exact. The envelope is found by Eisner & Severance's parametric method
 * ("Mathematical techniques for efficient record segmentation in large shared databases",
 * J. ACM 23(4), 1976): solve at both ends; if the plans differ, solve where their lines cross; if
 * nothing beats them there, that is a breakpoint, else recurse on both sides of the new plan. Each
 * solve finds a breakpoint or a new envelope line, so 2 + 2·(segments − 1) solves suffice.
 */

import { DECISION_TABLE_MBPS } from '../core/defaults';
import { InputError } from '../core/errors';
import { breakEvenMbps, fixedMs } from '../core/latency';
import { createHighsSolver, withBaselineWasm } from './highs-solver';
import { planAtBandwidth, planBytes } from './plan-evaluation';
import { prepareProblem } from './prepared-problem';
import { atMost } from './tolerance';
import type { DecisionSegment, Plan, Solver, TableProblem } from './types';

/** Options of `decisionTable`. */
export interface DecisionTableOptions {
  /** Lowest bandwidth of the table, Mbps, > 0 (default 0.1). */
  readonly fromMbps?: number;
  /** Highest bandwidth of the table, Mbps, ≥ `fromMbps` (default 1000). */
  readonly toMbps?: number;
  /** The solver to use (default: a HiGHS solver created for this call, run without tier-up: see withBaselineWasm). */
  readonly solver?: Solver;
}

const DEFAULTS = DECISION_TABLE_MBPS;

/** Solves allowed before giving up (a guard against a solver that contradicts itself). */
const MAX_SOLVES = 100_000;

/**
 * The decision table: consecutive bandwidth intervals covering [fromMbps, toMbps], in increasing
 * bandwidth, each with the plan that is fastest over the whole interval (adjacent intervals have
 * different plans). A breakpoint is where two plans' latencies are equal.
 *
 * @example
 * const table = await decisionTable({ nodes, tensors, rttMs: 0, maxLossPct: 0.5 }, { solver });
 * // [{ fromMbps: 0.1, toMbps: 2.7, plan: <cloud-heavy>, ... }, { fromMbps: 2.7, toMbps: 1000, plan: ..., ... }]
 * @throws InputError `BAD_OPTION` for a malformed problem or range; NoPlanError (`NO_PLAN`) if no plan fits
 */
export async function decisionTable(
  problem: TableProblem,
  options: DecisionTableOptions = {},
): Promise<DecisionSegment[]> {
  const fromMbps = options.fromMbps ?? DEFAULTS.fromMbps;
  const toMbps = options.toMbps ?? DEFAULTS.toMbps;
  if (!(Number.isFinite(fromMbps) && fromMbps > 0)) {
    throw new InputError(
      'BAD_OPTION',
      `decisionTable: fromMbps must be a finite number > 0, got ${fromMbps}`,
    );
  }
  if (!(Number.isFinite(toMbps) && toMbps >= fromMbps)) {
    throw new InputError(
      'BAD_OPTION',
      `decisionTable: toMbps must be a finite number ≥ fromMbps (${fromMbps}), got ${toMbps}`,
    );
  }
  prepareProblem({ ...problem, bandwidthMbps: fromMbps }, 'decisionTable'); // validates, naming this function
  if (options.solver) return lowerEnvelope(options.solver, problem, fromMbps, toMbps);
  return withBaselineWasm(async () => lowerEnvelope(await createHighsSolver(), problem, fromMbps, toMbps));
}

/** A plan with its latency line T(B) = a + s·8/(B·10^3). */
interface Line {
  readonly plan: Plan;
  /** edge + cloud + RTT + the codec's encode and decode, ms. */
  readonly a: number;
  /** Bytes sent per sample. */
  readonly s: number;
}

interface Piece {
  readonly from: number;
  readonly to: number;
  readonly line: Line;
}

function lowerEnvelope(
  solver: Solver,
  problem: TableProblem,
  fromMbps: number,
  toMbps: number,
): DecisionSegment[] {
  let solves = 0;
  const solveAt = (bandwidthMbps: number): Line => {
    if (++solves > MAX_SOLVES)
      throw new Error(`decisionTable: more than ${MAX_SOLVES} solves; the solver is inconsistent`);
    const plan = solver.solve({ ...problem, bandwidthMbps });
    const p = plan.predictedMs;
    return { plan, a: fixedMs(p.edge, p.cloud, p.rtt, p.encode, p.decode), s: planBytes(plan) };
  };
  const valueAt = (line: Line, bandwidthMbps: number): number =>
    planAtBandwidth(line.plan, bandwidthMbps).predictedMs.total;

  // `low` is optimal at bandwidth `lo`, `high` at `hi` (lo ≤ hi); returns the envelope on [lo, hi].
  const envelope = (lo: number, low: Line, hi: number, high: Line): Piece[] => {
    if (samePlan(low.plan, high.plan) || lo === hi) return [{ from: lo, to: hi, line: low }];
    const crossing = breakEvenMbps({ fixedMs: low.a, bytes: low.s }, { fixedMs: high.a, bytes: high.s });
    if (!(crossing > lo && crossing < hi)) {
      // parallel or numerically outside: both are optimal across [lo, hi] up to the tolerance
      const at = Number.isFinite(crossing) ? Math.min(Math.max(crossing, lo), hi) : lo;
      return [
        { from: lo, to: at, line: low },
        { from: at, to: hi, line: high },
      ];
    }
    const middle = solveAt(crossing);
    const best = Math.min(valueAt(low, crossing), valueAt(high, crossing));
    if (
      samePlan(middle.plan, low.plan) ||
      samePlan(middle.plan, high.plan) ||
      atMost(best, valueAt(middle, crossing))
    ) {
      return [
        { from: lo, to: crossing, line: low },
        { from: crossing, to: hi, line: high },
      ];
    }
    return [...envelope(lo, low, crossing, middle), ...envelope(crossing, middle, hi, high)];
  };

  const pieces = envelope(fromMbps, solveAt(fromMbps), toMbps, solveAt(toMbps));
  return mergePieces(pieces, fromMbps === toMbps).map(({ from, to, line }) => {
    const plan = planAtBandwidth(line.plan, from);
    return {
      fromMbps: from,
      toMbps: to,
      plan,
      totalMsAtFrom: plan.predictedMs.total,
      totalMsAtTo: valueAt(line, to),
    };
  });
}

/** Drops zero-length pieces (degenerate ties at a breakpoint) and merges neighbours with the same plan. */
function mergePieces(pieces: readonly Piece[], single: boolean): Piece[] {
  const merged: Piece[] = [];
  for (const piece of pieces) {
    if (piece.to <= piece.from && !single) continue;
    const last = merged[merged.length - 1];
    if (last !== undefined && samePlan(last.line.plan, piece.line.plan))
      merged[merged.length - 1] = { ...last, to: piece.to };
    else merged.push(piece);
  }
  return single ? merged.slice(0, 1) : merged;
}

function samePlan(p: Plan, q: Plan): boolean {
  return (
    p.key === q.key &&
    p.edgeNodes.length === q.edgeNodes.length &&
    p.edgeNodes.every((v, i) => v === q.edgeNodes[i])
  );
}
