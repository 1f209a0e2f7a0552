/** Small models with dense outputs for the metric tests, built in code (weights seeded). */
import { DataType, floatTensor, model, node, valueInfo, type ModelProto } from '../../src/graph';
import { uniformRandom } from '../../src/core/random';

/** conv-relu-conv: a two-channel 8x8 "segmentation" map `map` from a [batch, 3, 8, 8] input. */
export function segmenter(): ModelProto {
  const rand = uniformRandom(3);
  const w = (name: string, dims: number[]) =>
    floatTensor(
      name,
      dims,
      Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() * 0.6 - 0.3),
    );
  const conv = { kernel_shape: [3, 3], pads: [1, 1, 1, 1] };
  return model({
    nodes: [
      node('Conv', ['input', 'w1', 'b1'], ['c1'], conv, 'conv1'),
      node('Relu', ['c1'], ['r1'], {}, 'relu1'),
      node('Conv', ['r1', 'w2', 'b2'], ['map'], conv, 'conv2'),
    ],
    initializers: [w('w1', [6, 3, 3, 3]), w('b1', [6]), w('w2', [2, 6, 3, 3]), w('b2', [2])],
    inputs: [valueInfo('input', DataType.FLOAT, ['batch', 3, 8, 8])],
    outputs: [valueInfo('map', DataType.FLOAT, undefined)],
    opset: 17,
    irVersion: 8,
  });
}

/**
 * Two inputs: an image [batch, 3, 8, 8] scaled by a per-pixel map `scale` [batch, 1, 8, 8], then
 * conv-relu-conv to a four-channel map `map` [batch, 4, 8, 8].
 */
export function scaledMap(): ModelProto {
  const rand = uniformRandom(4);
  const w = (name: string, dims: number[]) =>
    floatTensor(
      name,
      dims,
      Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() * 0.6 - 0.3),
    );
  const conv = { kernel_shape: [3, 3], pads: [1, 1, 1, 1] };
  return model({
    nodes: [
      node('Mul', ['image', 'scale'], ['scaled'], {}, 'mul'),
      node('Conv', ['scaled', 'w1', 'b1'], ['c1'], conv, 'conv1'),
      node('Relu', ['c1'], ['r1'], {}, 'relu1'),
      node('Conv', ['r1', 'w2', 'b2'], ['map'], conv, 'conv2'),
    ],
    initializers: [w('w1', [4, 3, 3, 3]), w('b1', [4]), w('w2', [4, 4, 3, 3]), w('b2', [4])],
    inputs: [
      valueInfo('image', DataType.FLOAT, ['batch', 3, 8, 8]),
      valueInfo('scale', DataType.FLOAT, ['batch', 1, 8, 8]),
    ],
    outputs: [valueInfo('map', DataType.FLOAT, undefined)],
    opset: 17,
    irVersion: 8,
  });
}
