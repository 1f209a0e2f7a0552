/**
 * The main graph of a model as the shape probe walks it: nodes in a topological order, what each
 * node reads (explicit inputs and the outer-scope names its subgraphs use), who produces each
 * tensor, and the initializers by name. Built in O(nodes + edges).
 */
import type { GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../graph/onnx-types';

/** A sparse initializer as the graph holds it. */
type SparseInitializer = NonNullable<GraphProto['sparseInitializer']>[number];

/** The probe's view of a model's main graph. */
export interface ProbeGraph {
  readonly nodes: readonly NodeProto[];
  /** Indices into `nodes`, each node after every node whose output it reads. */
  readonly order: readonly number[];
  /** Per node: the main-graph tensors it reads (each once), subgraph references included. */
  readonly reads: readonly (readonly string[])[];
  /** Per node: its outputs (optional outputs left out). */
  readonly writes: readonly (readonly string[])[];
  /** The node producing each tensor. */
  readonly producer: ReadonlyMap<string, number>;
  readonly initializers: ReadonlyMap<string, TensorProto>;
  readonly sparseInitializers: ReadonlyMap<string, SparseInitializer>;
  /** The graph's input declarations by name (initializers listed as inputs included). */
  readonly inputs: ReadonlyMap<string, ValueInfoProto>;
}

/** Every name a subgraph (and its own subgraphs) reads. */
function subgraphReads(g: GraphProto, into: Set<string>): void {
  for (const n of g.node ?? []) {
    for (const i of n.input ?? []) if (i !== '') into.add(i);
    for (const a of n.attribute ?? []) {
      if (a.g) subgraphReads(a.g, into);
      for (const sg of a.graphs ?? []) subgraphReads(sg, into);
    }
  }
}

/** What one node reads from the main graph: explicit inputs, then its subgraphs' outer names. */
function nodeReads(n: NodeProto, isKnown: (name: string) => boolean): string[] {
  const reads = new Set<string>();
  for (const i of n.input ?? []) if (i !== '') reads.add(i);
  const inner = new Set<string>();
  for (const a of n.attribute ?? []) {
    if (a.g) subgraphReads(a.g, inner);
    for (const sg of a.graphs ?? []) subgraphReads(sg, inner);
  }
  // NOTE: names a subgraph defines itself are not known in the main graph (ONNX forbids shadowing),
  // so keeping only known names leaves the outer-scope references.
  for (const i of inner) if (isKnown(i)) reads.add(i);
  return [...reads];
}

/** Kahn's order (FIFO, so a file already in order keeps it), or undefined for a cycle. */
function topologicalOrder(
  reads: readonly (readonly string[])[],
  producer: ReadonlyMap<string, number>,
): number[] | undefined {
  const count = reads.length;
  const waiting = new Int32Array(count);
  const readers: number[][] = Array.from({ length: count }, () => []);
  let sorted = true;
  reads.forEach((names, i) => {
    for (const name of names) {
      const p = producer.get(name);
      if (p === undefined) continue;
      if (p >= i) sorted = false;
      waiting[i]++;
      readers[p].push(i);
    }
  });
  if (sorted) return Array.from({ length: count }, (_, i) => i);
  const order: number[] = [];
  for (let i = 0; i < count; i++) if (waiting[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++)
    for (const r of readers[order[k]]) if (--waiting[r] === 0) order.push(r);
  return order.length === count ? order : undefined;
}

/**
 * The probe's graph, or undefined when the model is one the probe leaves to a single ONNX Runtime
 * session (whose own message then describes the fault): a cycle, a tensor produced twice, a node
 * reading a name that nothing defines.
 */
export function probeGraph(model: ModelProto): ProbeGraph | undefined {
  const g = model.graph ?? {};
  const nodes = g.node ?? [];
  const initializers = new Map<string, TensorProto>();
  for (const t of g.initializer ?? []) initializers.set(t.name ?? '', t);
  const sparseInitializers = new Map<string, SparseInitializer>();
  for (const s of g.sparseInitializer ?? []) sparseInitializers.set(s.values?.name ?? '', s);
  const inputs = new Map<string, ValueInfoProto>();
  for (const v of g.input ?? []) inputs.set(v.name ?? '', v);
  const producer = new Map<string, number>();
  const writes: string[][] = [];
  for (let i = 0; i < nodes.length; i++) {
    const outs = (nodes[i].output ?? []).filter((o) => o !== '');
    for (const o of outs) {
      if (producer.has(o) || inputs.has(o) || initializers.has(o) || sparseInitializers.has(o))
        return undefined;
      producer.set(o, i);
    }
    writes.push(outs);
  }
  const isKnown = (name: string) =>
    producer.has(name) || inputs.has(name) || initializers.has(name) || sparseInitializers.has(name);
  const reads: string[][] = [];
  for (const n of nodes) {
    const r = nodeReads(n, isKnown);
    if (r.some((name) => !isKnown(name))) return undefined;
    reads.push(r);
  }
  const order = topologicalOrder(reads, producer);
  if (!order) return undefined;
  return { nodes, order, reads, writes, producer, initializers, sparseInitializers, inputs };
}
