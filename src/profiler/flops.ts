/**
 * Per-node arithmetic (FLOPs) and memory traffic (bytes read and written) of an ONNX node,
 * computed from the shapes of its inputs and outputs: the inputs of the "modeled" device
 * profile (a roofline, see device-spec.ts). Pure functions over plain data; no ONNX Runtime.
 *
 * Conventions (ONNX operator semantics: https://onnx.ai/onnx/operators/):
 *
 * - **A multiply-add counts as 2 FLOPs**, the convention of most papers and of vendor peak
 *   figures (a fused multiply-add is two floating-point operations). Some papers and tools
 *   (e.g. ptflops, thop) report MACs instead: divide the contraction FLOPs here by 2.
 * - Contractions (Conv, ConvTranspose, Gemm, MatMul and their integer/quantized forms) are
 *   exact counts from the shapes. Every other op is an approximation: each arithmetic
 *   operation, comparison, and evaluation of an elementary function (exp, log, sqrt, erf,
 *   sin, ...) counts 1 FLOP; the per-element costs are listed next to each table below.
 *   Per-channel or per-row work that is negligible next to the per-element work (e.g. the
 *   1/sqrt(var + eps) of a normalization) is not counted.
 * - Bytes read = the sum of the input tensors' bytes (weights included); bytes written = the
 *   sum of the output tensors' bytes; element size from the ONNX data type. Exceptions, by
 *   design: view ops move nothing, gather-like ops read only what they move (see below).
 * - `kind` is a static category of the op family, not a verdict on the actual shapes (the
 *   device model decides whether a node is compute- or memory-bound): 'compute' = dense
 *   contractions; 'memory' = elementwise, pooling, normalization, reductions and
 *   interpolation (few FLOPs per byte); 'data-movement' = 0 FLOPs, only copies or views;
 *   'unknown' = an op this module does not model (FLOPs 0, bytes = inputs + outputs).
 */
import { InputError } from '../core/errors';
import { elementBytes } from '../graph';

/** The static shape and ONNX element type of one tensor. */
export interface TensorShape {
  /** Dimensions, each an integer >= 0 (concrete: symbolic dims resolved, e.g. batch = 1). */
  readonly dims: readonly number[];
  /** ONNX TensorProto.DataType: 1 float32, 2 uint8, 3 int8, 6 int32, 7 int64, 9 bool, 10 float16, 11 double. */
  readonly elemType: number;
}

/** What `nodeCost` needs to know about one node: its op, attributes and tensor shapes. */
export interface NodeShapes {
  readonly opType: string;
  /** Operator set domain: '' or 'ai.onnx' for standard ops; 'com.microsoft' is understood for a few ops. */
  readonly domain: string;
  /** ONNX attributes already decoded: ints and floats as numbers, strings, int or float lists. */
  readonly attrs: Readonly<Record<string, number | string | readonly number[]>>;
  /** Input shapes in ONNX input order; `undefined` for an omitted optional input. */
  readonly inputs: readonly (TensorShape | undefined)[];
  /** Output shapes in ONNX output order. */
  readonly outputs: readonly TensorShape[];
  /** The node's name, if known; used only in error messages. */
  readonly name?: string;
}

/** Category of a node's cost; see the file header. */
export type CostKind = 'compute' | 'memory' | 'data-movement' | 'unknown';

/** Arithmetic and memory traffic of one node for one run (at the batch size of its shapes). */
export interface NodeCost {
  /** Floating-point (or integer, for quantized ops) operations; a multiply-add counts 2. */
  readonly flops: number;
  /** Bytes read from memory: the node's input tensors, weights included. */
  readonly bytesRead: number;
  /** Bytes written to memory: the node's output tensors. */
  readonly bytesWritten: number;
  readonly kind: CostKind;
}

// Activations and other unary elementwise ops: FLOPs per output element (approximations).
const UNARY_FLOPS: Readonly<Record<string, number>> = {
  Relu: 1, // max(0, x)
  ThresholdedRelu: 1, // compare-select
  LeakyRelu: 2, // compare-select, multiply
  PRelu: 2, // compare-select, multiply (the slope input broadcasts)
  Clip: 2, // min, max
  Shrink: 2, // compare, add or subtract
  Sigmoid: 4, // 1 / (1 + exp(-x)): negate, exp, add, divide
  Tanh: 5, // 1 - 2 / (exp(2x) + 1): multiply, exp, add, divide, subtract
  HardSigmoid: 4, // max(0, min(1, a*x + b)): multiply, add, min, max
  HardSwish: 5, // x * HardSigmoid(x)
  Elu: 4, // compare, exp, subtract, multiply
  Selu: 5, // Elu, then scale
  Celu: 7, // max(0,x) + min(0, a*(exp(x/a) - 1)): divide, exp, subtract, multiply, min, max, add
  Softplus: 3, // log(exp(x) + 1)
  Softsign: 3, // x / (1 + |x|): abs, add, divide
  Mish: 9, // x * tanh(softplus(x)): 3 + 5 + 1
  Erf: 1,
  Exp: 1,
  Log: 1,
  Sqrt: 1,
  Reciprocal: 1,
  Neg: 1,
  Abs: 1,
  Sign: 1,
  Floor: 1,
  Ceil: 1,
  Round: 1,
  Not: 1,
  BitwiseNot: 1,
  IsNaN: 1,
  IsInf: 1,
  Sin: 1,
  Cos: 1,
  Tan: 1,
  Asin: 1,
  Acos: 1,
  Atan: 1,
  Sinh: 1,
  Cosh: 1,
  Asinh: 1,
  Acosh: 1,
  Atanh: 1,
  DequantizeLinear: 2, // (x - zero_point) * scale
  QuantizeLinear: 5, // x / scale, round, + zero_point, saturate (min, max)
};

// Gelu by its `approximate` attribute: FLOPs per output element.
const GELU_NONE_FLOPS = 5; // 0.5 * x * (1 + erf(x / sqrt 2)): divide, erf, add, 2 multiplies
const GELU_TANH_FLOPS = 13; // 0.5x(1 + tanh(c(x + 0.044715x^3))): x^3 2, 3 mul/add, tanh 5, add, 2 multiplies

// Microsoft contrib ops with standard meaning (FLOPs per output element).
const MICROSOFT_UNARY_FLOPS: Readonly<Record<string, number>> = {
  Gelu: GELU_NONE_FLOPS,
  FastGelu: GELU_TANH_FLOPS,
  QuickGelu: 6, // x * sigmoid(1.702x): multiply, sigmoid 4, multiply
};

// Binary elementwise ops (with broadcasting): 1 FLOP per output element.
const BINARY_OPS: ReadonlySet<string> = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Mod',
  'Equal',
  'Greater',
  'GreaterOrEqual',
  'Less',
  'LessOrEqual',
  'And',
  'Or',
  'Xor',
  'BitShift',
  'BitwiseAnd',
  'BitwiseOr',
  'BitwiseXor',
  'Where',
]);

// Variadic elementwise ops over n inputs: FLOPs per output element = (n - 1) combines (+1 divide for Mean).
const VARIADIC_OPS: ReadonlySet<string> = new Set(['Sum', 'Max', 'Min', 'Mean']);

// Reductions: FLOPs per INPUT element. A reduction over k elements costs k per output
// (k - 1 combines plus the final divide, log or sqrt, rounded to k); ops that transform each
// element first (square, abs, exp) cost 2 per input element.
const REDUCE_FLOPS: Readonly<Record<string, number>> = {
  ReduceSum: 1,
  ReduceMean: 1,
  ReduceMax: 1,
  ReduceMin: 1,
  ReduceProd: 1,
  ReduceLogSum: 1,
  ReduceSumSquare: 2,
  ReduceL1: 2,
  ReduceL2: 2,
  ReduceLogSumExp: 2,
  ArgMax: 1,
  ArgMin: 1,
};

// Normalizations and softmax: FLOPs per output element (inference).
// BatchNormalization folds to x * a + b with per-channel a, b: 2.
// Instance/Group/Layer normalization: mean 1, centre 1, square-accumulate 2, scale by 1/std 1,
// then the affine scale 1 and bias 1 (LayerNormalization's bias is optional).
// Softmax: max 1, subtract 1, exp 1, accumulate 1, divide 1; LogSoftmax: the same with a
// final subtract of the log-sum instead of the divide.
const NORMALIZE_FLOPS: Readonly<Record<string, number>> = {
  BatchNormalization: 2,
  InstanceNormalization: 7,
  GroupNormalization: 7,
  MeanVarianceNormalization: 5,
  Softmax: 5,
  LogSoftmax: 5,
  Hardmax: 1,
};

// Views: the output aliases the input (ONNX Runtime reuses the buffer; Constant is an
// initializer by the time the model runs; Dropout is the identity at inference): ~0 bytes.
const VIEW_OPS: ReadonlySet<string> = new Set([
  'Reshape',
  'Flatten',
  'Squeeze',
  'Unsqueeze',
  'Identity',
  'Dropout',
  'Constant',
]);

// Metadata ops: read only the input's shape, write a small int64 tensor.
const METADATA_OPS: ReadonlySet<string> = new Set(['Shape', 'Size']);

// Copies: read all inputs, write all outputs, 0 FLOPs.
const COPY_OPS: ReadonlySet<string> = new Set([
  'Concat',
  'Split',
  'Transpose',
  'Pad',
  'Expand',
  'Tile',
  'Cast',
  'CastLike',
  'DepthToSpace',
  'SpaceToDepth',
  'ConstantOfShape',
  'Range',
  'Trilu',
  'ScatterND',
  'ScatterElements',
]);

// Selections: read only the elements they move (= the output) plus the index inputs
// (input 1 onwards: indices, starts/ends/axes/steps), write the output, 0 FLOPs.
// NOTE: counting the whole data input would make a Gather from a large embedding table look
// hugely memory-bound, which it is not.
const SELECT_OPS: ReadonlySet<string> = new Set(['Slice', 'Gather', 'GatherElements', 'GatherND']);

/**
 * FLOPs and bytes moved by one node, from its input and output shapes.
 * See the file header for the conventions (a multiply-add = 2 FLOPs) and each op family.
 * @param node op type, domain, decoded attributes and the shapes of its inputs and outputs
 * @returns FLOPs, bytes read, bytes written, and the op kind
 * @throws InputError 'BAD_PROFILE' when a shape is not a list of integers >= 0, or a modeled
 *   op lacks a required input or output shape or has shapes inconsistent with its semantics
 * @example
 * // Conv 3 -> 16 channels, 3x3 kernel, 32x32 output, with bias (f32 = (dims) => ({ dims, elemType: 1 })):
 * nodeCost({ opType: 'Conv', domain: '', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
 *   inputs: [f32([1, 3, 32, 32]), f32([16, 3, 3, 3]), f32([16])], outputs: [f32([1, 16, 32, 32])] })
 * // => { flops: 2*16*32*32*3*3*3 + 16*32*32 = 901120, bytesRead: 14080, bytesWritten: 65536, kind: 'compute' }
 */
export function nodeCost(node: NodeShapes): NodeCost {
  const n = new CheckedNode(node);
  const op = node.opType;
  const standard = node.domain === '' || node.domain === 'ai.onnx';
  if (!standard) {
    if (node.domain === 'com.microsoft' && Object.hasOwn(MICROSOFT_UNARY_FLOPS, op)) {
      return n.cost(MICROSOFT_UNARY_FLOPS[op] * n.outElements(), 'memory');
    }
    return n.unknown();
  }
  switch (op) {
    case 'Conv':
      return convCost(n, 0, 1, 2);
    case 'ConvInteger':
      return convCost(n, 0, 1, -1);
    case 'QLinearConv':
      return convCost(n, 0, 3, 8);
    case 'ConvTranspose':
      return convTransposeCost(n);
    case 'Gemm':
      return gemmCost(n);
    case 'MatMul':
    case 'MatMulInteger':
      return matMulCost(n, 0, 1);
    case 'QLinearMatMul':
      return matMulCost(n, 0, 3);
    case 'MaxPool':
    case 'AveragePool':
      return poolCost(n, 1);
    case 'LpPool':
      return poolCost(n, 2); // |x|^p and accumulate per window element
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return n.cost(n.inElements(0), 'memory');
    case 'GlobalLpPool':
      return n.cost(2 * n.inElements(0), 'memory');
    case 'LayerNormalization':
      return n.cost((n.hasInput(2) ? 7 : 6) * n.outElements(), 'memory');
    case 'LRN':
      return lrnCost(n);
    case 'Gelu':
      return n.cost(
        (n.stringAttr('approximate', 'none') === 'tanh' ? GELU_TANH_FLOPS : GELU_NONE_FLOPS) *
          n.outElements(),
        'memory',
      );
    case 'Resize':
    case 'Upsample':
      return resizeCost(n);
    default:
      break;
  }
  if (Object.hasOwn(UNARY_FLOPS, op)) return n.cost(UNARY_FLOPS[op] * n.outElements(), 'memory');
  if (BINARY_OPS.has(op)) return n.cost(n.outElements(), 'memory');
  if (VARIADIC_OPS.has(op)) {
    const count = n.definedInputs().length;
    return n.cost((op === 'Mean' ? count : Math.max(count - 1, 0)) * n.outElements(), 'memory');
  }
  if (Object.hasOwn(REDUCE_FLOPS, op)) return n.cost(REDUCE_FLOPS[op] * n.inElements(0), 'memory');
  if (Object.hasOwn(NORMALIZE_FLOPS, op)) return n.cost(NORMALIZE_FLOPS[op] * n.outElements(), 'memory');
  if (VIEW_OPS.has(op)) return { flops: 0, bytesRead: 0, bytesWritten: 0, kind: 'data-movement' };
  if (METADATA_OPS.has(op))
    return { flops: 0, bytesRead: 0, bytesWritten: n.outputBytes(), kind: 'data-movement' };
  if (COPY_OPS.has(op)) return n.cost(0, 'data-movement');
  if (SELECT_OPS.has(op)) {
    const indexBytes = node.inputs.slice(1).reduce((s, t) => s + (t === undefined ? 0 : tensorBytes(t)), 0);
    return {
      flops: 0,
      bytesRead: n.outputBytes() + indexBytes,
      bytesWritten: n.outputBytes(),
      kind: 'data-movement',
    };
  }
  return n.unknown();
}

/**
 * Conv-like: X [N, C, D1..Dk], W [M, C/group, K1..Kk], optional bias [M], Y [N, M, O1..Ok].
 * Each output element is a dot product of length (C/group)·K1···Kk = W's elements per output
 * channel, so strides, dilations, pads and groups enter only through the shapes; the bias adds
 * 1 FLOP per output element. `biasIndex` -1: the op has no bias input.
 */
function convCost(n: CheckedNode, xIndex: number, wIndex: number, biasIndex: number): NodeCost {
  const x = n.input(xIndex, 'X');
  const w = n.input(wIndex, 'W');
  const y = n.output(0);
  const group = n.intAttr('group', 1);
  if (x.dims.length < 3 || w.dims.length !== x.dims.length || y.dims.length !== x.dims.length) {
    n.fail(
      `needs X, W and Y of equal rank >= 3, got X [${x.dims.join(', ')}], W [${w.dims.join(', ')}], Y [${y.dims.join(', ')}]`,
    );
  }
  if (group < 1 || w.dims[1] * group !== x.dims[1] || y.dims[1] !== w.dims[0]) {
    n.fail(
      `has inconsistent channels: X [${x.dims.join(', ')}], W [${w.dims.join(', ')}], group ${group}, Y [${y.dims.join(', ')}]`,
    );
  }
  const macsPerOutput = product(w.dims.slice(1));
  const bias = biasIndex >= 0 && n.hasInput(biasIndex) ? 1 : 0;
  return n.cost(numel(y) * (2 * macsPerOutput + bias), 'compute');
}

/**
 * ConvTranspose: X [N, C, D1..Dk], W [C, M/group, K1..Kk], Y [N, M, O1..Ok]. Every input
 * element is multiplied by its group's (M/group)·K1···Kk kernel slice and accumulated into
 * the output: numel(X)·(M/group)·K multiply-adds, whatever the strides; bias 1 per output element.
 */
function convTransposeCost(n: CheckedNode): NodeCost {
  const x = n.input(0, 'X');
  const w = n.input(1, 'W');
  const y = n.output(0);
  const group = n.intAttr('group', 1);
  if (x.dims.length < 3 || w.dims.length !== x.dims.length || y.dims.length !== x.dims.length) {
    n.fail(
      `needs X, W and Y of equal rank >= 3, got X [${x.dims.join(', ')}], W [${w.dims.join(', ')}], Y [${y.dims.join(', ')}]`,
    );
  }
  if (group < 1 || w.dims[0] !== x.dims[1] || y.dims[1] !== w.dims[1] * group) {
    n.fail(
      `has inconsistent channels: X [${x.dims.join(', ')}], W [${w.dims.join(', ')}], group ${group}, Y [${y.dims.join(', ')}]`,
    );
  }
  const macs = numel(x) * product(w.dims.slice(1));
  const bias = n.hasInput(2) ? numel(y) : 0;
  return n.cost(2 * macs + bias, 'compute');
}

/**
 * Gemm: Y [M, N] = alpha·op(A)·op(B) + beta·C, op = transpose when transA / transB is 1.
 * 2·M·N·K for the product; + M·N to add C (when given and beta != 0); + M·N for each
 * scaling by alpha or beta that is not 1.
 */
function gemmCost(n: CheckedNode): NodeCost {
  const a = n.input(0, 'A');
  const b = n.input(1, 'B');
  if (a.dims.length !== 2 || b.dims.length !== 2) {
    n.fail(`needs 2-D A and B, got A [${a.dims.join(', ')}], B [${b.dims.join(', ')}]`);
  }
  const transA = n.intAttr('transA', 0) !== 0;
  const transB = n.intAttr('transB', 0) !== 0;
  const [m, k] = transA ? [a.dims[1], a.dims[0]] : [a.dims[0], a.dims[1]];
  const [kb, cols] = transB ? [b.dims[1], b.dims[0]] : [b.dims[0], b.dims[1]];
  if (k !== kb) {
    n.fail(
      `has inner dims ${k} and ${kb} that differ ` +
        `(A [${a.dims.join(', ')}] transA ${Number(transA)}, B [${b.dims.join(', ')}] transB ${Number(transB)})`,
    );
  }
  const mn = m * cols;
  const alpha = n.floatAttr('alpha', 1);
  const beta = n.floatAttr('beta', 1);
  const hasC = n.hasInput(2) && beta !== 0;
  const flops = 2 * mn * k + (hasC ? mn : 0) + (alpha !== 1 ? mn : 0) + (hasC && beta !== 1 ? mn : 0);
  return n.cost(flops, 'compute');
}

/**
 * MatMul with numpy semantics (batch dims broadcast; a 1-D A is a row, a 1-D B a column):
 * every output element is a dot product of length K = A's last dim, so 2·numel(Y)·K.
 */
function matMulCost(n: CheckedNode, aIndex: number, bIndex: number): NodeCost {
  const a = n.input(aIndex, 'A');
  const b = n.input(bIndex, 'B');
  if (a.dims.length === 0 || b.dims.length === 0) {
    n.fail(`needs A and B of rank >= 1, got A [${a.dims.join(', ')}], B [${b.dims.join(', ')}]`);
  }
  const k = a.dims[a.dims.length - 1];
  const kb = b.dims.length === 1 ? b.dims[0] : b.dims[b.dims.length - 2];
  if (k !== kb)
    n.fail(`has inner dims ${k} and ${kb} that differ (A [${a.dims.join(', ')}], B [${b.dims.join(', ')}])`);
  return n.cost(2 * n.outElements() * k, 'compute');
}

/**
 * MaxPool / AveragePool / LpPool: `perWindowElement` FLOPs for every element of every output's
 * kernel window (a max over k elements is k - 1 comparisons, a mean k - 1 adds and a divide:
 * k either way). Padding cells are counted as if real (an upper bound at the borders).
 */
function poolCost(n: CheckedNode, perWindowElement: number): NodeCost {
  const x = n.input(0, 'X');
  const kernel = n.intsAttr('kernel_shape');
  if (kernel === undefined || kernel.length !== x.dims.length - 2 || kernel.some((d) => d < 1)) {
    n.fail(
      `needs a kernel_shape of ${Math.max(x.dims.length - 2, 0)} positive ints for X [${x.dims.join(', ')}], got ${describeValue(kernel)}`,
    );
  }
  return n.cost(perWindowElement * n.outElements() * product(kernel), 'memory');
}

/**
 * LRN: per output element, square-accumulate over the `size` neighbouring channels
 * (2·size), then scale, add bias, pow and divide (4).
 */
function lrnCost(n: CheckedNode): NodeCost {
  const size = n.intAttr('size', Number.NaN);
  if (!(size >= 1)) n.fail(`needs a positive size attribute, got ${describeValue(n.raw('size'))}`);
  return n.cost((2 * size + 4) * n.outElements(), 'memory');
}

/**
 * Resize / Upsample by mode, per output element: 'nearest' is a gather (0 FLOPs,
 * data-movement); 'linear' (also 'bilinear', 'trilinear') is a weighted sum of 2^d neighbours
 * and 'cubic' of 4^d, with d the number of axes whose size changes; one multiply-add each.
 * The coordinate transforms are not counted.
 */
function resizeCost(n: CheckedNode): NodeCost {
  const x = n.input(0, 'X');
  const y = n.output(0);
  if (x.dims.length !== y.dims.length)
    n.fail(`changes rank: X [${x.dims.join(', ')}], Y [${y.dims.join(', ')}]`);
  const mode = n.stringAttr('mode', 'nearest').toLowerCase();
  const d = x.dims.filter((dim, i) => dim !== y.dims[i]).length;
  switch (mode) {
    case 'nearest':
      return n.cost(0, 'data-movement');
    case 'linear':
    case 'bilinear':
    case 'trilinear':
      return n.cost(2 * 2 ** d * numel(y), 'memory');
    case 'cubic':
      return n.cost(2 * 4 ** d * numel(y), 'memory');
    default:
      return n.fail(`has an unknown mode "${mode}" (expected nearest, linear or cubic)`);
  }
}

/** Bytes of a tensor in its element type (0 for strings and types without a fixed size). */
function tensorBytes(t: TensorShape): number {
  return numel(t) * elementBytes(t.elemType);
}

function numel(t: TensorShape): number {
  return product(t.dims);
}

function product(values: readonly number[]): number {
  return values.reduce((p, v) => p * v, 1);
}

function describeValue(v: unknown): string {
  return v === undefined ? 'none' : JSON.stringify(v);
}

/** A validated node with helpers for its attributes, shapes and error messages. */
class CheckedNode {
  private readonly label: string;

  constructor(private readonly node: NodeShapes) {
    const op = typeof node?.opType === 'string' ? node.opType : '?';
    this.label = `nodeCost: ${op}${node?.name ? ` "${node.name}"` : ''}`;
    if (typeof node?.opType !== 'string' || node.opType === '' || typeof node.domain !== 'string') {
      this.fail('needs a non-empty opType and a domain string');
    }
    if (
      !Array.isArray(node.inputs) ||
      !Array.isArray(node.outputs) ||
      typeof node.attrs !== 'object' ||
      node.attrs === null
    ) {
      this.fail('needs inputs and outputs arrays and an attrs object');
    }
    node.inputs.forEach((t, i) => {
      if (t !== undefined) this.checkShape(t, `input ${i}`);
    });
    node.outputs.forEach((t, i) => this.checkShape(t, `output ${i}`));
  }

  fail(what: string): never {
    throw new InputError('BAD_PROFILE', `${this.label} ${what}`);
  }

  private checkShape(t: TensorShape, where: string): void {
    if (typeof t !== 'object' || t === null || !Array.isArray(t.dims))
      this.fail(`${where} has no dims array, got ${describeValue(t)}`);
    if (!t.dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      this.fail(`${where} has dims [${t.dims.join(', ')}]: every dim must be an integer >= 0`);
    }
    if (!Number.isInteger(t.elemType) || t.elemType < 0)
      this.fail(`${where} has elemType ${describeValue(t.elemType)}: expected an ONNX data type number`);
  }

  hasInput(i: number): boolean {
    return this.node.inputs[i] !== undefined;
  }

  definedInputs(): TensorShape[] {
    return this.node.inputs.filter((t): t is TensorShape => t !== undefined);
  }

  input(i: number, role: string): TensorShape {
    const t = this.node.inputs[i];
    if (t === undefined) this.fail(`needs the shape of input ${i} (${role})`);
    return t;
  }

  output(i: number): TensorShape {
    const t = this.node.outputs[i];
    if (t === undefined) this.fail(`needs the shape of output ${i}`);
    return t;
  }

  inElements(i: number): number {
    return numel(this.input(i, 'X'));
  }

  outElements(): number {
    return numel(this.output(0));
  }

  outputBytes(): number {
    return this.node.outputs.reduce((s, t) => s + tensorBytes(t), 0);
  }

  /** The default traffic: every input read once, every output written once. */
  cost(flops: number, kind: CostKind): NodeCost {
    return {
      flops,
      bytesRead: this.definedInputs().reduce((s, t) => s + tensorBytes(t), 0),
      bytesWritten: this.outputBytes(),
      kind,
    };
  }

  unknown(): NodeCost {
    return this.cost(0, 'unknown');
  }

  raw(name: string): unknown {
    return Object.hasOwn(this.node.attrs, name) ? this.node.attrs[name] : undefined;
  }

  intAttr(name: string, fallback: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v))
      this.fail(`has attribute ${name} = ${describeValue(v)}: expected an int`);
    return v;
  }

  floatAttr(name: string, fallback: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v))
      this.fail(`has attribute ${name} = ${describeValue(v)}: expected a finite float`);
    return v;
  }

  stringAttr(name: string, fallback: string): string {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'string') this.fail(`has attribute ${name} = ${describeValue(v)}: expected a string`);
    return v;
  }

  intsAttr(name: string): readonly number[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x)))
      this.fail(`has attribute ${name} = ${describeValue(v)}: expected a list of ints`);
    return v as readonly number[];
  }
}
