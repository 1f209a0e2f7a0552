/**
 * The bundled text detector end to end: analyze on a few rendered images with the per-pixel metric
 * at DB's threshold (pixel:0.3) and both devices modeled, solve at the 4G uplink, split; then the
 * written edge.onnx and cloud.onnx, run on the same images, give exactly the loss plan.json states.
 * A few cut points are swept (every one of the detector's 52 costs two sessions of seconds).
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadDataset } from '../../src/data';
import { analyzeModel } from '../../src/pipeline/analyze';
import { solveAndSplit } from '../../src/pipeline/solve-split';
import { createTensor, feedsFor, openSession } from '../../src/runtime';
import { tempDir } from '../data/fixtures';

const DIR = path.join(__dirname, '..', '..', 'datasets', 'ocr-text');
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const N = 6;
const SIDE = 160;
const dir = tempDir('jalad-detector-');
afterAll(() => dir.remove());

test('the split detector measures on the images what its plan states', async () => {
  const analysis = await analyzeModel(path.join(DIR, 'ppocr-v4-det.onnx'), {
    inputShapes: new Map([['x', [1, 3, SIDE, SIDE]]]),
    data: { data: path.join(DIR, 'images'), options: { mean: MEAN, std: STD, maxSamples: N } },
    metric: { kind: 'pixel', threshold: 0.3 },
    bits: [8],
    edge: 'raspberry-pi-4',
    cloud: 'xeon-16-core',
    sweepCuts: (c) => [0, 17, 51].includes(c.index),
    sizeSamples: N,
    batchSize: N,
  });
  expect(analysis.data?.metric?.name).toBe('pixel:0.3');
  expect(analysis.sweep!.map((r) => r.cut)).toEqual([0, 17, 51]);
  const analysisPath = path.join(dir.root, 'analysis.json');
  fs.writeFileSync(analysisPath, JSON.stringify(analysis));
  const plan = await solveAndSplit({
    analysisPath,
    outDir: path.join(dir.root, 'split'),
    maxLossPct: 100,
    bandwidthMbps: 5.85,
    rttMs: 0,
  });
  expect(plan.measured.exact).toBe(false);
  expect(plan.measured.samples).toBe(N);

  // The written pair on the same images, scored by hand: the share of pixels on the same side of 0.3.
  const ds = await loadDataset(path.join(DIR, 'images'), undefined, { mean: MEAN, std: STD, maxSamples: N });
  const x = createTensor('float32', ds.data, [N, 3, SIDE, SIDE]);
  const whole = await openSession(fs.readFileSync(path.join(DIR, 'ppocr-v4-det.onnx')));
  const edge = await openSession(fs.readFileSync(plan.files.edge));
  const cloud = await openSession(fs.readFileSync(plan.files.cloud));
  try {
    const ref = (await whole.run({ x }))['sigmoid_0.tmp_0'].data as Float32Array;
    const sent = await edge.run(feedsFor(edge, { x }));
    const out = (await cloud.run(feedsFor(cloud, { ...sent, x })))['sigmoid_0.tmp_0'].data as Float32Array;
    let scores = 0;
    for (let s = 0; s < N; s++) {
      let same = 0;
      for (let p = s * SIDE * SIDE; p < (s + 1) * SIDE * SIDE; p++) if (ref[p] > 0.3 === out[p] > 0.3) same++;
      scores += same / (SIDE * SIDE);
    }
    expect(plan.measured.lossPct).toBeCloseTo(100 * (1 - scores / N), 9);
  } finally {
    await Promise.all([whole.release(), edge.release(), cloud.release()]);
  }
}, 240000);
