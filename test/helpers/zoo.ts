/**
 * A zoo of small ONNX models, one per graph kind jalad must handle, built in code and
 * run for real by ONNX Runtime in the tests. Weights are seeded, never random per run.
 */
import {
  DataType,
  floatTensor,
  graph,
  int64Tensor,
  model,
  node,
  valueInfo,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../../src/graph';
import { uniformRandom } from '../../src/core/random';

const F = DataType.FLOAT;

/** Collects weights; `conv` and friends register their initializers here. */
class Builder {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private readonly rand = uniformRandom(7);
  private n = 0;
  constructor(private readonly weightsAsConstants = false) {}
  private weight(dims: number[]): string {
    const name = `w${this.n++}`;
    const count = dims.reduce((a, b) => a * b, 1);
    const scale = 1 / Math.sqrt(count / dims[0]);
    const t = floatTensor(
      name,
      dims,
      Array.from({ length: count }, () => (this.rand() * 2 - 1) * scale),
    );
    if (this.weightsAsConstants)
      this.nodes.push(node('Constant', [], [name], { value: { ...t, name: undefined } as TensorProto }));
    else this.inits.push(t);
    return name;
  }
  conv(x: string, out: string, cin: number, cout: number, k = 3, stride = 1, group = 1): string {
    const w = this.weight([cout, cin / group, k, k]);
    const b = this.weight([cout]);
    const p = (k - 1) >> 1;
    this.nodes.push(
      node(
        'Conv',
        [x, w, b],
        [out],
        { kernel_shape: [k, k], pads: [p, p, p, p], strides: [stride, stride], group },
        `conv_${out}`,
      ),
    );
    return out;
  }
  op(
    op: string,
    inputs: string[],
    out: string,
    attrs: Record<string, never | number | number[] | string> = {},
  ): string {
    this.nodes.push(node(op, inputs, [out], attrs, `${op.toLowerCase()}_${out}`));
    return out;
  }
  gemm(x: string, out: string, cin: number, cout: number): string {
    const w = this.weight([cout, cin]);
    const b = this.weight([cout]);
    this.nodes.push(node('Gemm', [x, w, b], [out], { transB: 1 }, `fc_${out}`));
    return out;
  }
  const64(name: string, values: number[]): string {
    this.inits.push(int64Tensor(name, [values.length], values));
    return name;
  }
}

const IN = (dims: (number | string)[] = ['batch', 3, 8, 8], name = 'input') => valueInfo(name, F, dims);
const OUT = (name = 'logits') => valueInfo(name, F, undefined);

function finish(
  b: Builder,
  extra: Partial<Parameters<typeof model>[0]> & {
    inputs?: ReturnType<typeof valueInfo>[];
    outputs?: ReturnType<typeof valueInfo>[];
  } = {},
): ModelProto {
  return model({
    nodes: b.nodes,
    initializers: b.inits,
    inputs: extra.inputs ?? [IN()],
    outputs: extra.outputs ?? [OUT()],
    opset: extra.opset ?? 17,
    irVersion: extra.irVersion ?? 8,
    ...extra,
  });
}

/** conv-relu-conv-relu-pool, then a classifier head. */
export function chain(
  opts: { opset?: number; irVersion?: number; batch?: number | string; constants?: boolean } = {},
): ModelProto {
  const b = new Builder(opts.constants);
  b.op('Relu', [b.conv('input', 'c1', 3, 8)], 'r1');
  b.op('Relu', [b.conv('r1', 'c2', 8, 8)], 'r2');
  b.op('MaxPool', ['r2'], 'p1', { kernel_shape: [2, 2], strides: [2, 2] });
  b.op('Relu', [b.conv('p1', 'c3', 8, 16)], 'r3');
  b.op('Flatten', ['r3'], 'flat', { axis: 1 });
  b.gemm('flat', 'logits', 16 * 4 * 4, 10);
  return finish(b, {
    opset: opts.opset,
    irVersion: opts.irVersion,
    inputs: [IN([opts.batch ?? 'batch', 3, 8, 8])],
  });
}

/** Two residual blocks, the second with a strided 1x1 projection shortcut. */
export function residual(): ModelProto {
  const b = new Builder();
  b.op('Relu', [b.conv('input', 'stem', 3, 8)], 's');
  b.op('Relu', [b.conv('s', 'a1', 8, 8)], 'a1r');
  b.conv('a1r', 'a2', 8, 8);
  b.op('Add', ['a2', 's'], 'add1');
  b.op('Relu', ['add1'], 'block1');
  b.op('Relu', [b.conv('block1', 'b1', 8, 16, 3, 2)], 'b1r');
  b.conv('b1r', 'b2', 16, 16);
  b.conv('block1', 'proj', 8, 16, 1, 2);
  b.op('Add', ['b2', 'proj'], 'add2');
  b.op('Relu', ['add2'], 'block2');
  b.op('GlobalAveragePool', ['block2'], 'gap');
  b.op('Flatten', ['gap'], 'flat', { axis: 1 });
  b.gemm('flat', 'logits', 16, 10);
  return finish(b);
}

/** Parallel 1x1, 3x3 and pool branches joined by Concat. */
export function inception(): ModelProto {
  const b = new Builder();
  b.op('Relu', [b.conv('input', 'stem', 3, 8)], 's');
  b.op('Relu', [b.conv('s', 'br1', 8, 4, 1)], 'br1r');
  b.op('Relu', [b.conv(b.op('Relu', [b.conv('s', 'br2a', 8, 4, 1)], 'br2ar'), 'br2', 4, 4, 3)], 'br2r');
  b.op(
    'Relu',
    [
      b.conv(
        b.op('MaxPool', ['s'], 'br3p', { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }),
        'br3',
        8,
        4,
        1,
      ),
    ],
    'br3r',
  );
  b.op('Concat', ['br1r', 'br2r', 'br3r'], 'mixed', { axis: 1 });
  b.op('GlobalAveragePool', ['mixed'], 'gap');
  b.op('Flatten', ['gap'], 'flat', { axis: 1 });
  b.gemm('flat', 'logits', 12, 10);
  return finish(b);
}

/** Dense connectivity: every layer reads the concatenation of all earlier ones. */
export function dense(): ModelProto {
  const b = new Builder();
  b.conv('input', 'x0', 3, 4);
  b.op('Relu', [b.conv('x0', 'x1c', 4, 4)], 'x1');
  b.op('Concat', ['x0', 'x1'], 'cat1', { axis: 1 });
  b.op('Relu', [b.conv('cat1', 'x2c', 8, 4)], 'x2');
  b.op('Concat', ['x0', 'x1', 'x2'], 'cat2', { axis: 1 });
  b.op('Relu', [b.conv('cat2', 'trans', 12, 8, 1)], 'transr');
  b.op('GlobalAveragePool', ['transr'], 'gap');
  b.op('Flatten', ['gap'], 'flat', { axis: 1 });
  b.gemm('flat', 'logits', 8, 10);
  return finish(b);
}

/** Squeeze-excitation: a pooled branch scales the feature map back by broadcasting. */
export function squeezeExcite(): ModelProto {
  const b = new Builder();
  b.op('Relu', [b.conv('input', 'f', 3, 8)], 'fr');
  b.op('GlobalAveragePool', ['fr'], 'sq');
  b.op('Relu', [b.conv('sq', 'ex1', 8, 2, 1)], 'ex1r');
  b.op('Sigmoid', [b.conv('ex1r', 'ex2', 2, 8, 1)], 'gate');
  b.op('Mul', ['fr', 'gate'], 'scaled');
  b.op('GlobalAveragePool', ['scaled'], 'gap');
  b.op('Flatten', ['gap'], 'flat', { axis: 1 });
  b.gemm('flat', 'logits', 8, 10);
  return finish(b);
}

/** ShuffleNet's channel shuffle: Reshape/Transpose/Reshape with shapes from Shape/Gather. */
export function channelShuffle(): ModelProto {
  const b = new Builder();
  b.op('Relu', [b.conv('input', 'f', 3, 8, 1, 1)], 'x');
  b.op('Shape', ['x'], 'shp');
  b.op('Gather', ['shp', b.const64('i0', [0])], 'n', { axis: 0 });
  b.op('Concat', ['n', b.const64('g', [2, 4, 8, 8])], 'shape5', { axis: 0 });
  b.op('Reshape', ['x', 'shape5'], 'x5');
  b.op('Transpose', ['x5'], 'x5t', { perm: [0, 2, 1, 3, 4] });
  b.op('Shape', ['x'], 'shp2');
  b.op('Gather', ['shp2', b.const64('i1', [0])], 'n2', { axis: 0 });
  b.op('Concat', ['n2', b.const64('g2', [8, 8, 8])], 'shape4', { axis: 0 });
  b.op('Reshape', ['x5t', 'shape4'], 'shuffled');
  b.op('Relu', [b.conv('shuffled', 'dw', 8, 8, 3, 1, 8)], 'dwr');
  b.op('GlobalAveragePool', ['dwr'], 'gap');
  b.op('Flatten', ['gap'], 'flat', { axis: 1 });
  b.gemm('flat', 'logits', 8, 10);
  return finish(b);
}

/** A second input ("meta", [batch, 4]) read only late, by the classifier. */
export function lateInput(): ModelProto {
  const b = new Builder();
  b.op('Relu', [b.conv('input', 'c1', 3, 4)], 'r1');
  b.op('GlobalAveragePool', ['r1'], 'gap');
  b.op('Flatten', ['gap'], 'flat', { axis: 1 });
  b.op('Concat', ['flat', 'meta'], 'joined', { axis: 1 });
  b.gemm('joined', 'logits', 8, 10);
  return finish(b, { inputs: [IN(), valueInfo('meta', F, ['batch', 4])] });
}

/** An auxiliary head in the middle and a final head: two outputs. */
export function twoOutputs(): ModelProto {
  const b = new Builder();
  b.op('Relu', [b.conv('input', 'c1', 3, 8)], 'r1');
  b.op('GlobalAveragePool', ['r1'], 'aux_gap');
  b.op('Flatten', ['aux_gap'], 'aux_flat', { axis: 1 });
  b.gemm('aux_flat', 'aux', 8, 10);
  b.op('Relu', [b.conv('r1', 'c2', 8, 8)], 'r2');
  b.op('GlobalAveragePool', ['r2'], 'gap');
  b.op('Flatten', ['gap'], 'flat', { axis: 1 });
  b.gemm('flat', 'logits', 8, 10);
  return finish(b, { outputs: [OUT('aux'), OUT('logits')] });
}

/** If and Loop nodes whose subgraphs read outer tensors: each is one opaque node. */
export function controlFlow(): ModelProto {
  const b = new Builder();
  b.op('Relu', [b.conv('input', 'c1', 3, 4)], 'h');
  b.op('ReduceSum', ['h'], 'total', { keepdims: 0 });
  b.op('Greater', ['total', 'zero'], 'cond');
  const thenG = graph({
    name: 'then',
    nodes: [node('Relu', ['h'], ['t_out'])],
    inputs: [],
    outputs: [valueInfo('t_out', F, undefined)],
  });
  const elseG = graph({
    name: 'else',
    nodes: [node('Neg', ['h'], ['e_out'])],
    inputs: [],
    outputs: [valueInfo('e_out', F, undefined)],
  });
  b.nodes.push(node('If', ['cond'], ['branched'], { then_branch: thenG, else_branch: elseG }, 'if_node'));
  const body = graph({
    name: 'body',
    nodes: [node('Identity', ['cond_in'], ['cond_out']), node('Add', ['v_in', 'branched'], ['v_out'])],
    inputs: [
      valueInfo('iter', DataType.INT64, []),
      valueInfo('cond_in', DataType.BOOL, []),
      valueInfo('v_in', F, undefined),
    ],
    outputs: [valueInfo('cond_out', DataType.BOOL, []), valueInfo('v_out', F, undefined)],
  });
  b.nodes.push(node('Loop', ['trips', '', 'branched'], ['looped'], { body }, 'loop_node'));
  b.op('GlobalAveragePool', ['looped'], 'gap');
  b.op('Flatten', ['gap'], 'flat', { axis: 1 });
  b.gemm('flat', 'logits', 4, 10);
  b.inits.push(floatTensor('zero', [], [0]), int64Tensor('trips', [], [3]));
  return finish(b);
}

/** A model-local function (domain "local") used twice, and IR 10 node metadata. */
export function withFunctions(): ModelProto {
  const b = new Builder();
  const fn = {
    name: 'ScaledRelu',
    domain: 'local',
    input: ['x'],
    output: ['y'],
    node: [node('Relu', ['x'], ['r']), node('Mul', ['r', 'r'], ['y'])],
    opsetImport: [{ domain: '', version: 21 }],
  };
  b.conv('input', 'c1', 3, 4);
  b.nodes.push(node('ScaledRelu', ['c1'], ['f1'], {}, 'fn1', 'local'));
  b.conv('f1', 'c2', 4, 4);
  b.nodes.push(node('ScaledRelu', ['c2'], ['f2'], {}, 'fn2', 'local'));
  b.op('GlobalAveragePool', ['f2'], 'gap');
  b.op('Flatten', ['gap'], 'flat', { axis: 1 });
  b.gemm('flat', 'logits', 4, 10);
  for (const n of b.nodes) n.metadataProps = [{ key: 'source', value: `layer ${n.name}` }];
  return finish(b, { opset: 21, irVersion: 10, extraOpsets: { local: 1 }, functions: [fn] });
}

/** Every zoo model by name, for table-driven tests. */
export const ZOO: Readonly<Record<string, () => ModelProto>> = {
  chain: () => chain(),
  'chain-batch1': () => chain({ batch: 1 }),
  'paddle-constants': () => chain({ constants: true }),
  residual,
  inception,
  dense,
  squeezeExcite,
  channelShuffle,
  lateInput,
  twoOutputs,
  controlFlow,
  withFunctions,
};

/** (opset, IR version) pairs from the oldest to the newest jalad supports. */
export const OPSETS: readonly (readonly [number, number])[] = [
  [7, 3],
  [9, 4],
  [11, 6],
  [13, 7],
  [15, 8],
  [17, 8],
  [19, 9],
  [21, 10],
];
