/**
 * A feasible starting point for the MILP engine: the best "prefix" plan. Every prefix of a
 * topological order is a placement closed under predecessors (the first i nodes on the edge,
 * i = 0 is cloud-only, i = n edge-only); for each, two width choices are tried (the least loss and
 * the cheapest under the objective per tensor). Handing the engine a good incumbent up front saves
 * it the search for one, which dominates the run time of degenerate objectives such as the
 * smallest-loss solve behind NO_PLAN.
 */

import type { DecisionLayout, LinearForm } from './milp-model';
import { planKey } from './plan-key';
import { isCompressed, tensorCrosses } from './plan-evaluation';
import type { PreparedProblem } from './prepared-problem';
import { atMost } from './tolerance';

/**
 * The column values of the best prefix plan under `objective`, or undefined if none is allowed.
 * Linear in the graph size: moving one node to the edge changes only the tensors it touches.
 * @param budgeted whether the plan must meet `maxLossPct`
 */
export function prefixStart(
  prep: PreparedProblem,
  layout: DecisionLayout,
  objective: LinearForm,
  budgeted: boolean,
): Float64Array | undefined {
  const { problem } = prep;
  const n = problem.nodes.length;
  const touching: number[][] = Array.from({ length: n }, () => []);
  for (const t of prep.tensors) {
    if (t.producer >= 0) touching[t.producer].push(t.index);
    for (const c of t.consumers) touching[c].push(t.index);
  }
  const optionOf = (ti: number, j: number) => problem.tensors[ti].options[prep.tensors[ti].allowed[j]];
  const costOf = (ti: number, j: number): number => objective.coefficients[layout.z[ti][j]];
  // per tensor, the allowed-option position each rule picks (-1 if none is allowed)
  const rules = [
    prep.tensors.map((t) => argMin(t.allowed.length, (j) => optionOf(t.index, j).lossPct)),
    prep.tensors.map((t) => argMin(t.allowed.length, (j) => costOf(t.index, j))),
  ];

  const edge = new Uint8Array(n);
  const crossing = new Set<number>();
  for (const t of prep.tensors) if (tensorCrosses(t, edge)) crossing.add(t.index);
  let nodeCost = objective.constant;
  let best: { edge: Uint8Array; crossing: number[]; choice: readonly number[]; cost: number } | undefined;
  for (let i = 0; i <= prep.topoOrder.length; i++) {
    if (i > 0) {
      const v = prep.topoOrder[i - 1];
      edge[v] = 1;
      nodeCost += objective.coefficients[v];
      for (const ti of touching[v]) {
        if (tensorCrosses(prep.tensors[ti], edge)) crossing.add(ti);
        else crossing.delete(ti);
      }
    }
    const sent = [...crossing].sort((a, b) => a - b);
    for (const choice of rules) {
      if (sent.some((ti) => choice[ti] < 0)) continue;
      let cost = nodeCost;
      let lossPct = 0;
      for (const ti of sent) {
        cost += costOf(ti, choice[ti]);
        lossPct += optionOf(ti, choice[ti]).lossPct;
      }
      if (best !== undefined && cost >= best.cost) continue;
      if (budgeted && !atMost(lossPct, problem.maxLossPct)) continue;
      if (prep.excludedKeys.size > 0) {
        const key = planKey(
          sent.map((ti) => ({ tensor: prep.tensors[ti].name, bits: optionOf(ti, choice[ti]).bits })),
        );
        if (prep.excludedKeys.has(key)) continue;
      }
      best = { edge: edge.slice(), crossing: sent, choice, cost };
    }
  }
  if (best === undefined) return undefined;
  const values = new Float64Array(layout.numCols);
  best.edge.forEach((e, v) => {
    values[v] = e;
  });
  const chosen = best;
  const compressed = chosen.crossing.some((ti) => isCompressed(optionOf(ti, chosen.choice[ti])));
  if (layout.edgeRuns >= 0) values[layout.edgeRuns] = compressed || best.edge.some((e) => e === 1) ? 1 : 0;
  if (layout.cloudRuns >= 0) values[layout.cloudRuns] = compressed || best.edge.some((e) => e === 0) ? 1 : 0;
  for (const ti of best.crossing) {
    values[layout.y[ti]] = 1;
    values[layout.z[ti][best.choice[ti]]] = 1;
  }
  return values;
}

/** The index in 0..count-1 with the smallest value (the first on ties), or -1 if count is 0. */
function argMin(count: number, value: (j: number) => number): number {
  if (count === 0) return -1;
  let best = 0;
  for (let j = 1; j < count; j++) if (value(j) < value(best)) best = j;
  return best;
}
