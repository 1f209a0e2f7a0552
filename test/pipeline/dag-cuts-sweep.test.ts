/**
 * `analyze --dag-cuts`: cuts of several tensors are swept with all their tensors compressed together,
 * and the decision problem gives each of their tensors compressed options whose shares add up to the
 * cut's measured loss bound and bytes. ONNX Runtime runs for real on a residual model.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Analysis } from '../../src/core/analysis';
import { sweepCodecMs } from '../../src/core/latency';
import { buildDag, encodeModel } from '../../src/graph';
import { problemFromAnalysis } from '../../src/ilp';
import { analyzeModel } from '../../src/pipeline/analyze';
import { uniformRandom } from '../../src/core/random';
import { npyBytes, npyPayload, tempDir } from '../data/fixtures';
import { residual } from '../helpers/zoo';

const N = 24;
const dir = tempDir('jalad-dagcuts-');
afterAll(() => dir.remove());
const modelPath = path.join(dir.root, 'residual.onnx');
const dataPath = path.join(dir.root, 'x.npy');
let analysis: Analysis;

beforeAll(async () => {
  fs.writeFileSync(modelPath, encodeModel(residual()));
  const rand = uniformRandom(5);
  const x = new Float32Array(N * 3 * 8 * 8).map(() => rand() * 2 - 1);
  fs.writeFileSync(dataPath, npyBytes(1, '<f4', [N, 3, 8, 8], npyPayload('<f4', x)));
  analysis = await analyzeModel(modelPath, {
    data: { data: dataPath },
    bits: [2, 8],
    runs: 2,
    warmup: 1,
    batchSize: 8,
    sizeSamples: 8,
    profileMode: 'fast',
    dagCuts: 4,
  });
}, 120000);

test('cuts of several tensors are listed among the cut points in execution order and swept', () => {
  const dag = analysis.cutPoints.filter((c) => c.op === 'dag');
  expect(dag.length).toBeGreaterThan(0);
  expect(analysis.cutPoints.map((c) => c.index)).toEqual(analysis.cutPoints.map((_, i) => i));
  for (let i = 1; i < analysis.cutPoints.length; i++)
    expect(analysis.cutPoints[i].edgeNodes).toBeGreaterThanOrEqual(analysis.cutPoints[i - 1].edgeNodes);
  for (const c of dag) {
    expect(c.tensors.length).toBeGreaterThanOrEqual(2);
    expect(analysis.sweep!.filter((r) => r.cut === c.index).map((r) => r.bits)).toEqual([2, 8]);
  }
});

test("each tensor of a swept cut of several tensors gets its share of the cut's loss bound and bytes", () => {
  const { problem } = problemFromAnalysis(analysis, buildDag(residual()), { maxLossPct: 100, rttMs: 0 });
  const single = new Set(analysis.cutPoints.filter((c) => c.tensors.length === 1).map((c) => c.tensors[0]));
  // A cut none of whose tensors is a cut point or in another swept cut: its shares are its own.
  const own = analysis.cutPoints.find(
    (c) =>
      c.op === 'dag' &&
      c.tensors.every(
        (t) =>
          !single.has(t) &&
          analysis.cutPoints.filter((o) => o.op === 'dag' && o.tensors.includes(t)).length === 1,
      ),
  );
  expect(own).toBeDefined();
  for (const row of analysis.sweep!.filter((r) => r.cut === own!.index)) {
    const options = own!.tensors.map((t) =>
      problem.tensors.find((x) => x.name === t)!.options.find((o) => o.bits === row.bits)!,
    );
    const loss = options.reduce((s, o) => s + o.lossPct, 0);
    const bytes = options.reduce((s, o) => s + o.bytes, 0);
    expect(loss).toBeCloseTo(Math.max(0, row.lossUpperPct), 9);
    expect(bytes).toBeCloseTo(row.bytesMean, 6);
    // the codec's times are shared like the bytes (all compressed here; each device's factor applied)
    const codec = sweepCodecMs(row, analysis.profiles);
    expect(options.reduce((s, o) => s + o.encodeMs!, 0)).toBeCloseTo(codec.encodeMs, 9);
    expect(options.reduce((s, o) => s + o.decodeMs!, 0)).toBeCloseTo(codec.decodeMs, 9);
  }
  // A cut point's own figures are kept as they were measured.
  for (const c of analysis.cutPoints.filter((x) => x.tensors.length === 1 && x.op !== 'input')) {
    const t = problem.tensors.find((x) => x.name === c.tensors[0]);
    if (!t) continue;
    for (const row of analysis.sweep!.filter((r) => r.cut === c.index))
      expect(t.options.find((o) => o.bits === row.bits)).toEqual({
        bits: row.bits,
        bytes: row.bytesMean,
        lossPct: Math.max(0, row.lossUpperPct),
        ...sweepCodecMs(row, analysis.profiles),
      });
  }
});
