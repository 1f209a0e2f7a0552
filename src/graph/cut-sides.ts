/**
 * The edge sides of many cut points, held compactly. In a chain-like graph the edge side of
 * each cut point contains the previous one's, so one list of nodes in the order they join the
 * edge serves every cut point: cut point k computes the first `count` of them. A 200,000-node
 * chain thus keeps 200,000 entries instead of 2·10^10; node lists are built only when asked for.
 */
import type { CrossingTensor, Partition } from './partition';

/** The edge side of a cut point: the first `count` nodes of `order` (possibly shared with other cut points). */
export interface EdgeSide {
  readonly order: readonly number[];
  readonly count: number;
}

/** A candidate cut point, before shapes and timings are known. */
export interface CutCandidate {
  /** Position in execution order, 0 = cloud-only. */
  readonly index: number;
  /** Everything that crosses: the cut tensor first, then late inputs and shape tensors. */
  readonly tensors: readonly CrossingTensor[];
  /** The op producing the cut tensor ('input' for graph inputs, 'output' for an all-outputs cut). */
  readonly op: string;
  /** How many dynamic nodes run on the edge, and in the cloud. */
  readonly edgeNodeCount: number;
  readonly cloudNodeCount: number;
  /** The edge side, compactly (see `edgeSums` for sums over it). */
  readonly edgeSide: EdgeSide;
  /** Dynamic nodes computed on the edge, in Dag order: built on first read, O(nodes). */
  readonly edgeNodes: readonly number[];
  /** Dynamic nodes computed in the cloud, in Dag order: built on first read, O(nodes). */
  readonly cloudNodes: readonly number[];
}

/**
 * A cut candidate whose node lists are built from `side` when first read.
 * @param core every dynamic, live node of the Dag in Dag order (shared by all candidates)
 */
export function cutCandidate(
  fields: { readonly index: number; readonly tensors: readonly CrossingTensor[]; readonly op: string },
  side: EdgeSide,
  core: readonly number[],
  nodeCount: number,
): CutCandidate {
  return new LazyCandidate(fields, side, core, nodeCount);
}

// NOTE: a class with getters, not arrays or per-object closures: a 200,000-node chain has 200,000
// cut points, lists of their nodes would hold 2·10^10 numbers, and two closures plus property
// descriptors per candidate cost about three times this object's memory. Callers that run or
// extract a part read the lists one at a time.
class LazyCandidate implements CutCandidate {
  readonly index: number;
  readonly tensors: readonly CrossingTensor[];
  readonly op: string;
  readonly edgeNodeCount: number;
  readonly cloudNodeCount: number;
  readonly edgeSide: EdgeSide;
  readonly #core: readonly number[];
  readonly #nodeCount: number;
  #edge: number[] | undefined;
  #cloud: number[] | undefined;

  constructor(
    fields: { readonly index: number; readonly tensors: readonly CrossingTensor[]; readonly op: string },
    side: EdgeSide,
    core: readonly number[],
    nodeCount: number,
  ) {
    this.index = fields.index;
    this.tensors = fields.tensors;
    this.op = fields.op;
    this.edgeNodeCount = side.count;
    this.cloudNodeCount = core.length - side.count;
    this.edgeSide = side;
    this.#core = core;
    this.#nodeCount = nodeCount;
  }

  get edgeNodes(): readonly number[] {
    this.#edge ??= this.edgeSide.order.slice(0, this.edgeSide.count).sort((a, b) => a - b);
    return this.#edge;
  }

  get cloudNodes(): readonly number[] {
    if (!this.#cloud) {
      const onEdge = new Uint8Array(this.#nodeCount);
      for (let k = 0; k < this.edgeSide.count; k++) onEdge[this.edgeSide.order[k]] = 1;
      this.#cloud = this.#core.filter((v) => !onEdge[v]);
    }
    return this.#cloud;
  }
}

/**
 * Sums a per-node value (FLOPs, times) over each candidate's edge and cloud nodes, in
 * O(nodes + candidates) for candidates that share an order. The sums equal adding the values
 * in Dag order when they are integers (FLOPs); other values are added in Dag order, one
 * candidate at a time, so that results stay identical to the bit.
 * @param values indexed by Dag node index
 */
export function edgeSums(
  candidates: readonly CutCandidate[],
  values: ArrayLike<number>,
): { readonly edge: number[]; readonly cloud: number[] } {
  // Every candidate covers the same dynamic nodes; the first one gives the total.
  let total = 0;
  let magnitude = 0;
  let integral = true;
  for (const c of candidates.slice(0, 1))
    for (const v of [...c.edgeNodes, ...c.cloudNodes]) {
      total += values[v];
      magnitude += Math.abs(values[v]);
      if (!Number.isInteger(values[v])) integral = false;
    }
  const exact = integral && magnitude <= Number.MAX_SAFE_INTEGER;
  const prefixes = new Map<readonly number[], Float64Array>();
  const edge: number[] = [];
  const cloud: number[] = [];
  for (const c of candidates) {
    if (!exact) {
      edge.push(c.edgeNodes.reduce((t, i) => t + values[i], 0));
      cloud.push(c.cloudNodes.reduce((t, i) => t + values[i], 0));
      continue;
    }
    let prefix = prefixes.get(c.edgeSide.order);
    if (!prefix) {
      prefix = new Float64Array(c.edgeSide.order.length + 1);
      for (let k = 0; k < c.edgeSide.order.length; k++)
        prefix[k + 1] = prefix[k] + values[c.edgeSide.order[k]];
      prefixes.set(c.edgeSide.order, prefix);
    }
    edge.push(prefix[c.edgeSide.count]);
    cloud.push(total - prefix[c.edgeSide.count]);
  }
  return { edge, cloud };
}

/**
 * A cut candidate for an explicit partition (a user's `--cut`, a solver's plan).
 * @example partitionCandidate({ index: -1, op: 'plan' }, partitionAt(dag, ['a1r', 's']))
 */
export function partitionCandidate(
  fields: { readonly index: number; readonly op: string },
  partition: Partition,
): CutCandidate {
  const edge = partition.edgeNodes;
  return {
    ...fields,
    tensors: partition.crossing,
    edgeNodeCount: edge.length,
    cloudNodeCount: partition.cloudNodes.length,
    edgeSide: { order: edge, count: edge.length },
    edgeNodes: edge,
    cloudNodes: partition.cloudNodes,
  };
}
