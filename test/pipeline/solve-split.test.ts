/**
 * The decision stage end to end on a small model and synthetic data: analyze (profiles,
 * sweep, decision table), split from the analysis (ILP, measured accuracy, exclusion
 * rounds, deployable models), simulate. ONNX Runtime runs for real throughout.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Analysis } from '../../src/core/analysis';
import { JaladError, InputError } from '../../src/core/errors';
import { encodeModel } from '../../src/graph';
import { parseTrace, simulateTrace } from '../../src/ilp';
import { analyzeModel } from '../../src/pipeline/analyze';
import { solveAndSplit } from '../../src/pipeline/solve-split';
import { argmax, createTensor, feedsFor, openSession } from '../../src/runtime';
import { uniformRandom } from '../../src/core/random';
import { npyBytes, npyPayload, tempDir } from '../data/fixtures';
import { chain } from '../helpers/zoo';

const N = 160;
const dir = tempDir('jalad-solve-');
afterAll(() => dir.remove());
const modelPath = path.join(dir.root, 'chain.onnx');
const dataPath = path.join(dir.root, 'x.npy');
const labelsPath = path.join(dir.root, 'y.npy');
let analysis: Analysis;
let analysisPath: string;
let inputs: Float32Array;
let labels: number[];

beforeAll(async () => {
  fs.writeFileSync(modelPath, encodeModel(chain()));
  const rand = uniformRandom(21);
  inputs = new Float32Array(N * 3 * 8 * 8).map(() => rand() * 2 - 0.5);
  fs.writeFileSync(dataPath, npyBytes(1, '<f4', [N, 3, 8, 8], npyPayload('<f4', inputs)));
  const s = await openSession(fs.readFileSync(modelPath));
  const out = (await s.run({ input: createTensor('float32', inputs, [N, 3, 8, 8]) })).logits;
  await s.release();
  labels = Array.from({ length: N }, (_, i) =>
    i % 4 === 3
      ? (argmax(out.data as Float32Array, i * 10, 10) + 3) % 10
      : argmax(out.data as Float32Array, i * 10, 10),
  );
  fs.writeFileSync(labelsPath, npyBytes(1, '<i8', [N], npyPayload('<i8', labels)));
  analysis = await analyzeModel(modelPath, {
    data: { data: dataPath, labels: labelsPath },
    bits: [1, 2, 8],
    runs: 3,
    warmup: 1,
    maxLossPct: 2,
    batchSize: 32,
  });
  analysisPath = path.join(dir.root, 'analysis.json');
  fs.writeFileSync(analysisPath, JSON.stringify(analysis));
}, 120000);

describe('analyze with data', () => {
  test('records the data, the sweep and a decision table covering 0.1 to 1000 Mbps', () => {
    expect(analysis.data).toMatchObject({ path: dataPath, samples: N, labelled: true });
    expect(analysis.sweep).toHaveLength(analysis.cutPoints.length * 3);
    const d = analysis.decisions!;
    expect(d[0].fromMbps).toBe(0.1);
    expect(d[d.length - 1].toMbps).toBe(1000);
    for (let i = 1; i < d.length; i++) expect(d[i].fromMbps).toBe(d[i - 1].toMbps);
    for (const x of d) {
      expect(x.totalMs).toBeCloseTo(x.fixedMs + (x.bytes * 8) / (x.fromMbps * 1000), 9);
      expect(x.predictedLossPct).toBeLessThanOrEqual(2 + 1e-9);
    }
  });
});

describe('split from an analysis', () => {
  test('writes deployable models whose accuracy is the measured one, within the budget', async () => {
    const out = path.join(dir.root, 'plan1');
    const plan = await solveAndSplit({
      analysisPath,
      outDir: out,
      maxLossPct: 2,
      bandwidthMbps: 0.5,
      rttMs: 5,
    });
    expect(JSON.parse(fs.readFileSync(path.join(out, 'plan.json'), 'utf8'))).toEqual(plan);
    expect(plan.predictedMs.total).toBeCloseTo(
      plan.predictedMs.edge +
        plan.predictedMs.encode +
        plan.predictedMs.rtt +
        plan.predictedMs.transfer +
        plan.predictedMs.decode +
        plan.predictedMs.cloud,
      9,
    );
    expect(plan.rttMs).toBe(5);
    expect(plan.measured.exact).toBe(false);
    // a compressed plan pays the codec on both sides (the sweep's times, each device's factor)
    expect(plan.predictedMs.encode).toBeGreaterThan(0);
    expect(plan.predictedMs.decode).toBeGreaterThan(0);
    expect(plan.coder).toBe('context'); // the analysis's coder, DEFAULT_CODER
    {
      expect(plan.measured!.lossUpperPct).toBeLessThanOrEqual(2);
      // Run the deployable pair on the data: its accuracy is what was measured.
      const edge = await openSession(fs.readFileSync(plan.files.edge));
      const cloud = await openSession(fs.readFileSync(plan.files.cloud));
      const sent = await edge.run({ input: createTensor('float32', inputs, [N, 3, 8, 8]) });
      const logits = (await cloud.run(feedsFor(cloud, sent))).logits;
      const correct = labels.filter((l, i) => argmax(logits.data as Float32Array, i * 10, 10) === l).length;
      const ref = analysis.data!.referenceCorrect;
      expect(((ref - correct) / N) * 100).toBeCloseTo(plan.measured!.lossPct, 9);
      await edge.release();
      await cloud.release();
    }
  });

  test('a plan whose measured bound breaks the budget is excluded and the problem solved again', async () => {
    // An analysis that claims every compressed width is free: the solver takes 1 bit first.
    const liar = { ...analysis, sweep: analysis.sweep!.map((r) => ({ ...r, lossUpperPct: 0, lossPct: 0 })) };
    const liarPath = path.join(dir.root, 'liar.json');
    fs.writeFileSync(liarPath, JSON.stringify(liar));
    const plan = await solveAndSplit({
      analysisPath: liarPath,
      outDir: path.join(dir.root, 'plan2'),
      maxLossPct: 0.5,
      bandwidthMbps: 0.1,
      rttMs: 0,
    });
    expect(plan.rounds).toBeGreaterThan(1);
    // The accepted plan is either measured within the budget or lossless (float32 only).
    if (plan.measured.exact) expect(plan.wire.every((w) => w.bits === 'f32')).toBe(true);
    else expect(plan.measured.lossUpperPct).toBeLessThanOrEqual(0.5);
  });

  test('no plan within the budget: NO_PLAN with the smallest reachable loss', async () => {
    const err = await solveAndSplit({
      analysisPath,
      outDir: path.join(dir.root, 'none'),
      maxLossPct: 0,
      bandwidthMbps: 1,
      rttMs: 0,
      bits: 1,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(JaladError);
    expect(err.code).toBe('NO_PLAN');
    expect(err.message).toMatch(/--max-loss [\d.]+ admits it/);
    expect(fs.existsSync(path.join(dir.root, 'none'))).toBe(false);
  });

  test.each([
    ['a missing analysis', () => path.join(dir.root, 'nope.json'), 'BAD_ANALYSIS'],
    [
      'an unknown version',
      () => {
        const p = path.join(dir.root, 'v9.json');
        fs.writeFileSync(p, JSON.stringify({ ...analysis, version: 9 }));
        return p;
      },
      'BAD_ANALYSIS',
    ],
    [
      'another model',
      () => {
        const p = path.join(dir.root, 'other.json');
        fs.writeFileSync(
          p,
          JSON.stringify({ ...analysis, model: { ...analysis.model, sha256: '0'.repeat(64) } }),
        );
        return p;
      },
      'BAD_ANALYSIS',
    ],
    ['a width that was not swept', () => analysisPath, 'BAD_OPTION'],
  ])('%s is refused', async (what, make, code) => {
    const err = await solveAndSplit({
      analysisPath: make(),
      outDir: path.join(dir.root, 'x'),
      maxLossPct: 1,
      bandwidthMbps: 1,
      rttMs: 0,
      ...(what.startsWith('a width') ? { bits: 4 } : {}),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe(code);
  });
});

describe('simulate', () => {
  test('a malformed trace names the line', () => {
    expect(() => parseTrace('time_s,mbps\n0,1\n0.1,-3\n', 't.csv')).toThrow(/line 3/);
  });
  test('at a constant bandwidth, adaptive equals static and beats or ties edge-only and cloud-only', () => {
    const frames = Array.from({ length: 50 }, (_, i) => ({ timeS: i / 10, mbps: 2.5 }));
    const r = simulateTrace(analysis, frames);
    const by = Object.fromEntries(r.strategies.map((s) => [s.strategy, s]));
    expect(by.adaptive.meanMs).toBeCloseTo(by.static.meanMs, 12);
    expect(by.adaptive.switches).toBe(0);
    expect(by.adaptive.meanMs).toBeLessThanOrEqual(by['edge-only'].meanMs + 1e-9);
    expect(by.adaptive.meanMs).toBeLessThanOrEqual(by['cloud-only'].meanMs + 1e-9);
  });
});
