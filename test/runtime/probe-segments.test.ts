/**
 * The segmented shape probe and the shapes worked out without the runtime equal the one-session
 * probe exactly, on random graphs built here (inferable and runtime-only operators mixed, shapes
 * computed at run time, shuffled node order, initializers, symbolic and fixed batch) and on every
 * model of the zoo at every opset, with segments of one to a few nodes.
 */
import { uniformRandom } from '../../src/core/random';
import {
  DataType,
  floatTensor,
  int64Tensor,
  model,
  node,
  valueInfo,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../../src/graph';
import { inputSpecs, probeTensors, syntheticFeeds, type ProbeOptions } from '../../src/runtime';
import { probeGraph } from '../../src/runtime/probe-graph';
import {
  DEFAULT_SEGMENT_LIMITS,
  probeInSegments,
  type SegmentLimits,
} from '../../src/runtime/probe-segments';
import { OPSETS, ZOO } from '../helpers/zoo';

const F = DataType.FLOAT;

/** Every tensor a probe can report: graph inputs and node outputs. */
function allTensors(m: ModelProto): string[] {
  const inits = new Set((m.graph?.initializer ?? []).map((t) => t.name));
  return [
    ...(m.graph?.input ?? []).map((v) => v.name ?? '').filter((n) => !inits.has(n)),
    ...(m.graph?.node ?? []).flatMap((n) => (n.output ?? []).filter((o) => o !== '')),
  ];
}

/** The one-session probe (nothing inferred, no segment limit). */
const ONE_SESSION: Partial<SegmentLimits> = { nodes: Infinity, weightBytes: Infinity, infer: false };

/** Probes `m` one session and with `segments`; both maps are returned for toEqual. */
async function bothWays(m: ModelProto, segments: Partial<SegmentLimits>, options: ProbeOptions = {}) {
  const names = allTensors(m);
  const reference = await probeTensors(m, names, { ...options, segments: ONE_SESSION });
  const segmented = await probeTensors(m, names, { ...options, segments });
  return { reference, segmented };
}

interface Pooled {
  readonly name: string;
  /** Rows as a multiple of the batch. */
  readonly rows: number;
}

/**
 * A random graph on x: [N, 8] (or [1, 8]): unary ops (inferable or not), Add/Mul with each other or
 * a bias initializer, Sum, MatMul, Concat on either axis (then MatMul back to 8 columns), a shape
 * computed at run time (Shape -> Reshape), Softplus and Transpose pairs the runtime must run.
 */
function randomModel(
  seed: number,
  nodesWanted: number,
  batch: number | string,
  shuffle: boolean,
): ModelProto {
  const rand = uniformRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const pool: Pooled[] = [{ name: 'x', rows: 1 }];
  let k = 0;
  const fresh = () => `t${k++}`;
  const weight = (dims: number[]) => {
    const name = `w${k++}`;
    const n = dims.reduce((a, b) => a * b, 1);
    inits.push(
      floatTensor(
        name,
        dims,
        Array.from({ length: n }, () => rand() - 0.5),
      ),
    );
    return name;
  };
  while (nodes.length < nodesWanted) {
    const a = pick(pool);
    const same = pool.filter((p) => p.rows === a.rows);
    const out = fresh();
    const r = rand();
    if (r < 0.3)
      nodes.push(node(pick(['Relu', 'Neg', 'Abs', 'Sigmoid', 'Softplus', 'Identity']), [a.name], [out]));
    else if (r < 0.45)
      nodes.push(
        node(pick(['Add', 'Mul']), [a.name, pick([...same.map((p) => p.name), weight([8])])], [out]),
      );
    else if (r < 0.55) nodes.push(node('Sum', [a.name, pick(same).name, pick(same).name], [out]));
    else if (r < 0.65) nodes.push(node('MatMul', [a.name, weight([8, 8])], [out]));
    else if (r < 0.75) {
      const axis = rand() < 0.5 ? 0 : 1;
      const b = pick(same);
      const joined = fresh();
      nodes.push(
        node('Concat', [a.name, b.name], [joined], { axis: axis === 0 && rand() < 0.5 ? -2 : axis }),
      );
      if (axis === 1) nodes.push(node('MatMul', [joined, weight([16, 8])], [out]));
      else {
        nodes.push(node('Relu', [joined], [out]));
        pool.push({ name: out, rows: a.rows * 2 });
        continue;
      }
    } else if (r < 0.85) {
      const shape = fresh();
      nodes.push(node('Shape', [a.name], [shape]));
      nodes.push(node('Reshape', [pick(same).name, shape], [out]));
    } else {
      const mid = fresh();
      nodes.push(node('Transpose', [a.name], [mid], { perm: [1, 0] }));
      nodes.push(node('Transpose', [mid], [out], { perm: [1, 0] }));
    }
    pool.push({ name: out, rows: a.rows });
  }
  const last = pool[pool.length - 1];
  const outputs = [last, pool[Math.floor(pool.length / 2)]].filter(
    (p, i, xs) => xs.findIndex((q) => q.name === p.name) === i,
  );
  if (shuffle)
    for (let i = nodes.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
    }
  return model({
    nodes,
    inputs: [valueInfo('x', F, [batch, 8])],
    outputs: outputs.map((p) => valueInfo(p.name, F, undefined)),
    initializers: inits,
    opset: 13,
  });
}

describe('segmented probe = one-session probe', () => {
  test('random graphs: segments of 1-3 nodes, with and without inference, weights split', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const m = randomModel(seed, 10 + (seed % 4) * 6, seed % 3 === 0 ? 1 : 'N', seed % 2 === 0);
      const limits: Partial<SegmentLimits>[] = [
        { nodes: 1 + (seed % 3), infer: seed % 2 === 0 },
        { infer: true },
        { weightBytes: 64, infer: false },
        { outputBytes: 1 },
        { nodes: 2 + (seed % 2), shapesOverBytes: 0, infer: seed % 2 === 1 },
      ];
      for (const segments of limits) {
        const { reference, segmented } = await bothWays(m, segments);
        expect([seed, segments, segmented]).toEqual([seed, segments, reference]);
      }
    }
  });

  test('every zoo model at every opset, one node per segment, or three fetching shapes only', async () => {
    let compared = 0;
    for (const [name, make] of Object.entries(ZOO))
      for (const [opset, ir] of OPSETS) {
        const m = make();
        m.irVersion = ir;
        m.opsetImport = (m.opsetImport ?? []).map((o) =>
          (o.domain ?? '') === '' ? { ...o, version: opset } : o,
        );
        let reference: unknown;
        try {
          reference = await probeTensors(m, allTensors(m), { segments: ONE_SESSION });
        } catch {
          continue; // an opset this model's operators do not have
        }
        const segmented = await probeTensors(m, allTensors(m), { segments: { nodes: 1 } });
        expect([name, opset, segmented]).toEqual([name, opset, reference]);
        // Shapes fetched through Shape nodes and types from the session's metadata.
        const byShape = await probeTensors(m, allTensors(m), { segments: { nodes: 3, shapesOverBytes: 0 } });
        expect([name, opset, byShape]).toEqual([name, opset, reference]);
        compared++;
      }
    expect(compared).toBeGreaterThan(90);
  });

  test('real input values at another batch, and a batch of 2 that cannot run, are kept as they were', async () => {
    const m = randomModel(5, 14, 'N', false);
    const values = new Map([['x', syntheticFeeds(inputSpecs(m), 3, 9).x]]);
    const { reference, segmented } = await bothWays(m, { nodes: 2 }, { inputValues: values });
    expect(segmented).toEqual(reference);
    // A reshape to a fixed size: batch 1 runs, batch 2 cannot.
    const fixed = model({
      nodes: [node('Relu', ['x'], ['r']), node('Reshape', ['r', 's'], ['y']), node('Neg', ['y'], ['z'])],
      inputs: [valueInfo('x', F, ['N', 8])],
      outputs: [valueInfo('z', F, undefined)],
      initializers: [int64Tensor('s', [2], [2, 4])],
      opset: 13,
    });
    const err = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: Error) => e.message,
      );
    const a = await err(
      probeTensors(fixed, allTensors(fixed), { segments: ONE_SESSION, source: 'fixed.onnx' }),
    );
    const b = await err(
      probeTensors(fixed, allTensors(fixed), { segments: { nodes: 1 }, source: 'fixed.onnx' }),
    );
    expect(a).toMatch(/fixed\.onnx/);
    expect(b).toBe(a);
    const given = new Map([['x', syntheticFeeds(inputSpecs(fixed), 1, 3).x]]);
    const c = await probeTensors(fixed, allTensors(fixed), { segments: ONE_SESSION, inputValues: given });
    const d = await probeTensors(fixed, allTensors(fixed), { segments: { nodes: 1 }, inputValues: given });
    expect(d).toEqual(c);
  });
});

describe('probeInSegments', () => {
  const run = async (m: ModelProto, limits: SegmentLimits) => {
    const specs = inputSpecs(m);
    return probeInSegments({
      model: m,
      graph: probeGraph(m)!,
      wanted: new Set(allTensors(m)),
      feeds1: syntheticFeeds(specs, 1, 1),
      feeds2: syntheticFeeds(specs, 2, 1),
      limits,
      runFailure: (e) => e as Error,
    });
  };

  test('a chain of simple operators on an input needs no session; a runtime-only chain one per segment', async () => {
    const chain = (op: string, n: number) =>
      model({
        nodes: Array.from({ length: n }, (_, i) => node(op, [i === 0 ? 'x' : `t${i - 1}`], [`t${i}`])),
        inputs: [valueInfo('x', F, ['N', 3])],
        outputs: [valueInfo(`t${n - 1}`, F, undefined)],
      });
    const inferred = await run(chain('Relu', 50), DEFAULT_SEGMENT_LIMITS);
    expect(inferred!.sessions).toBe(0);
    expect(inferred!.two.get('t49')!.dims).toEqual([2, 3]);
    const segmented = await run(chain('Softplus', 50), { ...DEFAULT_SEGMENT_LIMITS, nodes: 10 });
    expect(segmented!.sessions).toBe(5);
    expect(segmented!.one.get('t49')!.dims).toEqual([1, 3]);
    // Within the limits and nothing inferred: the caller's single session does it.
    expect(await run(chain('Softplus', 50), { ...DEFAULT_SEGMENT_LIMITS, infer: false })).toBeUndefined();
  });

  test('a residual convolutional network needs no session, and its shapes equal the runtime', async () => {
    const w = (name: string, dims: number[]) =>
      floatTensor(name, dims, new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(0.01));
    const m = model({
      nodes: [
        node('Conv', ['x', 'w1', 'b1'], ['c1'], {
          kernel_shape: [3, 3],
          pads: [1, 1, 1, 1],
          strides: [2, 2],
        }),
        node('BatchNormalization', ['c1', 's', 'b', 'mean', 'var'], ['n1'], { epsilon: 1e-5 }),
        node('Relu', ['n1'], ['r1']),
        node('MaxPool', ['r1'], ['p1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }),
        node('Conv', ['p1', 'w2'], ['c2'], { kernel_shape: [1, 1] }),
        node('Add', ['c2', 'p1'], ['sum']),
        node('GlobalAveragePool', ['sum'], ['g']),
        node('Flatten', ['g'], ['f'], { axis: 1 }),
        node('Gemm', ['f', 'fc', 'fcb'], ['y'], { transB: 1 }),
      ],
      inputs: [valueInfo('x', F, ['N', 3, 17, 15])],
      outputs: [valueInfo('y', F, undefined)],
      initializers: [
        w('w1', [8, 3, 3, 3]),
        w('b1', [8]),
        ...['s', 'b', 'mean', 'var'].map((n) => w(n, [8])),
        w('w2', [8, 8, 1, 1]),
        w('fc', [10, 8]),
        w('fcb', [10]),
      ],
      opset: 13,
    });
    const found = await run(m, DEFAULT_SEGMENT_LIMITS);
    expect(found!.sessions).toBe(0);
    expect(found!.two.get('y')!.dims).toEqual([2, 10]);
    const { reference, segmented } = await bothWays(m, {});
    expect(segmented).toEqual(reference);
  });

  test('a node reading 20,000 inputs is worked out without a session', async () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `in${i}`);
    const m = model({
      nodes: [node('Concat', names, ['joined'], { axis: 1 }), node('Relu', ['joined'], ['y'])],
      inputs: names.map((n) => valueInfo(n, F, [1, 1])),
      outputs: [valueInfo('y', F, undefined)],
    });
    const found = await run(m, DEFAULT_SEGMENT_LIMITS);
    expect(found!.sessions).toBe(0);
    expect(found!.one.get('y')).toEqual({ dims: [1, 20_000], type: 'float32' });
  });
});
