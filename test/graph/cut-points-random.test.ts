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
  int64Tensor,
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

/**
 * A random graph rich in shape metadata: Shape and Size of data tensors and of graph inputs
 * (several readers each), shape arithmetic (Gather, Concat, Cast, Add of shapes from different
 * branches), readers of shapes (Reshape, Expand, ConstantOfShape), shapes read far downstream or
 * as graph outputs, and tensors read only by a Shape node.
 */
function shapeRichModel(rand: () => number, nodeCount: number, inputCount: number): ModelProto {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const inputs = Array.from({ length: inputCount }, (_, i) => `in${i}`);
  const data: string[] = [...inputs];
  const shapes: string[] = [];
  const nodes: NodeProto[] = [];
  const recent = () => (rand() < 0.6 ? data[data.length - 1] : pick(data));
  const aShape = () => (rand() < 0.5 ? shapes[shapes.length - 1] : pick(shapes));
  for (let i = 0; i < nodeCount; i++) {
    const r = rand();
    const out = `t${i}`;
    if (r < 0.2 || shapes.length === 0) {
      nodes.push(node(rand() < 0.8 ? 'Shape' : 'Size', [rand() < 0.2 ? pick(inputs) : recent()], [out]));
      shapes.push(out);
    } else if (r < 0.32) {
      const op = pick(['Gather', 'Concat', 'Cast', 'Add']);
      const ins = op === 'Gather' ? [aShape(), 'idx'] : op === 'Cast' ? [aShape()] : [aShape(), pick(shapes)];
      nodes.push(node(op, ins, [out]));
      shapes.push(out);
    } else if (r < 0.45) {
      nodes.push(node(pick(['Reshape', 'Expand']), [recent(), aShape()], [out]));
      data.push(out);
    } else if (r < 0.5) {
      nodes.push(node('ConstantOfShape', [aShape()], [out]));
      shapes.push(out);
    } else if (r < 0.58) {
      nodes.push(node('Split', [recent()], [out, `${out}_b`]));
      data.push(out);
      if (rand() < 0.5) data.push(`${out}_b`);
    } else if (r < 0.75) nodes.push(node('Add', [recent(), recent()], [out]));
    else nodes.push(node('Relu', [recent()], [out]));
    if (!shapes.includes(out) && !data.includes(out)) data.push(out);
  }
  const outputs = new Set([data[data.length - 1]]);
  while (rand() < 0.3) outputs.add(pick(data));
  if (rand() < 0.3) outputs.add(pick(shapes));
  if (rand() < 0.1) outputs.add(pick(inputs));
  return model({
    nodes,
    initializers: [int64Tensor('idx', [], [0])],
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

  test.each([
    ['one input', 30, 1],
    ['two inputs', 30, 2],
    ['long', 80, 1],
  ])('rich in shape metadata, %s: 300 seeded graphs', (_, nodeCount, inputCount) => {
    let cutCount = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const dag = buildDag(shapeRichModel(uniformRandom(seed), nodeCount, inputCount));
      const cuts = plain(cutPoints(dag));
      const expected = referenceCutPoints(dag);
      if (JSON.stringify(cuts) !== JSON.stringify(expected))
        expect({ seed, cuts }).toEqual({ seed, cuts: expected });
      cutCount += cuts.length;
    }
    expect(cutCount).toBeGreaterThan(300 * 3);
  });

  test('a 1,000-node chain with a Shape -> Reshape every 10th node', () => {
    const nodes: NodeProto[] = [];
    let x = 'in0';
    for (let i = 0; i < 1000; i++) {
      if (i % 10 === 9) {
        nodes.push(node('Shape', [x], [`s${i}`]));
        nodes.push(node('Reshape', [x, `s${i}`], [`t${i}`]));
      } else nodes.push(node(i % 2 === 0 ? 'Relu' : 'Neg', [x], [`t${i}`]));
      x = `t${i}`;
    }
    // A shape of an early tensor read at the very end crosses every cut after it.
    nodes.push(node('Shape', ['t5'], ['early']));
    nodes.push(node('Reshape', [x, 'early'], ['y']));
    const dag = buildDag(
      model({
        nodes,
        inputs: [valueInfo('in0', DataType.FLOAT, [1, 4])],
        outputs: [valueInfo('y', DataType.FLOAT, [1, 4])],
      }),
    );
    const cuts = cutPoints(dag);
    expect(JSON.stringify(plain(cuts))).toBe(JSON.stringify(referenceCutPoints(dag)));
    expect(cuts.length).toBe(1002);
    expect(cuts[500].tensors.map((c) => c.name)).toEqual([cuts[500].tensors[0].name, 'early']);
  });

  test('a node fed only a graph input and the shape of a cut tensor (largest side through shapes)', () => {
    // t's smallest side fails (a is read by the head); its largest side works: the cloud gets t,
    // computes Shape(t), and reshapes in1 (a late input) with it.
    const dag = buildDag(
      model({
        nodes: [
          node('Relu', ['in0'], ['a']),
          node('Relu', ['a'], ['t']),
          node('Relu', ['a'], ['head']),
          node('Shape', ['t'], ['m']),
          node('Reshape', ['in1', 'm'], ['w']),
          node('Add', ['t', 'w'], ['y']),
        ],
        inputs: ['in0', 'in1'].map((n) => valueInfo(n, DataType.FLOAT, [1, 4])),
        outputs: ['y', 'head'].map((n) => valueInfo(n, DataType.FLOAT, [1, 4])),
      }),
    );
    const cuts = cutPoints(dag);
    expect(JSON.stringify(plain(cuts))).toBe(JSON.stringify(referenceCutPoints(dag)));
    expect(cuts.find((c) => c.tensors[0].name === 't')?.tensors.map((c) => c.name)).toEqual([
      't',
      'in1',
      'head',
    ]);
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
