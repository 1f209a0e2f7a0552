/**
 * The layer shapes worked out without ONNX Runtime (Conv, pools, Flatten, Gemm,
 * BatchNormalization) equal what ONNX Runtime produces, on random single-node models built here
 * (valid and invalid ones); where ONNX Runtime refuses a model, no shape is given.
 */
import { uniformRandom } from '../../src/core/random';
import { DataType, floatTensor, model, node, valueInfo, type AttrValue } from '../../src/graph';
import { openSession, type Session } from '../../src/runtime';
import { inferNodeShape, type ShapeOf } from '../../src/runtime/infer-shapes';
import { Tensor } from 'onnxruntime-node';

const F = DataType.FLOAT;
const OPSETS = [7, 9, 11, 13, 17, 19];

/** One random case: the node's op, attributes, input dims (the first fed, the rest initializers). */
interface Case {
  readonly op: string;
  readonly attrs: Record<string, AttrValue>;
  readonly dims: number[][];
  readonly opset: number;
}

/** A random case of `op`, mostly valid, sometimes not (mismatched channels, large pads, unknown modes). */
function randomCase(op: string, rand: () => number): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const opset = pick(OPSETS);
  const rank = pick([1, 2, 2, 2, 3]);
  const spatial = Array.from({ length: rank }, () => 1 + Math.floor(rand() * 9));
  const kernel = spatial.map(() => pick([1, 2, 3, 5]));
  const window: Record<string, AttrValue> = {};
  if (rand() < 0.7) window.pads = [...kernel, ...kernel].map((k) => Math.floor(rand() * (k + 1)));
  if (rand() < 0.6) window.strides = kernel.map(() => pick([1, 2, 3]));
  if (rand() < 0.2) window.auto_pad = pick(['VALID', 'SAME_UPPER', 'NOTSET']);
  const c = pick([1, 2, 4]);
  switch (op) {
    case 'Conv': {
      const group = pick([1, 1, 2]);
      const m = group * pick([1, 2, 3]);
      const attrs = { ...window, group } as Record<string, AttrValue>;
      if (rand() < 0.3) attrs.dilations = kernel.map(() => pick([1, 2]));
      if (rand() < 0.3) attrs.kernel_shape = rand() < 0.8 ? kernel : kernel.map((k) => k + 1);
      const wc = rand() < 0.9 ? c : c + 1;
      const dims = [
        [2, c * group, ...spatial],
        [m, wc, ...kernel],
      ];
      if (rand() < 0.5) dims.push([rand() < 0.9 ? m : m + 1]);
      return { op, attrs, dims, opset };
    }
    case 'MaxPool':
    case 'AveragePool': {
      const attrs = { ...window, kernel_shape: kernel } as Record<string, AttrValue>;
      if (rand() < 0.2 && opset >= 10) attrs.ceil_mode = pick([0, 1]);
      if (op === 'AveragePool' && rand() < 0.3) attrs.count_include_pad = pick([0, 1]);
      return { op, attrs, dims: [[1, c, ...spatial]], opset };
    }
    case 'Flatten':
      return {
        op,
        attrs: rand() < 0.7 ? { axis: Math.floor(rand() * (rank + 5)) - 2 } : {},
        dims: [[2, c, ...spatial]],
        opset,
      };
    case 'Gemm': {
      const [m, k, n] = [pick([1, 3]), pick([2, 4]), pick([1, 5])];
      const transA = pick([0, 1]);
      const transB = pick([0, 1]);
      const a = transA ? [k, m] : [m, k];
      const b = transB ? [n, rand() < 0.9 ? k : k + 1] : [rand() < 0.9 ? k : k + 1, n];
      const dims = [a, b];
      if (rand() < 0.7 || opset < 11) dims.push(pick([[n], [1, n], [m, 1], [m, n], [1], [], [m]]));
      return { op, attrs: { transA, transB, alpha: 0.5, beta: 1.5 }, dims, opset };
    }
    case 'BatchNormalization': {
      const ch = rand() < 0.9 ? c : c + 1;
      const attrs: Record<string, AttrValue> = { epsilon: 1e-3 };
      if (rand() < 0.2) attrs.momentum = 0.7;
      return { op, attrs, dims: [[2, c, ...spatial], [c], [c], [c], [ch]], opset: Math.max(opset, 9) };
    }
    default:
      return { op, attrs: {}, dims: [[2, c, ...spatial]], opset };
  }
}

/** The output dims ONNX Runtime gives the case's model, or undefined when it refuses or fails it. */
async function runtimeDims(k: Case): Promise<number[] | undefined> {
  const names = k.dims.map((_, i) => (i === 0 ? 'x' : `w${i}`));
  const m = model({
    nodes: [node(k.op, names, ['y'], k.attrs)],
    inputs: [valueInfo('x', F, k.dims[0])],
    outputs: [valueInfo('y', F, undefined)],
    initializers: k.dims.slice(1).map((d, i) =>
      floatTensor(
        names[i + 1],
        d,
        Array.from({ length: d.reduce((a, b) => a * b, 1) }, () => 0.5),
      ),
    ),
    opset: k.opset,
  });
  let session: Session | undefined;
  try {
    session = await openSession(m, { optimization: 'disabled' });
    const n = k.dims[0].reduce((a, b) => a * b, 1);
    const out = await session.run({ x: new Tensor('float32', new Float32Array(n).fill(1), k.dims[0]) });
    return [...out.y.dims];
  } catch {
    return undefined;
  } finally {
    await session?.release();
  }
}

describe('inferNodeShape on layers', () => {
  test.each([
    'Conv',
    'MaxPool',
    'AveragePool',
    'GlobalAveragePool',
    'GlobalMaxPool',
    'Flatten',
    'Gemm',
    'BatchNormalization',
  ])('%s: every shape given equals ONNX Runtime, and most valid cases get one', async (op) => {
    const rand = uniformRandom(op.length * 7919);
    let answered = 0;
    let valid = 0;
    for (let i = 0; i < 40; i++) {
      const k = randomCase(op, rand);
      const inputs: ShapeOf[] = k.dims.map((dims) => ({ dims, type: 'float32' }));
      const n = node(
        k.op,
        k.dims.map((_, j) => (j === 0 ? 'x' : `w${j}`)),
        ['y'],
        k.attrs,
      );
      const inferred = inferNodeShape(n, inputs, k.opset);
      const actual = await runtimeDims(k);
      if (actual) valid++;
      if (inferred === undefined) continue;
      answered++;
      expect({ case: k, dims: inferred.dims }).toEqual({ case: k, dims: actual });
    }
    // The cases left to the runtime are the uncertain ones: SAME padding, ceil rounding, invalid models.
    expect(answered).toBeGreaterThanOrEqual(Math.min(valid, 40) * 0.5);
  });
});
