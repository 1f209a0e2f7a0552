/**
 * The sweep, checked independently: the accuracy the sweep reports for a (cut, bits)
 * pair equals the accuracy of the unsplit model with quantize/dequantize inserted into the
 * ONNX graph itself (ReduceMin/ReduceMax/Sub/Div/Mul/Round/Clip nodes) and run in one piece.
 */
import * as path from 'path';
import type { Dataset } from '../../src/data';
import {
  buildDag,
  cutPoints,
  defaultOpset,
  encodeModel,
  partitionAt,
  partitionCandidate,
  withQuantDequant,
  type ModelProto,
} from '../../src/graph';
import type { BitWidth } from '../../src/codec';
import { runSweep, workerStart, WORKER_ENTRY_VARIABLE, type SweepRow } from '../../src/sweep';
import { argmax, batches, inputSpecs, openSession, probeTensors } from '../../src/runtime';
import { uniformRandom } from '../../src/core/random';
import { chain, residual } from '../helpers/zoo';
import { JaladError } from '../../src/core/errors';

const N = 240;

/** Synthetic inputs; labels agree with the model on about two samples in three. */
async function dataset(m: ModelProto): Promise<Dataset> {
  const spec = inputSpecs(m)[0];
  const shape = spec.dims.slice(1) as number[];
  const per = shape.reduce((a, b) => a * b, 1);
  const rand = uniformRandom(11);
  const data = new Float32Array(N * per).map(() => rand() * 2 - 0.5);
  const base: Dataset = {
    samples: N,
    shape,
    data,
    source: 'synthetic',
    format: 'npy',
    layout: 'NCHW',
    indices: Int32Array.from({ length: N }, (_, i) => i),
    warnings: [],
  };
  const preds = await predict(m, base);
  const labels = preds.map((p, i) => (i % 3 === 2 ? (p + 1 + (i % 7)) % 10 : p));
  return { ...base, labels };
}

async function predict(m: ModelProto, ds: Dataset): Promise<Int32Array> {
  const s = await openSession(encodeModel(m), { optimization: 'disabled' });
  const out = new Int32Array(ds.samples);
  for (const b of batches(ds, 32)) {
    const r = (await s.run({ [s.inputNames[0]]: b.tensor }))[s.outputNames[0]];
    for (let i = 0; i < b.count; i++)
      out[b.start + i] = argmax(r.data as Float32Array, i * r.dims[1], r.dims[1]);
  }
  await s.release();
  return out;
}

async function sweepOf(
  m: ModelProto,
  ds: Dataset,
  bits: BitWidth[],
  extra: Partial<Parameters<typeof runSweep>[2]> = {},
) {
  const dag = buildDag(m);
  const cuts = cutPoints(dag);
  const info = await probeTensors(m, [...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name)))]);
  const result = await runSweep(
    { model: m, modelBytes: encodeModel(m), dag, tensors: info, dataset: ds, input: inputSpecs(m)[0] },
    cuts,
    {
      bits,
      batchSize: 32,
      sizeSamples: 20,
      optimization: 'disabled',
      ...extra,
    },
  );
  return { cuts, info, result };
}

/** A cut inside the residual block: the block's branch output and its skip tensor both cross. */
async function residualBlockCut() {
  const m = residual();
  const ds = await dataset(m);
  const dag = buildDag(m);
  const p = partitionAt(dag, ['a1r', 's']);
  const cut = partitionCandidate({ index: 0, op: 'Relu' }, p);
  const info = await probeTensors(m, ['a1r', 's']);
  return { m, ds, dag, p, cut, info };
}

describe('sweep accuracy equals the accuracy of the model with Q/DQ nodes inserted', () => {
  test.each([
    ['chain', chain],
    ['residual', residual],
  ] as const)('%s: every cut point at 1, 2 and 4 bits', async (_name, make) => {
    const m = make();
    const ds = await dataset(m);
    const { cuts, info, result } = await sweepOf(m, ds, [1, 2, 4]);
    expect(result.reference.labelled).toBe(true);
    let differs = 0;
    for (const row of result.rows) {
      const cut = cuts[row.cut];
      let q = m;
      for (const t of cut.tensors)
        q = withQuantDequant(q, t.name, row.bits, info.get(t.name)!.dims.length, defaultOpset(m));
      const preds = await predict(q, ds);
      const correct = preds.reduce((n, p, i) => n + (p === ds.labels![i] ? 1 : 0), 0);
      expect({ cut: row.cut, bits: row.bits, correct: Math.round(row.accuracy * row.samples) }).toEqual({
        cut: row.cut,
        bits: row.bits,
        correct,
      });
      if (row.lossPct !== 0) differs++;
    }
    // The check must be able to fail: low bit widths do change predictions.
    expect(differs).toBeGreaterThan(0);
  });
});

describe('sweep details', () => {
  test('a multi-tensor cut (inside a residual block) compresses every crossing tensor', async () => {
    const { m, ds, dag, p, cut, info } = await residualBlockCut();
    const result = await runSweep(
      { model: m, modelBytes: encodeModel(m), dag, tensors: info, dataset: ds, input: inputSpecs(m)[0] },
      [cut],
      {
        bits: [1],
        batchSize: 32,
        sizeSamples: 10,
        optimization: 'disabled',
      },
    );
    // Only the cloud-side reader of "s" (the Add) receives it over the network.
    const cloudReaders = new Set(p.cloudNodes.map((i) => dag.nodes[i].protoIndex));
    let q = withQuantDequant(m, 's', 1, 4, defaultOpset(m), cloudReaders);
    q = withQuantDequant(q, 'a1r', 1, 4, defaultOpset(m));
    const preds = await predict(q, ds);
    expect(Math.round(result.rows[0].accuracy * N)).toBe(
      preds.reduce((n, x, i) => n + (x === ds.labels![i] ? 1 : 0), 0),
    );
    const onlyOne = await predict(withQuantDequant(m, 'a1r', 1, 4, defaultOpset(m)), ds);
    expect(onlyOne).not.toEqual(preds);
  });

  test('without labels the loss is disagreement with the unsplit model', async () => {
    const m = chain();
    const ds = await dataset(m);
    const { result } = await sweepOf(m, { ...ds, labels: undefined }, [1, 8]);
    expect(result.reference.labelled).toBe(false);
    for (const r of result.rows) expect(r.lossPct).toBeCloseTo((1 - r.agreement) * 100, 9);
  });

  test('sizes: more bits never shrink the raw packing; ratio is against float32', async () => {
    const m = chain();
    const ds = await dataset(m);
    const { info, cuts, result } = await sweepOf(m, ds, [2, 8]);
    for (const c of cuts) {
      const [two, eight] = [2, 8].map((b) => result.rows.find((r) => r.cut === c.index && r.bits === b)!);
      expect(eight.byCoder.raw.bytesMean).toBeGreaterThan(two.byCoder.raw.bytesMean);
      const f32 = c.tensors.reduce((s, t) => s + 4 * info.get(t.name)!.elementsPerSample, 0);
      expect(eight.ratio).toBeCloseTo(eight.bytesMean / f32, 12);
      expect(eight.bytesP95).toBeGreaterThanOrEqual(eight.bytesMean * 0.5);
    }
  });

  test('--coder: the sizes and codec times of the chosen coder, beside the always-measured ones', async () => {
    const m = chain();
    const ds = await dataset(m);
    // The default coder is the context coder (DEFAULT_CODER); 'auto' is chosen explicitly.
    const { result } = await sweepOf(m, ds, [2, 8]);
    const auto = (await sweepOf(m, ds, [2, 8], { coder: 'auto' })).result;
    expect(result.coder).toBe('context');
    expect(auto.coder).toBe('auto');
    result.rows.forEach((r, i) => {
      expect(r.bytesMean).toBe(r.byCoder.context!.bytesMean);
      expect(Object.keys(r.byCoder).sort()).toEqual(['auto', 'context', 'huffman', 'raw']);
      // the same encodings as a sweep with 'auto', which does not measure 'context'
      expect(auto.rows[i].byCoder).toEqual({
        auto: r.byCoder.auto,
        huffman: r.byCoder.huffman,
        raw: r.byCoder.raw,
      });
      expect(auto.rows[i].bytesMean).toBe(r.byCoder.auto.bytesMean);
      expect(r.encodeMs).toBeGreaterThan(0);
    });
  });

  test('with a budget, configurations proven above it stop early and say so', async () => {
    const m = chain();
    const ds = await dataset(m);
    const { result } = await sweepOf(m, ds, [1, 8], { maxLossPct: 0.1, minSamplesToStop: 64 });
    const stopped = result.rows.filter((r) => r.stoppedEarly);
    expect(stopped.length).toBeGreaterThan(0);
    for (const r of stopped) expect(r.samples).toBeLessThan(N);
    for (const r of result.rows.filter((x) => !x.stoppedEarly)) expect(r.samples).toBe(N);
  });
});

/** Rows without the codec's times (measured wall clock: equal only by chance between two runs). */
function untimed(rows: readonly SweepRow[]): Omit<SweepRow, 'encodeMs' | 'decodeMs'>[] {
  return rows.map(({ encodeMs: _e, decodeMs: _d, ...rest }) => rest);
}

describe('sweep on worker threads', () => {
  test('gives the same rows as the sweep in one thread, early stops and sizes included', async () => {
    const m = chain();
    const ds = await dataset(m);
    const options = { maxLossPct: 0.5, minSamplesToStop: 64 };
    const one = (await sweepOf(m, ds, [1, 2, 8], { ...options, workers: 1 })).result;
    const two = (await sweepOf(m, ds, [1, 2, 8], { ...options, workers: 2 })).result;
    expect(one.rows.some((r) => r.stoppedEarly)).toBe(true);
    expect(untimed(two.rows)).toEqual(untimed(one.rows));
    expect(two.reference).toEqual(one.reference);
    // both timed the codec on every configuration
    for (const r of [...one.rows, ...two.rows]) {
      expect(r.encodeMs).toBeGreaterThan(0);
      expect(r.decodeMs).toBeGreaterThan(0);
    }
  });

  test('a multi-tensor cut gives the same rows in workers', async () => {
    const { m, ds, dag, cut, info } = await residualBlockCut();
    const run = (workers: number) =>
      runSweep(
        { model: m, modelBytes: encodeModel(m), dag, tensors: info, dataset: ds, input: inputSpecs(m)[0] },
        [cut],
        {
          bits: [1, 4],
          batchSize: 32,
          sizeSamples: 50,
          optimization: 'disabled',
          workers,
        },
      );
    expect(untimed((await run(3)).rows)).toEqual(untimed((await run(1)).rows));
  });

  test('threads start the module JALAD_SWEEP_WORKER names (jest: the sources), else the compiled worker', () => {
    expect(process.env[WORKER_ENTRY_VARIABLE]).toBe(
      path.join(__dirname, '..', 'helpers', 'ts-sweep-worker.js'),
    );
    expect(workerStart().entry).toBe(process.env[WORKER_ENTRY_VARIABLE]);
    // From the sources there is no compiled worker beside the pool: a RUNTIME error, not a thread that dies.
    expect(() => workerStart({})).toThrow(expect.objectContaining({ code: 'RUNTIME' }));
  });

  test('an error in a worker reaches the caller with its class and code', async () => {
    const m = chain();
    const ds = await dataset(m);
    const data = ds.data.slice();
    data[5 * (data.length / N) + 3] = NaN; // sample 5, in the first batch
    const failing = sweepOf(m, { ...ds, data }, [4], { workers: 2 });
    await expect(failing).rejects.toThrow(JaladError);
    await expect(failing).rejects.toMatchObject({
      code: 'NON_FINITE',
      message: expect.stringContaining('[5]'),
    });
  });
});
