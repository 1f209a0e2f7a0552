/**
 * The shapes of every node's inputs and outputs at batch 1 (for FLOPs and the modeled
 * profile): node outputs measured by ONNX Runtime, weights from their TensorProto dims.
 */
import { toNumber, type Dag, type ModelProto, type AttributeProto, type TensorProto } from '../graph';
import { nodeCost, type NodeCost, type NodeShapes, type TensorShape } from './flops';
import { probeTensors, type ProbeOptions, type TensorInfo } from '../runtime';

/** Decodes the scalar and list attributes of a node (tensors and graphs are left out). */
function decodeAttributes(
  attrs: readonly AttributeProto[],
): Record<string, number | string | readonly number[]> {
  const out: Record<string, number | string | readonly number[]> = {};
  for (const a of attrs) {
    const name = a.name ?? '';
    switch (a.type) {
      case 1:
        out[name] = a.f ?? 0;
        break;
      case 2:
        out[name] = toNumber(a.i);
        break;
      case 3:
        out[name] = new TextDecoder().decode(a.s ?? new Uint8Array());
        break;
      case 6:
        out[name] = [...(a.floats ?? [])];
        break;
      case 7:
        out[name] = (a.ints ?? []).map((v) => toNumber(v));
        break;
      default:
        break;
    }
  }
  return out;
}

/** Shape of a weight tensor. */
function shapeOfTensor(t: TensorProto): TensorShape {
  return { dims: (t.dims ?? []).map((d) => toNumber(d)), elemType: t.dataType ?? 0 };
}

/** Every tensor the runtime can report: graph inputs and node outputs. */
export function probeableTensors(dag: Dag): string[] {
  return [...new Set([...dag.inputs, ...dag.nodes.flatMap((n) => n.outputs)])];
}

/** NodeShapes of every DAG node (index = Dag index), measured at batch 1. */
export async function nodeShapes(
  model: ModelProto,
  dag: Dag,
  options: ProbeOptions = {},
): Promise<NodeShapes[]> {
  return nodeShapesFrom(model, dag, await probeTensors(model, probeableTensors(dag), options));
}

/** NodeShapes of every DAG node from tensor info already probed (for every `probeableTensors`). */
export function nodeShapesFrom(
  model: ModelProto,
  dag: Dag,
  info: ReadonlyMap<string, TensorInfo>,
): NodeShapes[] {
  const g = model.graph ?? {};
  const known = new Map<string, TensorShape>();
  for (const t of g.initializer ?? []) known.set(t.name ?? '', shapeOfTensor(t));
  for (const [name, i] of info)
    known.set(name, { dims: i.dims.map((d) => (typeof d === 'number' ? d : 1)), elemType: i.elemType });
  const protoNodes = g.node ?? [];
  return dag.nodes.map((n) => {
    const p = protoNodes[n.protoIndex];
    return {
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      attrs: decodeAttributes(p.attribute ?? []),
      inputs: (p.input ?? []).map((i) => (i === '' ? undefined : known.get(i))),
      outputs: (p.output ?? []).filter((o) => o !== '').map((o) => known.get(o) ?? { dims: [], elemType: 0 }),
    };
  });
}

/**
 * FLOPs and bytes of every node; weight-only nodes cost nothing (folded before running).
 * NOTE: a node whose shapes the runtime did not report (or that `nodeCost` cannot read)
 * counts as an 'unknown' op with no FLOPs rather than stopping the whole analysis.
 */
export function nodeCosts(dag: Dag, shapes: readonly NodeShapes[]): NodeCost[] {
  return shapes.map((s, i) => {
    if (dag.isStatic[i]) return { flops: 0, bytesRead: 0, bytesWritten: 0, kind: 'unknown' };
    try {
      return nodeCost(s);
    } catch {
      return { flops: 0, bytesRead: 0, bytesWritten: 0, kind: 'unknown' };
    }
  });
}
