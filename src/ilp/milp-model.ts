/**
 * The decision problem as a 0-1 MILP, independent of the engine that solves it.
 *
 * Columns (all binary):
 *   x_v  node v runs on the edge device (column v);
 *   y_t  tensor t crosses (only for tensors some placement can make cross);
 *   z_tk tensor t is sent at its allowed option k.
 * Rows:
 *   precedence   x_c ≤ x_p for every producer p of an input of c (graph inputs count as edge);
 *   crossing     y_t ≥ x_p − x_c per consumer c; y_t ≥ x_p for a graph output; and, so that y_t is
 *                exactly "t crosses" (no-good cuts rely on it), y_t ≤ x_p and y_t ≤ Σ_c (1 − x_c)
 *                for a tensor that is not a graph output (x_p ≡ 1 for a graph input);
 *   one width    Σ_k z_tk = y_t;
 *   budget       Σ lossPct_tk · z_tk ≤ maxLossPct (+ the tie tolerance);
 *   no-good      for every excluded plan E: Σ_{(t,k)∈E} z_tk − Σ_{t∉E} y_t ≤ |E| − 1.
 * Objective: any of the four tie-break criteria (`Criterion`), latency first.
 */

import { tieSlack } from './tolerance';
import { transferMs } from '../core/latency';
import { isCompressed } from './plan-evaluation';
import type { ExcludedPlan, PreparedProblem } from './prepared-problem';
import type { TensorOption } from './types';

/** One linear row `lower ≤ Σ values[i]·x[indices[i]] ≤ upper` with distinct indices. */
export interface MilpRow {
  /** Lower bound of the row activity, or -Infinity. */
  readonly lower: number;
  /** Upper bound of the row activity, or Infinity. */
  readonly upper: number;
  /** Column indices, distinct. */
  readonly indices: readonly number[];
  /** Coefficients, parallel to `indices`. */
  readonly values: readonly number[];
}

/** A minimisation problem over binary columns: minimise offset + Σ cost·x subject to `rows`. */
export interface MilpModel {
  /** Number of columns; every column is binary (0 ≤ x ≤ 1, integer). */
  readonly numCols: number;
  /** Objective coefficient per column. */
  readonly cost: readonly number[];
  /** Constant added to the objective. */
  readonly offset: number;
  /** The constraints. */
  readonly rows: readonly MilpRow[];
}

/**
 * The tie-break order of plans, most important first: predicted latency (ms), then predicted loss
 * (percentage points), then bytes sent, then the number of nodes on the edge device.
 */
export type Criterion = 'latency' | 'loss' | 'bytes' | 'edgeCount';

/** The criteria in tie-break order. */
export const CRITERIA: readonly Criterion[] = ['latency', 'loss', 'bytes', 'edgeCount'];

/** Where the variables of a prepared problem sit among the columns. */
export interface DecisionLayout {
  readonly numCols: number;
  /** Column of e (1 = the edge part runs: some node is on the edge), or -1 without nodes. */
  readonly edgeRuns: number;
  /** Column of c (1 = the cloud part runs), or -1 without nodes. */
  readonly cloudRuns: number;
  /** Column of y_t per tensor, or -1 if the tensor can never cross. */
  readonly y: Int32Array;
  /** Columns of z_tk per tensor, parallel to the tensor's `allowed` options. */
  readonly z: readonly (readonly number[])[];
}

/** Assigns columns: x_v first (column v), then y_t and z_tk tensor by tensor, then e and c. */
export function decisionLayout(prep: PreparedProblem): DecisionLayout {
  let next = prep.problem.nodes.length;
  const y = new Int32Array(prep.tensors.length).fill(-1);
  const z = prep.tensors.map((t) => {
    if (!t.canCross) return [];
    y[t.index] = next++;
    return t.allowed.map(() => next++);
  });
  const hasNodes = prep.problem.nodes.length > 0;
  const edgeRuns = hasNodes ? next++ : -1;
  const cloudRuns = hasNodes ? next++ : -1;
  return { numCols: next, y, z, edgeRuns, cloudRuns };
}

/** A linear function of the columns: constant + Σ coefficients·x. */
export interface LinearForm {
  readonly coefficients: Float64Array;
  readonly constant: number;
}

/**
 * One tie-break criterion as a linear function of the columns.
 * @param bandwidthMbps used by `latency` only, Mbps
 */
export function criterionForm(
  prep: PreparedProblem,
  layout: DecisionLayout,
  criterion: Criterion,
  bandwidthMbps: number,
): LinearForm {
  const coefficients = new Float64Array(layout.numCols);
  let constant = 0;
  const perOption = (value: (o: TensorOption) => number): void => {
    prep.tensors.forEach((t) => {
      t.allowed.forEach((k, j) => {
        const o = prep.problem.tensors[t.index].options[k];
        if (layout.z[t.index].length > 0) coefficients[layout.z[t.index][j]] = value(o);
      });
    });
  };
  switch (criterion) {
    case 'latency':
      // Σ_v x_v·edgeMs + (1 − x_v)·cloudMs + RTT + Σ z·(bytes·8/B + encodeMs + decodeMs)
      prep.problem.nodes.forEach((node, v) => {
        coefficients[v] = node.edgeMs - node.cloudMs;
        constant += node.cloudMs;
      });
      constant += prep.problem.rttMs;
      // + e·edgeRunMs + c·cloudRunMs: each part's fixed cost when it runs at all
      if (layout.edgeRuns >= 0) coefficients[layout.edgeRuns] = prep.problem.edgeRunMs ?? 0;
      if (layout.cloudRuns >= 0) coefficients[layout.cloudRuns] = prep.problem.cloudRunMs ?? 0;
      perOption((o) => transferMs(o.bytes, bandwidthMbps) + (o.encodeMs ?? 0) + (o.decodeMs ?? 0));
      // + each crossing tensor's costs on both sides: exactly one of its options is chosen when it crosses.
      prep.tensors.forEach((t) => {
        const tensor = prep.problem.tensors[t.index];
        const crossMs = (tensor.edgeCrossMs ?? 0) + (tensor.cloudCrossMs ?? 0);
        if (crossMs > 0) for (const col of layout.z[t.index]) coefficients[col] += crossMs;
      });
      break;
    case 'loss':
      perOption((o) => o.lossPct);
      break;
    case 'bytes':
      perOption((o) => o.bytes);
      break;
    case 'edgeCount':
      prep.problem.nodes.forEach((_, v) => {
        coefficients[v] = 1;
      });
      break;
  }
  return { coefficients, constant };
}

/** The row `form ≤ limit + tieSlack(limit)`, i.e. "no worse than `limit` up to the tie tolerance". */
export function formAtMost(form: LinearForm, limit: number): MilpRow {
  const indices: number[] = [];
  const values: number[] = [];
  form.coefficients.forEach((c, j) => {
    if (c !== 0) {
      indices.push(j);
      values.push(c);
    }
  });
  return { lower: -Infinity, upper: limit + tieSlack(limit) - form.constant, indices, values };
}

/** The structural rows: precedence, crossing, one width per crossing tensor. */
export function structuralRows(prep: PreparedProblem, layout: DecisionLayout): MilpRow[] {
  const rows: MilpRow[] = [];
  prep.preds.forEach((ps, v) => {
    for (const u of ps) rows.push({ lower: -Infinity, upper: 0, indices: [v, u], values: [1, -1] });
  });
  // e ≥ x_v and c ≥ 1 − x_v: a part that holds a node runs.
  prep.problem.nodes.forEach((_, v) => {
    rows.push({ lower: -Infinity, upper: 0, indices: [v, layout.edgeRuns], values: [1, -1] });
    rows.push({ lower: 1, upper: Infinity, indices: [v, layout.cloudRuns], values: [1, 1] });
  });
  for (const t of prep.tensors) {
    const y = layout.y[t.index];
    if (y < 0) continue;
    const p = t.producer;
    for (const c of t.consumers) {
      // y ≥ x_p − x_c   (x_p ≡ 1 for a graph input)
      if (p >= 0) rows.push({ lower: -Infinity, upper: 0, indices: [p, c, y], values: [1, -1, -1] });
      else rows.push({ lower: 1, upper: Infinity, indices: [c, y], values: [1, 1] });
    }
    if (t.isGraphOutput) {
      // y ≥ x_p
      if (p >= 0) rows.push({ lower: -Infinity, upper: 0, indices: [p, y], values: [1, -1] });
      else rows.push({ lower: 1, upper: Infinity, indices: [y], values: [1] });
    } else {
      // y ≤ Σ_c (1 − x_c)
      rows.push({
        lower: -Infinity,
        upper: t.consumers.length,
        indices: [y, ...t.consumers],
        values: [1, ...t.consumers.map(() => 1)],
      });
    }
    // y ≤ x_p
    if (p >= 0) rows.push({ lower: -Infinity, upper: 0, indices: [y, p], values: [1, -1] });
    // Σ_k z_k = y
    const z = layout.z[t.index];
    rows.push({ lower: 0, upper: 0, indices: [...z, y], values: [...z.map(() => 1), -1] });
    // e ≥ z_k and c ≥ z_k for a compressed option: the quantizer and dequantizer make both parts run
    t.allowed.forEach((k, j) => {
      if (layout.edgeRuns < 0 || !isCompressed(prep.problem.tensors[t.index].options[k])) return;
      rows.push({ lower: -Infinity, upper: 0, indices: [z[j], layout.edgeRuns], values: [1, -1] });
      rows.push({ lower: -Infinity, upper: 0, indices: [z[j], layout.cloudRuns], values: [1, -1] });
    });
  }
  return rows;
}

/** The no-good row that forbids exactly the plan `excluded` (y is exact, so other plans are untouched). */
export function noGoodRow(prep: PreparedProblem, layout: DecisionLayout, excluded: ExcludedPlan): MilpRow {
  const indices: number[] = [];
  const values: number[] = [];
  for (const t of prep.tensors) {
    const y = layout.y[t.index];
    if (y < 0) continue;
    const k = excluded.choices.get(t.index);
    if (k === undefined) {
      indices.push(y);
      values.push(-1);
    } else {
      indices.push(layout.z[t.index][t.allowed.indexOf(k)]);
      values.push(1);
    }
  }
  return { lower: -Infinity, upper: excluded.choices.size - 1, indices, values };
}
