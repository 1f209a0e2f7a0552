/**
 * Output shapes of simple operators computed without ONNX Runtime, for the shape probe: unary
 * elementwise functions, broadcasting arithmetic, Sum/Max/Min/Mean and Concat, and the layers of
 * infer-shapes-nn.ts (Conv, pools, Flatten, Gemm, BatchNormalization). Only cases where the
 * result is certain to equal what ONNX Runtime's CPU kernels produce are inferred: float32 (any
 * type for Identity and Concat), no unexpected attributes, no empty tensors, the default domain at
 * an opset ONNX Runtime runs. Anything else is left to the runtime (undefined).
 */
import type { AttributeProto, NodeProto } from '../graph/onnx-types';
import { toNumber } from '../graph/onnx-types';
import { MAX_TENSOR_ELEMENTS } from '../graph/tensor-file';
import { inferLayerDims, LAYER_OPS } from './infer-shapes-nn';

/** A tensor's type (as ONNX Runtime names it, e.g. 'float32') and dims. */
export interface ShapeOf {
  readonly dims: readonly number[];
  readonly type: string;
}

const UNARY_FLOAT: ReadonlySet<string> = new Set([
  'Relu',
  'Neg',
  'Abs',
  'Sigmoid',
  'Tanh',
  'Exp',
  'Log',
  'Sqrt',
  'Reciprocal',
  'Floor',
  'Ceil',
]);
const BINARY_FLOAT: ReadonlySet<string> = new Set(['Add', 'Sub', 'Mul', 'Div']);
const VARIADIC_FLOAT: ReadonlySet<string> = new Set(['Sum', 'Max', 'Min', 'Mean']);

/** Default-domain opsets whose kernels for these operators ONNX Runtime (1.30) has. */
export const INFER_MIN_OPSET = 7;
export const INFER_MAX_OPSET = 22;

const elements = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** Numpy broadcasting of several shapes, or undefined when they do not broadcast. */
function broadcast(shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = shapes.reduce((r, s) => Math.max(r, s.length), 0);
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    let d = 1;
    for (const s of shapes) {
      const x = s[s.length - rank + k] ?? 1;
      if (x === d || x === 1) continue;
      if (d !== 1) return undefined;
      d = x;
    }
    out.push(d);
  }
  return out;
}

/** Concat's output dims, or undefined when the inputs do not concatenate. */
function concat(inputs: readonly ShapeOf[], attrs: readonly AttributeProto[]): number[] | undefined {
  if (attrs.length !== 1 || attrs[0].name !== 'axis' || attrs[0].type !== 2) return undefined;
  const rank = inputs[0].dims.length;
  const axisRaw = toNumber(attrs[0].i ?? 0);
  if (rank === 0 || axisRaw < -rank || axisRaw >= rank) return undefined;
  const axis = axisRaw < 0 ? axisRaw + rank : axisRaw;
  const out = [...inputs[0].dims];
  out[axis] = 0;
  for (const s of inputs) {
    if (s.type !== inputs[0].type || s.dims.length !== rank) return undefined;
    for (let k = 0; k < rank; k++) if (k !== axis && s.dims[k] !== out[k]) return undefined;
    out[axis] += s.dims[axis];
  }
  return out;
}

/**
 * The output shape of `node` from its inputs' shapes, or undefined when it is not one this module
 * is sure about.
 * @param opset the model's default-domain opset
 */
export function inferNodeShape(
  node: NodeProto,
  inputs: readonly (ShapeOf | undefined)[],
  opset: number,
): ShapeOf | undefined {
  if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx') return undefined;
  if (opset < INFER_MIN_OPSET || opset > INFER_MAX_OPSET) return undefined;
  if ((node.output ?? []).length !== 1 || inputs.length === 0) return undefined;
  const known = inputs.filter((s): s is ShapeOf => s !== undefined);
  // NOTE: empty tensors are where kernels differ most (Concat skips some, broadcasting with 0):
  // the runtime decides those.
  if (known.length !== inputs.length || known.some((s) => elements(s.dims) === 0)) return undefined;
  const op = node.opType ?? '';
  const attrs = node.attribute ?? [];
  const type = known[0].type;
  let dims: number[] | undefined;
  if (op === 'Concat') dims = concat(known, attrs);
  else if (LAYER_OPS.has(op)) {
    if (known.some((s) => s.type !== 'float32')) return undefined;
    dims = inferLayerDims(node, known, opset);
  } else if (attrs.length > 0) return undefined;
  else if (op === 'Identity' && known.length === 1) dims = [...known[0].dims];
  else if (type !== 'float32' || known.some((s) => s.type !== type)) return undefined;
  else if (UNARY_FLOAT.has(op) && known.length === 1) dims = [...known[0].dims];
  else if (BINARY_FLOAT.has(op) && known.length === 2) dims = broadcast(known.map((s) => s.dims));
  else if (VARIADIC_FLOAT.has(op)) {
    // Before opset 8 these did not broadcast: equal shapes only.
    const same = known.every(
      (s) => s.dims.length === known[0].dims.length && s.dims.every((d, k) => d === known[0].dims[k]),
    );
    dims = opset >= 8 || same ? broadcast(known.map((s) => s.dims)) : undefined;
  }
  if (!dims || elements(dims) > MAX_TENSOR_ELEMENTS) return undefined;
  return { dims, type };
}
