/**
 * Builds the edge and the cloud model of a partition. Both are ordinary ONNX files:
 * the edge model reads the graph inputs it needs and outputs every crossing tensor;
 * the cloud model reads the crossing tensors and outputs the original graph outputs.
 * Weights and Constant nodes needed by both parts are copied into both (never sent).
 * Node, initializer and value-info messages are shared by reference: weight bytes are
 * not copied until the models are encoded.
 */
import type { Dag } from './dag';
import type { Partition } from './partition';
import { unfetchableTensors } from './elem-types';
import {
  DataType,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-types';

/** A split: two models and the tensors that cross between them. */
export interface SplitModels {
  readonly edge: ModelProto;
  readonly cloud: ModelProto;
}

/** Static (weight-only) nodes that the given nodes need, transitively. */
function staticClosure(dag: Dag, nodes: readonly number[]): number[] {
  const mark = new Uint8Array(dag.nodes.length);
  const stack = nodes.flatMap((n) => dag.nodes[n].inputs);
  while (stack.length > 0) {
    const p = dag.producer.get(stack.pop()!);
    if (p === undefined || mark[p] || !dag.isStatic[p]) continue;
    mark[p] = 1;
    for (const i of dag.nodes[p].inputs) stack.push(i);
  }
  const out: number[] = [];
  for (let i = 0; i < mark.length; i++) if (mark[i]) out.push(i);
  return out;
}

/**
 * The part of `model` made of `nodes` (Dag indices) plus the static nodes they need,
 * reading `inputs` and producing `outputs`.
 */
function subModel(
  model: ModelProto,
  dag: Dag,
  nodes: readonly number[],
  inputs: ValueInfoProto[],
  outputs: ValueInfoProto[],
  part: string,
): ModelProto {
  const g = model.graph ?? {};
  const all = [...new Set([...staticClosure(dag, nodes), ...nodes])].sort((a, b) => a - b);
  const protoNodes: NodeProto[] = all.map((i) => (g.node ?? [])[dag.nodes[i].protoIndex]);
  const read = new Set<string>();
  for (const i of all) for (const t of dag.nodes[i].inputs) read.add(t);
  const produced = new Set<string>([
    ...inputs.map((v) => v.name ?? ''),
    ...all.flatMap((i) => dag.nodes[i].outputs),
  ]);
  const initializer: TensorProto[] = (g.initializer ?? []).filter((t) => read.has(t.name ?? ''));
  const sparseInitializer = (g.sparseInitializer ?? []).filter((t) => read.has(t.values?.name ?? ''));
  const valueInfo = (g.valueInfo ?? []).filter(
    (v) => produced.has(v.name ?? '') && !outputs.some((o) => o.name === v.name),
  );
  // Old models (IR < 4) list initializers as graph inputs too; keep that for the ones we kept.
  const kept = new Set(initializer.map((t) => t.name));
  const initializerInputs = (g.input ?? []).filter(
    (v) => kept.has(v.name ?? '') && !inputs.some((i) => i.name === v.name),
  );
  const graph: GraphProto = {
    ...g,
    name: `${g.name || 'graph'}_${part}`,
    node: protoNodes,
    input: [...inputs, ...initializerInputs],
    output: outputs,
    initializer,
    sparseInitializer,
    valueInfo,
  };
  const out: ModelProto = { ...model, graph };
  out.docString = `${part} part of ${g.name || 'the model'}, cut by jalad`;
  return out;
}

/**
 * Splits a model at a partition.
 * @param valueInfoOf typed value info of a crossing tensor (element type and shape), used
 *   for the edge model's outputs and the cloud model's inputs
 */
export function extractSplit(
  model: ModelProto,
  dag: Dag,
  partition: Partition,
  valueInfoOf: (tensor: string) => ValueInfoProto,
): SplitModels {
  const g = model.graph ?? {};
  const graphInput = new Map((g.input ?? []).map((v) => [v.name ?? '', v]));
  const graphOutput = new Map((g.output ?? []).map((v) => [v.name ?? '', v]));
  const typed = (t: string) => graphInput.get(t) ?? graphOutput.get(t) ?? valueInfoOf(t);

  const edgeReads = new Set(partition.edgeNodes.flatMap((n) => dag.nodes[n].inputs));
  for (const n of staticClosure(dag, partition.edgeNodes))
    for (const t of dag.nodes[n].inputs) edgeReads.add(t);
  const edgeInputs = dag.inputs
    .filter((t) => edgeReads.has(t) || partition.crossing.some((c) => c.name === t))
    .map((t) => graphInput.get(t)!);
  const crossing = partition.crossing.map((c) => typed(c.name));

  const edge = subModel(model, dag, partition.edgeNodes, edgeInputs, crossing, 'edge');
  const cloud = subModel(
    model,
    dag,
    partition.cloudNodes,
    crossing,
    dag.outputs.map((o) => graphOutput.get(o)!),
    'cloud',
  );
  const hidden = unfetchableTensors(model);
  const widen = partition.crossing.filter((c) => hidden.has(c.name) && dag.producer.has(c.name));
  if (widen.length === 0) return { edge, cloud };
  return widenCrossing(edge, cloud, new Map(widen.map((c) => [c.name, hidden.get(c.name)!])));
}

/** The name a widened tensor keeps inside a part, in its own type. */
const nativeName = (t: string) => `${t}::jalad_native`;

/**
 * The type a cloud part gets back from input `tensor` when the split widened it to float32
 * (`extractSplit`: the part starts with a Cast of it to its own type, e.g. 16 = bfloat16);
 * undefined for an input that crosses in its own type.
 * @example widenedType(split.cloud, 'h') // 16: h is bfloat16 in the model, float32 on the wire
 */
export function widenedType(cloud: ModelProto, tensor: string): number | undefined {
  const native = nativeName(tensor);
  const cast = (cloud.graph?.node ?? []).find(
    (n) => n.opType === 'Cast' && n.input?.[0] === tensor && n.output?.[0] === native,
  );
  const to = cast?.attribute?.find((a) => a.name === 'to')?.i;
  return to === undefined || to === null ? undefined : Number(to);
}

/** `n` with the tensors in `rename` renamed among its inputs and outputs (a copy; `n` is shared). */
function renamed(n: NodeProto, rename: ReadonlyMap<string, string>): NodeProto {
  const map = (ts: readonly string[] | undefined) => (ts ?? []).map((t) => rename.get(t) ?? t);
  return { ...n, input: map(n.input), output: map(n.output) };
}

function castNode(from: string, to: string, type: number): NodeProto {
  return {
    opType: 'Cast',
    input: [from],
    output: [to],
    name: `jalad_cast_${to}`,
    attribute: [{ name: 'to', type: 2, i: type }],
  };
}

/**
 * Carries crossing tensors of types ONNX Runtime for Node cannot hand over (bfloat16, float8,
 * int4) as float32, under their own names: inside the edge part the tensor is renamed and cast to
 * float32 as the part's output; the cloud part reads float32 and casts it back. Both casts are
 * exact (every such value is a float32 value), so the split computes what the model computes.
 */
function widenCrossing(edge: ModelProto, cloud: ModelProto, types: ReadonlyMap<string, number>): SplitModels {
  const rename = new Map([...types.keys()].map((t) => [t, nativeName(t)]));
  const eg = edge.graph ?? {};
  const cg = cloud.graph ?? {};
  const edgeNodes = [
    ...(eg.node ?? []).map((n) => renamed(n, rename)),
    ...[...types.keys()].map((t) => castNode(nativeName(t), t, DataType.FLOAT)),
  ];
  const cloudNodes = [
    ...[...types].map(([t, type]) => castNode(t, nativeName(t), type)),
    ...(cg.node ?? []).map((n) => renamed(n, rename)),
  ];
  const floatInfo = (v: ValueInfoProto): ValueInfoProto =>
    types.has(v.name ?? '') && v.type?.tensorType
      ? { ...v, type: { ...v.type, tensorType: { ...v.type.tensorType, elemType: DataType.FLOAT } } }
      : v;
  const dropTyped = (list: readonly ValueInfoProto[] | undefined) =>
    (list ?? []).filter((v) => !types.has(v.name ?? ''));
  return {
    edge: {
      ...edge,
      graph: {
        ...eg,
        node: edgeNodes,
        output: (eg.output ?? []).map(floatInfo),
        valueInfo: dropTyped(eg.valueInfo),
      },
    },
    cloud: {
      ...cloud,
      graph: {
        ...cg,
        node: cloudNodes,
        input: (cg.input ?? []).map(floatInfo),
        valueInfo: dropTyped(cg.valueInfo),
      },
    },
  };
}
