/**
 * Every cut point jalad lists can be split: the explicit split of each one loads and reproduces
 * the model, and so does the deployable one (8-bit quantizer and dequantizer attached, as
 * `jalad split` writes it). Includes edge-only cut points whose tensors are graph outputs, and a
 * graph input that is also a graph output. Verification on degenerate synthetic values (a cut
 * tensor with no elements) is refused with one line asking for --inputs.
 */
import {
  attachCodec,
  buildDag,
  cutPoints,
  DataType,
  encodeModel,
  extractSplit,
  int64Tensor,
  model,
  node,
  partitionAt,
  valueInfo,
  type ModelProto,
} from '../../src/graph';
import { InputError } from '../../src/core/errors';
import { buildExplicitSplit } from '../../src/pipeline/split-at-cut';
import { createTensor, maxAbsDiff, openSession, probeTensors, type TensorMap } from '../../src/runtime';
import { twoOutputs, lateInput, residual } from '../helpers/zoo';

const F = DataType.FLOAT;

/** A graph input ("x") that is also a graph output, beside a computed output. */
function inputIsOutput(): ModelProto {
  return model({
    nodes: [node('Relu', ['x'], ['h'], {}, 'relu'), node('Neg', ['h'], ['y'], {}, 'neg')],
    inputs: [valueInfo('x', F, ['batch', 4])],
    outputs: [valueInfo('y', F, ['batch', 4]), valueInfo('x', F, ['batch', 4])],
  });
}

async function run(bytes: Uint8Array, feeds: TensorMap): Promise<TensorMap> {
  const s = await openSession(bytes);
  try {
    const names = new Set(s.inputNames);
    return await s.run(Object.fromEntries(Object.entries(feeds).filter(([k]) => names.has(k))));
  } finally {
    await s.release();
  }
}

describe('every listed cut point can be split', () => {
  test.each<[string, () => ModelProto, number[]]>([
    ['a graph input that is also a graph output', inputIsOutput, [4]],
    ['two heads (edge-only cut sends both outputs)', twoOutputs, [3, 8, 8]],
    ['a late input', lateInput, [3, 8, 8]],
    ['a residual net', residual, [3, 8, 8]],
  ])(
    '%s',
    async (_what, make, sample) => {
      const m = make();
      const dag = buildDag(m);
      const cuts = cutPoints(dag);
      const names = [...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name)))];
      const info = await probeTensors(m, names);
      const n = sample.reduce((a, b) => a * b, 1) * 2;
      const feeds: TensorMap = {};
      for (const i of dag.inputs) {
        const dims = i === 'meta' ? [2, 4] : [2, ...sample];
        const len = dims.reduce((a, b) => a * b, 1);
        feeds[i] = createTensor(
          'float32',
          Float32Array.from({ length: len || n }, (_, k) => Math.sin(k)),
          dims,
        );
      }
      const want = await run(encodeModel(m), feeds);
      for (const cut of cuts) {
        const tensors = cut.tensors.map((t) => t.name);
        // The explicit split (float32 tensors): verified inside buildExplicitSplit.
        await expect(buildExplicitSplit(m, [tensors[0]])).resolves.toBeDefined();
        // The deployable split at 8 bits, as solved plans are written: both parts load and run.
        const split = extractSplit(
          m,
          dag,
          { ...partitionAt(dag, [tensors[0]]), crossing: cut.tensors },
          (t) => valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims),
        );
        const deployable = attachCodec(
          split,
          tensors.map((t) => ({
            name: t,
            bits: 8,
            dims: info.get(t)!.dims,
            elemType: info.get(t)!.elemType,
          })),
          17,
        );
        const sent = await run(encodeModel(deployable.edge), feeds);
        const got = await run(encodeModel(deployable.cloud), { ...feeds, ...sent });
        for (const o of dag.outputs) {
          const scale = Math.max(1, ...Array.from(want[o].data as Float32Array, Math.abs));
          expect(maxAbsDiff(want[o], got[o])).toBeLessThan(0.05 * scale);
        }
      }
    },
    60000,
  );

  test('the graph input that is an output crosses every cut, costed like an input', () => {
    const cuts = cutPoints(buildDag(inputIsOutput()));
    expect(cuts.map((c) => c.tensors.map((t) => `${t.name}:${t.kind}`))).toEqual([
      ['x:input'],
      ['h:data', 'x:input'],
      ['y:data', 'x:input'],
    ]);
  });
});

describe('verification on degenerate values is not reported as verified', () => {
  /** A window read from an integer input: synthetic integers are 0, so the window is empty. */
  function windowModel(): ModelProto {
    return model({
      nodes: [
        node('Slice', ['x', 'start', 'k', 'axis'], ['win'], {}, 'slice'),
        node('Relu', ['win'], ['r'], {}, 'relu'),
        node('ReduceSum', ['r'], ['y'], { keepdims: 1 }, 'sum'),
      ],
      inputs: [valueInfo('x', F, ['batch', 8]), valueInfo('k', DataType.INT64, [1])],
      outputs: [valueInfo('y', F, undefined)],
      initializers: [int64Tensor('start', [1], [0]), int64Tensor('axis', [1], [1])],
    });
  }

  test('a cut tensor with no elements on synthetic input: one line asking for --inputs, nothing built', async () => {
    const err = await buildExplicitSplit(windowModel(), ['r']).catch((e: InputError) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('BAD_DATA');
    expect((err as InputError).message).toMatch(/cut tensor "r" has no elements.*--inputs/);
    expect((err as InputError).message).not.toContain('\n');
  });

  test('real inputs with a non-empty window verify the same cut', async () => {
    const inputValues = new Map([
      ['k', createTensor('int64', BigInt64Array.from([5n]), [1])],
      [
        'x',
        createTensor(
          'float32',
          Float32Array.from({ length: 8 }, (_, i) => i - 3),
          [1, 8],
        ),
      ],
    ]);
    const split = await buildExplicitSplit(windowModel(), ['r'], { inputValues });
    expect(split.report.verifiedOn).toBe('inputs');
    expect(split.report.maxAbsDiff).toBe(0);
  });
});
