/**
 * Models with two graph inputs swept end to end from `--data NAME=FILE,NAME=FILE`: the sweep, the
 * decision, the split files, and the split files' measured loss equal to the plan's (fed both
 * inputs, scored by hand), in top1 on a classifier with a late second input and in cosine:T on a
 * dense map whose image is scaled by a second input; `eval --split` measures the same loss.
 */
import * as fs from 'fs';
import * as path from 'path';
import { encodeModel, type ModelProto } from '../../src/graph';
import { analyzeModel } from '../../src/pipeline/analyze';
import { solveAndSplit } from '../../src/pipeline/solve-split';
import { evaluateModel } from '../../src/pipeline/evaluate';
import { argmax, createTensor, feedsFor, inputSpecs, openSession, type Tensor } from '../../src/runtime';
import { uniformRandom } from '../../src/core/random';
import { npyBytes, npyPayload, tempDir } from '../data/fixtures';
import { lateInput } from '../helpers/zoo';
import { scaledMap } from '../helpers/metric-models';
import type { MetricSpec } from '../../src/sweep';

const N = 160;
const dir = tempDir('jalad-two-inputs-');
afterAll(() => dir.remove());

/** Random inputs for every graph input of `m`, written as .npy files; the `--data` text naming them. */
function inputsOf(m: ModelProto, tag: string, seed: number): { feeds: Record<string, Tensor>; data: string } {
  const rand = uniformRandom(seed);
  const feeds: Record<string, Tensor> = {};
  const parts: string[] = [];
  for (const s of inputSpecs(m)) {
    const dims = [N, ...(s.dims.slice(1) as number[])];
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1)).map(() => rand() * 2 - 0.5);
    feeds[s.name] = createTensor('float32', values, dims);
    parts.push(
      `${s.name}=${dir.write(`${tag}-${s.name}.npy`, npyBytes(1, '<f4', dims, npyPayload('<f4', values)))}`,
    );
  }
  return { feeds, data: parts.join(',') };
}

/** The first output of a model file (or of an edge/cloud pair) on `feeds`. */
async function firstOutput(
  feeds: Record<string, Tensor>,
  file: string,
  cloudFile?: string,
): Promise<Float32Array> {
  const s = await openSession(fs.readFileSync(file));
  let out = await s.run(feedsFor(s, feeds));
  await s.release();
  if (cloudFile) {
    const c = await openSession(fs.readFileSync(cloudFile));
    out = await c.run(feedsFor(c, { ...feeds, ...out }));
    await c.release();
  }
  return Object.values(out)[0].data as Float32Array;
}

function cosine(a: Float32Array, b: Float32Array, from: number, to: number): number {
  let dot = 0;
  let x = 0;
  let y = 0;
  for (let j = from; j < to; j++) {
    dot += a[j] * b[j];
    x += a[j] ** 2;
    y += b[j] ** 2;
  }
  return dot / Math.sqrt(x * y);
}

interface Case {
  readonly make: () => ModelProto;
  readonly metric?: MetricSpec;
  readonly bits: number[];
  readonly bandwidthMbps: number;
  readonly maxLossPct: number;
}

const CASES: readonly (readonly [string, Case])[] = [
  ['top1, a late second input', { make: lateInput, bits: [1, 2, 8], bandwidthMbps: 0.5, maxLossPct: 2 }],
  [
    'cosine:0.999, an image scaled by a second input',
    {
      make: scaledMap,
      metric: { kind: 'cosine', threshold: 0.999 },
      bits: [2],
      bandwidthMbps: 0.1,
      maxLossPct: 100,
    },
  ],
];

describe.each(CASES)('two inputs, %s', (tag, c) => {
  test("data, sweep, decision, split; the split files measure the plan's loss", async () => {
    const m = c.make();
    const modelPath = dir.write(`${tag.length}.onnx`, Buffer.from(encodeModel(m)));
    const { feeds, data } = inputsOf(m, String(tag.length), 31);
    const ref = await firstOutput(feeds, modelPath);
    const per = ref.length / N;
    // Labels: the model's own top-1, every fifth one moved.
    const labels = Array.from(
      { length: N },
      (_, i) => (argmax(ref, i * per, per) + (i % 5 === 4 ? 1 : 0)) % per,
    );
    const labelsPath = dir.write(`${tag.length}-y.npy`, npyBytes(1, '<i8', [N], npyPayload('<i8', labels)));
    const analysis = await analyzeModel(modelPath, {
      data: { data, labels: labelsPath },
      bits: c.bits,
      runs: 3,
      warmup: 1,
      maxLossPct: c.maxLossPct,
      batchSize: 32,
      ...(c.metric ? { metric: c.metric } : {}),
    });
    expect(analysis.data!.metric!.name).toBe(c.metric ? 'cosine:0.999' : 'top1');
    expect(analysis.sweep!.length).toBe(analysis.cutPoints.length * c.bits.length);
    expect(analysis.decisions!.length).toBeGreaterThan(0);
    // Low bits change the outputs: the sweep fed both inputs.
    expect(analysis.sweep!.some((r) => r.lossPct > 0)).toBe(true);
    const analysisPath = dir.write(`${tag.length}-analysis.json`, JSON.stringify(analysis));
    const out = path.join(dir.root, `${tag.length}-plan`);
    const plan = await solveAndSplit({
      analysisPath,
      outDir: out,
      maxLossPct: c.maxLossPct,
      bandwidthMbps: c.bandwidthMbps,
      rttMs: 5,
    });
    expect(plan.metric!.name).toBe(analysis.data!.metric!.name);
    expect(plan.measured.exact).toBe(false);
    expect(plan.measured.lossUpperPct).toBeLessThanOrEqual(c.maxLossPct);

    // The deployable pair fed both inputs, scored by hand in the metric.
    const split = await firstOutput(feeds, plan.files.edge, plan.files.cloud);
    let lost = 0;
    for (let i = 0; i < N; i++) {
      if (c.metric === undefined)
        lost +=
          (argmax(ref, i * per, per) === labels[i] ? 1 : 0) -
          (argmax(split, i * per, per) === labels[i] ? 1 : 0);
      else lost += cosine(split, ref, i * per, (i + 1) * per) >= 0.999 ? 0 : 1;
    }
    expect(plan.measured.lossPct).toBeCloseTo((lost / N) * 100, 9);
    // The dense case is lossy: its equality is not 0 = 0.
    if (c.metric) expect(lost).toBeGreaterThan(0);

    // eval --split measures the same loss and bound.
    const { report } = await evaluateModel(
      modelPath,
      { data, labels: labelsPath },
      { splitDir: out, ...(c.metric ? { metric: c.metric } : {}) },
    );
    expect(report.metric!.split!.lossPct).toBeCloseTo(plan.measured.lossPct, 9);
    expect(report.metric!.split!.lossUpperPct).toBeCloseTo(plan.measured.lossUpperPct, 9);
  }, 120000);
});
