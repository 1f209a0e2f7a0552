/**
 * Output shapes of the layers that make up most convolutional networks, computed without ONNX
 * Runtime for the shape probe: Conv, MaxPool and AveragePool (explicit or VALID padding, floor
 * rounding), GlobalAveragePool/GlobalMaxPool, Flatten, Gemm and inference-mode
 * BatchNormalization. With these and infer-shapes.ts's elementwise operators a ResNet's shapes
 * need no session at all (`analyze --no-profile` then never loads a weight).
 *
 * As in infer-shapes.ts, only cases certain to equal ONNX Runtime's result are answered: float32,
 * every attribute known and consistent with the inputs (channels, kernel, bias sizes), every output
 * dimension positive. Anything else (SAME padding, ceil rounding, training mode, an unknown
 * attribute) is left to the runtime (undefined), which also reports a model it cannot run.
 */
import type { AttributeProto, NodeProto } from '../graph/onnx-types';
import { toNumber } from '../graph/onnx-types';
import type { ShapeOf } from './infer-shapes';

/** ONNX AttributeProto types. */
const FLOAT = 1;
const INT = 2;
const STRING = 3;
const INTS = 7;

/** A node's attributes by name, or undefined when one is not in `allowed` or has an unexpected type. */
function attributes(
  node: NodeProto,
  allowed: Readonly<Record<string, number>>,
): Map<string, AttributeProto> | undefined {
  const out = new Map<string, AttributeProto>();
  for (const a of node.attribute ?? []) {
    const name = a.name ?? '';
    if (allowed[name] === undefined || a.type !== allowed[name] || out.has(name)) return undefined;
    out.set(name, a);
  }
  return out;
}

const int = (a: AttributeProto | undefined, fallback: number) => (a ? toNumber(a.i ?? 0) : fallback);
const ints = (a: AttributeProto | undefined) => (a ? (a.ints ?? []).map((x) => toNumber(x)) : undefined);
const text = (a: AttributeProto | undefined) =>
  a ? Buffer.from(a.s ?? new Uint8Array()).toString('utf8') : '';

/** Spatial output dims of a sliding window (floor rounding), or undefined when any is not positive. */
function windowDims(
  spatial: readonly number[],
  kernel: readonly number[],
  attrs: ReadonlyMap<string, AttributeProto>,
  dilated: boolean,
): number[] | undefined {
  const n = spatial.length;
  const autoPad = text(attrs.get('auto_pad')) || 'NOTSET';
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return undefined;
  const pads = ints(attrs.get('pads')) ?? new Array<number>(2 * n).fill(0);
  const strides = ints(attrs.get('strides')) ?? new Array<number>(n).fill(1);
  const dilations = ints(attrs.get('dilations')) ?? new Array<number>(n).fill(1);
  if (kernel.length !== n || pads.length !== 2 * n || strides.length !== n || dilations.length !== n)
    return undefined;
  if (autoPad === 'VALID' && pads.some((p) => p !== 0)) return undefined;
  if (!dilated && dilations.some((d) => d !== 1)) return undefined;
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    if (kernel[k] < 1 || strides[k] < 1 || dilations[k] < 1 || pads[k] < 0 || pads[k + n] < 0)
      return undefined;
    const span = (kernel[k] - 1) * dilations[k] + 1;
    const room = spatial[k] + pads[k] + pads[k + n] - span;
    if (room < 0) return undefined;
    out.push(Math.floor(room / strides[k]) + 1);
  }
  return out;
}

/** Conv: X [N, C, ...], W [M, C/group, ...k], optional B [M]. */
function conv(node: NodeProto, inputs: readonly ShapeOf[]): number[] | undefined {
  const attrs = attributes(node, {
    auto_pad: STRING,
    dilations: INTS,
    group: INT,
    kernel_shape: INTS,
    pads: INTS,
    strides: INTS,
  });
  if (!attrs || inputs.length < 2 || inputs.length > 3) return undefined;
  const [x, w, b] = inputs.map((s) => s.dims);
  const group = int(attrs.get('group'), 1);
  if (x.length < 3 || w.length !== x.length || group < 1) return undefined;
  if (x[1] !== w[1] * group || w[0] % group !== 0) return undefined;
  if (b && (b.length !== 1 || b[0] !== w[0])) return undefined;
  const kernel = w.slice(2);
  const declared = ints(attrs.get('kernel_shape'));
  if (declared && (declared.length !== kernel.length || declared.some((k, i) => k !== kernel[i])))
    return undefined;
  const spatial = windowDims(x.slice(2), kernel, attrs, true);
  return spatial && [x[0], w[0], ...spatial];
}

/** MaxPool and AveragePool with floor rounding. */
function pool(node: NodeProto, inputs: readonly ShapeOf[], opset: number): number[] | undefined {
  const max = node.opType === 'MaxPool';
  const allowed: Record<string, number> = { auto_pad: STRING, kernel_shape: INTS, pads: INTS, strides: INTS };
  if (opset >= 10) allowed.ceil_mode = INT;
  if (max && opset >= 8) allowed.storage_order = INT;
  if (!max) allowed.count_include_pad = INT;
  if (max ? opset >= 10 : opset >= 19) allowed.dilations = INTS;
  const attrs = attributes(node, allowed);
  if (!attrs || inputs.length !== 1 || int(attrs.get('ceil_mode'), 0) !== 0) return undefined;
  const x = inputs[0].dims;
  const kernel = ints(attrs.get('kernel_shape'));
  if (!kernel || x.length < 3) return undefined;
  // ONNX Runtime refuses a pool whose padding is not smaller than its window.
  const pads = ints(attrs.get('pads')) ?? [];
  if (pads.some((p, i) => p >= kernel[i % kernel.length])) return undefined;
  const spatial = windowDims(x.slice(2), kernel, attrs, allowed.dilations !== undefined);
  return spatial && [x[0], x[1], ...spatial];
}

/** Gemm: A [M, K] (transA: [K, M]), B [K, N] (transB: [N, K]), C broadcastable to [M, N]. */
function gemm(node: NodeProto, inputs: readonly ShapeOf[], opset: number): number[] | undefined {
  const attrs = attributes(node, { alpha: FLOAT, beta: FLOAT, transA: INT, transB: INT });
  if (!attrs || inputs.length < (opset < 11 ? 3 : 2) || inputs.length > 3) return undefined;
  const [a, b, c] = inputs.map((s) => s.dims);
  if (a.length !== 2 || b.length !== 2) return undefined;
  const [m, ka] = int(attrs.get('transA'), 0) ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = int(attrs.get('transB'), 0) ? [b[1], b[0]] : [b[0], b[1]];
  if (ka !== kb) return undefined;
  // C broadcasts one way only: to [M, N], from the right, each dim equal or 1.
  if (c && (c.length > 2 || c.some((d, i) => d !== 1 && d !== [m, n][i + 2 - c.length]))) return undefined;
  return [m, n];
}

/** Flatten to 2-D at `axis`. */
function flatten(node: NodeProto, inputs: readonly ShapeOf[], opset: number): number[] | undefined {
  const attrs = attributes(node, { axis: INT });
  if (!attrs || inputs.length !== 1) return undefined;
  const x = inputs[0].dims;
  const raw = int(attrs.get('axis'), 1);
  const axis = raw < 0 && opset >= 11 ? raw + x.length : raw;
  if (x.length === 0 || axis < 0 || axis > x.length) return undefined;
  const product = (d: readonly number[]) => d.reduce((p, v) => p * v, 1);
  return [product(x.slice(0, axis)), product(x.slice(axis))];
}

/** BatchNormalization in inference mode (one output): X's shape; scale, B, mean and var of [C]. */
function batchNorm(node: NodeProto, inputs: readonly ShapeOf[], opset: number): number[] | undefined {
  // NOTE: before opset 9 a `spatial` attribute changed what the statistics' shapes mean: not answered.
  if (opset < 9) return undefined;
  const attrs = attributes(node, {
    epsilon: FLOAT,
    momentum: FLOAT,
    ...(opset >= 14 ? { training_mode: INT } : {}),
  });
  if (!attrs || int(attrs.get('training_mode'), 0) !== 0 || inputs.length !== 5) return undefined;
  const x = inputs[0].dims;
  if (x.length < 2 || inputs.slice(1).some((s) => s.dims.length !== 1 || s.dims[0] !== x[1]))
    return undefined;
  return [...x];
}

/**
 * The output dims of `node` if it is one of this module's operators and certain, else undefined.
 * The caller has checked the domain, the opset range, one output and known, non-empty float32 inputs.
 */
export function inferLayerDims(
  node: NodeProto,
  inputs: readonly ShapeOf[],
  opset: number,
): number[] | undefined {
  switch (node.opType) {
    case 'Conv':
      return conv(node, inputs);
    case 'MaxPool':
    case 'AveragePool':
      return pool(node, inputs, opset);
    case 'GlobalAveragePool':
    case 'GlobalMaxPool': {
      const x = inputs[0].dims;
      if (inputs.length !== 1 || (node.attribute ?? []).length > 0 || x.length < 3) return undefined;
      return [x[0], x[1], ...x.slice(2).map(() => 1)];
    }
    case 'Flatten':
      return flatten(node, inputs, opset);
    case 'Gemm':
      return gemm(node, inputs, opset);
    case 'BatchNormalization':
      return batchNorm(node, inputs, opset);
    default:
      return undefined;
  }
}

/** Operators `inferLayerDims` answers for. */
export const LAYER_OPS: ReadonlySet<string> = new Set([
  'Conv',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'Flatten',
  'Gemm',
  'BatchNormalization',
]);
