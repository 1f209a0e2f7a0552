/**
 * The shape probe in pieces. One ONNX Runtime session with every tensor as an output costs time
 * superlinear in the graph (n^1.4 for a chain, n^1.6 for one node with many inputs) and holds every
 * weight and every activation at once. Here:
 * - simple operators whose inputs' shapes are known get their shapes in JavaScript (infer-shapes.ts),
 *   unless a node run in the runtime needs their values;
 * - the remaining nodes run in topological segments, each a model of its own whose inputs are the
 *   tensors crossing into it, fed with the values earlier segments produced; each session is
 *   released before the next opens, and a value is dropped once no later segment reads it.
 * Segments are bounded in nodes, in initializer bytes and (from the bytes per node the previous
 * segment fetched) in output bytes, so time stays near-linear and memory near one segment's.
 * The shapes equal those of the one-session probe (tests compare both on built graphs).
 */
import type { ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../graph/onnx-types';
import { toNumber } from '../graph/onnx-types';
import { elementBytes } from '../graph/model-io';
import { inferNodeShape, type ShapeOf } from './infer-shapes';
import type { ProbeGraph } from './probe-graph';
import { openSession } from './session';
import { onnxTypeOf, tensorTypeOf, type Tensor, type TensorMap } from './tensor';

/** Bounds of one segment; tests shrink them to force many segments. */
export interface SegmentLimits {
  /** Most nodes in one session. */
  readonly nodes: number;
  /** Most initializer bytes in one session (a node needing more gets a session of its own). */
  readonly weightBytes: number;
  /** Output bytes (both batches) aimed at per session, from the previous segment's bytes per node. */
  readonly outputBytes: number;
  /** Whether simple operators' shapes are computed without the runtime. */
  readonly infer: boolean;
  /**
   * Output bytes per node (as last measured) above which a segment fetches each tensor's shape
   * (a Shape node's output) and type (the session's metadata) instead of its values: ONNX Runtime
   * then hands back a few bytes per tensor, not every activation.
   */
  readonly shapesOverBytes: number;
}

/**
 * Defaults: 2,000 nodes (a Relu chain's session costs about linear time up to there, 0.04 ms per
 * node, and 0.06 at 10,000), 8 MiB of weights, 16 MiB of outputs.
 */
export const DEFAULT_SEGMENT_LIMITS: SegmentLimits = {
  nodes: 2000,
  weightBytes: 8 << 20,
  outputBytes: 16 << 20,
  infer: true,
  shapesOverBytes: 4096,
};

/** What the segmented probe is given. */
export interface SegmentedProbe {
  readonly model: ModelProto;
  readonly graph: ProbeGraph;
  readonly wanted: ReadonlySet<string>;
  readonly feeds1: TensorMap;
  /** Feeds at batch 2, when the batch axis is to be found. */
  readonly feeds2?: TensorMap;
  readonly limits: SegmentLimits;
  /** The user's model file (load failures name it). */
  readonly source?: string;
  /** The error to throw for a failed run. */
  readonly runFailure: (err: unknown) => Error;
  /** An initializer as a session gets it (for a model whose weights stayed in the file). */
  readonly sessionTensor?: (t: TensorProto) => TensorProto;
}

/** Shapes found at batch 1 and 2; `twoError` when the batch-2 run failed (batch 2 then stopped). */
export interface SegmentedShapes {
  readonly one: Map<string, ShapeOf>;
  readonly two: Map<string, ShapeOf>;
  readonly twoError?: Error;
  /** ONNX Runtime sessions opened (0 when every shape was inferred). */
  readonly sessions: number;
}

/** Bytes of an initializer from its dims and type (whatever holds its data). */
function initializerBytes(t: TensorProto): number {
  return (t.dims ?? []).reduce((a: number, d) => a * toNumber(d), 1) * elementBytes(t.dataType ?? 0);
}

/** The default domain's opset (0 when the model imports none). */
function defaultOpset(model: ModelProto): number {
  const o = (model.opsetImport ?? []).find((x) => (x.domain ?? '') === '' || x.domain === 'ai.onnx');
  return o ? toNumber(o.version ?? 0) : 0;
}

/** Shapes known before any run: graph inputs (from feeds) and initializers. */
function knownShapes(graph: ProbeGraph, feeds: TensorMap): Map<string, ShapeOf> {
  const known = new Map<string, ShapeOf>();
  for (const [name, t] of graph.initializers) {
    const type = tensorTypeOf(t.dataType ?? 0);
    if (type) known.set(name, { dims: (t.dims ?? []).map((d) => toNumber(d)), type });
  }
  for (const name in feeds) known.set(name, { dims: feeds[name].dims, type: feeds[name].type });
  return known;
}

/** Infers what it can at one batch; returns which nodes got shapes (writing them into `known`). */
function inferAll(p: SegmentedProbe, known: Map<string, ShapeOf>, opset: number): boolean[] {
  const done = new Array<boolean>(p.graph.nodes.length).fill(false);
  if (!p.limits.infer) return done;
  for (const i of p.graph.order) {
    const n = p.graph.nodes[i];
    const s = inferNodeShape(
      n,
      (n.input ?? []).map((x) => (x === '' ? undefined : known.get(x))),
      opset,
    );
    if (!s) continue;
    known.set(p.graph.writes[i][0], s);
    done[i] = true;
  }
  return done;
}

/**
 * Which nodes run in the runtime: those not inferred at every batch, and every producer of a value
 * such a node reads (in reverse topological order, so the closure is one pass).
 */
function runtimeNodes(p: SegmentedProbe, inferred: readonly boolean[]): boolean[] {
  const run = inferred.map((x) => !x);
  const { order, reads, producer } = p.graph;
  for (let k = order.length - 1; k >= 0; k--) {
    if (!run[order[k]]) continue;
    for (const name of reads[order[k]]) {
      const q = producer.get(name);
      if (q !== undefined) run[q] = true;
    }
  }
  return run;
}

/** Whether one session would hold the whole model within the limits. */
function fitsOneSession(graph: ProbeGraph, limits: SegmentLimits): boolean {
  if (graph.nodes.length > limits.nodes) return false;
  let bytes = 0;
  for (const t of graph.initializers.values()) bytes += initializerBytes(t);
  return bytes <= limits.weightBytes;
}

/** The models' value declarations by name: graph outputs and value_info. */
interface Declared {
  readonly outputs: ReadonlyMap<string, ValueInfoProto>;
  readonly valueInfo: ReadonlyMap<string, ValueInfoProto>;
}

/** The model of one segment: its nodes, the initializers they read, crossing tensors as inputs. */
function segmentModel(
  p: SegmentedProbe,
  declared: Declared,
  segment: readonly number[],
  crossing: readonly string[],
  outputs: readonly string[],
  types: ReadonlyMap<string, string>,
  shapeNodes: ReadonlyMap<string, string>,
): ModelProto {
  const { graph } = p;
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const sparse: NonNullable<NonNullable<ModelProto['graph']>['sparseInitializer']> = [];
  const inputs: ValueInfoProto[] = [];
  const valueInfo: ValueInfoProto[] = [];
  const seen = new Set<string>();
  for (const i of segment) {
    nodes.push(graph.nodes[i]);
    for (const o of graph.writes[i]) {
      const v = declared.valueInfo.get(o);
      if (v) valueInfo.push(v);
    }
    for (const name of graph.reads[i]) {
      if (seen.has(name)) continue;
      seen.add(name);
      const t = graph.initializers.get(name);
      const s = graph.sparseInitializers.get(name);
      if (t) initializers.push(p.sessionTensor ? p.sessionTensor(t) : t);
      if (s) sparse.push(s);
      // NOTE: an initializer also listed as a graph input (IR < 4) stays listed, as in the model.
      const declaredInput = (t || s) && graph.inputs.get(name);
      if (declaredInput) inputs.push(declaredInput);
    }
  }
  // Shape nodes report the shapes of tensors whose values are not fetched.
  for (const [t, out] of shapeNodes) nodes.push({ input: [t], output: [out], opType: 'Shape', domain: '' });
  for (const name of crossing)
    inputs.push(
      graph.inputs.get(name) ?? {
        name,
        type: { tensorType: { elemType: onnxTypeOf(types.get(name) ?? '') } },
      },
    );
  const g = p.model.graph ?? {};
  return {
    ...p.model,
    graph: {
      name: g.name,
      node: nodes,
      input: inputs,
      output: [...outputs, ...shapeNodes.values()].map((name) => declared.outputs.get(name) ?? { name }),
      initializer: initializers,
      sparseInitializer: sparse,
      valueInfo,
    },
  };
}

/** Bytes a fetched tensor holds. */
function tensorBytes(t: Tensor): number {
  const d = t.data as { byteLength?: number; length: number };
  return d.byteLength ?? d.length;
}

/** Tensors computed from data: outputs of nodes reading an input or another such tensor. */
function dynamicTensors(graph: ProbeGraph): Set<string> {
  const dynamic = new Set<string>();
  for (const i of graph.order)
    if (graph.reads[i].some((n) => (graph.inputs.has(n) && !graph.initializers.has(n)) || dynamic.has(n)))
      for (const o of graph.writes[i]) dynamic.add(o);
  return dynamic;
}

/** Shapes inferred at both batches, and which nodes must run in the runtime. */
function inferredShapes(p: SegmentedProbe): {
  run: boolean[];
  one: Map<string, ShapeOf>;
  two: Map<string, ShapeOf>;
} {
  const opset = defaultOpset(p.model);
  const known1 = knownShapes(p.graph, p.feeds1);
  const known2 = p.feeds2 ? knownShapes(p.graph, p.feeds2) : undefined;
  const inferred1 = inferAll(p, known1, opset);
  const inferred2 = known2 ? inferAll(p, known2, opset) : inferred1;
  const run = runtimeNodes(
    p,
    inferred1.map((x, i) => x && inferred2[i]),
  );
  const one = new Map<string, ShapeOf>();
  const two = new Map<string, ShapeOf>();
  for (const i of p.graph.order) {
    const o = p.graph.writes[i][0];
    if (run[i] || !p.wanted.has(o)) continue;
    one.set(o, known1.get(o)!);
    if (known2) two.set(o, known2.get(o)!);
  }
  return { run, one, two };
}

/** The state of a segmented run. */
interface Progress {
  readonly declared: Declared;
  /** Where each tensor is read last (a position in the runtime's node order): its value is kept until then. */
  readonly lastRead: ReadonlyMap<string, number>;
  readonly one: Map<string, ShapeOf>;
  readonly two: Map<string, ShapeOf>;
  /** Values of crossing tensors still to be read, at batch 1 and 2. */
  readonly values1: Map<string, Tensor>;
  readonly values2: Map<string, Tensor>;
  /** Tensors computed from data (not from initializers alone). */
  readonly dynamic: ReadonlySet<string>;
  /** Whether the model imports the default domain (Shape nodes can be added). */
  readonly defaultDomain: boolean;
  twoError?: Error;
  sessions: number;
  /** Output bytes per node of the last segment run. */
  bytesPerNode: number;
}

/** A name no tensor of the model has, for the Shape node reporting `t`. */
function shapeName(graph: ProbeGraph, t: string): string {
  let name = `${t}::shape`;
  while (graph.producer.has(name) || graph.inputs.has(name) || graph.initializers.has(name)) name += '_';
  return name;
}

/** Bytes of a tensor of `shape`. */
function shapeBytes(shape: ShapeOf): number {
  return shape.dims.reduce((a, b) => a * b, 1) * Math.max(1, elementBytes(onnxTypeOf(shape.type)));
}

/** Runs one segment (`segment`, ending before position `end` of the runtime's order) at both batches. */
async function runSegment(
  p: SegmentedProbe,
  st: Progress,
  segment: readonly number[],
  end: number,
): Promise<void> {
  const { graph, wanted } = p;
  const produced = new Set(segment.flatMap((i) => graph.writes[i]));
  const crossing = new Set<string>();
  for (const i of segment)
    for (const n of graph.reads[i])
      if (!produced.has(n) && !graph.initializers.has(n) && !graph.sparseInitializers.has(n)) crossing.add(n);
  const kept = (o: string) => (st.lastRead.get(o) ?? -1) >= end;
  const outputs = [...produced].filter((o) => wanted.has(o) || kept(o));
  if (outputs.length === 0) return;
  // Large tensors: their shapes are fetched, not their values (unless a later segment reads them).
  const byShape = st.bytesPerNode > p.limits.shapesOverBytes && st.defaultDomain;
  const shapeNodes = new Map(
    byShape ? outputs.filter((o) => !kept(o)).map((o) => [o, shapeName(graph, o)]) : [],
  );
  const fetch = outputs.map((o) => shapeNodes.get(o) ?? o);
  const types = new Map([...crossing].map((n) => [n, (st.values1.get(n) ?? p.feeds1[n]).type]));
  const model = segmentModel(p, st.declared, segment, [...crossing], outputs, types, shapeNodes);
  const session = await openSession(model, {
    optimization: 'disabled',
    source: p.source,
  });
  st.sessions++;
  let outputBytes = 0;
  const runAt = async (feeds: TensorMap, values: Map<string, Tensor>, shapes: Map<string, ShapeOf>) => {
    const segmentFeeds: TensorMap = {};
    for (const n of crossing) segmentFeeds[n] = values.get(n) ?? feeds[n];
    const result = await session.run(segmentFeeds, fetch);
    outputs.forEach((o, k) => {
      const t = result[fetch[k]];
      const shape: ShapeOf = shapeNodes.has(o)
        ? { dims: Array.from(t.data as BigInt64Array, Number), type: session.outputType(o) ?? '' }
        : { dims: t.dims, type: t.type };
      if (st.dynamic.has(o)) outputBytes += shapeBytes(shape);
      if (wanted.has(o)) shapes.set(o, shape);
      if (kept(o)) values.set(o, t);
    });
  };
  try {
    try {
      await runAt(p.feeds1, st.values1, st.one);
    } catch (err) {
      throw p.runFailure(err);
    }
    if (p.feeds2 && !st.twoError) {
      try {
        await runAt(p.feeds2, st.values2, st.two);
      } catch (err) {
        // Batch 1 goes on: its failure, if any, is the one to report.
        st.twoError = p.runFailure(err);
        st.values2.clear();
      }
    }
  } finally {
    await session.release();
  }
  // NOTE: weight-only nodes (torch's Identity copies of initializers come first) say nothing about
  // the activations to come: only nodes reading data update the estimate.
  const dynamicNodes = segment.filter((i) => graph.writes[i].some((o) => st.dynamic.has(o))).length;
  if (dynamicNodes > 0) st.bytesPerNode = Math.max(1, outputBytes / dynamicNodes);
}

/**
 * Runs the probe: inference where it is sure, the runtime in segments for the rest. Undefined
 * when nothing is inferred and one session holds the model within the limits: the caller's single
 * session then does exactly what it always did.
 */
export async function probeInSegments(p: SegmentedProbe): Promise<SegmentedShapes | undefined> {
  const { graph, limits } = p;
  const { run, one, two } = inferredShapes(p);
  if (run.every((x) => x) && fitsOneSession(graph, limits)) return undefined;
  const order = graph.order.filter((i) => run[i]);
  const lastRead = new Map<string, number>();
  order.forEach((i, k) => {
    for (const name of graph.reads[i]) if (graph.producer.has(name)) lastRead.set(name, k);
  });
  const g = p.model.graph ?? {};
  const feedBytes = (f: TensorMap | undefined) =>
    Object.values(f ?? {}).reduce((s, t) => s + tensorBytes(t), 0);
  const st: Progress = {
    declared: {
      outputs: new Map((g.output ?? []).map((v) => [v.name ?? '', v])),
      valueInfo: new Map((g.valueInfo ?? []).map((v) => [v.name ?? '', v])),
    },
    lastRead,
    dynamic: dynamicTensors(graph),
    defaultDomain: (p.model.opsetImport ?? []).some((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx'),
    one,
    two,
    values1: new Map(),
    values2: new Map(),
    sessions: 0,
    // Until a segment has run, a node is guessed to output as much as the inputs hold.
    bytesPerNode: Math.max(1, feedBytes(p.feeds1) + feedBytes(p.feeds2)),
  };
  let cap = limits.nodes;
  for (let k = 0; k < order.length;) {
    cap = Math.max(1, Math.min(limits.nodes, 4 * cap, Math.floor(limits.outputBytes / st.bytesPerNode)));
    const end = segmentEnd(p, order, k, cap);
    await runSegment(p, st, order.slice(k, end), end);
    k = end;
    for (const values of [st.values1, st.values2])
      for (const name of values.keys()) if ((lastRead.get(name) ?? -1) < end) values.delete(name);
  }
  return { one, two, sessions: st.sessions, ...(st.twoError ? { twoError: st.twoError } : {}) };
}

/** Where the segment starting at `order[k]` ends: at most `cap` nodes and the weight budget. */
function segmentEnd(p: SegmentedProbe, order: readonly number[], k: number, cap: number): number {
  const counted = new Set<string>();
  let bytes = 0;
  let end = k;
  while (end < order.length && end - k < cap) {
    let add = 0;
    const fresh: string[] = [];
    for (const name of p.graph.reads[order[end]]) {
      const t = p.graph.initializers.get(name);
      if (!t || counted.has(name)) continue;
      fresh.push(name);
      add += initializerBytes(t);
    }
    if (end > k && bytes + add > p.limits.weightBytes) break;
    for (const name of fresh) counted.add(name);
    bytes += add;
    end++;
  }
  return end;
}
