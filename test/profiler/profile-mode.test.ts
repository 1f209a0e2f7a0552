/**
 * The fast profile: a timing plan sized by the model's time, a sample of cut points timed for real,
 * the boundary cost fitted on them and every other cut point predicted; the auto mode (the default),
 * which times every cut point when the sample's cost says that fits its budget; the mode recorded
 * in the profile and the analysis.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildDag, cutPoints, encodeModel, readModelFile } from '../../src/graph';
import {
  apportionToParts,
  AUTO_THOROUGH_BUDGET_MS,
  chooseAutoMode,
  runsOnlyCostMs,
  crossingSizes,
  crossingBytes,
  FAST_RUN_BUDGET_MS,
  FAST_SMALL_MS_PER_NODE,
  fitsRunBudget,
  FAST_SLOW_RUNS,
  FAST_SAMPLE_CUTS,
  FAST_SAMPLE_CUTS_SMALL,
  fastSampleCount,
  fitPartModel,
  measureProfile,
  partPoints,
  predictPartMs,
  sampleCutPoints,
  timingPlan,
  type DeviceProfile,
} from '../../src/profiler';
import { analyzeModel } from '../../src/pipeline/analyze';
import { probeTensors } from '../../src/runtime';
import { renderCutTable } from '../../src/report';
import { residual } from '../helpers/zoo';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-fast-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const modelPath = path.join(tmp, 'residual.onnx');
fs.writeFileSync(modelPath, encodeModel(residual()));
const dag = buildDag(residual());
const cuts = cutPoints(dag);

describe('timingPlan(mode, settings, modelMs, roundWarmup)', () => {
  const settings = { runs: 20, warmup: 5 };
  test.each([
    // mode, model ms, expected plan
    ['thorough', 500, { runs: 20, warmup: 5, roundWarmup: 3 }],
    // Runs that fit the budget: timed exactly as thorough times them (warm-ups included).
    ['fast', 0.2, { runs: 20, warmup: 5, roundWarmup: 3 }],
    ['fast', FAST_RUN_BUDGET_MS / 20, { runs: 20, warmup: 5, roundWarmup: 3 }],
    ['fast', 0, { runs: 20, warmup: 5, roundWarmup: 3 }],
    // A slower model: a fixed number of runs (its cost grows with its time), one warm-up per
    // session and per round.
    ['fast', FAST_RUN_BUDGET_MS / 8, { runs: FAST_SLOW_RUNS, warmup: 1, roundWarmup: 1 }],
    ['fast', 500, { runs: FAST_SLOW_RUNS, warmup: 1, roundWarmup: 1 }],
  ] as const)('%s with a %s ms model', (mode, modelMs, plan) => {
    expect(timingPlan(mode, settings, modelMs, 3)).toEqual(plan);
  });

  test('fastSampleCount: more cut points where runs are cheap, few where the model is slow', () => {
    expect(fastSampleCount(settings, 0.2)).toBe(FAST_SAMPLE_CUTS_SMALL);
    expect(fastSampleCount(settings, FAST_RUN_BUDGET_MS / 20)).toBe(FAST_SAMPLE_CUTS_SMALL);
    expect(fastSampleCount(settings, FAST_RUN_BUDGET_MS / 19)).toBe(FAST_SAMPLE_CUTS);
    expect(FAST_SAMPLE_CUTS).toBeLessThan(FAST_SAMPLE_CUTS_SMALL);
  });

  test('the small path must also fit FAST_SMALL_MS_PER_NODE per node of the model', () => {
    // 2 x runs per sampled cut point: 320 runs with the defaults.
    const limitMs = (FAST_SMALL_MS_PER_NODE * 65) / (FAST_SAMPLE_CUTS_SMALL * 2 * settings.runs);
    expect(fitsRunBudget(settings, limitMs, 65)).toBe(true);
    expect(fitsRunBudget(settings, limitMs * 1.01, 65)).toBe(false);
    // ResNet-18 at 224 px (65 nodes, 30-40 ms a run) is slow, at 112 px (8-14 ms) not; DenseNet-121
    // (623 nodes, about 30 ms) not; unknown nodes: only FAST_RUN_BUDGET_MS applies.
    expect(fitsRunBudget(settings, 35, 65)).toBe(false);
    expect(fitsRunBudget(settings, 12, 65)).toBe(true);
    expect(fitsRunBudget(settings, 30, 623)).toBe(true);
    expect(fitsRunBudget(settings, 35)).toBe(true);
    expect(timingPlan('fast', settings, 35, 3, 65)).toEqual({
      runs: FAST_SLOW_RUNS,
      warmup: 1,
      roundWarmup: 1,
    });
    expect(fastSampleCount(settings, 35, 65)).toBe(FAST_SAMPLE_CUTS);
    expect(timingPlan('thorough', settings, 35, 3, 65).runs).toBe(20);
  });

  test("a slow model's fast sample costs a fixed number of its runs: seconds grow with its time", () => {
    const runsOf = (modelMs: number) => timingPlan('fast', settings, modelMs, 3).runs;
    // 80 ms and 320 ms runs (ResNet-50- and ResNet-101-like, 1 thread): the same count.
    expect(runsOf(80)).toBe(runsOf(320));
    expect(runsOf(320) * 320).toBe(4 * runsOf(80) * 80);
  });

  test('never asks for more runs or warm-ups than the user gave', () => {
    expect(timingPlan('fast', { runs: 3, warmup: 0 }, 1000, 3)).toEqual({
      runs: 3,
      warmup: 0,
      roundWarmup: 0,
    });
    expect(timingPlan('thorough', { runs: 3, warmup: 2 }, 1000, 3).roundWarmup).toBe(2);
  });
});

describe('sampleCutPoints(cuts, bytesOf, count)', () => {
  // A made-up size per cut point: the largest is in the middle.
  const bytesOf = (c: (typeof cuts)[number]) => (c.index === 4 ? 1e6 : 100 + c.index);
  const inner = cuts.filter((c) => c.edgeNodes.length > 0 && c.cloudNodes.length > 0);

  test('takes only cut points with nodes on both sides, all of them when few', () => {
    expect(sampleCutPoints(cuts, bytesOf, 100)).toEqual(inner);
    expect(sampleCutPoints(cuts, () => 0, 4)).toEqual([]);
  });

  test('takes the largest crossing and spreads the rest in execution order', () => {
    expect(inner.length).toBeGreaterThan(FAST_SAMPLE_CUTS);
    const picked = sampleCutPoints(cuts, bytesOf, FAST_SAMPLE_CUTS).map((c) => c.index);
    expect(picked).toHaveLength(FAST_SAMPLE_CUTS);
    expect(picked).toEqual([...picked].sort((a, b) => a - b));
    expect(picked).toContain(4);
    expect(picked[0]).toBe(inner[0].index);
    expect(picked).toContain(inner[inner.length - 1].index);
  });

  test('is deterministic and stops at count', () => {
    expect(sampleCutPoints(cuts, bytesOf, 2)).toEqual(sampleCutPoints(cuts, bytesOf, 2));
    expect(sampleCutPoints(cuts, bytesOf, 2)).toHaveLength(2);
  });
});

describe('the auto mode: thorough within a budget of seconds, else fast', () => {
  test('chooseAutoMode: thorough when the estimate fits the budget (inclusive), else fast', () => {
    expect(chooseAutoMode(AUTO_THOROUGH_BUDGET_MS, 'sample')).toEqual({
      mode: 'thorough',
      extraS: AUTO_THOROUGH_BUDGET_MS / 1000,
      budgetS: AUTO_THOROUGH_BUDGET_MS / 1000,
      basis: 'sample',
    });
    expect(chooseAutoMode(AUTO_THOROUGH_BUDGET_MS + 1, 'sample').mode).toBe('fast');
    expect(chooseAutoMode(0, 'runs', 0).mode).toBe('thorough');
    expect(chooseAutoMode(2500, 'runs', 2000)).toMatchObject({ mode: 'fast', extraS: 2.5, budgetS: 2 });
  });

  test('runsOnlyCostMs: warm-ups, runs and round warm-ups of one whole model per cut point', () => {
    expect(runsOnlyCostMs(10, 100, { runs: 20, warmup: 5 }, 3, 5)).toBe(10 * (5 + 20 + 15) * 100);
    // Round warm-ups never exceed the user's warm-ups (as in part-times.ts).
    expect(runsOnlyCostMs(2, 10, { runs: 20, warmup: 1 }, 3, 5)).toBe(2 * (1 + 20 + 5) * 10);
  });
});

describe('an auto profile of a small residual network (real ONNX Runtime)', () => {
  const measureAuto = (autoBudgetMs?: number) => {
    const messages: string[] = [];
    return measureProfile(readModelFile(modelPath), {
      threads: 1,
      runs: 4,
      warmup: 1,
      mode: 'auto',
      ...(autoBudgetMs !== undefined ? { autoBudgetMs } : {}),
      progress: (m) => messages.push(m),
    }).then((profile) => ({ profile, messages }));
  };

  test('a sub-millisecond model: the sample says the rest fits the budget, so every cut point is timed', async () => {
    const { profile, messages } = await measureAuto();
    expect(profile.mode).toBe('thorough');
    expect(profile.settings).toMatchObject({ mode: 'thorough', runs: 4, warmup: 1 });
    expect(profile.auto).toMatchObject({ basis: 'sample', budgetS: AUTO_THOROUGH_BUDGET_MS / 1000 });
    expect(profile.auto!.extraS).toBeGreaterThan(0);
    expect(profile.auto!.extraS).toBeLessThanOrEqual(profile.auto!.budgetS);
    // Every cut point timed, in execution order (the sample first, then the rest, sorted back).
    expect(profile.cutPoints!.map((c) => c.index)).toEqual(cuts.map((c) => c.index));
    expect(profile.notes.join('\n')).toMatch(/--profile auto chose thorough: .* within its budget of 10 s/);
    expect(messages.some((m) => m.startsWith('--profile auto chose thorough'))).toBe(true);
    expect(messages.some((m) => /^auto profile, starting as fast: .* about \d+ s$/.test(m))).toBe(true);
  });

  test('over the budget it stays fast: only the sample timed, and the profile says why', async () => {
    const { profile } = await measureAuto(0);
    expect(profile.mode).toBe('fast');
    expect(profile.auto).toEqual({ extraS: expect.any(Number), basis: 'sample', budgetS: 0 });
    expect(profile.cutPoints!.length).toBeLessThan(cuts.length);
    expect(profile.notes.join('\n')).toMatch(
      /--profile auto chose fast: .* over its budget of 0 s \(--profile thorough times every one\)/,
    );
  });
});

describe('a fast profile of a small residual network (real ONNX Runtime)', () => {
  let profile: DeviceProfile;
  const messages: string[] = [];
  beforeAll(async () => {
    profile = await measureProfile(readModelFile(modelPath), {
      threads: 1,
      runs: 4,
      warmup: 1,
      mode: 'fast',
      progress: (m) => messages.push(m),
    });
  });

  test('records the mode and the runs it took', () => {
    expect(profile.mode).toBe('fast');
    expect(profile.settings).toMatchObject({ mode: 'fast', runs: 4, warmup: 1 });
    expect(profile.notes.join('\n')).toMatch(/fast profile: \d+ of 10 cut points' real parts timed/);
  });

  test('times the real parts of the sampled cut points only', async () => {
    const info = await probeTensors(residual(), [
      ...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name))),
    ]);
    // A sub-millisecond model: its runs fit the budget, so the larger sample.
    const sample = sampleCutPoints(
      cuts,
      (c) => crossingBytes(crossingSizes(c.tensors, info)),
      FAST_SAMPLE_CUTS_SMALL,
    );
    expect(sample.length).toBeGreaterThan(FAST_SAMPLE_CUTS);
    expect(profile.cutPoints!.map((c) => c.index)).toEqual(sample.map((c) => c.index));
    for (const c of profile.cutPoints!) {
      expect(c.edgeMs).toBeGreaterThan(0);
      expect(c.cloudMs).toBeGreaterThan(0);
    }
  });

  test('fits the boundary cost on them and predicts every cut point from node times plus that cost', async () => {
    const info = await probeTensors(residual(), [
      ...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name))),
    ]);
    const points = partPoints(dag, cuts, profile.cutPoints!, profile.nodes, profile.runOverheadMs, info);
    expect(points).toHaveLength(2 * profile.cutPoints!.length);
    expect(profile.boundary).toEqual(fitPartModel(points));
    // The edge table is what apportioning the recorded times to the recorded parts gives.
    const fit = { runOverheadMs: profile.runOverheadMs, boundary: profile.boundary! };
    expect(profile.nodes).toEqual(apportionToParts(profile.nodes, dag, cuts, profile.cutPoints!, fit, info));
    const hasTables = profile.nodes.some((n) => n.edgeMs !== undefined || n.cloudMs !== undefined);
    expect(profile.notes.some((n) => n.includes('apportioned to'))).toBe(hasTables);
    const nodeMs = new Map(profile.nodes.map((n) => [n.name, n.edgeMs ?? n.ms]));
    for (const c of cuts.filter((x) => x.edgeNodes.length > 0)) {
      const bytes = crossingBytes(crossingSizes(c.tensors, info));
      const byHand =
        profile.runOverheadMs +
        c.edgeNodes.reduce((s, i) => s + nodeMs.get(dag.nodes[i].name)!, 0) +
        profile.boundary!.edgeOutputMsPerByte * bytes;
      const predicted = predictPartMs(profile, dag, c.edgeNodes, crossingSizes(c.tensors, info), 'edge');
      expect(predicted).toBeCloseTo(byHand, 9);
      expect(predicted).toBeGreaterThan(0);
    }
  });

  test('says on progress how long it will take', () => {
    expect(messages.some((m) => /^fast profile: .* about \d+ s$/.test(m))).toBe(true);
  });
});

describe('analyze records which mode made the figures', () => {
  // NOTE: auto is not passed: the default must be auto (DEFAULT_PROFILE_MODE); on this tiny model it
  // chooses thorough.
  test.each([
    ['fast', 'fast'],
    ['thorough', 'thorough'],
    ['auto', 'thorough'],
  ] as const)('--profile %s (figures by %s), local measured once for local/10', async (asked, mode) => {
    const messages: string[] = [];
    const a = await analyzeModel(modelPath, {
      ...(asked !== 'auto' ? { profileMode: asked } : {}),
      runs: 3,
      warmup: 1,
      progress: (m) => messages.push(m),
    });
    expect(a.profiles?.edge).toMatchObject({ kind: 'measured', mode });
    expect(a.profiles?.cloud).toMatchObject({ kind: 'scaled', mode });
    // Auto's choice is recorded on both sides (the cloud derives from the same profile).
    expect(a.profiles?.edge.auto !== undefined).toBe(asked === 'auto');
    expect(a.profiles?.cloud.auto).toEqual(a.profiles?.edge.auto);
    expect(messages.filter((m) => m.startsWith('per-node profile, optimisations off'))).toHaveLength(1);
    const by = asked === 'auto' ? ' chosen by auto' : '';
    expect(renderCutTable(a)).toContain(`edge: this machine (measured, ${mode} profile${by})`);
    // Measured part times appear only for the cut points a profile timed.
    const measured = a.cutPoints.filter((c) => c.edgeMeasuredMs !== undefined).length;
    if (mode === 'thorough') expect(measured).toBe(cuts.length);
    else expect(measured).toBeLessThanOrEqual(FAST_SAMPLE_CUTS_SMALL);
  });
});
