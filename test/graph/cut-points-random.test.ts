/**
 * cutPoints against the definition: on seeded random DAGs (branches, skips, several inputs and
 * outputs, multi-output nodes, unused outputs, dead and constant nodes, random sources, shape
 * metadata), the cut points must equal those found by asking `tryPartition` about every
 * candidate tensor, as jalad did before cut points were computed from dominator trees.
 */
import {
  buildDag,
  cutPoints,
  DataType,
  edgeSums,
  floatTensor,
  model,
  node,
  tryPartition,
  valueInfo,
  type CrossingTensor,
  type Dag,
  type ModelProto,
  type NodeProto,
} from '../../src/graph';
import { uniformRandom } from '../../src/core/random';

/** The reference: one `tryPartition` per candidate, duplicates (same crossing set) dropped. */
function referenceCutPoints(dag: Dag) {
  const found: { order: number; op: string; cut: readonly string[] }[] = [];
  for (const t of dag.inputs) found.push({ order: -1, op: 'input', cut: [t] });
  for (const n of dag.nodes) {
    if (dag.isStatic[n.index] || !dag.isLive[n.index]) continue;
    for (const t of n.outputs)
      if (!dag.metaTensors.has(t)) found.push({ order: n.index, op: n.opType, cut: [t] });
  }
  if (dag.inputs.length > 1) found.push({ order: -1, op: 'input', cut: dag.inputs });
  const dynamicOutputs = dag.outputs.filter((o) => dag.producer.has(o));
  if (dynamicOutputs.length > 1)
    found.push({ order: Number.MAX_SAFE_INTEGER, op: 'output', cut: dynamicOutputs });
  const seen = new Set<string>();
  const out: {
    index: number;
    tensors: readonly CrossingTensor[];
    op: string;
    edgeNodes: readonly number[];
    cloudNodes: readonly number[];
  }[] = [];
  for (const f of found.sort((a, b) => a.order - b.order)) {
    const r = tryPartition(dag, f.cut);
    if (!r.ok) continue;
    const key = r.partition.crossing
      .map((c) => c.name)
      .sort()
      .join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      index: out.length,
      tensors: r.partition.crossing,
      op: f.op,
      edgeNodes: r.partition.edgeNodes,
      cloudNodes: r.partition.cloudNodes,
    });
  }
  return out;
}

interface Shape {
  readonly nodes: number;
  readonly inputs: number;
  /** Probability that a node reads the newest tensor (high: chain-like). */
  readonly recent: number;
  readonly meta: boolean;
  readonly shuffle: boolean;
}

/** A random graph of unary, binary, two-output, constant, random-source and (optionally) Shape nodes. */
function randomModel(rand: () => number, s: Shape): ModelProto {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const inputs = Array.from({ length: s.inputs }, (_, i) => `in${i}`);
  const dynamic: string[] = [...inputs];
  const constants = ['w'];
  const nodes: NodeProto[] = [];
  const operand = () => {
    const r = rand();
    if (r < s.recent) return dynamic[dynamic.length - 1];
    if (r < s.recent + 0.08) return pick(constants);
    return pick(dynamic);
  };
  for (let i = 0; i < s.nodes; i++) {
    const r = rand();
    const out = `t${i}`;
    if (r < 0.05) {
      nodes.push(node('Constant', [], [out]));
      constants.push(out);
      continue;
    }
    if (r < 0.08) nodes.push(node('RandomNormal', [], [out]));
    else if (s.meta && r < 0.16) {
      const x = operand();
      nodes.push(node('Shape', [x], [`${out}_shape`]));
      nodes.push(node('Reshape', [operand(), `${out}_shape`], [out]));
    } else if (r < 0.3) nodes.push(node('Split', [operand()], [out, `${out}_b`]));
    else if (r < 0.55) nodes.push(node('Add', [operand(), operand()], [out]));
    else if (r < 0.62) nodes.push(node('Sum', [operand(), operand(), operand()], [out]));
    else nodes.push(node('Relu', [operand()], [out]));
    dynamic.push(out);
    if (nodes[nodes.length - 1].output!.length > 1 && rand() < 0.5) dynamic.push(`${out}_b`);
  }
  const outputs = new Set([dynamic[dynamic.length - 1]]);
  while (rand() < 0.35) outputs.add(pick(dynamic));
  if (rand() < 0.1) outputs.add('w');
  if (s.shuffle)
    for (let i = nodes.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
    }
  return model({
    nodes,
    initializers: [floatTensor('w', [1], [1])],
    inputs: inputs.map((n) => valueInfo(n, DataType.FLOAT, [1, 4])),
    outputs: [...outputs].map((n) => valueInfo(n, DataType.FLOAT, [1, 4])),
  });
}

/** What the reference lists, read from the new cut points (node lists materialised). */
function plain(cuts: ReturnType<typeof cutPoints>) {
  return cuts.map((c) => ({
    index: c.index,
    tensors: c.tensors,
    op: c.op,
    edgeNodes: c.edgeNodes,
    cloudNodes: c.cloudNodes,
  }));
}

describe('cutPoints equals one tryPartition per candidate', () => {
  const shapes: [string, Shape][] = [
    ['chain-like', { nodes: 30, inputs: 1, recent: 0.85, meta: false, shuffle: false }],
    ['branchy', { nodes: 30, inputs: 1, recent: 0.5, meta: false, shuffle: false }],
    ['several inputs', { nodes: 25, inputs: 3, recent: 0.6, meta: false, shuffle: true }],
    ['wide and shuffled', { nodes: 40, inputs: 2, recent: 0.3, meta: false, shuffle: true }],
    ['with shape metadata', { nodes: 25, inputs: 2, recent: 0.6, meta: true, shuffle: false }],
  ];
  test.each(shapes)('%s: 200 seeded graphs', (_, shape) => {
    let cutCount = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rand = uniformRandom(seed);
      const dag = buildDag(randomModel(rand, shape));
      const cuts = cutPoints(dag);
      const expected = referenceCutPoints(dag);
      if (JSON.stringify(plain(cuts)) !== JSON.stringify(expected)) {
        // A readable diff for the first failing seed.
        expect({ seed, cuts: plain(cuts) }).toEqual({ seed, cuts: expected });
      }
      for (const c of cuts) {
        expect(c.edgeNodeCount).toBe(c.edgeNodes.length);
        expect(c.cloudNodeCount).toBe(c.cloudNodes.length);
      }
      cutCount += cuts.length;
    }
    // The graphs are not degenerate: most have cut points beyond the inputs.
    expect(cutCount).toBeGreaterThan(200 * 2);
  });

  test('a 1,000-node chain with skips, side inputs and an early output', () => {
    const nodes: NodeProto[] = [];
    let x = 'in0';
    for (let i = 0; i < 1000; i++) {
      const skip = i % 7 === 6 ? [`t${i - 3}`] : i === 600 ? ['in1'] : [];
      nodes.push(node(skip.length > 0 ? 'Add' : 'Relu', [x, ...skip], [`t${i}`]));
      x = `t${i}`;
    }
    nodes.push(node('Relu', ['t100'], ['head']));
    const dag = buildDag(
      model({
        nodes,
        inputs: ['in0', 'in1'].map((n) => valueInfo(n, DataType.FLOAT, [1, 4])),
        outputs: [x, 'head'].map((n) => valueInfo(n, DataType.FLOAT, [1, 4])),
      }),
    );
    const cuts = cutPoints(dag);
    expect(JSON.stringify(plain(cuts))).toBe(JSON.stringify(referenceCutPoints(dag)));
    expect(cuts.length).toBeGreaterThan(600);
  });
});

describe('edgeSums', () => {
  test('sums over edge and cloud nodes, as adding them in Dag order', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const rand = uniformRandom(seed);
      const dag = buildDag(
        randomModel(rand, { nodes: 30, inputs: 2, recent: 0.7, meta: false, shuffle: true }),
      );
      const cuts = cutPoints(dag);
      for (const values of [dag.nodes.map((_, i) => (i * 7919) % 101), dag.nodes.map(() => rand())]) {
        const sums = edgeSums(cuts, values);
        cuts.forEach((c, k) => {
          expect(sums.edge[k]).toBe(c.edgeNodes.reduce((t, i) => t + values[i], 0));
          expect(sums.cloud[k]).toBe(c.cloudNodes.reduce((t, i) => t + values[i], 0));
        });
      }
    }
  });
});
