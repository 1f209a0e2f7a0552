/**
 * The compute stages calibrated before a run (stage-calibration.ts): requests through the real
 * pipeline that are no samples, and a prediction made of their medians, the profile's beside it.
 * Real ONNX Runtime, a real `jalad serve` (the built CLI) behind the in-process shaped link, and
 * the in-process server for an adaptive run. No timing asserts: only what the figures are made of.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import {
  createTransport,
  loadAnalysisPlans,
  loadPlanDir,
  runEdge,
  runOffline,
  startServer,
  type MetricsSnapshot,
  type SampleRecord,
  type StageCalibration,
} from '../../src/serve';
import { SAMPLES_CSV_COLUMNS } from '../../src/serve/run-live';
import { serveFixture, type ServeFixture } from './fixture';

const BIN = path.join(__dirname, '..', '..', 'dist', 'bin', 'jalad.js');
let fx: ServeFixture;
let server: ChildProcess;
let url: string;
beforeAll(async () => {
  fx = await serveFixture(12);
  server = spawn(process.execPath, [BIN, 'serve', '--plan', fx.planDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving 1 plan\(s\) at (http:\/\/\S+):/.exec(out);
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
}, 120000);
afterAll(async () => {
  if (server && server.exitCode === null) {
    const gone = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await gone;
  }
  fx?.dir.remove();
});

/** The server's /infer requests answered so far, all plans. */
async function inferCount(): Promise<number> {
  const t = createTransport(url);
  try {
    const x = await t.request('GET', '/metrics', undefined, 2000);
    const m = JSON.parse(x.body.toString('utf8')) as MetricsSnapshot;
    return Object.values(m.byPlan).reduce((a, b) => a + b, 0);
  } finally {
    t.close();
  }
}

interface RunDoc {
  samples: number;
  top1: { correct: number; total: number };
  calibration: { requests: number; plans: StageCalibration[] };
  stages: Record<string, { predictedMs: number; profiledMs: number; measuredMs: number }>;
  medianErrorPct: { total: number; transfer: number; calibratedTotal: number; profileTotal: number };
  computeWindow: number;
  rttMs: number;
  rttQuartileMs: number;
  rttMedianMs: number;
}

/** `jalad run --json --csv` through a shaped link at 200 Mbps with `extra` flags: the JSON, the CSV rows, the /infer requests it made. */
async function jaladRun(csv: string, ...extra: string[]) {
  const before = await inferCount();
  const args = [
    'run',
    '--plan',
    fx.planDir,
    '--server',
    url,
    '--data',
    fx.dataPath,
    '--labels',
    fx.labelsPath,
  ];
  const run = spawn(process.execPath, [BIN, ...args, '--json', '--shape', '200', '--csv', csv, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  run.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  run.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => run.once('exit', r));
  expect([code, err.includes('Error')]).toEqual([0, false]);
  const rows = parse(fs.readFileSync(csv, 'utf8'), { columns: true }) as Record<string, string>[];
  const num = (r: Record<string, string>, c: string) => Number(r[c]);
  return {
    doc: JSON.parse(out) as RunDoc,
    rows,
    num,
    requests: (await inferCount()) - before,
    progress: err,
  };
}

/** The sum of a CSV row's predicted terms (prefix `predicted_` or, for the compute terms, `profile_`). */
function termsSum(r: Record<string, string>, compute: 'predicted' | 'profile'): number {
  const n = (c: string) => Number(r[c]);
  return (
    n(`${compute}_edge_ms`) +
    n(`${compute}_encode_ms`) +
    n('predicted_transfer_ms') +
    n(`${compute}_decode_ms`) +
    n(`${compute}_cloud_ms`) +
    n('predicted_answer_encode_ms') +
    n('predicted_answer_decode_ms')
  );
}

describe('jalad run: calibration before the run', () => {
  test('no samples: samples, CSV rows and top-1 as offline; the prediction is their medians + transfer + answer', async () => {
    const csv = path.join(fx.dir.root, 'calibrated.csv');
    const { doc, rows, num, requests } = await jaladRun(csv, '--compute-window', '0');
    const offline = await runOffline(loadPlanDir(fx.planDir), fx.dataset);
    expect(doc.samples).toBe(12);
    expect(rows).toHaveLength(12);
    expect(rows.map((r) => Number(r.sample))).toEqual([...Array(12).keys()]);
    expect(doc.top1).toEqual({
      correct: offline.top1!.correct,
      total: 12,
      accuracy: offline.top1!.correct / 12,
    });
    expect(rows.map((r) => Number(r.predicted_class))).toEqual(Array.from(offline.predictedClass));
    // the server answered the 12 samples, the one request before the run and the 9 calibration requests
    expect(requests).toBe(12 + 1 + 9);
    expect(doc.calibration.requests).toBe(9);
    expect(doc.calibration.plans).toHaveLength(1);
    const c = doc.calibration.plans[0];
    expect(c.requests).toBe(8); // the first discarded
    expect(c.wireBytes).toHaveLength(9);
    for (const v of [c.edgeMs, c.encodeMs, c.serverMs, c.serverDecodeMs]) expect(v).toBeGreaterThan(0);
    expect(c.serverDecodeMs).toBeLessThan(c.serverMs);
    // the calibration requests' own RTT (a diagnostic) is measured: the link's rate is known (--shape)
    expect(Number.isFinite(c.rttMs)).toBe(true);
    // the shaped probes' RTT (their shorth midpoint), with their lower quartile and median beside it
    expect(doc.rttQuartileMs).toBeLessThanOrEqual(doc.rttMedianMs);
    expect(Number.isFinite(doc.rttMs)).toBe(true);
    const plan = loadPlanDir(fx.planDir).predicted;
    for (const r of rows) {
      expect(num(r, 'predicted_edge_ms')).toBe(c.edgeMs);
      expect(num(r, 'predicted_encode_ms')).toBe(c.encodeMs);
      expect(num(r, 'predicted_decode_ms')).toBe(c.serverDecodeMs);
      // the server's three terms add up to its calibrated time
      const server =
        num(r, 'predicted_decode_ms') + num(r, 'predicted_cloud_ms') + num(r, 'predicted_answer_encode_ms');
      expect(server).toBeCloseTo(c.serverMs, 9);
      expect(num(r, 'predicted_total_ms')).toBeCloseTo(termsSum(r, 'predicted'), 9);
      expect(num(r, 'calibrated_total_ms')).toBe(num(r, 'predicted_total_ms'));
      // the profile's prediction beside it: the plan's compute terms, the same transfer and answer
      expect([num(r, 'profile_edge_ms'), num(r, 'profile_encode_ms')]).toEqual([plan.edgeMs, plan.encodeMs]);
      expect([num(r, 'profile_decode_ms'), num(r, 'profile_cloud_ms')]).toEqual([
        plan.decodeMs,
        plan.cloudMs,
      ]);
      expect(num(r, 'profile_total_ms')).toBeCloseTo(termsSum(r, 'profile'), 9);
    }
    expect(doc.stages.edge.predictedMs).toBe(c.edgeMs);
    expect(doc.stages.edge.profiledMs).toBe(plan.edgeMs);
    expect(doc.stages.server.predictedMs).toBeCloseTo(c.serverMs, 9);
    expect(doc.medianErrorPct.profileTotal).toBeGreaterThanOrEqual(0);
  });

  test('--no-calibrate sends none and predicts with the profile alone; --calibrate 3 sends 3', async () => {
    const csv = path.join(fx.dir.root, 'profile.csv');
    const off = await jaladRun(csv, '--no-calibrate', '--compute-window', '0');
    expect(off.requests).toBe(12 + 1);
    expect(off.doc.calibration).toEqual({ requests: 0, plans: [] });
    expect(off.rows).toHaveLength(12);
    const plan = loadPlanDir(fx.planDir).predicted;
    for (const r of off.rows) {
      for (const term of ['edge', 'encode', 'decode', 'cloud', 'total'])
        expect(off.num(r, `predicted_${term}_ms`)).toBe(off.num(r, `profile_${term}_ms`));
      expect(off.num(r, 'predicted_edge_ms')).toBe(plan.edgeMs);
      expect(off.num(r, 'predicted_cloud_ms')).toBe(plan.cloudMs);
    }
    expect(off.doc.medianErrorPct.profileTotal).toBe(off.doc.medianErrorPct.total);
    expect(off.doc.medianErrorPct.calibratedTotal).toBe(off.doc.medianErrorPct.total);
    for (const s of Object.values(off.doc.stages)) expect(s.predictedMs).toBe(s.profiledMs);
    const three = await jaladRun(path.join(fx.dir.root, 'three.csv'), '--calibrate', '3');
    expect([three.requests, three.doc.calibration.plans[0].requests]).toEqual([12 + 1 + 3, 2]);
    expect(three.doc.samples).toBe(12);
    expect(fs.readFileSync(csv, 'utf8').split('\n')[0]).toBe(SAMPLES_CSV_COLUMNS.join(','));
  });
});

describe('jalad run: the compute terms follow the run', () => {
  test("from a plan's 4th sample on, its prediction takes the medians of its last 5 samples before it", async () => {
    const csv = path.join(fx.dir.root, 'window.csv');
    const { doc, rows, num } = await jaladRun(csv, '--compute-window', '5');
    expect(doc.computeWindow).toBe(5);
    expect(rows).toHaveLength(12);
    const c = doc.calibration.plans[0];
    const med = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b);
      return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    };
    for (const [i, r] of rows.entries()) {
      // the calibration's prediction is kept beside it
      const calibratedTotal = num(r, 'calibrated_total_ms');
      if (i < 3) {
        expect([num(r, 'predicted_edge_ms'), num(r, 'predicted_encode_ms')]).toEqual([c.edgeMs, c.encodeMs]);
        expect(calibratedTotal).toBe(num(r, 'predicted_total_ms'));
        continue;
      }
      const before = rows.slice(Math.max(0, i - 5), i);
      const of = (col: string) => med(before.map((x) => num(x, col)));
      expect(num(r, 'predicted_edge_ms')).toBe(of('edge_ms'));
      expect(num(r, 'predicted_encode_ms')).toBe(of('encode_ms'));
      expect(num(r, 'predicted_decode_ms')).toBe(of('server_decode_ms'));
      const server =
        num(r, 'predicted_decode_ms') + num(r, 'predicted_cloud_ms') + num(r, 'predicted_answer_encode_ms');
      expect(server).toBeCloseTo(of('server_ms'), 9);
      expect(num(r, 'predicted_total_ms')).toBeCloseTo(termsSum(r, 'predicted'), 9);
      // the calibration's total differs from it by the compute terms alone
      const calibratedCompute = c.edgeMs + c.encodeMs + c.serverMs;
      const runCompute = of('edge_ms') + of('encode_ms') + of('server_ms');
      expect(calibratedTotal - num(r, 'predicted_total_ms')).toBeCloseTo(calibratedCompute - runCompute, 9);
    }
  });
});

describe('an adaptive run', () => {
  test("calibrates every plan of the table once, and each sample's prediction takes its own plan's figures", async () => {
    const plans = await loadAnalysisPlans(fx.analysisPath);
    const distinct = [...new Set(plans.map((p) => p.key))];
    const s = await startServer(plans);
    try {
      const report = await runEdge({
        plans,
        serverUrl: s.url,
        dataset: fx.dataset,
        mode: 'adaptive',
        rttPings: 1,
        calibrate: 3,
      });
      const earlier = new Map<string, SampleRecord[]>();
      expect(report.samples).toBe(12);
      expect(Object.values(report.plansUsed).reduce((a, b) => a + b, 0)).toBe(12);
      // samples, the request before the run, the estimate's seed, 3 per plan
      const served = Object.values(s.metrics().byPlan).reduce((a, b) => a + b, 0);
      expect(served).toBe(12 + 1 + 1 + 3 * distinct.length);
      expect(report.calibration.plans.map((c) => c.plan).sort()).toEqual(
        distinct.map((k) => plans.find((p) => p.key === k)!.label).sort(),
      );
      for (const r of report.records) {
        const c = report.calibration.plans.find((x) => x.plan === r.plan)!;
        expect([r.calibrated.edgeMs, r.calibrated.encodeMs]).toEqual([c.edgeMs, c.encodeMs]);
        // its own plan's last 9 samples once it has 3 (the default window), else the calibration
        const mine = (earlier.get(r.plan) ?? []).slice(-9);
        const edges = mine.map((x) => x.edgeMs).sort((a, b) => a - b);
        const m = edges.length >> 1;
        const runEdge = edges.length % 2 ? edges[m] : (edges[m - 1] + edges[m]) / 2;
        expect(r.predicted.edgeMs).toBe(mine.length >= 3 ? runEdge : c.edgeMs);
        earlier.set(r.plan, [...(earlier.get(r.plan) ?? []), r]);
        const p = plans.find((x) => x.label === r.plan)!.predicted;
        expect([r.profile.edgeMs, r.profile.cloudMs, r.profile.transferMs]).toEqual([
          p.edgeMs,
          p.cloudMs,
          r.predicted.transferMs,
        ]);
      }
    } finally {
      await s.close();
    }
  });
});
