import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildDag, cutPoints, encodeModel, readModelFile, type ModelProto } from '../../src/graph';
import {
  HALVES_FROM_BYTES,
  measurePartTimes,
  measureProfile,
  ONE_MODEL_FROM_BYTES,
  SESSION_BUDGET_BYTES,
  sessionPlan,
  traceFusedKernels,
  tracedCopy,
  weightBytes,
} from '../../src/profiler';
import { probeTensors, resetSessionPeak, sessionCounts } from '../../src/runtime';
import { residual } from '../helpers/zoo';

const MEASURE = { threads: 1, runs: 3, warmup: 1 };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-sessions-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const modelPath = path.join(tmp, 'residual.onnx');
fs.writeFileSync(modelPath, encodeModel(residual()));

describe('sessionPlan', () => {
  test('one model at a time above ONE_MODEL_FROM_BYTES, groups of parts up to the model itself', () => {
    expect(sessionPlan(ONE_MODEL_FROM_BYTES)).toEqual({
      oneModel: false,
      groupBudgetBytes: SESSION_BUDGET_BYTES,
      halves: false,
    });
    expect(sessionPlan(ONE_MODEL_FROM_BYTES + 1)).toEqual({
      oneModel: true,
      groupBudgetBytes: ONE_MODEL_FROM_BYTES + 1,
      halves: false,
    });
    // A group never holds more than SESSION_BUDGET_BYTES, however large the model.
    expect(sessionPlan(5e9).groupBudgetBytes).toBe(SESSION_BUDGET_BYTES);
  });

  test('by halves above HALVES_FROM_BYTES, groups of parts up to half the model', () => {
    expect(sessionPlan(HALVES_FROM_BYTES).halves).toBe(false);
    expect(sessionPlan(HALVES_FROM_BYTES + 2)).toEqual({
      oneModel: true,
      groupBudgetBytes: HALVES_FROM_BYTES / 2 + 1,
      halves: true,
    });
  });

  test('the caller can force either way', () => {
    expect(sessionPlan(10, true)).toEqual({ oneModel: true, groupBudgetBytes: 10, halves: false });
    expect(sessionPlan(5e9, false)).toEqual({
      oneModel: false,
      groupBudgetBytes: SESSION_BUDGET_BYTES,
      halves: false,
    });
    // By halves implies one model at a time.
    expect(sessionPlan(10, undefined, true)).toEqual({ oneModel: true, groupBudgetBytes: 5, halves: true });
    expect(sessionPlan(1e8, undefined, false).halves).toBe(false);
  });
});

test('weightBytes counts raw, typed and external initializer data', () => {
  const model: ModelProto = {
    graph: {
      initializer: [
        { name: 'raw', rawData: new Uint8Array(16) },
        { name: 'floats', floatData: [1, 2, 3] },
        { name: 'longs', int64Data: [1, 2] },
        {
          name: 'outside',
          externalData: [
            { key: 'location', value: 'w.bin' },
            { key: 'length', value: '100' },
          ],
        },
      ],
    },
  };
  expect(weightBytes(model)).toBe(16 + 12 + 16 + 100);
});

describe('what a profile keeps open at once (real ONNX Runtime sessions)', () => {
  const m = residual();
  const dag = buildDag(m);
  const wholeBytes = encodeModel(m).length;

  test('one model at a time: the open sessions never hold two copies of the model', async () => {
    resetSessionPeak();
    const profile = await measureProfile(readModelFile(modelPath), {
      ...MEASURE,
      mode: 'thorough',
      oneModel: true,
    });
    const { peakBytes, open } = sessionCounts();
    expect(open).toBe(0);
    // The edge and cloud model of one cut point together hold about one model; a second whole
    // model (an unprofiled twin, or the whole model beside the parts) would make it two.
    expect(peakBytes).toBeGreaterThan(0);
    expect(peakBytes).toBeLessThan(1.5 * wholeBytes);
    // Still a complete profile: every node and every cut point timed.
    expect(profile.nodes).toHaveLength(dag.nodes.length);
    expect(profile.cutPoints).toHaveLength(cutPoints(dag).length);
    for (const p of profile.cutPoints!) {
      expect(Number.isFinite(p.edgeMs) && Number.isFinite(p.cloudMs)).toBe(true);
      if (cutPoints(dag)[p.index].edgeNodes.length > 0) expect(p.edgeMs).toBeGreaterThan(0);
    }
    expect(profile.nodes.reduce((t, n) => t + n.ms, 0)).toBeGreaterThan(0);
  });

  test('shared sessions (a small model by default) keep the whole model open beside the others', async () => {
    resetSessionPeak();
    await measureProfile(readModelFile(modelPath), { ...MEASURE, mode: 'fast' });
    expect(sessionCounts().open).toBe(0);
    expect(sessionCounts().peakBytes).toBeGreaterThanOrEqual(2 * wholeBytes);
  });

  test("the optimised trace times its own session once the profiler stopped ('after'): one session open", async () => {
    resetSessionPeak();
    const traced = await traceFusedKernels(tracedCopy(m, dag), MEASURE, 'after');
    expect(sessionCounts()).toMatchObject({ open: 0, peak: 1, opened: 1 });
    expect(traced.unprofiledMs).toBeGreaterThan(0);
    expect(traced.fused.order.length).toBeGreaterThan(0);
    // Those unprofiled runs come back one by one: the first group of parts takes them as its probe.
    expect(traced.afterRunsMs).toHaveLength(MEASURE.runs);
    expect(Math.min(...traced.afterRunsMs!)).toBeGreaterThan(0);
  });

  test('parts one model at a time: the whole model is timed alone before each group', async () => {
    const cuts = cutPoints(dag);
    const info = await probeTensors(m, [...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name)))]);
    resetSessionPeak();
    const times = await measurePartTimes(m, dag, cuts, info, MEASURE, {
      oneModel: true,
      budgetBytes: weightBytes(m),
    });
    expect(sessionCounts().open).toBe(0);
    expect(sessionCounts().peakBytes).toBeLessThan(1.5 * wholeBytes);
    expect(times.parts.map((p) => p.index)).toEqual(cuts.map((c) => c.index));
    expect(times.wholeMs).toBeGreaterThan(0);
    expect(Number.isFinite(times.groupDrift)).toBe(true);
  });

  test("the trace's runs as the first group's probe: the whole model is not opened again", async () => {
    const cuts = cutPoints(dag);
    const info = await probeTensors(m, [...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name)))]);
    // One group: the budget holds every part.
    const extra = { oneModel: true, budgetBytes: 10 * weightBytes(m) };
    resetSessionPeak();
    const fresh = await measurePartTimes(m, dag, cuts, info, MEASURE, extra);
    const freshOpened = sessionCounts().opened;
    resetSessionPeak();
    const given = [0.5, 0.25, 0.75];
    const reused = await measurePartTimes(m, dag, cuts, info, MEASURE, { ...extra, firstProbeMs: given });
    expect(sessionCounts()).toMatchObject({ open: 0, opened: freshOpened - 1 });
    expect(reused.wholeMs).toBe(0.5); // the median of the given runs: they are the group's probe
    expect(reused.parts.map((p) => p.index)).toEqual(fresh.parts.map((p) => p.index));
  });
});
