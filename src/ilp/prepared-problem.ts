/**
 * Validation of a `DecisionProblem` at the public entry, and the derived facts every solver needs
 * (predecessors, a topological order, the widths allowed per tensor, the excluded plans resolved to
 * tensor and option indices).
 */

import { InputError } from '../core/errors';
import { isBits, parsePlanKey, planKey } from './plan-key';
import type { DecisionProblem, PlanKey } from './types';

/** A tensor with its consumers de-duplicated and its allowed options resolved. */
export interface PreparedTensor {
  readonly index: number;
  readonly name: string;
  /** Producer node index, or -1 for a graph input. */
  readonly producer: number;
  /** Distinct consumer node indices, ascending. */
  readonly consumers: readonly number[];
  readonly isGraphOutput: boolean;
  /** Indices into the tensor's `options` that `fixedBits` allows, ascending. */
  readonly allowed: readonly number[];
  /** False if no placement makes it cross (read by no node and not a graph output). */
  readonly canCross: boolean;
}

/** An excluded plan resolved to indices: tensor index -> option index, for every tensor it sends. */
export interface ExcludedPlan {
  readonly key: PlanKey;
  readonly choices: ReadonlyMap<number, number>;
}

/** A validated problem with derived facts. */
export interface PreparedProblem {
  readonly problem: DecisionProblem;
  readonly tensors: readonly PreparedTensor[];
  /** Per node: the distinct nodes producing its inputs (edge device ⇒ they are on the edge too). */
  readonly preds: readonly (readonly number[])[];
  /** Nodes in a topological order (smallest index first among the ready ones). */
  readonly topoOrder: readonly number[];
  /** Excluded plans that some placement could produce (the others cannot match and are dropped). */
  readonly excluded: readonly ExcludedPlan[];
  /** Canonical keys of all excluded plans. */
  readonly excludedKeys: ReadonlySet<PlanKey>;
}

/**
 * Validates `problem` (`requireBandwidth` false for a decision table) and derives the facts above.
 * @param where the public function name, prefixed to error messages
 * @throws InputError `BAD_OPTION` naming the field, what is wrong and the value received
 */
export function prepareProblem(
  problem: DecisionProblem,
  where: string,
  requireBandwidth = true,
): PreparedProblem {
  const check = problemChecks(where);
  checkScalars(problem, requireBandwidth, check);
  const { tensors, names, predSets } = prepareTensors(problem, check);
  const preds = predSets.map((s) => [...s].sort((a, b) => a - b));
  const topoOrder = topologicalOrder(preds);
  if (topoOrder.length < problem.nodes.length) {
    const onCycle = problem.nodes.findIndex((_, v) => !topoOrder.includes(v));
    check.fail(`the graph has a cycle through node ${onCycle} "${problem.nodes[onCycle].id}"`);
  }
  const { excluded, excludedKeys } = prepareExcluded(problem, tensors, names, check);
  return { problem, tensors, preds, topoOrder, excluded, excludedKeys };
}

/** The error helpers of one validation: `fail` throws naming the public function. */
interface ProblemChecks {
  fail(what: string): never;
  show(value: unknown): string;
  nonNegative(value: unknown, field: string): void;
}

function problemChecks(where: string): ProblemChecks {
  const fail = (what: string): never => {
    throw new InputError('BAD_OPTION', `${where}: ${what}`);
  };
  const show = (value: unknown): string =>
    typeof value === 'number' ? String(value) : JSON.stringify(value);
  const nonNegative = (value: unknown, field: string): void => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      fail(`${field} must be a finite number ≥ 0, got ${show(value)}`);
    }
  };
  return { fail, show, nonNegative };
}

/** The problem's own fields and its nodes. */
function checkScalars(problem: DecisionProblem, requireBandwidth: boolean, check: ProblemChecks): void {
  const { fail, show, nonNegative } = check;
  if (problem === null || typeof problem !== 'object')
    fail(`problem must be an object, got ${show(problem)}`);
  if (!Array.isArray(problem.nodes)) fail(`nodes must be an array, got ${show(problem.nodes)}`);
  if (!Array.isArray(problem.tensors)) fail(`tensors must be an array, got ${show(problem.tensors)}`);
  if (requireBandwidth) {
    const b = problem.bandwidthMbps;
    if (typeof b !== 'number' || !Number.isFinite(b) || b <= 0)
      fail(`bandwidthMbps must be a finite number > 0, got ${show(b)}`);
  }
  nonNegative(problem.rttMs, 'rttMs');
  nonNegative(problem.edgeRunMs ?? 0, 'edgeRunMs');
  nonNegative(problem.cloudRunMs ?? 0, 'cloudRunMs');
  const maxLoss = problem.maxLossPct;
  if (typeof maxLoss !== 'number' || Number.isNaN(maxLoss) || maxLoss === -Infinity) {
    fail(`maxLossPct must be a number (Infinity for no budget), got ${show(maxLoss)}`);
  }
  if (problem.fixedBits !== undefined && !isBits(problem.fixedBits)) {
    fail(`fixedBits must be an integer 1..32 or 'f32', got ${show(problem.fixedBits)}`);
  }

  problem.nodes.forEach((node, v) => {
    if (node === null || typeof node !== 'object') fail(`nodes[${v}] must be an object, got ${show(node)}`);
    if (typeof node.id !== 'string') fail(`nodes[${v}].id must be a string, got ${show(node.id)}`);
    nonNegative(node.edgeMs, `nodes[${v}] "${node.id}".edgeMs`);
    nonNegative(node.cloudMs, `nodes[${v}] "${node.id}".cloudMs`);
  });
}

/** The tensors, checked and prepared, with the name index and each node's producers. */
function prepareTensors(
  problem: DecisionProblem,
  check: ProblemChecks,
): { tensors: PreparedTensor[]; names: Map<string, number>; predSets: Set<number>[] } {
  const { fail, show, nonNegative } = check;
  const n = problem.nodes.length;
  const isNodeIndex = (i: unknown): i is number =>
    typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < n;
  const names = new Map<string, number>();
  const predSets: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  const tensors = problem.tensors.map((t, ti): PreparedTensor => {
    if (t === null || typeof t !== 'object') fail(`tensors[${ti}] must be an object, got ${show(t)}`);
    if (typeof t.name !== 'string') fail(`tensors[${ti}].name must be a string, got ${show(t.name)}`);
    const label = `tensors[${ti}] "${t.name}"`;
    if (names.has(t.name)) fail(`${label}: name already used by tensors[${names.get(t.name)}]`);
    names.set(t.name, ti);
    if (!(t.producer === -1 || isNodeIndex(t.producer))) {
      fail(`${label}.producer must be -1 or a node index below ${n}, got ${show(t.producer)}`);
    }
    if (!Array.isArray(t.consumers)) fail(`${label}.consumers must be an array, got ${show(t.consumers)}`);
    for (const c of t.consumers) {
      if (!isNodeIndex(c)) fail(`${label}.consumers: ${show(c)} is not a node index below ${n}`);
      if (c === t.producer) fail(`${label}: node ${c} consumes its own output`);
      if (t.producer >= 0) predSets[c].add(t.producer);
    }
    if (typeof t.isGraphOutput !== 'boolean')
      fail(`${label}.isGraphOutput must be a boolean, got ${show(t.isGraphOutput)}`);
    nonNegative(t.edgeCrossMs ?? 0, `${label}.edgeCrossMs`);
    nonNegative(t.cloudCrossMs ?? 0, `${label}.cloudCrossMs`);
    if (!Array.isArray(t.options)) fail(`${label}.options must be an array, got ${show(t.options)}`);
    const seenBits = new Set<string>();
    const allowed: number[] = [];
    t.options.forEach((o, k) => {
      if (o === null || typeof o !== 'object')
        fail(`${label}.options[${k}] must be an object, got ${show(o)}`);
      if (!isBits(o.bits))
        fail(`${label}.options[${k}].bits must be an integer 1..32 or 'f32', got ${show(o.bits)}`);
      if (seenBits.has(String(o.bits))) fail(`${label}.options[${k}]: bits ${show(o.bits)} listed twice`);
      seenBits.add(String(o.bits));
      nonNegative(o.bytes, `${label}.options[${k}].bytes`);
      nonNegative(o.encodeMs ?? 0, `${label}.options[${k}].encodeMs`);
      nonNegative(o.decodeMs ?? 0, `${label}.options[${k}].decodeMs`);
      if (typeof o.lossPct !== 'number' || !Number.isFinite(o.lossPct)) {
        fail(`${label}.options[${k}].lossPct must be a finite number, got ${show(o.lossPct)}`);
      }
      if (problem.fixedBits === undefined || o.bits === problem.fixedBits) allowed.push(k);
    });
    const consumers = [...new Set(t.consumers)].sort((a, b) => a - b);
    return {
      index: ti,
      name: t.name,
      producer: t.producer,
      consumers,
      isGraphOutput: t.isGraphOutput,
      allowed,
      canCross: t.isGraphOutput || consumers.length > 0,
    };
  });
  return { tensors, names, predSets };
}

/** The excluded plans that can still occur, in canonical form, and every excluded key. */
function prepareExcluded(
  problem: DecisionProblem,
  tensors: readonly PreparedTensor[],
  names: ReadonlyMap<string, number>,
  check: ProblemChecks,
): { excluded: ExcludedPlan[]; excludedKeys: Set<PlanKey> } {
  const { fail, show } = check;
  const excludedKeys = new Set<PlanKey>();
  const excluded: ExcludedPlan[] = [];
  const excludedList = problem.excluded ?? [];
  if (!Array.isArray(excludedList)) fail(`excluded must be an array of plan keys, got ${show(excludedList)}`);
  excludedList.forEach((key, i) => {
    if (typeof key !== 'string') fail(`excluded[${i}] must be a plan key string, got ${show(key)}`);
    const entries = parsePlanKey(key);
    const choices = new Map<number, number>();
    let possible = true;
    for (const e of entries) {
      const ti = names.get(e.tensor);
      if (ti === undefined) fail(`excluded[${i}]: tensor "${e.tensor}" is not in the problem`);
      const k = problem.tensors[ti as number].options.findIndex((o) => o.bits === e.bits);
      if (k < 0) fail(`excluded[${i}]: tensor "${e.tensor}" has no option with bits ${show(e.bits)}`);
      const pt = tensors[ti as number];
      if (!pt.canCross || !pt.allowed.includes(k)) possible = false;
      choices.set(ti as number, k);
    }
    const canonical = planKey(entries);
    if (possible && !excludedKeys.has(canonical)) excluded.push({ key: canonical, choices });
    excludedKeys.add(canonical);
  });
  return { excluded, excludedKeys };
}

/** Kahn's algorithm, taking the smallest ready index first; shorter than `preds` iff there is a cycle. */
function topologicalOrder(preds: readonly (readonly number[])[]): number[] {
  const n = preds.length;
  const succs: number[][] = Array.from({ length: n }, () => []);
  const indegree = preds.map((p) => p.length);
  preds.forEach((ps, v) => ps.forEach((u) => succs[u].push(v)));
  // NOTE: a sorted ready list keeps the order deterministic; n is at most a few thousand.
  const ready = indegree.flatMap((d, v) => (d === 0 ? [v] : []));
  const order: number[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => b - a);
    const v = ready.pop() as number;
    order.push(v);
    for (const w of succs[v]) if (--indegree[w] === 0) ready.push(w);
  }
  return order;
}
