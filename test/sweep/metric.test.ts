/**
 * `--metric`: the metrics' scores checked by hand against the model with Q/DQ nodes inserted, a user
 * module that re-implements top-1 giving exactly the built-in top1 rows on the bundled ResNet (in
 * this thread and on worker threads, where the module loads again), and bad metrics refused with
 * InputError naming them.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Dataset } from '../../src/data';
import { InputError } from '../../src/core/errors';
import { pairedLoss, pairedScoreLoss } from '../../src/core/stats';
import {
  buildDag,
  cutPoints,
  defaultOpset,
  encodeModel,
  readModelFile,
  withQuantDequant,
  type ModelProto,
} from '../../src/graph';
import { chooseMetric, loadMetric, parseMetric, runSweep, type MetricSpec } from '../../src/sweep';
import { createTensor, inputSpecs, openSession, probeTensors } from '../../src/runtime';
import { loadValidationSet } from '../../src/pipeline/validation-data';
import { uniformRandom } from '../../src/core/random';
import { tempDir } from '../data/fixtures';
import { chain } from '../helpers/zoo';
import { segmenter } from '../helpers/metric-models';

const ROOT = path.join(__dirname, '..', '..');
const FASHION = path.join(ROOT, 'datasets', 'fashion-mnist');
const dir = tempDir('jalad-metric-');
afterAll(() => dir.remove());

/** A user module re-implementing top-1, CommonJS (jest's own thread cannot import an ES module). */
const TOP1_MODULE = `
exports.description = 'top-1 written as a module';
exports.score = (split, unsplit, label) => {
  const v = Object.values(split)[0].data;
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best === label ? 1 : 0;
};
`;

function synthetic(m: ModelProto, n: number, seed: number): Dataset {
  const shape = inputSpecs(m)[0].dims.slice(1) as number[];
  const per = shape.reduce((a, b) => a * b, 1);
  const rand = uniformRandom(seed);
  return {
    samples: n,
    shape,
    data: new Float32Array(n * per).map(() => rand() * 2 - 0.5),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    source: 'synthetic',
    format: 'npy',
    layout: 'NCHW',
    indices: Int32Array.from({ length: n }, (_, i) => i),
    warnings: [],
  };
}

/** Every output of `m` on the whole data set, by name. */
async function outputsOf(m: ModelProto, ds: Dataset): Promise<Record<string, Float32Array>> {
  const s = await openSession(encodeModel(m), { optimization: 'disabled' });
  const out = await s.run({ [s.inputNames[0]]: createTensor('float32', ds.data, [ds.samples, ...ds.shape]) });
  await s.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

async function sweep(m: ModelProto, ds: Dataset, metric: MetricSpec, bits: (1 | 2 | 4 | 8)[], extra = {}) {
  const dag = buildDag(m);
  const cuts = cutPoints(dag);
  const info = await probeTensors(m, [...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name)))]);
  const result = await runSweep(
    { model: m, modelBytes: encodeModel(m), dag, tensors: info, dataset: ds, input: inputSpecs(m)[0] },
    cuts,
    { bits, batchSize: 32, sizeSamples: 0, optimization: 'disabled', metric, ...extra },
  );
  return { cuts, info, result };
}

/** The model with every tensor of the row's cut quantized and dequantized in the graph. */
function quantized(
  m: ModelProto,
  tensors: readonly string[],
  bits: number,
  info: ReadonlyMap<string, { readonly dims: readonly unknown[] }>,
) {
  let q = m;
  for (const t of tensors) q = withQuantDequant(q, t, bits as 1, info.get(t)!.dims.length, defaultOpset(m));
  return q;
}

function argmaxAt(v: Float32Array, offset: number, n: number, step = 1): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (v[offset + j * step] > v[offset + best * step]) best = j;
  return best;
}

describe('parseMetric', () => {
  test.each(['top2', 'cosine', 'cosine:x', 'cosine:2', 'pixel', 'pixel:', 'pixel:abc', ''])(
    'refuses %j naming the value',
    (text) => {
      expect(() => parseMetric(text)).toThrow(InputError);
      expect(() => parseMetric(text)).toThrow(`--metric ${text}`);
    },
  );
  test('reads the built-ins, thresholds and module paths', () => {
    expect(parseMetric('top5')).toEqual({ kind: 'top5' });
    expect(parseMetric('cosine:0.999')).toEqual({ kind: 'cosine', threshold: 0.999 });
    expect(parseMetric('pixel:0.5')).toEqual({ kind: 'pixel', threshold: 0.5 });
    expect(parseMetric('pixel:argmax')).toEqual({ kind: 'pixel', threshold: 'argmax' });
    expect(parseMetric('m/iou.mjs', '/work')).toEqual({
      kind: 'module',
      path: '/work/m/iou.mjs',
      given: 'm/iou.mjs',
    });
  });
  test('top1 and top5 need labels; the default is top1 with labels, agreement without', () => {
    expect(() => chooseMetric({ kind: 'top5' }, false)).toThrow(InputError);
    expect(chooseMetric(undefined, true)).toEqual({ kind: 'top1' });
    expect(chooseMetric(undefined, false)).toEqual({ kind: 'agreement' });
  });
});

describe('the bound for scores', () => {
  test('equals Agresti–Min on pass/fail outcomes and keeps a width when every sample agrees', () => {
    for (const [lost, gained, n] of [
      [12, 4, 1000],
      [0, 0, 300],
      [30, 2, 200],
    ])
      expect(pairedScoreLoss({ n, sumDiff: lost - gained, sumDiffSq: lost + gained })).toEqual(
        pairedLoss({ lost, gained, n }),
      );
    expect(pairedScoreLoss({ n: 1000, sumDiff: 0, sumDiffSq: 0 }).lossUpperPct).toBeGreaterThan(0.1);
    // Scores: 100 samples each 0.1 worse: loss 10 pp, a bound above it.
    const b = pairedScoreLoss({ n: 100, sumDiff: 10, sumDiffSq: 1 });
    expect(b.lossPct).toBeCloseTo(10, 12);
    expect(b.lossUpperPct).toBeGreaterThan(b.lossPct - 0.2);
  });
});

describe('built-in metrics equal their definitions counted by hand', () => {
  const m = chain();
  const ds = synthetic(m, 96, 5);

  test('agreement: the loss is the share of samples whose top-1 differs from the unsplit top-1', async () => {
    const { cuts, info, result } = await sweep(m, ds, { kind: 'agreement' }, [1, 2]);
    expect(result.metric.name).toBe('agreement');
    expect(result.reference.accuracy).toBe(1);
    const ref = (await outputsOf(m, ds)).logits;
    let nonzero = 0;
    for (const row of result.rows) {
      const q = (
        await outputsOf(
          quantized(
            m,
            cuts[row.cut].tensors.map((t) => t.name),
            row.bits,
            info,
          ),
          ds,
        )
      ).logits;
      let differ = 0;
      for (let i = 0; i < ds.samples; i++)
        if (argmaxAt(q, i * 10, 10) !== argmaxAt(ref, i * 10, 10)) differ++;
      expect({ cut: row.cut, bits: row.bits, lossPct: row.lossPct }).toEqual({
        cut: row.cut,
        bits: row.bits,
        lossPct: (differ / ds.samples) * 100,
      });
      if (differ > 0) nonzero++;
    }
    expect(nonzero).toBeGreaterThan(0);
  });

  test('cosine:T: the loss is the share of samples whose output cosine falls below T', async () => {
    const T = 0.999;
    const { cuts, info, result } = await sweep(m, ds, { kind: 'cosine', threshold: T }, [2]);
    const ref = (await outputsOf(m, ds)).logits;
    let nonzero = 0;
    for (const row of result.rows) {
      const q = (
        await outputsOf(
          quantized(
            m,
            cuts[row.cut].tensors.map((t) => t.name),
            row.bits,
            info,
          ),
          ds,
        )
      ).logits;
      let below = 0;
      for (let i = 0; i < ds.samples; i++) {
        let dot = 0;
        let a = 0;
        let b = 0;
        for (let j = 0; j < 10; j++) {
          dot += q[i * 10 + j] * ref[i * 10 + j];
          a += q[i * 10 + j] ** 2;
          b += ref[i * 10 + j] ** 2;
        }
        if (dot / Math.sqrt(a * b) < T) below++;
      }
      expect(row.lossPct).toBeCloseTo((below / ds.samples) * 100, 9);
      if (below > 0) nonzero++;
    }
    expect(nonzero).toBeGreaterThan(0);
  });

  test.each([0, 'argmax'] as const)(
    'pixel:%s on a two-channel map: mean share of agreeing pixels',
    async (t) => {
      const seg = segmenter();
      const sds = synthetic(seg, 40, 9);
      const { cuts, info, result } = await sweep(seg, sds, { kind: 'pixel', threshold: t }, [1, 2]);
      expect(result.metric.outcome).toBe('score');
      const ref = (await outputsOf(seg, sds)).map;
      const per = 2 * 8 * 8;
      let fractional = 0;
      for (const row of result.rows) {
        const q = (
          await outputsOf(
            quantized(
              seg,
              cuts[row.cut].tensors.map((x) => x.name),
              row.bits,
              info,
            ),
            sds,
          )
        ).map;
        let sum = 0;
        for (let i = 0; i < sds.samples; i++) {
          let same = 0;
          if (t === 'argmax') {
            for (let p = 0; p < 64; p++)
              if (argmaxAt(q, i * per + p, 2, 64) === argmaxAt(ref, i * per + p, 2, 64)) same++;
            sum += same / 64;
          } else {
            for (let k = 0; k < per; k++) if (q[i * per + k] > t === ref[i * per + k] > t) same++;
            sum += same / per;
          }
        }
        expect(row.lossPct).toBeCloseTo((1 - sum / sds.samples) * 100, 9);
        if (row.lossPct > 0 && row.lossPct < 100 && (row.lossPct * sds.samples) % 100 !== 0) fractional++;
      }
      // Scores, not pass/fail: some losses are not a whole number of samples.
      expect(fractional).toBeGreaterThan(0);
    },
  );
});

describe('a user metric module', () => {
  const modulePath = dir.write('top1.js', TOP1_MODULE);
  let inputs: Parameters<typeof runSweep>[0];
  let cuts: ReturnType<typeof cutPoints>;

  beforeAll(async () => {
    const model = path.join(FASHION, 'resnet.onnx');
    const loaded = readModelFile(model);
    const dag = buildDag(loaded.model);
    cuts = cutPoints(dag);
    const info = await probeTensors(loaded.model, [
      ...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name))),
    ]);
    const { dataset, input } = await loadValidationSet(
      loaded.model,
      {
        data: path.join(FASHION, 't10k-images-idx3-ubyte.gz'),
        labels: path.join(FASHION, 't10k-labels-idx1-ubyte.gz'),
        options: { scale: 1 / 255, mean: [0.286], std: [0.353], maxSamples: 256 },
      },
      model,
    );
    inputs = { model: loaded.model, modelBytes: loaded.sessionBytes, dag, tensors: info, dataset, input };
  });

  test('re-implementing top-1 gives exactly the built-in top1 rows on the bundled ResNet, in workers too', async () => {
    const options = {
      bits: [1, 2] as const,
      batchSize: 64,
      sizeSamples: 0,
      maxLossPct: 1,
      minSamplesToStop: 64,
    };
    const builtin = await runSweep(inputs, cuts, {
      ...options,
      bits: [...options.bits],
      metric: { kind: 'top1' },
    });
    const spec = parseMetric(modulePath);
    const user = await runSweep(inputs, cuts, { ...options, bits: [...options.bits], metric: spec });
    const workers = await runSweep(inputs, cuts, {
      ...options,
      bits: [...options.bits],
      metric: spec,
      workers: 2,
    });
    const losses = (r: typeof builtin) =>
      r.rows.map((x) => ({
        cut: x.cut,
        bits: x.bits,
        lossPct: x.lossPct,
        upper: x.lossUpperPct,
        n: x.samples,
      }));
    expect(losses(user)).toEqual(losses(builtin));
    expect(losses(workers)).toEqual(losses(builtin));
    expect(user.reference).toEqual(builtin.reference);
    expect(user.metric.definition).toContain('top-1 written as a module');
    // Not trivially equal: some configurations lose accuracy, some stop early.
    expect(builtin.rows.some((r) => r.lossPct > 1)).toBe(true);
    expect(builtin.rows.some((r) => r.stoppedEarly)).toBe(true);
  }, 180000);

  test.each([
    ['throws', 'exports.score = () => { throw new Error("boom"); };', 'threw on sample 0: boom'],
    ['returns NaN', 'exports.score = () => NaN;', 'returned NaN'],
    ['returns 1.5', 'exports.score = () => 1.5;', 'returned 1.5'],
    ['returns a string', 'exports.score = () => "1";', 'returned a string'],
    ['exports no score', 'exports.scor = () => 1;', 'no function "score"'],
    ['fails to load', 'exports.score = ;', 'failed to load'],
  ])('a module that %s is refused naming it', async (_what, source, message) => {
    const file = dir.write(`bad-${_what.replace(/\W/g, '')}.js`, source);
    const run = async () => {
      const metric = await loadMetric(parseMetric(file));
      const out = { o: { data: new Float32Array([1, 2]), dims: [2] } };
      metric.score(out, out, 0, 0);
    };
    await expect(run()).rejects.toThrow(InputError);
    await expect(run()).rejects.toThrow(new RegExp(`--metric .*bad-.*${message.replace(/[.()"]/g, '.')}`));
  });

  test('a module that does not exist is refused naming it', async () => {
    await expect(loadMetric(parseMetric('no/such/metric.mjs'))).rejects.toThrow(
      '--metric no/such/metric.mjs: no such file',
    );
  });

  test('a bad score on a worker thread reaches the caller as InputError naming the module', async () => {
    // Scores the unsplit model (split === unsplit) fine, every split sample out of range.
    const file = dir.write('split-only.js', 'exports.score = (s, u) => (s === u ? 1 : 2);');
    await expect(
      runSweep(inputs, cuts.slice(-2), {
        bits: [8],
        batchSize: 64,
        sizeSamples: 0,
        metric: parseMetric(file),
        workers: 2,
      }),
    ).rejects.toThrow(/--metric .*split-only\.js: score\(\) returned 2 for sample 0/);
  }, 60000);
});

test('the example modules load and score', async () => {
  for (const name of ['top1.mjs', 'iou-map.mjs'])
    expect(fs.existsSync(path.join(ROOT, 'examples', 'metrics', name))).toBe(true);
});
