/**
 * Cut points of graphs with run-time shape metadata (a Shape or Size node whose int64 result the
 * cloud reads): the same answers as one `tryPartition` per candidate tensor (partition.ts), found
 * by growing one edge side instead of rebuilding it for every candidate.
 *
 * `tryPartition` puts on the edge the ancestors of the cut tensor t, then pulls there the shape
 * nodes that read an edge-side tensor other than t (and the shape arithmetic on their results);
 * everything the edge computes that the cloud reads must then be t, a late graph input or shape
 * metadata. Walking the candidates in execution order, the edge side of a chain-like graph only
 * grows: the next candidate's side holds the previous one's. So the side is kept, with per tensor
 * the number of live readers still in the cloud and the set of tensors that cross, and each step
 * adds the new ancestors and the shape nodes they free, in time proportional to what joins the
 * edge and what crosses. A candidate whose side does not hold the previous one restarts the
 * side; one whose smallest side does not work, or that shares its node with the previous
 * candidate, is asked of `tryPartition` itself (its largest side may work).
 */
import { crossingKind, type CrossingGraph, type CrossingTensor } from '../core/crossing';
import type { EdgeSide } from './cut-sides';
import type { Dag } from './dag';
import { tryPartitionWith, type PartitionContext } from './partition';

/** A cut point as found, before numbering. */
export interface FoundCut {
  readonly op: string;
  readonly tensors: readonly CrossingTensor[];
  readonly side: EdgeSide;
}

/**
 * The single-tensor cut points of a graph with shape metadata and distinct input names, in the
 * order of `core`: each equals `tryPartitionWith(dag, ctx, [t])` on its tensor.
 * @param core the dynamic, live nodes in Dag order
 * @param mayCut false for tensors known not to be cut points (skipped without a look); without it,
 *   a branchy graph asks `tryPartition` about every tensor inside a branch, O(nodes) each
 */
export function metaCutPoints(
  dag: Dag,
  core: readonly number[],
  ctx: PartitionContext,
  mayCut: (t: string) => boolean = () => true,
): FoundCut[] {
  const edge = new GrowingEdge(dag, ctx);
  const found: FoundCut[] = [];
  for (const p of core) {
    for (const t of dag.nodes[p].outputs) {
      if (dag.metaTensors.has(t)) continue;
      const k = edge.id(t);
      // Nothing reads it and it is no graph output: it never crosses, so it is no cut.
      if (!edge.reachesOutput(k) || !mayCut(t)) continue;
      const side = edge.moveTo(p, k);
      if (side && edge.smallestWorks(k)) {
        found.push({ op: dag.nodes[p].opType, tensors: edge.crossingOf(k), side });
        continue;
      }
      const r = tryPartitionWith(dag, ctx, [t]);
      if (r.ok) {
        const nodes = r.partition.edgeNodes;
        found.push({
          op: dag.nodes[p].opType,
          tensors: r.partition.crossing,
          side: { order: nodes, count: nodes.length },
        });
      }
    }
  }
  return found;
}

/** Tensors numbered in crossing order: graph inputs, then the outputs of dynamic live nodes in Dag order. */
interface Tensors {
  readonly names: string[];
  readonly id: Map<string, number>;
  /** Producing node (Dag index), -1 for a graph input. */
  readonly producer: Int32Array;
  readonly isInput: Uint8Array;
  readonly isMeta: Uint8Array;
  /** A graph output the cloud must give (produced by a node, or an input passed through). */
  readonly isOutput: Uint8Array;
  /** Live nodes reading the tensor, each once. */
  readonly readers: readonly (readonly number[])[];
}

function numberTensors(dag: Dag, ctx: PartitionContext): Tensors {
  const names: string[] = [];
  const id = new Map<string, number>();
  const producers: number[] = [];
  const add = (name: string, p: number) => {
    if (id.has(name)) return;
    id.set(name, names.length);
    names.push(name);
    producers.push(p);
  };
  for (const t of dag.inputs) add(t, -1);
  for (const n of dag.nodes)
    if (!dag.isStatic[n.index] && dag.isLive[n.index]) for (const o of n.outputs) add(o, n.index);
  const count = names.length;
  const isInput = new Uint8Array(count);
  const isMeta = new Uint8Array(count);
  const isOutput = new Uint8Array(count);
  const readers: number[][] = [];
  for (let k = 0; k < count; k++) {
    const name = names[k];
    isInput[k] = producers[k] < 0 ? 1 : 0;
    isMeta[k] = dag.metaTensors.has(name) ? 1 : 0;
    isOutput[k] = ctx.outputs.has(name) ? 1 : 0;
    readers.push((dag.consumers.get(name) ?? []).filter((c) => dag.isLive[c]));
  }
  return { names, id, producer: Int32Array.from(producers), isInput, isMeta, isOutput, readers };
}

// NOTE: a class holding typed arrays and one mutable side: the state is shared by every step of
// the walk over the candidates, and passing a dozen arrays between free functions hides that.
class GrowingEdge {
  readonly #dag: Dag;
  readonly #ts: Tensors;
  readonly #graph: CrossingGraph;
  /** Dynamic tensors (ids) each node reads, each once; by Dag index. */
  readonly #reads: number[][];
  /** Tensors (ids) each node writes; by Dag index. */
  readonly #writes: number[][];
  /** Live dynamic nodes whose outputs are all shape metadata (what `tryPartition` may pull). */
  readonly #metaNode: Uint8Array;
  // The side: node v is on it when nodeEpoch[v] === epoch.
  #epoch = 0;
  readonly #nodeEpoch: Int32Array;
  readonly #joinedIn: Int32Array;
  #batch = 0;
  #order: number[] = [];
  /** The candidate the side is for: its producer and tensor id (-1 before the first). */
  #last = -1;
  #cut = -1;
  /** Per edge-side tensor: live readers in the cloud, and (inputs) readers on the edge. */
  readonly #cloudReaders: Int32Array;
  readonly #edgeReaders: Int32Array;
  #crossing = new Set<number>();
  #bad = new Set<number>();
  readonly #walked: Int32Array;
  #walk = 0;

  constructor(dag: Dag, ctx: PartitionContext) {
    this.#dag = dag;
    this.#ts = numberTensors(dag, ctx);
    this.#graph = { inputs: ctx.inputs, outputs: ctx.outputs, metaTensors: dag.metaTensors };
    const n = dag.nodes.length;
    this.#reads = dag.nodes.map(() => []);
    this.#writes = dag.nodes.map(() => []);
    this.#metaNode = new Uint8Array(n);
    for (const node of dag.nodes) {
      if (dag.isStatic[node.index] || !dag.isLive[node.index]) continue;
      for (const t of new Set(node.inputs)) {
        const k = this.#ts.id.get(t);
        if (k !== undefined) this.#reads[node.index].push(k);
      }
      this.#writes[node.index] = node.outputs.map((o) => this.#ts.id.get(o)!);
      if (node.outputs.every((o) => dag.metaTensors.has(o))) this.#metaNode[node.index] = 1;
    }
    this.#nodeEpoch = new Int32Array(n);
    this.#joinedIn = new Int32Array(n);
    this.#walked = new Int32Array(n);
    this.#cloudReaders = new Int32Array(this.#ts.names.length);
    this.#edgeReaders = new Int32Array(this.#ts.names.length);
  }

  id(name: string): number {
    return this.#ts.id.get(name)!;
  }

  reachesOutput(k: number): boolean {
    return this.#ts.readers[k].length > 0 || this.#ts.isOutput[k] === 1;
  }

  /**
   * Makes the side the smallest edge side of tensor k (produced by node p): its ancestors and the
   * shape nodes pulled to them. Undefined when p also produced the previous candidate (the pulled
   * shape nodes may then shrink; the caller asks `tryPartition`).
   */
  moveTo(p: number, k: number): EdgeSide | undefined {
    if (p === this.#last) return undefined;
    if (this.#last < 0) this.#restart();
    let fresh = this.#ancestorsOffSide(p);
    if (this.#last >= 0 && !fresh.meets) {
      // Not nested in the previous side: a new side, from nothing.
      this.#restart();
      fresh = this.#ancestorsOffSide(p);
    }
    const batch = ++this.#batch;
    for (const v of fresh.nodes) {
      this.#nodeEpoch[v] = this.#epoch;
      this.#joinedIn[v] = batch;
      this.#order.push(v);
    }
    for (const v of fresh.nodes) this.#join(v, batch);
    const previous = this.#cut;
    this.#cut = k;
    this.#last = p;
    // Shape nodes freed: those reading what just joined, and those reading the previous cut tensor.
    const queue: number[] = [];
    for (const v of fresh.nodes) for (const x of this.#writes[v]) queue.push(...this.#ts.readers[x]);
    if (previous >= 0) queue.push(...this.#ts.readers[previous]);
    this.#pull(queue);
    return { order: this.#order, count: this.#order.length };
  }

  /** True when what crosses, besides tensor k, is only late inputs and shape metadata, and k crosses. */
  smallestWorks(k: number): boolean {
    if (!this.#crossing.has(k)) return false;
    return this.#bad.size === 0 || (this.#bad.size === 1 && this.#bad.has(k));
  }

  /** What crosses the side with tensor k as the cut, in `tryPartition`'s order. */
  crossingOf(k: number): CrossingTensor[] {
    const named = new Set([this.#ts.names[k]]);
    const rank = (c: CrossingTensor) => (c.kind === 'input' ? 1 : c.kind === 'output' ? 2 : 3);
    const rest = [...this.#crossing]
      .filter((x) => x !== k)
      .sort((a, b) => a - b)
      .map((x) => ({ name: this.#ts.names[x], kind: crossingKind(this.#graph, this.#ts.names[x], named) }))
      .sort((a, b) => rank(a) - rank(b));
    return [{ name: this.#ts.names[k], kind: crossingKind(this.#graph, this.#ts.names[k], named) }, ...rest];
  }

  #onSide(v: number): boolean {
    return this.#nodeEpoch[v] === this.#epoch;
  }

  /** An empty side: every graph input is on the edge, read by no edge node. */
  #restart(): void {
    this.#epoch++;
    this.#order = [];
    this.#crossing = new Set();
    this.#bad = new Set();
    this.#last = -1;
    this.#cut = -1;
    for (let k = 0; k < this.#dag.inputs.length; k++) {
      this.#cloudReaders[k] = this.#ts.readers[k].length;
      this.#edgeReaders[k] = 0;
      this.#refresh(k);
    }
  }

  /** Ancestors of node p not on the side; `meets` when they include the previous candidate's node. */
  #ancestorsOffSide(p: number): { nodes: number[]; meets: boolean } {
    const walk = ++this.#walk;
    const nodes: number[] = [];
    let meets = false;
    const stack = [p];
    this.#walked[p] = walk;
    while (stack.length > 0) {
      const v = stack.pop()!;
      nodes.push(v);
      for (const x of this.#reads[v]) {
        const u = this.#ts.producer[x];
        if (u < 0 || this.#walked[u] === walk) continue;
        if (u === this.#last) meets = true;
        if (this.#onSide(u)) continue;
        this.#walked[u] = walk;
        stack.push(u);
      }
    }
    return { nodes, meets };
  }

  /** Counts for node v, just put on the side with the rest of its batch. */
  #join(v: number, batch: number): void {
    for (const x of this.#writes[v]) {
      let cloud = 0;
      for (const r of this.#ts.readers[x]) if (!this.#onSide(r)) cloud++;
      this.#cloudReaders[x] = cloud;
      this.#refresh(x);
    }
    for (const x of this.#reads[v]) {
      const u = this.#ts.producer[x];
      if (u >= 0 && this.#joinedIn[u] === batch) continue; // counted when its producer joined
      this.#cloudReaders[x]--;
      if (u < 0) this.#edgeReaders[x]++;
      this.#refresh(x);
    }
  }

  /** Pulls the shape nodes that `tryPartition` would, starting from the candidates queued. */
  #pull(queue: number[]): void {
    while (queue.length > 0) {
      const u = queue.pop()!;
      if (!this.#pullable(u)) continue;
      const batch = ++this.#batch;
      this.#nodeEpoch[u] = this.#epoch;
      this.#joinedIn[u] = batch;
      this.#order.push(u);
      this.#join(u, batch);
      for (const x of this.#writes[u]) queue.push(...this.#ts.readers[x]);
    }
  }

  /** A shape node off the side whose inputs are all on the edge, one of them computed there and not the cut. */
  #pullable(u: number): boolean {
    if (!this.#metaNode[u] || this.#onSide(u)) return false;
    let needsEdge = false;
    for (const x of this.#reads[u]) {
      const q = this.#ts.producer[x];
      if (q < 0) continue;
      if (!this.#onSide(q)) return false;
      if (x !== this.#cut) needsEdge = true;
    }
    return needsEdge;
  }

  /** Whether edge-side tensor x crosses, and whether that breaks the smallest side (unless x is the cut). */
  #refresh(x: number): void {
    const ts = this.#ts;
    const readByCloud = this.#cloudReaders[x] > 0;
    const crosses = readByCloud || ts.isOutput[x] === 1;
    const input = ts.isInput[x] === 1;
    const allowed =
      (input && this.#edgeReaders[x] === 0) ||
      ts.isMeta[x] === 1 ||
      (input && ts.isOutput[x] === 1 && !readByCloud);
    if (crosses) this.#crossing.add(x);
    else this.#crossing.delete(x);
    if (crosses && !allowed) this.#bad.add(x);
    else this.#bad.delete(x);
  }
}
