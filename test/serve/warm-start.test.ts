/**
 * What runs before an adaptive run's first sample: the server's warm-up of every cloud part on
 * zeros, the client's one untimed run of every edge part, and the request that seeds the bandwidth
 * estimate (so the first plan is chosen from a measurement, not from the initial guess).
 */
import { openSession } from '../../src/runtime';
import {
  createTransport,
  decodeCloudInputs,
  encodeEdgeOutputs,
  loadAnalysisPlans,
  loadPlanDir,
  runEdge,
  startServer,
  zeroCloudInputs,
  type ServedPlan,
} from '../../src/serve';
import { serveFixture, type ServeFixture } from './fixture';

let fx: ServeFixture;
let plans: ServedPlan[];
beforeAll(async () => {
  fx = await serveFixture(6);
  const table = await loadAnalysisPlans(fx.analysisPath);
  plans = [...table, loadPlanDir(fx.planDir)].filter(
    (p, i, all) => all.findIndex((o) => o.key === p.key) === i,
  );
}, 120000);
afterAll(() => fx?.dir.remove());

describe('zeroCloudInputs', () => {
  test("the cloud part's inputs for zeros: as a request of zero codes in [0, 1] decodes, and the part runs on them", async () => {
    const plan = loadPlanDir(fx.planDir);
    const feeds = zeroCloudInputs(plan);
    const edge = await openSession(plan.edge);
    try {
      const outputs = await edge.run({
        [plan.inputName]: { type: 'float32', data: new Float32Array(3 * 8 * 8), dims: [1, 3, 8, 8] },
      });
      const sent = decodeCloudInputs(plan, encodeEdgeOutputs(plan, outputs));
      // same names, types and dims as a real request's
      expect(Object.keys(feeds).sort()).toEqual(Object.keys(sent).sort());
      for (const k of Object.keys(sent))
        expect([feeds[k].type, feeds[k].dims]).toEqual([sent[k].type, sent[k].dims]);
      const code = feeds[Object.keys(feeds).find((k) => k.endsWith('.code'))!].data as Uint8Array;
      expect(code.every((v) => v === 0)).toBe(true);
    } finally {
      await edge.release();
    }
    const cloud = await openSession(plan.cloud);
    try {
      const out = await cloud.run(feeds);
      expect(Object.values(out)[0].data.length).toBe(10); // the chain's logits
    } finally {
      await cloud.release();
    }
  });
});

describe("the server's warm-up", () => {
  test('runs every cloud part once before listening, not counted as a request; warmUp: false skips it', async () => {
    const s = await startServer(plans);
    const off = await startServer(plans, { warmUp: false });
    const t = createTransport(s.url);
    const u = createTransport(off.url);
    try {
      const m = JSON.parse((await t.request('GET', '/metrics', undefined, 2000)).body.toString());
      expect(Object.keys(m.warmUpMs).sort()).toEqual(plans.map((p) => p.label).sort());
      for (const ms of Object.values(m.warmUpMs)) expect(ms).toBeGreaterThanOrEqual(0);
      expect([m.requests, m.byPlan]).toEqual([1, {}]); // the /metrics request itself
      const n = JSON.parse((await u.request('GET', '/metrics', undefined, 2000)).body.toString());
      expect(n.warmUpMs).toEqual({});
    } finally {
      t.close();
      u.close();
      await s.close();
      await off.close();
    }
  });
});

describe('an adaptive run before its first sample', () => {
  test('runs every edge part once, sets the link one step before sample 0, and seeds the estimate with one more request', async () => {
    expect(plans.length).toBeGreaterThan(1);
    const s = await startServer(plans);
    const lines: string[] = [];
    const calls: number[] = [];
    try {
      const before = s.metrics().requests;
      const r = await runEdge({
        plans,
        serverUrl: s.url,
        dataset: fx.dataset,
        mode: 'adaptive',
        initialMbps: 0.123,
        rttPings: 3,
        rttGapMs: 0,
        beforeSample: (i) => void calls.push(i),
        progress: (m) => lines.push(m),
      });
      // the answer's sizes, 3 probes, 9 calibration requests per distinct plan, the estimate's seed, 6 samples
      const distinct = new Set(plans.map((p) => p.key)).size;
      expect(s.metrics().requests - before).toBe(1 + 3 + 9 * distinct + 1 + 6);
      expect(lines[0]).toBe(`ran each of the ${plans.length} edge parts once before timing`);
      expect(calls).toEqual([-1, 0, 1, 2, 3, 4, 5]);
      // the first sample's bandwidth is the seeded estimate, not the initial guess
      expect(r.records[0].bandwidthMbps).not.toBe(0.123);
      expect(r.records[0].bandwidthMbps).toBeGreaterThan(0);
      expect(r.fallbacks).toBe(0);
    } finally {
      await s.close();
    }
  });
});
