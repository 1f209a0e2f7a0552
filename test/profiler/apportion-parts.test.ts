import { buildDag, cutPoints, type CutCandidate, type Dag } from '../../src/graph';
import {
  apportionToParts,
  checkProfile,
  KNOT_GAP_SHARE,
  KNOT_MAX_RATIO,
  MAX_SEGMENT_FACTOR,
  predictPartMs,
  scaleProfile,
  type DeviceProfile,
  type NodeTime,
} from '../../src/profiler';
import { chain } from '../helpers/zoo';

// The chain's 9 nodes, traced at 1 ms each; the parts say the first four take 0.5 ms and the
// rest 1.4 ms (the same 9 ms in all, as calibration to the whole model guarantees).
const dag: Dag = buildDag(chain());
const cuts: CutCandidate[] = cutPoints(dag);
const inner = cuts.filter((c) => c.edgeNodes.length > 0 && c.cloudNodes.length > 0);
const OVERHEAD_MS = 0.1;
const traced: NodeTime[] = dag.nodes.map((n) => ({
  name: n.name,
  op: n.opType,
  ms: 1,
  p90Ms: 1,
  unfusedMs: 1,
}));
const edgeTruth = (i: number) => (i < 4 ? 0.5 : 1.4);
// Cloud parts drift differently from edge parts (each side is fitted to its own).
const cloudTruth = (i: number) => (i < 6 ? 1.2 : 0.6);
const sum = (nodes: readonly number[], f: (i: number) => number) => nodes.reduce((t, i) => t + f(i), 0);
const noInfo = new Map<string, { bytesPerSample: number }>();
const fit = { runOverheadMs: OVERHEAD_MS, boundary: { edgeOutputMsPerByte: 0, cloudInputMsPerByte: 0 } };

function parts(of: readonly CutCandidate[], spreadMs = 0.001) {
  return of.map((c) => {
    const edgeMs = OVERHEAD_MS + sum(c.edgeNodes, edgeTruth);
    const cloudMs = OVERHEAD_MS + sum(c.cloudNodes, cloudTruth);
    return { index: c.index, edgeMs, edgeP90Ms: edgeMs + spreadMs, cloudMs, cloudP90Ms: cloudMs + spreadMs };
  });
}

const predict = (nodes: DeviceProfile['nodes'], c: CutCandidate, side: 'edge' | 'cloud') =>
  predictPartMs(
    { nodes, runOverheadMs: OVERHEAD_MS },
    dag,
    side === 'edge' ? c.edgeNodes : c.cloudNodes,
    [],
    side,
  );

test('the chain has the nested cut points these tests assume', () => {
  expect(dag.nodes).toHaveLength(9);
  expect(inner.length).toBeGreaterThanOrEqual(7);
  for (let k = 1; k < inner.length; k++)
    expect(inner[k - 1].edgeNodes.every((i) => inner[k].edgeNodes.includes(i))).toBe(true);
});

test('each side meets its own measured parts, and a cut point between knots is interpolated', () => {
  // Leave one cut point out of the fit: it is still predicted exactly, as its segment drifts evenly.
  const left = inner[2];
  const others = inner.filter((c) => c !== left);
  const nodes = apportionToParts(traced, dag, others, parts(others), fit, noInfo);
  for (const c of inner) {
    expect(predict(nodes, c, 'edge')).toBeCloseTo(OVERHEAD_MS + sum(c.edgeNodes, edgeTruth), 10);
    expect(predict(nodes, c, 'cloud')).toBeCloseTo(OVERHEAD_MS + sum(c.cloudNodes, cloudTruth), 10);
  }
  // The traced times are kept; the tables differ per side.
  expect(nodes.map((n) => n.ms)).toEqual(traced.map((n) => n.ms));
  expect(nodes[0].edgeMs).toBeCloseTo(0.5, 10);
  expect(nodes[0].cloudMs).toBeCloseTo(1.2, 10);
  // Without the tables the same prediction is the traced sum: off by up to 40% here.
  expect(predict(traced, left, 'edge')).toBeCloseTo(OVERHEAD_MS + left.edgeNodes.length, 10);
});

test('parts whose spread exceeds their differences make no knots: the traced times stand', () => {
  const nodes = apportionToParts(traced, dag, inner, parts(inner, 100), fit, noInfo);
  expect(nodes.some((n) => n.edgeMs !== undefined || n.cloudMs !== undefined)).toBe(false);
  // A knot needs at least KNOT_GAP_SHARE of the model beyond the previous one: two cut points one
  // 0.5 ms node apart (5.6% of 9 ms) are both knots, as the test above shows; 5% is the line.
  expect(0.5 / 9).toBeGreaterThan(KNOT_GAP_SHARE);
});

test('a side without timed parts keeps no table; a stale table is replaced, not kept', () => {
  const edgeOnly = parts(inner).map((p) => ({ ...p, cloudMs: 0, cloudP90Ms: 0 }));
  const stale = traced.map((n) => ({ ...n, cloudMs: 99 }));
  const nodes = apportionToParts(stale, dag, inner, edgeOnly, fit, noInfo);
  expect(nodes.every((n) => n.cloudMs === undefined && n.edgeMs !== undefined)).toBe(true);
});

test('no segment is scaled by more than MAX_SEGMENT_FACTOR', () => {
  // Two knots each within KNOT_MAX_RATIO of the trace (0.5x, then 2x) ask 5x of the node between them.
  const [a, b] = [inner[1], inner[2]];
  expect([a.edgeNodes.length, b.edgeNodes.length]).toEqual([2, 3]);
  const p = parts([a, b]).map((x, k) => ({ ...x, edgeMs: OVERHEAD_MS + (k === 0 ? 1 : 6) }));
  const nodes = apportionToParts(traced, dag, [a, b], p, fit, noInfo);
  const between = b.edgeNodes.find((i) => !a.edgeNodes.includes(i))!;
  expect(nodes[between].edgeMs).toBeCloseTo(MAX_SEGMENT_FACTOR, 10);
  expect(nodes[a.edgeNodes[0]].edgeMs).toBeCloseTo(0.5, 10);
});

test('a profile carries the tables: scaled with it, checked on load', () => {
  const nodes = apportionToParts(traced, dag, inner, parts(inner), fit, noInfo);
  const profile: DeviceProfile = {
    version: 1,
    kind: 'measured',
    label: 'this machine',
    jalad: '0',
    createdAt: '2026-12-07T00:00:00Z',
    model: { path: 'chain.onnx', sha256: '0' },
    runOverheadMs: OVERHEAD_MS,
    nodes,
    notes: [],
  };
  const scaled = scaleProfile(profile, 4);
  expect(scaled.nodes[5].edgeMs).toBeCloseTo(nodes[5].edgeMs! / 4, 12);
  expect(scaled.nodes[5].cloudMs).toBeCloseTo(nodes[5].cloudMs! / 4, 12);
  expect(() => checkProfile(JSON.parse(JSON.stringify(profile)), 'p.json')).not.toThrow();
  const bad = JSON.parse(JSON.stringify(profile));
  bad.nodes[2].edgeMs = -1;
  expect(() => checkProfile(bad, 'p.json')).toThrow(/nodes\[2\]\.edgeMs/);
});

test('a part far from its traced time (a disturbed timing, a wrong overhead) is no knot', () => {
  // The second cut point's part says its nodes took 3x their traced time: over KNOT_MAX_RATIO.
  const p = parts(inner).map((x, k) =>
    k === 1 ? { ...x, edgeMs: OVERHEAD_MS + 3 * inner[1].edgeNodes.length } : x,
  );
  expect(3).toBeGreaterThan(KNOT_MAX_RATIO);
  const nodes = apportionToParts(traced, dag, inner, p, fit, noInfo);
  // The other cut points still meet their parts exactly, the skipped one is interpolated.
  for (const c of inner)
    expect(predict(nodes, c, 'edge')).toBeCloseTo(OVERHEAD_MS + sum(c.edgeNodes, edgeTruth), 10);
});
