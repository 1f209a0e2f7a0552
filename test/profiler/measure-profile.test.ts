import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildDag, cutPoints, encodeModel, readModelFile } from '../../src/graph';
import { InputError } from '../../src/core/errors';
import {
  checkProfile,
  checkProfileMatches,
  fitPartModel,
  MAX_WEIGHT_SHARE,
  measurePartTimes,
  measureProfile,
  nodeTimesFromTraces,
  partTimesOfGroups,
  predictPartMs,
  resolveProfile,
  scaleProfile,
  traceNodeKernels,
  weightedMedian,
  type DeviceProfile,
  type ProfileContext,
} from '../../src/profiler';
import { probeTensors } from '../../src/runtime';
import { chain, residual } from '../helpers/zoo';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-prof-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const resnetPath = path.join(tmp, 'residual.onnx');
fs.writeFileSync(resnetPath, encodeModel(residual()));
const MEASURE = { threads: 1, runs: 3, warmup: 1 };

function context(p = resnetPath): ProfileContext {
  const loaded = readModelFile(p);
  return { loaded, dag: buildDag(loaded.model), measure: MEASURE, cache: {} };
}

function codeOf(err: unknown): string {
  expect(err).toBeInstanceOf(InputError);
  return (err as InputError).code;
}

describe('resolveProfile rejects what it cannot use', () => {
  test.each([
    ['an unknown preset', 'gpu-9000', 'BAD_OPTION'],
    ['a missing file', '/nonexistent/p.json', 'BAD_PROFILE'],
    ['a zero speed-up', 'local/0', 'BAD_OPTION'],
  ])('%s', async (_what, value, code) => {
    await expect(resolveProfile(value, context(), '--edge')).rejects.toBeInstanceOf(InputError);
    await resolveProfile(value, context(), '--edge').catch((err) => expect(codeOf(err)).toBe(code));
  });

  test('a profile made for another model', async () => {
    const chainPath = path.join(tmp, 'chain.onnx');
    fs.writeFileSync(chainPath, encodeModel(chain()));
    const other = await measureProfile(readModelFile(chainPath), MEASURE);
    const file = path.join(tmp, 'chain-profile.json');
    fs.writeFileSync(file, JSON.stringify(other));
    const err = await resolveProfile(file, context(), '--edge').catch((e) => e);
    expect(codeOf(err)).toBe('BAD_PROFILE');
    expect(err.message).toContain(file);
    expect(() => checkProfileMatches(other, buildDag(residual()), 'x')).toThrow(InputError);
  });

  test('a malformed device spec', async () => {
    const file = path.join(tmp, 'spec.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'board', peakGflops: -1, memoryGBps: 10 }));
    const err = await resolveProfile(file, context(), '--cloud').catch((e) => e);
    expect(codeOf(err)).toBe('BAD_PROFILE');
  });
});

describe('measured profile of this machine (thorough)', () => {
  let profile: DeviceProfile;
  beforeAll(async () => {
    profile = await measureProfile(readModelFile(resnetPath), { ...MEASURE, mode: 'thorough' });
  });

  test('has every node, by unique name and op, with finite non-negative times', () => {
    const dag = buildDag(residual());
    expect(profile.nodes.map((n) => [n.name, n.op])).toEqual(dag.nodes.map((n) => [n.name, n.opType]));
    for (const n of profile.nodes) expect(Number.isFinite(n.ms) && n.ms >= 0).toBe(true);
    expect(profile.nodes.reduce((s, n) => s + n.ms, 0)).toBeGreaterThan(0);
    expect(profile.runOverheadMs).toBeGreaterThan(0);
  });

  test('records the machine and the settings', () => {
    expect(profile.kind).toBe('measured');
    expect(profile.machine?.threads).toBe(1);
    expect(profile.machine?.cores).toBe(os.cpus().length);
    expect(profile.mode).toBe('thorough');
    expect(profile.settings).toEqual({ runs: 3, warmup: 1, threads: 1, batch: 1, mode: 'thorough' });
    // What `jalad profile` writes passes the field-by-field check it meets when read back.
    expect(checkProfile(JSON.parse(JSON.stringify(profile)), 'p.json').nodes).toHaveLength(
      profile.nodes.length,
    );
  });

  test('times the real edge and cloud models of every cut point; a part with no nodes costs 0', () => {
    expect(profile.cutPoints?.map((c) => c.tensors[0])).toEqual([
      'input',
      'stem',
      's',
      'add1',
      'block1',
      'add2',
      'block2',
      'gap',
      'flat',
      'logits',
    ]);
    const cuts = profile.cutPoints!;
    expect(cuts[0].edgeMs).toBe(0);
    expect(cuts[cuts.length - 1].cloudMs).toBe(0);
    for (const c of cuts.slice(1)) expect(c.edgeMs).toBeGreaterThan(0);
  });

  test('scaling divides every time', () => {
    const fast = scaleProfile(profile, 4);
    expect(fast.kind).toBe('scaled');
    expect(fast.nodes[0].ms).toBeCloseTo(profile.nodes[0].ms / 4, 12);
    expect(fast.runOverheadMs).toBeCloseTo(profile.runOverheadMs / 4, 12);
    expect(fast.notes.some((n) => n.includes('assumption'))).toBe(true);
  });

  test('fits a boundary cost per side, and predicts a part with it per byte of crossing tensors', () => {
    const b = profile.boundary!;
    expect(b.edgeOutputMsPerByte).toBeGreaterThanOrEqual(0);
    expect(b.cloudInputMsPerByte).toBeGreaterThanOrEqual(0);
    const dag = buildDag(residual());
    const withCost = { ...profile, boundary: { edgeOutputMsPerByte: 1e-6, cloudInputMsPerByte: 2e-6 } };
    const nodes = [dag.producer.get('stem')!];
    // Each side from its own node times (apportioned to its parts where the profile has them).
    const base = (side: 'edge' | 'cloud') =>
      predictPartMs({ ...profile, boundary: undefined }, dag, nodes, [], side);
    const crossing = [
      { name: 'stem', bytes: 1000 },
      { name: 'other', bytes: 500 },
    ];
    expect(predictPartMs(withCost, dag, nodes, crossing, 'edge')).toBeCloseTo(base('edge') + 1.5e-3, 12);
    expect(predictPartMs(withCost, dag, nodes, crossing, 'cloud')).toBeCloseTo(base('cloud') + 3e-3, 12);
    expect(predictPartMs(withCost, dag, [], crossing, 'edge')).toBe(0);
    expect(profile.notes.some((n) => n.includes('per KB of crossing tensors'))).toBe(true);
  });

  test('predictPartMs adds the run overhead once and costs an empty part nothing', () => {
    const dag = buildDag(residual());
    expect(predictPartMs(profile, dag, [])).toBe(0);
    const all = dag.nodes.map((n) => n.index);
    // The edge side's apportioned node times where the profile has them (not always the traced
    // ones: the apportioning moves time between nodes to match the timed parts), else the traced.
    expect(predictPartMs(profile, dag, all)).toBeCloseTo(
      profile.runOverheadMs + profile.nodes.reduce((s, n) => s + (n.edgeMs ?? n.ms), 0),
      12,
    );
    expect(predictPartMs(profile, dag, all, [], 'cloud')).toBeCloseTo(
      profile.runOverheadMs + profile.nodes.reduce((s, n) => s + (n.cloudMs ?? n.ms), 0),
      12,
    );
  });
});

describe('kernel traces and their calibration', () => {
  const m = residual();
  const dag = buildDag(m);
  const options = { threads: 1, runs: 7, warmup: 2 };

  const keepsRuns =
    'keep exactly the measured runs of the optimised trace (warm-ups of every round left out) and time the model unprofiled alongside';
  test(keepsRuns, async () => {
    const traces = await traceNodeKernels(m, dag, options);
    expect(traces.fused.order.length).toBeGreaterThan(0);
    for (const k of traces.fused.order) expect(traces.fused.samples.get(k)!.length).toBe(options.runs);
    for (const k of traces.plain.order) expect(traces.plain.samples.get(k)!.length).toBe(options.runs);
    expect(traces.unprofiledMs).toBeGreaterThan(0);
    expect(Number.isFinite(traces.unprofiledMs)).toBe(true);
  });

  test("the profiler cost comes from the trace's own rounds; the target only rescales", async () => {
    const traces = await traceNodeKernels(m, dag, options);
    const overhead = 0.01;
    const base = traces.unprofiledMs;
    const same = nodeTimesFromTraces(traces, dag, base, overhead);
    const slower = nodeTimesFromTraces(traces, dag, overhead + 2 * (base - overhead), overhead);
    expect(same.traceSpeedFactor).toBe(1);
    expect(slower.traceSpeedFactor).toBeCloseTo(2, 12);
    // Same per-kernel profiler cost, every node exactly twice as long, and the sums hit the targets.
    expect(slower.profilerOverheadMs).toBe(same.profilerOverheadMs);
    same.nodes.forEach((n, i) => expect(slower.nodes[i].ms).toBeCloseTo(2 * n.ms, 12));
    const sum = (t: typeof same) => t.nodes.reduce((s, n) => s + n.ms, 0);
    expect(sum(same)).toBeCloseTo(base - overhead, 9);
    expect(sum(slower)).toBeCloseTo(2 * (base - overhead), 9);
  });
});

describe('modeled and scaled profiles resolve', () => {
  test('a preset is modeled from FLOPs and bytes', async () => {
    const p = await resolveProfile('raspberry-pi-4', context(), '--edge');
    expect(p.kind).toBe('modeled');
    expect(p.label).toBe('raspberry-pi-4');
    expect(p.nodes.filter((n) => n.op === 'Conv').every((n) => n.ms > 0)).toBe(true);
    const slower = await resolveProfile('raspberry-pi-4/0.5', context(), '--edge');
    expect(slower.nodes[0].ms).toBeCloseTo(p.nodes[0].ms * 2, 12);
  });
  test('a device spec file is modeled', async () => {
    const file = path.join(tmp, 'board.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ name: 'board', peakGflops: 10, memoryGBps: 5, nodeOverheadMs: 0.01, source: 'test' }),
    );
    const p = await resolveProfile(file, context(), '--edge');
    expect(p.kind).toBe('modeled');
    expect(p.nodes.every((n) => n.ms >= 0)).toBe(true);
  });
  test('local is measured once per context and reused', async () => {
    const ctx = context();
    const a = await resolveProfile('local', ctx, '--edge');
    const b = await resolveProfile('local/10', ctx, '--cloud');
    expect(b.nodes[3].ms).toBeCloseTo(a.nodes[3].ms / 10, 12);
  });
});

describe('fitPartModel(points)', () => {
  const edge = (bytes: number, residual: number, measuredMs = 1.1 + residual) => ({
    side: 'edge' as const,
    nodeMs: 1,
    overheadMs: 0.1,
    bytes,
    measuredMs,
  });

  test('is the slope with the least absolute relative error on each side, never negative, 0 without points', () => {
    const fit = fitPartModel([
      // slopes 2e-5, 1e-5, 1e-5, 5e-4 with weights bytes/measured 893, 1786, 1786, 625 (each 2000 B
      // one capped at a quarter of the total, 1272): the two 2000 B points carry over half
      edge(1000, 0.02),
      edge(2000, 0.02),
      edge(2000, 0.02),
      edge(1000, 0.5),
      edge(0, 9), // no bytes cross: ignored
      { side: 'cloud', nodeMs: 1, overheadMs: 0, bytes: 1000, measuredMs: 0.5 }, // negative: clamped
    ]);
    expect(fit.edgeOutputMsPerByte).toBeCloseTo(1e-5, 15);
    expect(fit.cloudInputMsPerByte).toBe(0);
    expect(fitPartModel([])).toEqual({ edgeOutputMsPerByte: 0, cloudInputMsPerByte: 0 });
  });

  test("a small cut point's noisy slope does not outvote large ones", () => {
    // Three 10 KB cut points 0.1 ms faster than their nodes (host noise: -10 µs/KB) and two 1 MB
    // ones 0.3 ms slower (0.3 µs/KB): the plain median of slopes would be negative, clamped to 0.
    const points = [edge(1e4, -0.1), edge(1e4, -0.1), edge(1e4, -0.1), edge(1e6, 0.3), edge(1e6, 0.3)];
    expect(fitPartModel(points).edgeOutputMsPerByte).toBeCloseTo(3e-7, 15);
    // The fit minimises Σ |residual − b·bytes| / measured: no other b does better.
    const cost = (b: number) =>
      points.reduce(
        (t, p) => t + Math.abs(p.measuredMs - p.overheadMs - p.nodeMs - b * p.bytes) / p.measuredMs,
        0,
      );
    const best = fitPartModel(points).edgeOutputMsPerByte;
    for (const b of [0, 1e-7, 2.9e-7, 3.1e-7, 1e-6]) expect(cost(best)).toBeLessThanOrEqual(cost(b));
  });
});

test('fitPartModel: one point with most of the weight cannot set the slope alone', () => {
  const edge = (bytes: number, residual: number) => ({
    side: 'edge' as const,
    nodeMs: 0.05,
    overheadMs: 0.01,
    bytes,
    measuredMs: 0.06 + residual,
  });
  // The largest crossing (50 KB) measured 0.2 ms slow once (4 µs/KB; its weight bytes/measured is
  // over half the total); three smaller cut points agree on 0.3 µs/KB.
  const points = [edge(5e4, 0.2), edge(2e3, 0.0006), edge(1.5e3, 0.00045), edge(1e3, 0.0003)];
  const weights = points.map((p) => p.bytes / p.measuredMs);
  expect(weights[0] / weights.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.5);
  expect(MAX_WEIGHT_SHARE).toBeLessThan(0.5);
  expect(fitPartModel(points).edgeOutputMsPerByte).toBeCloseTo(3e-7, 12);
});

describe('weightedMedian(points)', () => {
  test('minimises the weighted absolute deviation; ties at half the weight take the midpoint', () => {
    expect(
      weightedMedian([
        { value: 1, weight: 1 },
        { value: 2, weight: 1 },
        { value: 9, weight: 3 },
      ]),
    ).toBe(9);
    expect(
      weightedMedian([
        { value: 5, weight: 2 },
        { value: 1, weight: 1 },
        { value: 3, weight: 1 },
      ]),
    ).toBe(4);
    expect(
      weightedMedian([
        { value: 3, weight: 1 },
        { value: 7, weight: 1 },
        { value: 8, weight: 1 },
      ]),
    ).toBe(7);
    expect(weightedMedian([{ value: 3, weight: 0 }])).toBe(0);
    expect(weightedMedian([])).toBe(0);
  });
});

describe('measurePartTimes in groups of cut points', () => {
  const m = residual();
  const dag = buildDag(m);
  const cuts = cutPoints(dag);
  const names = [...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name)))];

  test('one group needs no rescaling; one group per cut point rescales each to the pooled whole-model time', async () => {
    const info = await probeTensors(m, names);
    const one = await measurePartTimes(m, dag, cuts, info, MEASURE);
    expect(one.groupDrift).toBe(0);
    // A session budget of 1 byte puts every cut point in a group of its own.
    const many = await measurePartTimes(m, dag, cuts, info, { ...MEASURE, runs: 5 }, { budgetBytes: 1 });
    expect(many.parts.map((p) => p.index)).toEqual(cuts.map((c) => c.index));
    expect(Number.isFinite(many.groupDrift)).toBe(true);
    expect(many.groupDrift).toBeGreaterThanOrEqual(0);
    for (const p of many.parts.filter((q) => cuts[q.index].edgeNodes.length > 0))
      expect(p.edgeMs).toBeGreaterThan(0);
  });

  test('times only the side asked for: the other reads 0 (a fast profile of a slow model)', async () => {
    const info = await probeTensors(m, names);
    const inner = cuts.filter((c) => c.edgeNodes.length > 0 && c.cloudNodes.length > 0);
    const [early, late] = [inner[0], inner[inner.length - 1]];
    const sides = new Map([
      [early.index, 'edge' as const],
      [late.index, 'cloud' as const],
    ]);
    const { parts } = await measurePartTimes(m, dag, [early, late], info, MEASURE, { sides });
    expect(parts.map((p) => p.index)).toEqual([early.index, late.index]);
    expect(parts[0].edgeMs).toBeGreaterThan(0);
    expect(parts[0].cloudMs).toBe(0);
    expect(parts[1].edgeMs).toBe(0);
    expect(parts[1].cloudMs).toBeGreaterThan(0);
  });

  test('each group is rescaled by the pooled whole-model median over its own', () => {
    const result = partTimesOfGroups([
      { whole: [2, 2, 2], parts: [{ index: 0, edge: [1, 1, 1], cloud: [3, 3, 3] }] },
      { whole: [1, 1, 1, 1], parts: [{ index: 1, edge: [0.5, 0.5, 0.5], cloud: [0.25, 0.25, 0.25] }] },
    ]);
    // Pooled whole-model median: 1 (four 1s and three 2s); factors 1/2 and 1/1.
    expect(result.wholeMs).toBe(1);
    expect(result.groupDrift).toBe(0.5);
    expect(result.parts.map((p) => [p.index, p.edgeMs, p.cloudMs])).toEqual([
      [0, 0.5, 1.5],
      [1, 0.5, 0.25],
    ]);
  });
});
