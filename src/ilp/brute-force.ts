/**
 * The reference solver: enumerates every placement closed under predecessors (a depth-first search
 * over a topological order) and, for each, every width choice of its crossing tensors, then applies
 * the same lexicographic tie-break as the MILP solver. Exponential: for tests and tiny problems.
 */

import { InputError } from '../core/errors';
import { NoPlanError } from './no-plan-error';
import { buildPlan, computeMs, crossingTensors, isCompressed, partRuns } from './plan-evaluation';
import { totalMs, transferMs } from '../core/latency';
import { prepareProblem, type ExcludedPlan, type PreparedProblem } from './prepared-problem';
import { atMost } from './tolerance';
import type { DecisionProblem, Plan, Solver } from './types';

/** Options of the brute-force solver. */
export interface BruteForceOptions {
  /** Refuse problems with more placements than this (default 2^20): use the MILP solver instead. */
  readonly maxPlacements?: number;
}

const DEFAULTS: Required<BruteForceOptions> = { maxPlacements: 2 ** 20 };

/** A feasible plan in compact form, before it becomes a `Plan`. */
interface Candidate {
  readonly edge: Uint8Array;
  readonly crossing: readonly number[];
  readonly choice: readonly number[];
  readonly totalMs: number;
  readonly lossPct: number;
  readonly bytes: number;
  readonly edgeCount: number;
}

/**
 * Every plan that is optimal under the full tie-break order (latency, loss, bytes, edge-node count,
 * each within the relative tolerance 1e-9 of the best), in enumeration order. One plan means the
 * optimum is unique.
 * @throws InputError `BAD_OPTION` for a malformed problem or more than `maxPlacements` placements
 * @throws NoPlanError (`NO_PLAN`) when no plan meets the budget
 */
export function bruteForceOptima(problem: DecisionProblem, options: BruteForceOptions = {}): Plan[] {
  const { maxPlacements } = { ...DEFAULTS, ...options };
  const prep = prepareProblem(problem, 'bruteForceDecision');
  const candidates = enumerateCandidates(prep, prep.problem.maxLossPct, maxPlacements);
  if (candidates.length === 0) {
    const unbudgeted = enumerateCandidates(prep, Infinity, maxPlacements);
    const minLoss = unbudgeted.length === 0 ? null : Math.min(...unbudgeted.map((c) => c.lossPct));
    throw new NoPlanError(prep.problem.maxLossPct, minLoss, prep.excludedKeys.size);
  }
  let survivors = candidates;
  const criteria: ((c: Candidate) => number)[] = [
    (c) => c.totalMs,
    (c) => c.lossPct,
    (c) => c.bytes,
    (c) => c.edgeCount,
  ];
  for (const value of criteria) {
    let best = Infinity;
    for (const c of survivors) best = Math.min(best, value(c));
    survivors = survivors.filter((c) => atMost(value(c), best));
  }
  return survivors.map((c) => buildPlan(prep, c.edge, c.crossing, c.choice, prep.problem.bandwidthMbps));
}

/**
 * The optimal plan by exhaustive enumeration (the first of `bruteForceOptima`).
 * @throws as `bruteForceOptima`
 */
export function bruteForceDecision(problem: DecisionProblem, options: BruteForceOptions = {}): Plan {
  return bruteForceOptima(problem, options)[0];
}

/** `bruteForceDecision` behind the `Solver` interface (name `brute-force`). */
export function createBruteForceSolver(options: BruteForceOptions = {}): Solver {
  return { name: 'brute-force', solve: (problem) => bruteForceDecision(problem, options) };
}

/**
 * For every placement, the width choices within `maxLossPct` that are not excluded and not
 * dominated in (bytes, codec time, loss) by another choice of the same placement. A dominated choice
 * is slower or equal, with more or equal loss, bytes and the same edge nodes, so it can never win alone.
 */
function enumerateCandidates(prep: PreparedProblem, maxLossPct: number, maxPlacements: number): Candidate[] {
  const n = prep.problem.nodes.length;
  const order = prep.topoOrder;
  const edge = new Uint8Array(n);
  const out: Candidate[] = [];
  let placements = 0;

  const visitPlacement = (): void => {
    if (++placements > maxPlacements) {
      throw new InputError(
        'BAD_OPTION',
        `bruteForceDecision: more than ${maxPlacements} placements to enumerate (${n} nodes); use the MILP solver`,
      );
    }
    const crossing = crossingTensors(prep, edge);
    if (crossing.some((ti) => prep.tensors[ti].allowed.length === 0)) return;
    // the part times with float32 crossings; a compressed choice adds the run overheads it causes
    const { edgeMs, cloudMs } = computeMs(prep, edge, crossing, false);
    const edgeCount = edge.reduce((a, b) => a + b, 0);
    const plain = partRuns(prep.problem.nodes.length, edgeCount, false);
    const edgeRunExtraMs = plain.edge ? 0 : (prep.problem.edgeRunMs ?? 0);
    const cloudRunExtraMs = plain.cloud ? 0 : (prep.problem.cloudRunMs ?? 0);
    const excluded = prep.excluded.filter(
      (e) => e.choices.size === crossing.length && crossing.every((ti) => e.choices.has(ti)),
    );
    const choices = widthChoices(prep, crossing, maxLossPct, excluded, edgeRunExtraMs + cloudRunExtraMs);
    const snapshot = edge.slice();
    for (const c of choices) {
      const transfer = transferMs(c.bytes, prep.problem.bandwidthMbps);
      out.push({
        edge: snapshot,
        crossing,
        choice: c.choice,
        totalMs: totalMs(
          edgeMs + (c.compressed ? edgeRunExtraMs : 0),
          prep.problem.rttMs,
          transfer,
          cloudMs + (c.compressed ? cloudRunExtraMs : 0),
          c.encodeMs,
          c.decodeMs,
        ),
        lossPct: c.lossPct,
        bytes: c.bytes,
        edgeCount,
      });
    }
  };

  // x_v = 1 (edge) is allowed only if every predecessor is on the edge; predecessors come first.
  const place = (i: number): void => {
    if (i === n) {
      visitPlacement();
      return;
    }
    const v = order[i];
    edge[v] = 0;
    place(i + 1);
    if (prep.preds[v].every((u) => edge[u] === 1)) {
      edge[v] = 1;
      place(i + 1);
      edge[v] = 0;
    }
  };
  place(0);
  return out;
}

interface WidthChoice {
  readonly choice: readonly number[];
  readonly bytes: number;
  readonly lossPct: number;
  /** Summed codec times of the chosen options, ms (summed in crossing order, as `buildPlan` does). */
  readonly encodeMs: number;
  readonly decodeMs: number;
  /** Whether some chosen option is compressed (the parts then run their quantizer and dequantizer). */
  readonly compressed: boolean;
  /** The run overheads the choice adds to the placement's (0 unless compressed), ms: part of its codec cost. */
  readonly runMs: number;
}

/** The non-dominated, non-excluded width choices within the budget for one crossing set. */
function widthChoices(
  prep: PreparedProblem,
  crossing: readonly number[],
  maxLossPct: number,
  excluded: readonly ExcludedPlan[],
  compressedRunMs: number,
): WidthChoice[] {
  const options = crossing.map((ti) => prep.problem.tensors[ti].options);
  const allowed = crossing.map((ti) => prep.tensors[ti].allowed);
  // smallest loss still to come after position i, for pruning (with a margin far above rounding error)
  const minLossAfter = new Float64Array(crossing.length + 1);
  for (let i = crossing.length - 1; i >= 0; i--) {
    minLossAfter[i] = minLossAfter[i + 1] + Math.min(...allowed[i].map((k) => options[i][k].lossPct));
  }
  const pruneAbove = maxLossPct === Infinity ? Infinity : maxLossPct + 2 * Math.abs(maxLossPct) * 1e-9 + 1e-9;

  const leaves: WidthChoice[] = [];
  const choice: number[] = new Array<number>(crossing.length).fill(-1);
  const leaf = (): WidthChoice => {
    let bytes = 0;
    let lossPct = 0;
    let encodeMs = 0;
    let decodeMs = 0;
    let compressed = false;
    choice.forEach((k, i) => {
      const o = options[i][k];
      bytes += o.bytes;
      lossPct += o.lossPct;
      encodeMs += o.encodeMs ?? 0;
      decodeMs += o.decodeMs ?? 0;
      compressed ||= isCompressed(o);
    });
    return {
      choice: [...choice],
      bytes,
      lossPct,
      encodeMs,
      decodeMs,
      compressed,
      runMs: compressed ? compressedRunMs : 0,
    };
  };
  const walk = (i: number, lossPct: number): void => {
    if (lossPct + minLossAfter[i] > pruneAbove) return;
    if (i === crossing.length) {
      const found = leaf();
      if (!atMost(found.lossPct, maxLossPct)) return;
      if (excluded.some((e) => crossing.every((ti, j) => e.choices.get(ti) === choice[j]))) return;
      leaves.push(found);
      return;
    }
    for (const k of allowed[i]) {
      choice[i] = k;
      walk(i + 1, lossPct + options[i][k].lossPct);
    }
    choice[i] = -1;
  };
  walk(0, 0);
  return paretoChoices(leaves);
}

/**
 * The choices not dominated in (bytes, codec ms, loss): a choice is dropped when another has at most
 * its bytes, codec time and loss and is below it in one of them; exact ties are all kept. Without
 * codec times this is the Pareto front in (bytes, loss).
 */
function paretoChoices(leaves: WidthChoice[]): WidthChoice[] {
  const codecMs = (c: WidthChoice): number => c.encodeMs + c.decodeMs + c.runMs;
  leaves.sort((a, b) => a.bytes - b.bytes || codecMs(a) - codecMs(b) || a.lossPct - b.lossPct);
  const kept: WidthChoice[] = [];
  for (const c of leaves) {
    const dominated = kept.some(
      (k) =>
        k.bytes <= c.bytes &&
        codecMs(k) <= codecMs(c) &&
        k.lossPct <= c.lossPct &&
        (k.bytes < c.bytes || codecMs(k) < codecMs(c) || k.lossPct < c.lossPct),
    );
    if (!dominated) kept.push(c);
  }
  return kept;
}
