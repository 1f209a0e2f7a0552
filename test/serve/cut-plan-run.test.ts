/**
 * A fixed `jalad split --cut` plan run against the analysis that predicts it, and an edge made
 * slower by repeating its part: the served outputs stay exactly the offline ones.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { InputError } from '../../src/core/errors';
import { decodeModel, encodeModel } from '../../src/graph';
import { splitAtCut } from '../../src/pipeline/split-at-cut';
import {
  edgeInputDims,
  loadAnalysisPlans,
  loadPlanDir,
  runEdge,
  runLive,
  runOffline,
  startServer,
  withAnalysisPrediction,
  type ServerHandle,
} from '../../src/serve';
import type { Analysis } from '../../src/core/analysis';
import { serveFixture, type ServeFixture } from './fixture';

let fx: ServeFixture;
let cutDir: string;
let server: ServerHandle;
beforeAll(async () => {
  fx = await serveFixture(12);
  cutDir = path.join(fx.dir.root, 'cut');
  await splitAtCut(fx.modelPath, ['r2'], cutDir);
  server = await startServer([loadPlanDir(cutDir)]);
}, 120000);
afterAll(async () => {
  await server?.close();
  fx?.dir.remove();
});

describe('withAnalysisPrediction', () => {
  test('a plan whose tensors no cut point sends is refused, naming the tensors', () => {
    const plan = loadPlanDir(cutDir);
    const other = { ...plan, wire: [{ ...plan.wire[0], tensor: 'no-such-tensor' }] };
    expect(() => withAnalysisPrediction(other, fx.analysisPath)).toThrow(InputError);
    expect(() => withAnalysisPrediction(other, fx.analysisPath)).toThrow(/no-such-tensor/);
  });

  test("a --cut plan gets its cut point's edge and cloud times, and keeps its own bytes", () => {
    const plan = loadPlanDir(cutDir);
    expect(Number.isNaN(plan.predicted.edgeMs)).toBe(true);
    const a = JSON.parse(fs.readFileSync(fx.analysisPath, 'utf8')) as Analysis;
    const c = a.cutPoints.find((p) => p.tensors.length === 1 && p.tensors[0] === 'r2')!;
    const predicted = withAnalysisPrediction(plan, fx.analysisPath).predicted;
    expect(predicted.edgeMs).toBe(c.edgeMs);
    expect(predicted.cloudMs).toBe(c.cloudMs);
    expect(predicted.bytes).toBe(plan.predicted.bytes);
  });
});

describe('a --cut plan served and run', () => {
  test('runLive with --plan and --analysis predicts every stage; outputs equal the offline run', async () => {
    const report = await runLive({
      planDir: cutDir,
      analysisPath: fx.analysisPath,
      serverUrl: server.url,
      data: fx.dataPath,
      labels: fx.labelsPath,
      adaptive: false,
    });
    const offline = await runOffline(loadPlanDir(cutDir), fx.dataset);
    expect(report.samples).toBe(12);
    expect(Number.isFinite(report.stages.total.predictedMs)).toBe(true);
    expect(Number.isFinite(report.medianErrorPct.total)).toBe(true);
    report.records.forEach((r, i) => expect(Array.from(r.scores)).toEqual(Array.from(offline.scores[i])));
    expect(report.top1!.correct).toBe(offline.top1!.correct);
  });

  test('a trace replayed by sample gives sample i the trace rate at start + i x step, whatever its speed', async () => {
    const trace = path.join(fx.dir.root, 'steps.csv');
    fs.writeFileSync(trace, 'time_s,mbps\n0,40\n0.1,20\n0.2,80\n');
    const run = (traceStartS: number) =>
      runLive({
        planDir: cutDir,
        serverUrl: server.url,
        data: fx.dataPath,
        adaptive: false,
        tracePath: trace,
        traceStepS: 0.1,
        traceStartS,
        rttPings: 1,
      });
    const [a, b] = [await run(0), await run(0.1)];
    const rates = (r: typeof a) => r.records.map((x) => x.bandwidthMbps);
    expect(rates(a)).toEqual(Array.from({ length: 12 }, (_, i) => [40, 20, 80][i % 3]));
    expect(rates(b)).toEqual(Array.from({ length: 12 }, (_, i) => [20, 80, 40][i % 3]));
    const offline = await runOffline(loadPlanDir(cutDir), fx.dataset);
    a.records.forEach((r, i) => expect(Array.from(r.scores)).toEqual(Array.from(offline.scores[i])));
  });

  test("runLive's hooks: beforeSample with -1, then each sample before the trace sets its rate; onSample after each", async () => {
    const trace = path.join(fx.dir.root, 'hooks.csv');
    fs.writeFileSync(trace, 'time_s,mbps\n0,40\n0.1,20\n');
    const calls: string[] = [];
    const link = { rate: 0, setRateMbps: (m: number) => void (link.rate = m), rateMbps: () => link.rate };
    await runLive({
      planDir: cutDir,
      serverUrl: server.url,
      data: fx.dataPath,
      dataOptions: { maxSamples: 3 },
      adaptive: false,
      tracePath: trace,
      traceStepS: 0.1,
      rttPings: 1,
      link,
      beforeSample: (i) => void calls.push(`before ${i} at ${link.rate}`),
      onSample: (r) => void calls.push(`after ${r.index}`),
    });
    // the hook runs before the trace's rate for that step is set (-1: the trace's start, 40)
    expect(calls).toEqual([
      'before -1 at 0',
      'before 0 at 40',
      'after 0',
      'before 1 at 40',
      'after 1',
      'before 2 at 20',
      'after 2',
    ]);
  });

  test('edgeRepeat runs the edge part that many times per sample and sends the same outputs', async () => {
    const plan = loadPlanDir(cutDir);
    const before = server.metrics().requests;
    const once = await runEdge({ plans: [plan], serverUrl: server.url, dataset: fx.dataset, rttPings: 1 });
    const thrice = await runEdge({
      plans: [plan],
      serverUrl: server.url,
      dataset: fx.dataset,
      rttPings: 1,
      edgeRepeat: 3,
    });
    thrice.records.forEach((r, i) =>
      expect(Array.from(r.scores)).toEqual(Array.from(once.records[i].scores)),
    );
    // one request per sample whatever the repeat: the repeats stay on the edge (and per run one
    // request for the answer's size, one probe and the 9 calibration requests)
    expect(server.metrics().requests - before).toBe(2 * (1 + 1 + 9 + 12));
    // the calibration ran the edge part as the samples do, repeats included (no timing compared)
    expect(thrice.calibration.plans).toHaveLength(1);
  });
});

describe("the codec's encode and decode times in the prediction", () => {
  test('plan.json and the decision table carry them into every sample, beside the measured stages', async () => {
    const solved = loadPlanDir(fx.planDir);
    const json = JSON.parse(fs.readFileSync(path.join(fx.planDir, 'plan.json'), 'utf8')) as {
      predictedMs: { encode: number; decode: number };
    };
    expect(json.predictedMs.encode).toBeGreaterThan(0); // a quantized plan: the sweep timed its codec
    expect(solved.predicted.encodeMs).toBe(json.predictedMs.encode);
    expect(solved.predicted.decodeMs).toBe(json.predictedMs.decode);
    const a = JSON.parse(fs.readFileSync(fx.analysisPath, 'utf8')) as Analysis;
    const table = await loadAnalysisPlans(fx.analysisPath);
    table.forEach((p, i) => {
      expect(p.predicted.encodeMs).toBe(a.decisions![i].encodeMs ?? 0);
      expect(p.predicted.decodeMs).toBe(a.decisions![i].decodeMs ?? 0);
    });
    const s = await startServer([solved]);
    try {
      const report = await runEdge({ plans: [solved], serverUrl: s.url, dataset: fx.dataset, rttPings: 1 });
      const r = report.records[0];
      // the profile's prediction carries them (the calibrated one measures them before the run)
      expect(r.profile.encodeMs).toBe(solved.predicted.encodeMs);
      expect(r.profile.totalMs).toBeCloseTo(
        r.profile.edgeMs +
          r.profile.encodeMs +
          r.profile.transferMs +
          r.profile.decodeMs +
          r.profile.cloudMs +
          r.profile.answerEncodeMs +
          r.profile.answerDecodeMs,
        9,
      );
      expect(report.stages.encode.profiledMs).toBe(solved.predicted.encodeMs);
      expect(report.stages.decode.profiledMs).toBe(solved.predicted.decodeMs);
      const uncalibrated = await runEdge({
        plans: [solved],
        serverUrl: s.url,
        dataset: fx.dataset,
        rttPings: 1,
        calibrate: 0,
        computeWindow: 0,
      });
      expect(uncalibrated.stages.encode.predictedMs).toBe(solved.predicted.encodeMs);
      expect(uncalibrated.stages.decode.predictedMs).toBe(solved.predicted.decodeMs);
      // the server reports its decoding of the request: measured, within its own time
      expect(r.serverDecodeMs).toBeGreaterThan(0);
      expect(r.serverDecodeMs).toBeLessThanOrEqual(r.serverMs);
    } finally {
      await s.close();
    }
  });
});

describe('run overheads of a part with no model node', () => {
  test('a quantized cloud-only plan pays the edge call of its quantizer, an edge-only one the dequantizer; float32 does not', async () => {
    const a = JSON.parse(fs.readFileSync(fx.analysisPath, 'utf8')) as Analysis;
    const first = a.cutPoints[0];
    const last = a.cutPoints[a.cutPoints.length - 1];
    const row = (cut: number, tensor: string, bits: number | 'f32', edgeNodes: number) => ({
      fromMbps: 0.1,
      toMbps: 1000,
      cut,
      bits: bits === 'f32' ? 32 : bits,
      tensors: [{ name: tensor, bits, bytes: 100 }],
      fixedMs: 1,
      encodeMs: 0,
      decodeMs: 0,
      bytes: 100,
      totalMs: 1,
      totalMsAtTo: 1,
      predictedLossPct: 0,
      edgeNodes,
    });
    const nodes = a.nodes!.length;
    const changed: Analysis = {
      ...a,
      profiles: {
        edge: { ...a.profiles!.edge, runOverheadMs: 0.25 },
        cloud: { ...a.profiles!.cloud, runOverheadMs: 0.125 },
      },
      decisions: [
        row(first.index, first.tensors[0], 8, 0),
        row(first.index, first.tensors[0], 'f32', 0),
        row(last.index, last.tensors[0], 8, nodes),
      ],
    };
    const file = path.join(fx.dir.root, 'overheads.json');
    fs.writeFileSync(file, JSON.stringify(changed));
    const [quantized, raw, edgeOnly] = await loadAnalysisPlans(file);
    expect(quantized.predicted.edgeMs).toBeCloseTo(first.edgeMs! + 0.25, 12);
    expect(quantized.predicted.cloudMs).toBe(first.cloudMs);
    expect(raw.predicted.edgeMs).toBe(first.edgeMs);
    expect(edgeOnly.predicted.edgeMs).toBe(last.edgeMs);
    expect(edgeOnly.predicted.cloudMs).toBeCloseTo(last.cloudMs! + 0.125, 12);
  });
});

describe('a model with symbolic input dimensions (--input-shape)', () => {
  test('its plans load with the shape the analysis had, are served, and give the offline outputs', async () => {
    // the fixture's model with its height and width made symbolic, and its analysis pointed at it
    const model = decodeModel(fs.readFileSync(fx.modelPath), fx.modelPath);
    const dims = model.graph!.input![0].type!.tensorType!.shape!.dim!;
    dims[2] = { dimParam: 'h' };
    dims[3] = { dimParam: 'w' };
    const bytes = encodeModel(model);
    const modelPath = path.join(fx.dir.root, 'symbolic.onnx');
    fs.writeFileSync(modelPath, bytes);
    const a = JSON.parse(fs.readFileSync(fx.analysisPath, 'utf8')) as Analysis;
    const file = path.join(fx.dir.root, 'symbolic-analysis.json');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(file, JSON.stringify({ ...a, model: { ...a.model, path: modelPath, sha256 } }));
    // An analysis that does not record the input's size (cut point #0 without it) needs the flag.
    const unsized = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      cutPoints: { detail: { kind: string; shape: unknown[] }[] }[];
    };
    for (const d of unsized.cutPoints[0].detail) if (d.kind === 'input') d.shape = [1, 3, 'h', 'w'];
    const unsizedFile = path.join(fx.dir.root, 'symbolic-unsized-analysis.json');
    fs.writeFileSync(unsizedFile, JSON.stringify(unsized));
    await expect(loadAnalysisPlans(unsizedFile)).rejects.toThrow(InputError);
    const inputShapes = new Map([['input', [1, 3, 8, 8]]]);
    for (const plans of [
      await loadAnalysisPlans(unsizedFile, { inputShapes }),
      await loadAnalysisPlans(file), // the size the analysis ran with, read from it
    ])
      for (const p of plans) {
        expect(edgeInputDims(p)).toEqual([1, 3, 8, 8]);
        for (const w of p.wire) expect(w.sampleDims.every((d) => d > 0)).toBe(true);
      }
    const plans = await loadAnalysisPlans(file);
    const s = await startServer(plans);
    try {
      const report = await runLive({
        analysisPath: file,
        serverUrl: s.url,
        data: fx.dataPath,
        labels: fx.labelsPath,
        adaptive: false,
        rttPings: 1,
      });
      const plan = plans.find((p) => p.label === Object.keys(report.plansUsed)[0])!;
      const offline = await runOffline(plan, fx.dataset);
      report.records.forEach((r, i) => expect(Array.from(r.scores)).toEqual(Array.from(offline.scores[i])));
    } finally {
      await s.close();
    }
  });

  test('a graph output declared with symbolic dims, sent as float32 (edge-only), is served with the dims the edge computes', async () => {
    // PP-OCR's map is declared [N, 1, H, W]: its edge-only float32 plan had no dims for the server to
    // check requests against ("symbolic dimension at axis 2"), and `jalad serve` refused the analysis.
    const model = decodeModel(fs.readFileSync(fx.modelPath), fx.modelPath);
    const output = model.graph!.output![0];
    const classes = 10; // the fixture's logits
    output.type!.tensorType!.shape = { dim: [{ dimParam: 'n' }, { dimParam: 'classes' }] };
    const bytes = encodeModel(model);
    const modelPath = path.join(fx.dir.root, 'symbolic-output.onnx');
    fs.writeFileSync(modelPath, bytes);
    const a = JSON.parse(fs.readFileSync(fx.analysisPath, 'utf8')) as Analysis;
    const last = a.cutPoints[a.cutPoints.length - 1];
    const edgeOnly = {
      ...a.decisions![0],
      cut: last.index,
      bits: 32,
      tensors: [{ name: output.name!, bits: 'f32', bytes: 4 * classes }],
    };
    const file = path.join(fx.dir.root, 'symbolic-output-analysis.json');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(
      file,
      JSON.stringify({ ...a, model: { ...a.model, path: modelPath, sha256 }, decisions: [edgeOnly] }),
    );
    const plans = await loadAnalysisPlans(file);
    expect(plans).toHaveLength(1);
    expect(plans[0].wire.map((w) => [w.bits, w.sampleDims])).toEqual([['f32', [classes]]]);
    const s = await startServer(plans);
    try {
      const report = await runEdge({
        plans,
        serverUrl: s.url,
        dataset: fx.dataset,
        rttPings: 1,
        calibrate: 0,
      });
      const offline = await runOffline(plans[0], fx.dataset);
      expect(report.fallbacks).toBe(0);
      report.records.forEach((r, i) => expect(Array.from(r.scores)).toEqual(Array.from(offline.scores[i])));
    } finally {
      await s.close();
    }
  });
});
