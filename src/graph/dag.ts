/**
 * The layer DAG of an ONNX model: nodes in topological order, who produces and who
 * consumes each tensor, and which tensors are static (computable from weights alone),
 * shape metadata (depend on the data only through Shape/Size), or live.
 *
 * Nodes with subgraphs (If, Loop, Scan) are one opaque node; the outer-scope tensors
 * their subgraphs read are added to their inputs so that dependencies are complete.
 */
import { InputError } from '../core/errors';
import type { GraphProto, ModelProto, NodeProto } from './onnx-types';

/** One node of the main graph. */
export interface DagNode {
  /** Position in `Dag.nodes` (topological order). */
  readonly index: number;
  /** Position in the model's `graph.node` list. */
  readonly protoIndex: number;
  /** The node's name (`<opType>_<protoIndex>` when it has none; `#2`, `#3`... appended to repeats). */
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** Tensors read: explicit non-empty inputs, then tensors its subgraphs capture from the main graph. */
  readonly inputs: readonly string[];
  /** Non-empty outputs. */
  readonly outputs: readonly string[];
}

/** The analysed graph. All arrays indexed by `DagNode.index`. */
export interface Dag {
  readonly nodes: readonly DagNode[];
  /** Graph inputs that are real inputs (not initializers listed as inputs, IR < 4). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly initializers: ReadonlySet<string>;
  /** Producing node index of every node output. */
  readonly producer: ReadonlyMap<string, number>;
  /** Consuming node indices of every tensor read by some node. */
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  /** Tensors that do not depend on any graph input: initializers, Constant outputs, shapes of constants. */
  readonly staticTensors: ReadonlySet<string>;
  /** Dynamic tensors that depend on the data only through Shape/Size (tiny int64 metadata). */
  readonly metaTensors: ReadonlySet<string>;
  /** Nodes whose outputs are all static (duplicated into whichever part needs them). */
  readonly isStatic: readonly boolean[];
  /** Nodes that contribute to some graph output. */
  readonly isLive: readonly boolean[];
}

// NOTE: random ops produce new values on each run; duplicating one into both parts
// would make them disagree, so they are dynamic sources, never "static".
const RANDOM_OPS = new Set([
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'Multinomial',
  'Bernoulli',
]);
const SHAPE_OPS = new Set(['Shape', 'Size']);

/** Names a subgraph reads from enclosing scopes (recursively through nested subgraphs). */
export function capturedNames(g: GraphProto): Set<string> {
  const defined = new Set<string>();
  for (const i of g.input ?? []) defined.add(i.name ?? '');
  for (const t of g.initializer ?? []) defined.add(t.name ?? '');
  for (const t of g.sparseInitializer ?? []) defined.add(t.values?.name ?? '');
  const used = new Set<string>();
  for (const n of g.node ?? []) {
    for (const i of n.input ?? []) if (i && !defined.has(i)) used.add(i);
    for (const sub of subgraphsOf(n)) for (const c of capturedNames(sub)) if (!defined.has(c)) used.add(c);
    for (const o of n.output ?? []) if (o) defined.add(o);
  }
  return used;
}

/** The subgraphs held in a node's attributes. */
export function subgraphsOf(n: NodeProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const a of n.attribute ?? []) {
    if (a.g) out.push(a.g);
    for (const g of a.graphs ?? []) out.push(g);
  }
  return out;
}

/** A node record in file order, before the topological sort. */
type RawNode = Omit<DagNode, 'index'>;

/**
 * Node records in file order. Names are made unique (ONNX does not require it; profiles and
 * messages identify nodes by name); tensors a subgraph captures count as inputs of its node.
 */
function rawNodes(protoNodes: readonly NodeProto[]): RawNode[] {
  const usedNames = new Set<string>();
  // The next suffix to try per base name: names are only ever added, so the first free one
  // never lies below it (thousands of nodes sharing a name stay linear).
  const nextSuffix = new Map<string, number>();
  const uniqueName = (base: string) => {
    let name = base;
    let k = nextSuffix.get(base) ?? 2;
    if (usedNames.has(name)) {
      name = `${base}#${k}`;
      while (usedNames.has(name)) name = `${base}#${++k}`;
      nextSuffix.set(base, k + 1);
    }
    usedNames.add(name);
    return name;
  };
  return protoNodes.map((n, i) => {
    const explicit = (n.input ?? []).filter((x) => x !== '');
    const named = new Set(explicit);
    const captured: string[] = [];
    for (const sub of subgraphsOf(n))
      for (const c of capturedNames(sub))
        if (!named.has(c)) {
          named.add(c);
          captured.push(c);
        }
    return {
      protoIndex: i,
      name: uniqueName(n.name || `${n.opType}_${i}`),
      opType: n.opType ?? '',
      domain: n.domain ?? '',
      inputs: [...explicit, ...captured],
      outputs: (n.output ?? []).filter((x) => x !== ''),
    };
  });
}

/**
 * The producing node (file order) of every node output, after checking that each tensor is defined
 * once and every input is defined somewhere.
 */
function producersOf(
  raw: readonly RawNode[],
  inputs: readonly string[],
  initializers: ReadonlySet<string>,
  source: string,
): Map<string, number> {
  const producerRaw = new Map<string, number>();
  const inputSet = new Set(inputs);
  for (const r of raw) {
    for (const o of r.outputs) {
      if (producerRaw.has(o) || initializers.has(o) || inputSet.has(o)) {
        throw new InputError('BAD_MODEL', `${source}: tensor "${o}" is defined twice (node "${r.name}")`);
      }
      producerRaw.set(o, r.protoIndex);
    }
  }
  const available = new Set<string>([...inputs, ...initializers]);
  for (const r of raw) {
    for (const i of r.inputs) {
      if (!available.has(i) && !producerRaw.has(i)) {
        throw new InputError(
          'BAD_MODEL',
          `${source}: node "${r.name}" reads tensor "${i}", which no node, input or initializer defines`,
        );
      }
    }
  }
  return producerRaw;
}

/** Kahn's algorithm, taking ready nodes in file order (files are usually sorted already). */
function executionOrder(
  raw: readonly RawNode[],
  producerRaw: ReadonlyMap<string, number>,
  source: string,
): number[] {
  const pending = raw.map((r) => new Set(r.inputs.filter((i) => producerRaw.has(i))).size);
  const readers = new Map<string, number[]>();
  for (const r of raw)
    for (const i of new Set(r.inputs))
      if (producerRaw.has(i)) {
        const list = readers.get(i) ?? [];
        list.push(r.protoIndex);
        readers.set(i, list);
      }
  const order: number[] = [];
  // The ready node earliest in the file comes first: a binary min-heap of file positions.
  const ready = new MinHeap();
  for (let i = 0; i < raw.length; i++) if (pending[i] === 0) ready.push(i);
  while (ready.size > 0) {
    const i = ready.pop();
    order.push(i);
    for (const o of raw[i].outputs)
      for (const c of readers.get(o) ?? []) if (--pending[c] === 0) ready.push(c);
  }
  if (order.length !== raw.length) {
    const placed = new Set(order);
    const stuck = raw.find((r) => !placed.has(r.protoIndex));
    throw new InputError('BAD_MODEL', `${source}: the graph has a cycle (through node "${stuck?.name}")`);
  }
  return order;
}

/** Static tensors (weights and what is computed from weights alone), shape metadata, static nodes. */
function tensorKinds(
  nodes: readonly DagNode[],
  initializers: ReadonlySet<string>,
): Pick<Dag, 'staticTensors' | 'metaTensors' | 'isStatic'> {
  const staticTensors = new Set<string>(initializers);
  const metaTensors = new Set<string>();
  const isStatic = nodes.map(() => false);
  for (const n of nodes) {
    if (!RANDOM_OPS.has(n.opType) && n.inputs.every((i) => staticTensors.has(i))) {
      isStatic[n.index] = true;
      for (const o of n.outputs) staticTensors.add(o);
    } else if (SHAPE_OPS.has(n.opType) || n.inputs.every((i) => staticTensors.has(i) || metaTensors.has(i))) {
      for (const o of n.outputs) metaTensors.add(o);
    }
  }
  return { staticTensors, metaTensors, isStatic };
}

/** Which nodes some graph output depends on. */
function liveNodes(nodes: readonly DagNode[], outputs: readonly string[]): boolean[] {
  const isLive = nodes.map(() => false);
  const needed = new Set(outputs);
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    if (n.outputs.some((o) => needed.has(o))) {
      isLive[k] = true;
      for (const i of n.inputs) needed.add(i);
    }
  }
  return isLive;
}

/**
 * Builds the DAG of a model's main graph.
 * @throws InputError 'BAD_MODEL' when a tensor has two producers, a node reads a tensor
 *   nothing defines, or the graph has a cycle.
 */
export function buildDag(model: ModelProto, source = 'model'): Dag {
  const g = model.graph ?? {};
  const initializers = new Set<string>([
    ...(g.initializer ?? []).map((t) => t.name ?? ''),
    ...(g.sparseInitializer ?? []).map((t) => t.values?.name ?? ''),
  ]);
  const inputs = (g.input ?? []).map((v) => v.name ?? '').filter((n) => n && !initializers.has(n));
  const outputs = (g.output ?? []).map((v) => v.name ?? '');
  const raw = rawNodes(g.node ?? []);
  const producerRaw = producersOf(raw, inputs, initializers, source);
  const order = executionOrder(raw, producerRaw, source);

  const nodes: DagNode[] = order.map((p, index) => ({ index, ...raw[p] }));
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  for (const n of nodes) {
    for (const o of n.outputs) producer.set(o, n.index);
    for (const i of new Set(n.inputs)) {
      const list = consumers.get(i) ?? [];
      list.push(n.index);
      consumers.set(i, list);
    }
  }
  const { staticTensors, metaTensors, isStatic } = tensorKinds(nodes, initializers);
  return {
    nodes,
    inputs,
    outputs,
    initializers,
    producer,
    consumers,
    staticTensors,
    metaTensors,
    isStatic,
    isLive: liveNodes(nodes, outputs),
  };
}

/** A binary min-heap of integers. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(x: number): void {
    const a = this.items;
    let i = a.push(x) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= x) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = x;
  }

  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= a.length) break;
        if (child + 1 < a.length && a[child + 1] < a[child]) child++;
        if (a[child] >= last) break;
        a[i] = a[child];
        i = child;
      }
      a[i] = last;
    }
    return top;
  }
}

/** True when the tensor depends on a graph input (it is what a cut can transmit). */
export function isDynamic(dag: Dag, tensor: string): boolean {
  return !dag.staticTensors.has(tensor) && (dag.producer.has(tensor) || dag.inputs.includes(tensor));
}
