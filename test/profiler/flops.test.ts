import { InputError } from '../../src/core/errors';
import { nodeCost, type NodeShapes, type TensorShape } from '../../src/profiler/flops';

const FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  INT32 = 6,
  INT64 = 7,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11;

const f32 = (...dims: number[]): TensorShape => ({ dims, elemType: FLOAT });
const i64 = (...dims: number[]): TensorShape => ({ dims, elemType: INT64 });
const numel = (t: TensorShape): number => t.dims.reduce((a, b) => a * b, 1);

function node(
  opType: string,
  inputs: (TensorShape | undefined)[],
  outputs: TensorShape[],
  attrs: NodeShapes['attrs'] = {},
  domain = '',
): NodeShapes {
  return { opType, domain, attrs, inputs, outputs, name: `${opType.toLowerCase()}_0` };
}

function caught(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    return e as InputError;
  }
  throw new Error('expected a throw');
}

describe('nodeCost(node)', () => {
  // first case: bad input is rejected with a stable code, the op and the node named
  test.each<[string, NodeShapes]>([
    ['a negative dim', node('Relu', [f32(1, -1)], [f32(1, 1)])],
    ['a fractional dim', node('Relu', [f32(1, 2.5)], [f32(1, 2)])],
    ['a NaN dim', node('Relu', [f32(1, 2)], [f32(Number.NaN)])],
    ['a non-integer elemType', node('Relu', [{ dims: [2], elemType: 1.5 }], [f32(2)])],
    ['Conv without its weight shape', node('Conv', [f32(1, 3, 8, 8), undefined], [f32(1, 4, 8, 8)])],
    [
      'Conv whose channels do not match group',
      node('Conv', [f32(1, 6, 8, 8), f32(4, 3, 3, 3)], [f32(1, 4, 8, 8)], { group: 1 }),
    ],
    [
      'Conv with a weight of the wrong rank',
      node('Conv', [f32(1, 3, 8, 8), f32(4, 3, 3)], [f32(1, 4, 8, 8)]),
    ],
    [
      'Conv with a string group',
      node('Conv', [f32(1, 3, 8, 8), f32(4, 3, 3, 3)], [f32(1, 4, 8, 8)], { group: 'one' }),
    ],
    [
      'ConvTranspose with mismatched channels',
      node('ConvTranspose', [f32(1, 3, 8, 8), f32(4, 2, 3, 3)], [f32(1, 2, 10, 10)]),
    ],
    [
      'Gemm with inner dims that differ',
      node('Gemm', [f32(1, 512), f32(10, 256)], [f32(1, 10)], { transB: 1 }),
    ],
    ['Gemm with a 3-D A', node('Gemm', [f32(1, 1, 512), f32(512, 10)], [f32(1, 10)])],
    ['MatMul with inner dims that differ', node('MatMul', [f32(4, 8), f32(7, 5)], [f32(4, 5)])],
    ['MatMul without an output shape', node('MatMul', [f32(4, 8), f32(8, 5)], [])],
    ['MaxPool without kernel_shape', node('MaxPool', [f32(1, 3, 8, 8)], [f32(1, 3, 4, 4)])],
    [
      'MaxPool with a kernel_shape of the wrong length',
      node('MaxPool', [f32(1, 3, 8, 8)], [f32(1, 3, 4, 4)], { kernel_shape: [2] }),
    ],
    ['LRN without size', node('LRN', [f32(1, 3, 8, 8)], [f32(1, 3, 8, 8)])],
    ['Resize with an unknown mode', node('Resize', [f32(1, 3, 8, 8)], [f32(1, 3, 16, 16)], { mode: 'area' })],
    ['an empty opType', node('', [f32(1)], [f32(1)])],
  ])('%s: InputError BAD_PROFILE', (_, bad) => {
    const err = caught(() => nodeCost(bad));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('BAD_PROFILE');
    expect(err.message).toMatch(/^nodeCost: /);
    if (bad.opType !== '') expect(err.message).toContain(`${bad.opType} "${bad.name}"`);
  });

  // Hand-computed FLOPs; a multiply-add counts 2.
  const convX = f32(1, 3, 32, 32);
  test.each<[string, NodeShapes, number]>([
    [
      'Conv 3->16 k3 pad 1, with bias',
      node('Conv', [convX, f32(16, 3, 3, 3), f32(16)], [f32(1, 16, 32, 32)], {
        kernel_shape: [3, 3],
        pads: [1, 1, 1, 1],
      }),
      2 * 16 * 32 * 32 * 3 * 3 * 3 + 16 * 32 * 32,
    ],
    [
      'Conv 3->16 k3, no bias',
      node('Conv', [convX, f32(16, 3, 3, 3)], [f32(1, 16, 32, 32)]),
      2 * 16 * 32 * 32 * 27,
    ],
    [
      'Conv k3 with an omitted bias (undefined)',
      node('Conv', [convX, f32(16, 3, 3, 3), undefined], [f32(1, 16, 32, 32)]),
      2 * 16 * 32 * 32 * 27,
    ],
    [
      'Conv stride 2 (fewer outputs)',
      node('Conv', [convX, f32(16, 3, 3, 3), f32(16)], [f32(1, 16, 16, 16)], { strides: [2, 2] }),
      2 * 16 * 16 * 16 * 27 + 16 * 16 * 16,
    ],
    [
      'Conv dilation 2 pad 2 (same cost per output)',
      node('Conv', [convX, f32(16, 3, 3, 3)], [f32(1, 16, 32, 32)], {
        dilations: [2, 2],
        pads: [2, 2, 2, 2],
      }),
      2 * 16 * 32 * 32 * 27,
    ],
    [
      'Conv batch 4',
      node('Conv', [f32(4, 3, 32, 32), f32(16, 3, 3, 3)], [f32(4, 16, 32, 32)]),
      4 * 2 * 16 * 32 * 32 * 27,
    ],
    [
      'Conv depthwise 32 channels k3 (group 32)',
      node('Conv', [f32(1, 32, 56, 56), f32(32, 1, 3, 3)], [f32(1, 32, 56, 56)], { group: 32 }),
      2 * 32 * 56 * 56 * 9,
    ],
    [
      'Conv grouped 64->128, group 4, with bias',
      node('Conv', [f32(1, 64, 28, 28), f32(128, 16, 3, 3), f32(128)], [f32(1, 128, 28, 28)], { group: 4 }),
      2 * 128 * 28 * 28 * 16 * 9 + 128 * 28 * 28,
    ],
    [
      'Conv pointwise 1x1',
      node('Conv', [f32(1, 64, 14, 14), f32(32, 64, 1, 1)], [f32(1, 32, 14, 14)]),
      2 * 32 * 14 * 14 * 64,
    ],
    ['Conv 1-D', node('Conv', [f32(1, 4, 100), f32(8, 4, 5)], [f32(1, 8, 96)]), 2 * 8 * 96 * 4 * 5],
    [
      'ConvTranspose 16->8 k4 s2, with bias',
      node('ConvTranspose', [f32(1, 16, 8, 8), f32(16, 8, 4, 4), f32(8)], [f32(1, 8, 16, 16)], {
        strides: [2, 2],
        pads: [1, 1, 1, 1],
      }),
      2 * (16 * 8 * 8) * 8 * 16 + 8 * 16 * 16,
    ],
    [
      'ConvTranspose grouped (group 2)',
      node('ConvTranspose', [f32(1, 16, 8, 8), f32(16, 4, 3, 3)], [f32(1, 8, 8, 8)], {
        group: 2,
        pads: [1, 1, 1, 1],
      }),
      2 * (16 * 8 * 8) * 4 * 9,
    ],
    [
      'Gemm transB with C [10]',
      node('Gemm', [f32(1, 512), f32(10, 512), f32(10)], [f32(1, 10)], { transB: 1 }),
      2 * 10 * 512 + 10,
    ],
    [
      'Gemm transA, no C',
      node('Gemm', [f32(64, 4), f32(64, 32)], [f32(4, 32)], { transA: 1 }),
      2 * 4 * 32 * 64,
    ],
    [
      'Gemm alpha 0.5, beta 2 (two scalings and the add)',
      node('Gemm', [f32(2, 8), f32(8, 3), f32(2, 3)], [f32(2, 3)], { alpha: 0.5, beta: 2 }),
      2 * 6 * 8 + 3 * 6,
    ],
    [
      'Gemm with C and beta 0 (C ignored)',
      node('Gemm', [f32(2, 8), f32(8, 3), f32(2, 3)], [f32(2, 3)], { beta: 0 }),
      2 * 6 * 8,
    ],
    ['MatMul 2-D', node('MatMul', [f32(4, 8), f32(8, 5)], [f32(4, 5)]), 2 * 4 * 5 * 8],
    [
      'MatMul batched, broadcasting [2,1,4,8] x [3,8,5]',
      node('MatMul', [f32(2, 1, 4, 8), f32(3, 8, 5)], [f32(2, 3, 4, 5)]),
      2 * (2 * 3) * 4 * 5 * 8,
    ],
    ['MatMul 1-D A [8] x [2,8,5]', node('MatMul', [f32(8), f32(2, 8, 5)], [f32(2, 5)]), 2 * 2 * 5 * 8],
    ['MatMul [4,8] x 1-D B [8]', node('MatMul', [f32(4, 8), f32(8)], [f32(4)]), 2 * 4 * 8],
    ['MatMul vector dot [8] x [8]', node('MatMul', [f32(8), f32(8)], [f32()]), 2 * 8],
    [
      'MatMulInteger',
      node(
        'MatMulInteger',
        [
          { dims: [4, 8], elemType: UINT8 },
          { dims: [8, 5], elemType: INT8 },
        ],
        [{ dims: [4, 5], elemType: INT32 }],
      ),
      2 * 4 * 5 * 8,
    ],
    [
      'QLinearMatMul (b is input 3)',
      node('QLinearMatMul', [f32(4, 8), f32(), f32(), f32(8, 5), f32(), f32(), f32(), f32()], [f32(4, 5)]),
      2 * 4 * 5 * 8,
    ],
    [
      'QLinearConv (w is input 3, bias input 8)',
      node(
        'QLinearConv',
        [f32(1, 3, 8, 8), f32(), f32(), f32(4, 3, 3, 3), f32(), f32(), f32(), f32(), f32(4)],
        [f32(1, 4, 8, 8)],
      ),
      2 * 4 * 64 * 27 + 4 * 64,
    ],
    [
      'MaxPool k2 s2',
      node('MaxPool', [f32(1, 16, 32, 32)], [f32(1, 16, 16, 16)], { kernel_shape: [2, 2], strides: [2, 2] }),
      16 * 16 * 16 * 4,
    ],
    [
      'AveragePool k3 s1 pad 1',
      node('AveragePool', [f32(1, 16, 32, 32)], [f32(1, 16, 32, 32)], {
        kernel_shape: [3, 3],
        pads: [1, 1, 1, 1],
      }),
      16 * 32 * 32 * 9,
    ],
    [
      'MaxPool 1-D k3 s3',
      node('MaxPool', [f32(1, 4, 30)], [f32(1, 4, 10)], { kernel_shape: [3], strides: [3] }),
      4 * 10 * 3,
    ],
    [
      'LpPool k2 (2 per window element)',
      node('LpPool', [f32(1, 4, 8, 8)], [f32(1, 4, 4, 4)], { kernel_shape: [2, 2], strides: [2, 2] }),
      2 * 4 * 16 * 4,
    ],
    [
      'GlobalAveragePool [1,512,7,7]',
      node('GlobalAveragePool', [f32(1, 512, 7, 7)], [f32(1, 512, 1, 1)]),
      512 * 49,
    ],
    ['GlobalMaxPool [1,512,7,7]', node('GlobalMaxPool', [f32(1, 512, 7, 7)], [f32(1, 512, 1, 1)]), 512 * 49],
    [
      'BatchNormalization (2 per element)',
      node(
        'BatchNormalization',
        [f32(1, 16, 32, 32), f32(16), f32(16), f32(16), f32(16)],
        [f32(1, 16, 32, 32)],
      ),
      2 * 16384,
    ],
    [
      'InstanceNormalization (7 per element)',
      node('InstanceNormalization', [f32(1, 16, 8, 8), f32(16), f32(16)], [f32(1, 16, 8, 8)]),
      7 * 1024,
    ],
    [
      'LayerNormalization with bias (7)',
      node('LayerNormalization', [f32(1, 10, 64), f32(64), f32(64)], [f32(1, 10, 64)], { axis: -1 }),
      7 * 640,
    ],
    [
      'LayerNormalization without bias (6)',
      node('LayerNormalization', [f32(1, 10, 64), f32(64)], [f32(1, 10, 64)]),
      6 * 640,
    ],
    [
      'LRN size 5 (2*5 + 4 per element)',
      node('LRN', [f32(1, 16, 8, 8)], [f32(1, 16, 8, 8)], { size: 5, alpha: 1e-4, beta: 0.75 }),
      14 * 1024,
    ],
    ['Softmax [1,1000] (5 per element)', node('Softmax', [f32(1, 1000)], [f32(1, 1000)], { axis: -1 }), 5000],
    ['LogSoftmax [1,1000]', node('LogSoftmax', [f32(1, 1000)], [f32(1, 1000)]), 5000],
    [
      'Add broadcasting [1,16,32,32] + [16,1,1]',
      node('Add', [f32(1, 16, 32, 32), f32(16, 1, 1)], [f32(1, 16, 32, 32)]),
      16384,
    ],
    [
      'Mul broadcasting [1,16,1,1] * [1,1,32,32]',
      node('Mul', [f32(1, 16, 1, 1), f32(1, 1, 32, 32)], [f32(1, 16, 32, 32)]),
      16384,
    ],
    ['Div by a scalar', node('Div', [f32(3, 4), f32()], [f32(3, 4)]), 12],
    ['Greater to bool', node('Greater', [f32(3, 4), f32(4)], [{ dims: [3, 4], elemType: BOOL }]), 12],
    [
      'Where [2,3] (3 inputs)',
      node('Where', [{ dims: [2, 3], elemType: BOOL }, f32(2, 3), f32()], [f32(2, 3)]),
      6,
    ],
    ['Sum of 3 inputs (2 adds per element)', node('Sum', [f32(10), f32(10), f32(1)], [f32(10)]), 20],
    ['Max of 2 inputs', node('Max', [f32(10), f32(10)], [f32(10)]), 10],
    ['Mean of 3 inputs (2 adds + 1 divide)', node('Mean', [f32(10), f32(10), f32(10)], [f32(10)]), 30],
    [
      'ReduceMean over H, W',
      node('ReduceMean', [f32(1, 16, 32, 32)], [f32(1, 16, 1, 1)], { axes: [2, 3] }),
      16384,
    ],
    [
      'ReduceSum with axes as an input',
      node('ReduceSum', [f32(1, 16, 32, 32), i64(2)], [f32(1, 16, 1, 1)]),
      16384,
    ],
    ['ReduceL2 (square and accumulate)', node('ReduceL2', [f32(4, 25)], [f32(4, 1)]), 200],
    ['ArgMax', node('ArgMax', [f32(1, 1000)], [i64(1, 1)]), 1000],
    [
      'Resize nearest x2',
      node('Resize', [f32(1, 16, 16, 16), undefined, f32(4)], [f32(1, 16, 32, 32)], { mode: 'nearest' }),
      0,
    ],
    [
      'Resize linear x2 on H, W (4 neighbours)',
      node('Resize', [f32(1, 16, 16, 16), undefined, f32(4)], [f32(1, 16, 32, 32)], { mode: 'linear' }),
      8 * 16384,
    ],
    [
      'Resize cubic x2 on H, W (16 neighbours)',
      node('Resize', [f32(1, 16, 16, 16), undefined, f32(4)], [f32(1, 16, 32, 32)], { mode: 'cubic' }),
      32 * 16384,
    ],
    [
      'Upsample bilinear (opset 7 spelling)',
      node('Upsample', [f32(1, 16, 16, 16)], [f32(1, 16, 32, 32)], {
        mode: 'bilinear',
        scales: [1, 1, 2, 2],
      }),
      8 * 16384,
    ],
    ['Gelu tanh approximation', node('Gelu', [f32(100)], [f32(100)], { approximate: 'tanh' }), 1300],
    ['com.microsoft Gelu', node('Gelu', [f32(100)], [f32(100)], {}, 'com.microsoft'), 500],
    ['ai.onnx domain spelled out', node('Relu', [f32(100)], [f32(100)], {}, 'ai.onnx'), 100],
  ])('%s', (_, n, flops) => {
    expect(nodeCost(n).flops).toBe(flops);
  });

  // Activations: FLOPs per element (approximations stated in flops.ts).
  test.each<[string, number]>([
    ['Relu', 1],
    ['LeakyRelu', 2],
    ['PRelu', 2],
    ['Clip', 2],
    ['Sigmoid', 4],
    ['Tanh', 5],
    ['HardSigmoid', 4],
    ['HardSwish', 5],
    ['Elu', 4],
    ['Selu', 5],
    ['Softplus', 3],
    ['Erf', 1],
    ['Gelu', 5],
    ['Exp', 1],
    ['Log', 1],
    ['Sqrt', 1],
    ['Neg', 1],
    ['Abs', 1],
    ['Reciprocal', 1],
    ['Mish', 9],
    ['DequantizeLinear', 2],
  ])('%s costs %d FLOPs per element and is a memory-kind op', (op, perElement) => {
    const x = f32(1, 8, 4, 4);
    const cost = nodeCost(node(op, [x], [x]));
    expect(cost.flops).toBe(perElement * 128);
    expect(cost.kind).toBe('memory');
  });

  test.each<[string, string, NodeShapes]>([
    ['Conv', 'compute', node('Conv', [convX, f32(16, 3, 3, 3)], [f32(1, 16, 32, 32)])],
    ['Gemm', 'compute', node('Gemm', [f32(1, 8), f32(8, 2)], [f32(1, 2)])],
    ['MatMul', 'compute', node('MatMul', [f32(1, 8), f32(8, 2)], [f32(1, 2)])],
    [
      'MaxPool',
      'memory',
      node('MaxPool', [f32(1, 1, 4, 4)], [f32(1, 1, 2, 2)], { kernel_shape: [2, 2], strides: [2, 2] }),
    ],
    ['Add', 'memory', node('Add', [f32(4), f32(4)], [f32(4)])],
    ['Resize nearest', 'data-movement', node('Resize', [f32(1, 1, 2, 2)], [f32(1, 1, 4, 4)])],
    ['Transpose', 'data-movement', node('Transpose', [f32(2, 3)], [f32(3, 2)])],
    ['LSTM (not modeled)', 'unknown', node('LSTM', [f32(1, 1, 8)], [f32(1, 1, 1, 4)])],
  ])('%s has kind %s', (_, kind, n) => {
    expect(nodeCost(n).kind).toBe(kind);
  });

  describe('bytes', () => {
    test('Conv reads input, weights and bias and writes its output (float32 = 4 bytes)', () => {
      const cost = nodeCost(node('Conv', [convX, f32(16, 3, 3, 3), f32(16)], [f32(1, 16, 32, 32)]));
      expect(cost).toEqual({
        flops: 901120,
        bytesRead: (3 * 1024 + 16 * 27 + 16) * 4,
        bytesWritten: 16 * 1024 * 4,
        kind: 'compute',
      });
    });

    test.each<[string, number, number]>([
      ['float32', 4, FLOAT],
      ['float16', 2, FLOAT16],
      ['double', 8, DOUBLE],
      ['int64', 8, INT64],
      ['int32', 4, INT32],
      ['uint8', 1, UINT8],
      ['int8', 1, INT8],
      ['bool', 1, BOOL],
    ])('element size of %s is %d bytes', (_, size, elemType) => {
      const t: TensorShape = { dims: [2, 5], elemType };
      const cost = nodeCost(node('Add', [t, t], [t]));
      expect(cost.bytesRead).toBe(2 * 10 * size);
      expect(cost.bytesWritten).toBe(10 * size);
    });

    test('a comparison reads float32 and writes bool', () => {
      expect(nodeCost(node('Equal', [f32(10), f32(10)], [{ dims: [10], elemType: BOOL }]))).toMatchObject({
        bytesRead: 80,
        bytesWritten: 10,
      });
    });

    test('an omitted optional input is not read', () => {
      const cost = nodeCost(node('Clip', [f32(100), undefined, f32()], [f32(100)]));
      expect(cost).toEqual({ flops: 200, bytesRead: 404, bytesWritten: 400, kind: 'memory' });
    });

    test.each<[string, number, number, NodeShapes]>([
      [
        'Transpose [1,3,224,224]',
        602112,
        602112,
        node('Transpose', [f32(1, 3, 224, 224)], [f32(1, 224, 224, 3)], { perm: [0, 2, 3, 1] }),
      ],
      [
        'Concat two [1,8,4,4]',
        1024,
        1024,
        node('Concat', [f32(1, 8, 4, 4), f32(1, 8, 4, 4)], [f32(1, 16, 4, 4)], { axis: 1 }),
      ],
      [
        'Split [1,16,4,4] in two',
        1024,
        1024,
        node('Split', [f32(1, 16, 4, 4)], [f32(1, 8, 4, 4), f32(1, 8, 4, 4)], { axis: 1 }),
      ],
      ['Pad [1,1,4,4] by 1', 64 + 64, 144, node('Pad', [f32(1, 1, 4, 4), i64(8)], [f32(1, 1, 6, 6)])],
      ['Expand [1,1] to [4,8]', 4 + 16, 128, node('Expand', [f32(1, 1), i64(2)], [f32(4, 8)])],
      ['Tile [2,2] x [2,3]', 16 + 16, 96, node('Tile', [f32(2, 2), i64(2)], [f32(4, 6)])],
      [
        'Cast float32 -> float16',
        400,
        200,
        node('Cast', [f32(100)], [{ dims: [100], elemType: FLOAT16 }], { to: FLOAT16 }),
      ],
      [
        'Gather 5 rows of a [1000,64] table (reads only those rows)',
        5 * 64 * 4 + 5 * 8,
        5 * 64 * 4,
        node('Gather', [f32(1000, 64), i64(5)], [f32(5, 64)], { axis: 0 }),
      ],
      [
        'Slice half the channels',
        8 * 1024 * 4 + 3 * 8,
        8 * 1024 * 4,
        node('Slice', [f32(1, 16, 32, 32), i64(1), i64(1), i64(1)], [f32(1, 8, 32, 32)]),
      ],
      ['Reshape (a view)', 0, 0, node('Reshape', [f32(1, 16, 4, 4), i64(2)], [f32(1, 256)])],
      ['Flatten (a view)', 0, 0, node('Flatten', [f32(1, 16, 4, 4)], [f32(1, 256)], { axis: 1 })],
      ['Squeeze (a view)', 0, 0, node('Squeeze', [f32(1, 16, 1, 1), i64(2)], [f32(1, 16)])],
      ['Unsqueeze (a view)', 0, 0, node('Unsqueeze', [f32(16), i64(1)], [f32(1, 16)])],
      ['Identity (a view)', 0, 0, node('Identity', [f32(1, 16)], [f32(1, 16)])],
      ['Dropout (identity at inference)', 0, 0, node('Dropout', [f32(1, 16)], [f32(1, 16)])],
      ['Shape writes only its int64 dims', 0, 32, node('Shape', [f32(1, 3, 224, 224)], [i64(4)])],
      [
        'Resize nearest reads X and scales',
        16 + 16,
        64,
        node('Resize', [f32(1, 1, 2, 2), undefined, f32(4)], [f32(1, 1, 4, 4)]),
      ],
    ])('%s: 0 FLOPs, reads %d, writes %d bytes', (_, read, written, n) => {
      expect(nodeCost(n)).toEqual({
        flops: 0,
        bytesRead: read,
        bytesWritten: written,
        kind: 'data-movement',
      });
    });

    test.each<[string, NodeShapes]>([
      ['LSTM', node('LSTM', [f32(5, 1, 8), f32(1, 64, 8), f32(1, 64, 16)], [f32(5, 1, 1, 16)])],
      ['a Relu in a custom domain', node('Relu', [f32(4, 4)], [f32(4, 4)], {}, 'com.example')],
      ['an opType named like an Object.prototype member', node('constructor', [f32(4)], [f32(4)])],
      ['Einsum', node('Einsum', [f32(4, 8), f32(8, 5)], [f32(4, 5)], { equation: 'ij,jk->ik' })],
    ])('%s is unknown: 0 FLOPs, reads every input, writes every output', (_, n) => {
      const read = n.inputs.reduce((s, t) => s + (t ? numel(t) * 4 : 0), 0);
      const written = n.outputs.reduce((s, t) => s + numel(t) * 4, 0);
      expect(nodeCost(n)).toEqual({ flops: 0, bytesRead: read, bytesWritten: written, kind: 'unknown' });
    });
  });
});
