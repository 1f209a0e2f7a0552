/**
 * From a set of cut tensors to an edge/cloud partition of the nodes.
 *
 * docs/method.md#cut-and-cut-point: a cut is a set of tensors S such that every path from a graph input to a
 * graph output passes through S. The edge computes the inputs -> S (the smallest such
 * node set: the ancestors of S); the cloud computes the rest. What crosses the network
 * is S, plus graph inputs that only the cloud reads, plus tiny shape tensors that the
 * cloud needs but can no longer compute (Shape of an edge-side tensor).
 */
import { crossingKind, type CrossingTensor } from '../core/crossing';
import { InputError } from '../core/errors';
import type { Dag } from './dag';

export type { CrossingKind, CrossingTensor } from '../core/crossing';

/** Which nodes run where, and what crosses. */
export interface Partition {
  /** Node indices (Dag order) run on the edge, dynamic and live only. */
  readonly edgeNodes: readonly number[];
  /** Node indices run in the cloud, dynamic and live only. */
  readonly cloudNodes: readonly number[];
  /** Tensors sent, in the order the cut named them, then inputs, then shape tensors. */
  readonly crossing: readonly CrossingTensor[];
}

/** Name sets of a Dag's inputs and outputs, built once for many partitions. */
export interface PartitionContext {
  readonly inputs: ReadonlySet<string>;
  readonly outputs: ReadonlySet<string>;
}

/** The name sets `tryPartitionWith` uses (O(inputs + outputs)). */
export function partitionContext(dag: Dag): PartitionContext {
  return { inputs: new Set(dag.inputs), outputs: new Set(dag.outputs) };
}

/** True when the tensor depends on a graph input (`isDynamic`, with the input set at hand). */
function dynamic(dag: Dag, ctx: PartitionContext, tensor: string): boolean {
  return !dag.staticTensors.has(tensor) && (dag.producer.has(tensor) || ctx.inputs.has(tensor));
}

/** Marks the dynamic, live ancestors of `tensors` (the nodes needed to compute them). */
function ancestors(dag: Dag, tensors: Iterable<string>): Uint8Array {
  const mark = new Uint8Array(dag.nodes.length);
  const stack = [...tensors];
  while (stack.length > 0) {
    const p = dag.producer.get(stack.pop()!);
    if (p === undefined || mark[p] || dag.isStatic[p]) continue;
    mark[p] = 1;
    for (const i of dag.nodes[p].inputs) stack.push(i);
  }
  return mark;
}

/** Marks every edge-side candidate: live dynamic nodes that do not depend on `tensors`. */
function nonDescendants(dag: Dag, tensors: Iterable<string>): Uint8Array {
  const desc = new Uint8Array(dag.nodes.length);
  const stack = [...tensors];
  while (stack.length > 0) {
    for (const c of dag.consumers.get(stack.pop()!) ?? []) {
      if (desc[c]) continue;
      desc[c] = 1;
      stack.push(...dag.nodes[c].outputs);
    }
  }
  const mark = new Uint8Array(dag.nodes.length);
  for (const n of dag.nodes)
    if (!desc[n.index] && !dag.isStatic[n.index] && dag.isLive[n.index]) mark[n.index] = 1;
  return mark;
}

/**
 * Moves shape-only nodes to the edge when they read an edge-side tensor the cloud will
 * not have: sending a few int64 values beats sending the feature map they measure.
 */
function pullShapeNodes(dag: Dag, ctx: PartitionContext, onEdge: Uint8Array, cut: ReadonlySet<string>): void {
  for (const n of dag.nodes) {
    if (onEdge[n.index] || dag.isStatic[n.index] || !dag.isLive[n.index]) continue;
    if (!n.outputs.every((o) => dag.metaTensors.has(o))) continue;
    const dyn = n.inputs.filter((i) => dynamic(dag, ctx, i));
    const edgeAvailable = (t: string) =>
      ctx.inputs.has(t) || (dag.producer.has(t) && onEdge[dag.producer.get(t)!] === 1);
    const needsEdge = dyn.some(
      (t) => dag.producer.has(t) && onEdge[dag.producer.get(t)!] === 1 && !cut.has(t),
    );
    if (needsEdge && dyn.every(edgeAvailable)) onEdge[n.index] = 1;
  }
}

/**
 * Tensors available on the edge that the cloud reads, or that are graph outputs produced on the
 * edge, or graph inputs that are also graph outputs (the cloud gives every graph output, so it
 * must receive those too).
 */
function crossingNames(dag: Dag, ctx: PartitionContext, onEdge: Uint8Array): string[] {
  const names: string[] = [];
  const edgeTensors = [...dag.inputs];
  for (const n of dag.nodes) if (onEdge[n.index]) for (const o of n.outputs) edgeTensors.push(o);
  for (const t of edgeTensors) {
    const readByCloud = (dag.consumers.get(t) ?? []).some((c) => !onEdge[c] && dag.isLive[c]);
    const isOutput = ctx.outputs.has(t) && (dag.producer.has(t) || ctx.inputs.has(t));
    if (readByCloud || isOutput) names.push(t);
  }
  return names;
}

/** Graph inputs that are also graph outputs, in input order: every cut sends them (see crossingNames). */
export function passThroughOutputs(dag: Dag): string[] {
  const outputs = new Set(dag.outputs);
  return [...new Set(dag.inputs.filter((t) => outputs.has(t)))];
}

/** The breadth-first search chain from `end` back to its start, following `prev`. */
function chain(prev: ReadonlyMap<string, string | null>, end: string): string[] {
  const path: string[] = [];
  for (let x: string | null | undefined = end; x; x = prev.get(x)) path.push(x);
  return path;
}

/** A path input -> ... -> tensor that avoids `cut`, walking producers backwards; undefined if none. */
function pathAvoiding(
  dag: Dag,
  ctx: PartitionContext,
  target: string,
  cut: ReadonlySet<string>,
): string[] | undefined {
  const prev = new Map<string, string | null>([[target, null]]);
  const queue = [target];
  for (let head = 0; head < queue.length; head++) {
    const t = queue[head];
    if (ctx.inputs.has(t)) {
      return chain(prev, t);
    }
    const p = dag.producer.get(t);
    if (p === undefined) continue;
    for (const i of dag.nodes[p].inputs) {
      if (prev.has(i) || cut.has(i) || !dynamic(dag, ctx, i) || dag.metaTensors.has(i)) continue;
      prev.set(i, t);
      queue.push(i);
    }
  }
  return undefined;
}

/** A path tensor -> ... -> graph output through cloud nodes. */
function pathToOutput(dag: Dag, ctx: PartitionContext, from: string, onEdge: Uint8Array): string[] {
  const prev = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const t = queue[head];
    if (ctx.outputs.has(t)) {
      return chain(prev, t).reverse();
    }
    for (const c of dag.consumers.get(t) ?? []) {
      if (onEdge[c] || !dag.isLive[c]) continue;
      for (const o of dag.nodes[c].outputs)
        if (!prev.has(o)) {
          prev.set(o, t);
          queue.push(o);
        }
    }
  }
  return [from];
}

/** Reasons a tensor set is not a cut, as a value (cut-point search tries many sets). */
export type PartitionResult =
  { readonly ok: true; readonly partition: Partition } | { readonly ok: false; readonly reason: string };

/**
 * Partitions the DAG at a set of tensors, or explains why it cannot.
 * @param cut tensor names; each must be a dynamic tensor (graph input or node output)
 */
export function tryPartition(dag: Dag, cut: readonly string[]): PartitionResult {
  return tryPartitionWith(dag, partitionContext(dag), cut);
}

/** `tryPartition` with the Dag's name sets built once (`partitionContext`) for many cuts. */
export function tryPartitionWith(dag: Dag, ctx: PartitionContext, cut: readonly string[]): PartitionResult {
  const cutSet = new Set(cut);
  // The smallest edge side (only what S needs) first; if something else must cross, the
  // largest one (everything that does not depend on S), which computes early output
  // heads on the edge and sends their results instead of the feature maps they read.
  const smallest = ancestors(dag, cut);
  pullShapeNodes(dag, ctx, smallest, cutSet);
  const first = checkSide(dag, ctx, cut, cutSet, smallest, false);
  if (first.ok) return first;
  const second = checkSide(dag, ctx, cut, cutSet, nonDescendants(dag, cut), true);
  return second.ok ? second : first;
}

/** Checks one placement: everything that crosses must be in S, a late input, shape metadata or (if allowed) an output. */
function checkSide(
  dag: Dag,
  ctx: PartitionContext,
  cut: readonly string[],
  cutSet: ReadonlySet<string>,
  onEdge: Uint8Array,
  outputsMayCross: boolean,
): PartitionResult {
  const crossing = crossingNames(dag, ctx, onEdge);
  const crossingSet = new Set(crossing);

  const edgeReads = new Set<string>();
  for (const n of dag.nodes) if (onEdge[n.index]) for (const i of n.inputs) edgeReads.add(i);

  for (const t of crossing) {
    if (cutSet.has(t)) continue;
    if (ctx.inputs.has(t) && !edgeReads.has(t)) continue; // a late input, sent as is
    if (dag.metaTensors.has(t)) continue; // shape metadata
    const readByCloud = (dag.consumers.get(t) ?? []).some((c) => !onEdge[c] && dag.isLive[c]);
    if (outputsMayCross && ctx.outputs.has(t) && !readByCloud) continue; // an early output head
    if (ctx.inputs.has(t) && ctx.outputs.has(t) && !readByCloud) continue; // an input that is an output: sent as is
    const head = pathAvoiding(dag, ctx, t, cutSet);
    const tail = pathToOutput(dag, ctx, t, onEdge);
    if (head) {
      return { ok: false, reason: `the path ${[...head, ...tail.slice(1)].join(' -> ')} avoids it` };
    }
    const reader = (dag.consumers.get(t) ?? []).find((c) => !onEdge[c]);
    const by =
      reader === undefined ? 'is a graph output' : `is read by cloud node "${dag.nodes[reader].name}"`;
    return { ok: false, reason: `tensor "${t}" is computed on the edge side and ${by}; add it to the cut` };
  }
  for (const t of cut) {
    // A graph input that is only a graph output crosses every cut; alone it is no cut at all.
    const passOnly = ctx.outputs.has(t) && !(dag.consumers.get(t) ?? []).some((c) => dag.isLive[c]);
    if (!crossingSet.has(t) || (passOnly && ctx.inputs.has(t))) {
      return {
        ok: false,
        reason: `tensor "${t}" is only used on the edge side (everything that reads it is computed before the cut)`,
      };
    }
  }

  const graph = { inputs: ctx.inputs, outputs: ctx.outputs, metaTensors: dag.metaTensors };
  const kindOf = (t: string) => crossingKind(graph, t, cutSet);
  const rank = (c: CrossingTensor) =>
    cutSet.has(c.name) ? 0 : c.kind === 'input' ? 1 : c.kind === 'output' ? 2 : 3;
  const ordered = [
    ...cut.map((name) => ({ name, kind: kindOf(name) })),
    ...crossing.filter((t) => !cutSet.has(t)).map((name) => ({ name, kind: kindOf(name) })),
  ].sort((a, b) => rank(a) - rank(b));

  const edgeNodes: number[] = [];
  const cloudNodes: number[] = [];
  for (const n of dag.nodes) {
    if (dag.isStatic[n.index] || !dag.isLive[n.index]) continue;
    (onEdge[n.index] ? edgeNodes : cloudNodes).push(n.index);
  }
  return { ok: true, partition: { edgeNodes, cloudNodes, crossing: ordered } };
}

/**
 * Partitions the DAG at a user-given cut.
 * @throws InputError 'BAD_CUT' naming the unknown or constant tensor, or a path that avoids the cut
 */
export function partitionAt(dag: Dag, cut: readonly string[], flag = '--cut'): Partition {
  if (cut.length === 0) throw new InputError('BAD_CUT', `${flag}: no tensor given`);
  const ctx = partitionContext(dag);
  for (const t of cut) {
    if (!dag.producer.has(t) && !ctx.inputs.has(t) && !dag.staticTensors.has(t)) {
      const like = [...dag.producer.keys()]
        .filter((n) => n.toLowerCase().includes(t.toLowerCase()))
        .slice(0, 3);
      const hint =
        like.length > 0
          ? ` (similar: ${like.map((n) => `"${n}"`).join(', ')})`
          : '; `jalad analyze` lists the cut points';
      throw new InputError('BAD_CUT', `${flag}: the model has no tensor "${t}"${hint}`);
    }
    if (!dynamic(dag, ctx, t)) {
      throw new InputError(
        'BAD_CUT',
        `${flag}: tensor "${t}" is a constant (computed from weights alone); constants are copied into the cloud model, never sent`,
      );
    }
  }
  const result = tryPartitionWith(dag, ctx, cut);
  if (!result.ok) throw new InputError('BAD_CUT', `${flag} ${cut.join(',')}: not a cut: ${result.reason}`);
  return result.partition;
}
