import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildDag, cutPoints, encodeModel, readModelFile } from '../../src/graph';
import {
  halfCut,
  heldWeightBytes,
  measureProfile,
  mergeSamples,
  modelHalves,
  nodeTimesFromTraces,
  timeHalvesAlone,
  tracePlainHalves,
  traceFusedHalves,
  tracedCopy,
  weightBytes,
} from '../../src/profiler';
import { probeTensors, resetSessionPeak, sessionCounts } from '../../src/runtime';
import { residual } from '../helpers/zoo';

const MEASURE = { threads: 1, runs: 3, warmup: 1 };
const m = residual();
const dag = buildDag(m);
const cuts = cutPoints(dag);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-halves-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function halvesOf() {
  const copy = tracedCopy(m, dag);
  const cut = halfCut(copy, dag, cuts)!;
  const info = await probeTensors(
    m,
    cut.tensors.map((t) => t.name),
  );
  return modelHalves(copy, dag, cut, info);
}

test('halfCut: the cut point whose edge part holds the weight bytes nearest half the model', () => {
  const held = heldWeightBytes(m, dag);
  const total = weightBytes(m);
  expect(held(dag.nodes.map((n) => n.index))).toBe(total);
  const cut = halfCut(m, dag, cuts)!;
  // Brute force over the cut points that leave nodes on both sides.
  const gaps = cuts
    .filter((c) => c.edgeNodes.length > 0 && c.cloudNodes.length > 0)
    .map((c) => Math.abs(held(c.edgeNodes) - total / 2));
  expect(Math.abs(held(cut.edgeNodes) - total / 2)).toBe(Math.min(...gaps));
  expect(cut.edgeNodes.length).toBeGreaterThan(0);
  expect(cut.cloudNodes.length).toBeGreaterThan(0);
  // No cut point with nodes on both sides: nothing to halve.
  expect(
    halfCut(
      m,
      dag,
      cuts.filter((c) => c.edgeNodes.length === 0),
    ),
  ).toBeUndefined();
});

test('the halves together hold the model: every node once, the weights split between them', async () => {
  const h = await halvesOf();
  const names = (p: typeof h.edge) => (p.graph?.node ?? []).map((n) => n.name);
  expect([...names(h.edge), ...names(h.cloud)].sort()).toEqual(dag.nodes.map((n) => n.name).sort());
  expect(weightBytes(h.edge)).toBeGreaterThan(0);
  expect(weightBytes(h.cloud)).toBeGreaterThan(0);
  expect(weightBytes(h.edge) + weightBytes(h.cloud)).toBe(weightBytes(m));
});

test('traceFusedHalves: one half open at a time, every compute node traced, runs added less the overhead', async () => {
  const h = await halvesOf();
  const wholeBytes = encodeModel(m).length;
  resetSessionPeak();
  const overhead = 0.001;
  const traced = await traceFusedHalves(h, MEASURE, overhead);
  expect(sessionCounts()).toMatchObject({ open: 0, peak: 1, opened: 2 });
  expect(sessionCounts().peakBytes).toBeLessThan(wholeBytes);
  // Node times from the two halves' kernels: every Conv gets time (its kernel, in either half, maps
  // back to it), and they add up to the halves' unprofiled time less the overhead.
  const plain = await tracePlainHalves(h, MEASURE);
  // Optimisations off: one kernel per node, each node in one of the halves.
  expect([...plain.order].sort()).toEqual(dag.nodes.map((n) => n.name).sort());
  const times = nodeTimesFromTraces({ model: h.model, plain, ...traced }, dag, traced.unprofiledMs, overhead);
  for (const n of dag.nodes) if (n.opType === 'Conv') expect(times.nodes[n.index].ms).toBeGreaterThan(0);
  const sum = times.nodes.reduce((t, n) => t + n.ms, 0);
  expect(sum).toBeCloseTo(traced.unprofiledMs - overhead, 6);
  // Kernels of the same name in both halves (ORT's ReorderOutput) were kept apart.
  expect(new Set(traced.fused.order).size).toBe(traced.fused.order.length);
  expect(traced.afterRunsMs).toHaveLength(MEASURE.runs);
  expect(Math.min(...traced.afterRunsMs)).toBeGreaterThan(0);
  expect(traced.unprofiledMs).toBeGreaterThan(0);
  expect(traced.fused.runMs).toBeGreaterThan(0);
});

test('timeHalvesAlone: the two halves timed in turn, one open at a time', async () => {
  const h = await halvesOf();
  resetSessionPeak();
  const runs = await timeHalvesAlone(h, MEASURE, 0);
  expect(sessionCounts()).toMatchObject({ open: 0, peak: 1, opened: 2 });
  expect(runs).toHaveLength(MEASURE.runs);
  expect(Math.min(...runs)).toBeGreaterThan(0);
});

test('mergeSamples keeps kernels of the same name in the two halves apart, in order', () => {
  const first = {
    order: ['a', 'ReorderOutput'],
    samples: new Map([
      ['a', [1]],
      ['ReorderOutput', [2]],
    ]),
    runMs: 3,
  };
  const second = {
    order: ['ReorderOutput', 'b'],
    samples: new Map([
      ['ReorderOutput', [4]],
      ['b', [5]],
    ]),
    runMs: 9,
  };
  const merged = mergeSamples(first, second);
  expect(merged.order).toEqual(['a', 'ReorderOutput', 'ReorderOutput~2', 'b']);
  expect(merged.samples.get('ReorderOutput')).toEqual([2]);
  expect(merged.samples.get('ReorderOutput~2')).toEqual([4]);
  expect(merged.runMs).toBe(12);
});

test('a profile by halves is complete and says so; node times add up to the halves added', async () => {
  const file = path.join(tmp, 'residual.onnx');
  fs.writeFileSync(file, encodeModel(m));
  const profile = await measureProfile(readModelFile(file), { ...MEASURE, mode: 'thorough', halves: true });
  expect(profile.nodes).toHaveLength(dag.nodes.length);
  expect(profile.cutPoints).toHaveLength(cuts.length);
  expect(profile.notes?.some((n) => n.startsWith('traced and timed as two halves split at cut point'))).toBe(
    true,
  );
  for (const p of profile.cutPoints!) {
    if (cuts[p.index].edgeNodes.length > 0) expect(p.edgeMs).toBeGreaterThan(0);
    if (cuts[p.index].cloudNodes.length > 0) expect(p.cloudMs).toBeGreaterThan(0);
  }
  expect(profile.nodes.reduce((t, n) => t + n.ms, 0)).toBeGreaterThan(0);
  // A whole-model profile of the same file says nothing of halves.
  const whole = await measureProfile(readModelFile(file), { ...MEASURE, mode: 'fast', halves: false });
  expect(whole.notes?.some((n) => n.includes('two halves'))).toBe(false);
});
