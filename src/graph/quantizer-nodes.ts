/**
 * JALAD's in-layer compression as ONNX nodes, so that split models are deployable in any
 * ONNX runtime: the edge model ends by quantizing each crossing tensor to uint8 codes plus
 * per-sample lo and hi; the cloud model starts by dequantizing them.
 *
 * The op sequence mirrors src/codec/normalize.ts exactly (float32 throughout):
 *   lo = ReduceMin(x), hi = ReduceMax(x) over every axis but the batch axis (keepdims)
 *   r = hi − lo; rs = Where(r == 0, 1, r); code = Cast(Clip(Round((x − lo) / rs · L), 0, L), uint8)
 *   x̂ = Cast(code, float) · ((hi − lo) / L) + lo,   with L = 2^c − 1.
 * Rank-0 and rank-1 tensors have one element per sample: lo = hi = x, sent exactly.
 */
import { InputError } from '../core/errors';
import { DataType, type ModelProto, type NodeProto, type TensorProto } from './onnx-types';
import { floatTensor, int64Tensor, node } from './build';

/** Names of the three tensors that carry one quantized tensor over the network. */
export interface WireNames {
  readonly code: string;
  readonly lo: string;
  readonly hi: string;
}

/** The wire tensors of `tensor`: `<tensor>.code`, `<tensor>.lo`, `<tensor>.hi`. */
export function wireNames(tensor: string): WireNames {
  return { code: `${tensor}.code`, lo: `${tensor}.lo`, hi: `${tensor}.hi` };
}

/** Nodes plus the constant tensors they read. */
export interface NodeBlock {
  readonly nodes: readonly NodeProto[];
  readonly initializers: readonly TensorProto[];
}

/** The least opset the quantizer nodes need (Round, Clip with inputs). */
export const MIN_QUANT_OPSET = 11;

function reduce(
  op: 'ReduceMin' | 'ReduceMax',
  x: string,
  out: string,
  axes: readonly number[],
  opset: number,
  axesName: string,
): NodeProto {
  // NOTE: opset 18 moved ReduceMin/Max `axes` from an attribute to an input.
  return opset >= 18
    ? node(op, [x, axesName], [out], { keepdims: 1 })
    : node(op, [x], [out], { axes: [...axes], keepdims: 1 });
}

/**
 * Nodes that quantize `x` (float32, rank `rank`, axis 0 = batch) to `bits` bits.
 * @param source the tensor to quantize; outputs are `wire.code` (uint8), `wire.lo`, `wire.hi` (float32)
 */
export function quantizerNodes(
  source: string,
  wire: WireNames,
  bits: number,
  rank: number,
  opset: number,
): NodeBlock {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8)
    throw new InputError('BAD_OPTION', `quantizer: bits must be 1..8, got ${bits}`);
  if (opset < MIN_QUANT_OPSET)
    throw new InputError(
      'BAD_MODEL',
      `quantizer: the model's opset ${opset} is below ${MIN_QUANT_OPSET} (ONNX Round); re-export with a newer opset`,
    );
  const p = `${wire.code}/q`;
  const levels = floatTensor(`${p}/levels`, [], [2 ** bits - 1]);
  const zero = floatTensor(`${p}/zero`, [], [0]);
  const one = floatTensor(`${p}/one`, [], [1]);
  const inits: TensorProto[] = [levels, zero, one];
  const nodes: NodeProto[] = [];
  if (rank <= 1) {
    nodes.push(node('Identity', [source], [wire.lo]), node('Identity', [source], [wire.hi]));
  } else {
    const axes = Array.from({ length: rank - 1 }, (_, i) => i + 1);
    const axesName = `${p}/axes`;
    if (opset >= 18) inits.push(int64Tensor(axesName, [axes.length], axes));
    nodes.push(
      reduce('ReduceMin', source, wire.lo, axes, opset, axesName),
      reduce('ReduceMax', source, wire.hi, axes, opset, axesName),
    );
  }
  nodes.push(
    node('Sub', [wire.hi, wire.lo], [`${p}/r`]),
    node('Equal', [`${p}/r`, zero.name!], [`${p}/flat`]),
    node('Where', [`${p}/flat`, one.name!, `${p}/r`], [`${p}/rs`]),
    node('Sub', [source, wire.lo], [`${p}/d`]),
    node('Div', [`${p}/d`, `${p}/rs`], [`${p}/q`]),
    node('Mul', [`${p}/q`, levels.name!], [`${p}/s`]),
    node('Round', [`${p}/s`], [`${p}/k`]),
    node('Clip', [`${p}/k`, zero.name!, levels.name!], [`${p}/kc`]),
    node('Cast', [`${p}/kc`], [wire.code], { to: DataType.UINT8 }),
  );
  return { nodes, initializers: inits };
}

/** Nodes that turn `wire` back into a float32 tensor named `target`. */
export function dequantizerNodes(wire: WireNames, target: string, bits: number): NodeBlock {
  const p = `${wire.code}/dq`;
  const levels = floatTensor(`${p}/levels`, [], [2 ** bits - 1]);
  return {
    nodes: [
      node('Sub', [wire.hi, wire.lo], [`${p}/r`]),
      node('Div', [`${p}/r`, levels.name!], [`${p}/step`]),
      node('Cast', [wire.code], [`${p}/codef`], { to: DataType.FLOAT }),
      node('Mul', [`${p}/codef`, `${p}/step`], [`${p}/scaled`]),
      node('Add', [`${p}/scaled`, wire.lo], [target]),
    ],
    initializers: [levels],
  };
}

/**
 * A copy of `model` in which `tensor` goes through quantize then dequantize in the graph
 * itself, so its readers see x̂ instead of x. Used to check the sweep independently.
 * @param rank rank of the tensor
 * @param readers proto indices of the nodes that read x̂ (default: every reader); a
 *   multi-tensor cut sends a tensor to its cloud-side readers only
 */
export function withQuantDequant(
  model: ModelProto,
  tensor: string,
  bits: number,
  rank: number,
  opset: number,
  readers?: ReadonlySet<number>,
): ModelProto {
  const g = model.graph ?? {};
  const wire = wireNames(tensor);
  const isOutput = (g.output ?? []).some((v) => v.name === tensor);
  const hat = `${tensor}.hat`;
  const raw = `${tensor}.raw`;
  // A graph output keeps its name: its producer is renamed and x̂ takes the name.
  // Otherwise x̂ gets a new name and the chosen readers are redirected to it.
  const source = isOutput ? raw : tensor;
  const target = isOutput ? tensor : hat;
  const nodes: NodeProto[] = (g.node ?? []).map((n, i) => ({
    ...n,
    input: (n.input ?? []).map((x) => (!isOutput && x === tensor && (!readers || readers.has(i)) ? hat : x)),
    output: (n.output ?? []).map((o) => (isOutput && o === tensor ? raw : o)),
  }));
  const q = quantizerNodes(source, wire, bits, rank, opset);
  const dq = dequantizerNodes(wire, target, bits);
  const producer = nodes.findIndex((n) => (n.output ?? []).includes(source));
  nodes.splice(producer + 1, 0, ...q.nodes, ...dq.nodes);
  return {
    ...model,
    graph: {
      ...g,
      node: nodes,
      initializer: [...(g.initializer ?? []), ...q.initializers, ...dq.initializers],
    },
  };
}
