import { InputError } from '../../src/core/errors';
import { createHighsSolver, solveDecision, type DecisionProblem, type Solver } from '../../src/ilp';

let solver: Solver;
beforeAll(async () => {
  solver = await createHighsSolver();
});

const base: DecisionProblem = {
  nodes: [
    { id: 'conv', edgeMs: 4, cloudMs: 0.4 },
    { id: 'fc', edgeMs: 1, cloudMs: 0.1 },
  ],
  tensors: [
    {
      name: 'input',
      producer: -1,
      consumers: [0],
      isGraphOutput: false,
      options: [{ bits: 'f32', bytes: 3136, lossPct: 0 }],
    },
    {
      name: 'conv_out',
      producer: 0,
      consumers: [1],
      isGraphOutput: false,
      options: [{ bits: 8, bytes: 500, lossPct: 0.2 }],
    },
    {
      name: 'logits',
      producer: 1,
      consumers: [],
      isGraphOutput: true,
      options: [{ bits: 'f32', bytes: 40, lossPct: 0 }],
    },
  ],
  bandwidthMbps: 5.85,
  rttMs: 0,
  maxLossPct: 0.5,
};

const tensor = (i: number, change: object): DecisionProblem => ({
  ...base,
  tensors: base.tensors.map((t, j) => (j === i ? { ...t, ...change } : t)),
});

describe('solveDecision(problem, { solver })', () => {
  test.each<[string, DecisionProblem, string]>([
    [
      'a negative bandwidth',
      { ...base, bandwidthMbps: -1 },
      'bandwidthMbps must be a finite number > 0, got -1',
    ],
    ['a zero bandwidth', { ...base, bandwidthMbps: 0 }, 'bandwidthMbps'],
    ['a NaN RTT', { ...base, rttMs: NaN }, 'rttMs must be a finite number ≥ 0, got NaN'],
    ['a NaN budget', { ...base, maxLossPct: NaN }, 'maxLossPct'],
    ['fixedBits 0', { ...base, fixedBits: 0 }, 'fixedBits'],
    [
      'a negative edge time',
      { ...base, nodes: [{ id: 'conv', edgeMs: -1, cloudMs: 0 }, base.nodes[1]] },
      'nodes[0] "conv".edgeMs must be a finite number ≥ 0, got -1',
    ],
    [
      'an infinite cloud time',
      { ...base, nodes: [base.nodes[0], { id: 'fc', edgeMs: 1, cloudMs: Infinity }] },
      'nodes[1] "fc".cloudMs',
    ],
    [
      'a duplicate tensor name',
      tensor(2, { name: 'conv_out' }),
      'tensors[2] "conv_out": name already used by tensors[1]',
    ],
    [
      'a producer out of range',
      tensor(1, { producer: 7 }),
      'tensors[1] "conv_out".producer must be -1 or a node index below 2, got 7',
    ],
    [
      'a consumer out of range',
      tensor(1, { consumers: [2] }),
      'tensors[1] "conv_out".consumers: 2 is not a node index below 2',
    ],
    ['a node reading its own output', tensor(1, { consumers: [0, 1] }), 'node 0 consumes its own output'],
    [
      'a cycle',
      {
        ...base,
        tensors: [
          ...base.tensors,
          { name: 'back', producer: 1, consumers: [0], isGraphOutput: false, options: [] },
        ],
      },
      'cycle',
    ],
    [
      'bits "f16"',
      tensor(1, { options: [{ bits: 'f16', bytes: 1, lossPct: 0 }] }),
      `tensors[1] "conv_out".options[0].bits must be an integer 1..32 or 'f32', got "f16"`,
    ],
    [
      'the same bits twice',
      tensor(1, {
        options: [
          { bits: 8, bytes: 1, lossPct: 0 },
          { bits: 8, bytes: 2, lossPct: 0 },
        ],
      }),
      'bits 8 listed twice',
    ],
    [
      'negative bytes',
      tensor(1, { options: [{ bits: 8, bytes: -5, lossPct: 0 }] }),
      'options[0].bytes must be a finite number ≥ 0, got -5',
    ],
    [
      'a NaN loss',
      tensor(1, { options: [{ bits: 8, bytes: 5, lossPct: NaN }] }),
      'options[0].lossPct must be a finite number, got NaN',
    ],
    ['an excluded key that is not JSON', { ...base, excluded: ['conv_out@8'] }, 'invalid JSON'],
    [
      'an excluded key naming an unknown tensor',
      { ...base, excluded: ['[["pool",8]]'] },
      'excluded[0]: tensor "pool" is not in the problem',
    ],
    [
      'an excluded key with bits not offered',
      { ...base, excluded: ['[["conv_out",4]]'] },
      'tensor "conv_out" has no option with bits 4',
    ],
  ])('rejects %s with BAD_OPTION naming the field and value', async (_, problem, message) => {
    const attempt = solveDecision(problem, { solver });
    await expect(attempt).rejects.toBeInstanceOf(InputError);
    await expect(solveDecision(problem, { solver })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringContaining(message),
    });
  });

  test('returns the fastest plan within the budget with its prediction in ms', async () => {
    const plan = await solveDecision(base, { solver });
    // conv on the edge, 500 bytes at 5.85 Mbps, fc in the cloud
    expect(plan.edgeNodes).toEqual([0]);
    expect(plan.crossing).toEqual([{ tensor: 'conv_out', bits: 8, bytes: 500 }]);
    expect(plan.predictedMs.transfer).toBeCloseTo((500 * 8) / 5850, 12);
    expect(plan.predictedMs.total).toBeCloseTo(4 + (500 * 8) / 5850 + 0.1, 12);
    expect(plan.predictedLossPct).toBe(0.2);
    expect(plan.bandwidthMbps).toBe(5.85);
    expect(plan.key).toBe('[["conv_out",8]]');
  });

  test("a crossing tensor's boundary costs count on their sides and can move the cut", async () => {
    // conv_out costs 1 ms more on the edge and 0.5 ms more on the cloud when it crosses: sending the
    // input (cloud-only, 4.29 + 0.5 ms) and edge-only (5.05 ms) now beat the cut at conv_out
    // (4 + 0.68 + 1 + 0.5 + 0.1 = 6.28 ms).
    const costly = tensor(1, { edgeCrossMs: 1, cloudCrossMs: 0.5 });
    const plan = await solveDecision(costly, { solver });
    expect(plan.edgeNodes).toEqual([]);
    expect(plan.crossing).toEqual([{ tensor: 'input', bits: 'f32', bytes: 3136 }]);
    const edgeOnly = await solveDecision({ ...costly, excluded: ['[["input","f32"]]'] }, { solver });
    expect(edgeOnly.crossing.map((c) => c.tensor)).toEqual(['logits']);
    const atConv = await solveDecision(
      { ...costly, excluded: ['[["input","f32"]]', '[["logits","f32"]]'] },
      { solver },
    );
    expect(atConv.crossing.map((c) => c.tensor)).toEqual(['conv_out']);
    expect(atConv.predictedMs.edge).toBeCloseTo(4 + 1, 12);
    expect(atConv.predictedMs.cloud).toBeCloseTo(0.1 + 0.5, 12);
    await expect(solveDecision(tensor(1, { edgeCrossMs: -1 }), { solver })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringContaining('edgeCrossMs'),
    });
  });

  test('an empty graph: nothing runs and nothing crosses, only the RTT remains', async () => {
    const empty: DecisionProblem = { nodes: [], tensors: [], bandwidthMbps: 1, rttMs: 3, maxLossPct: 0 };
    const plan = await solveDecision(empty, { solver });
    expect(plan).toMatchObject({ edgeNodes: [], crossing: [], predictedLossPct: 0, key: '[]' });
    expect(plan.predictedMs.total).toBe(3);
  });

  test('creates a HiGHS solver when none is given', async () => {
    const plan = await solveDecision(base);
    expect(plan.key).toBe('[["conv_out",8]]');
  });

  test('an excluded key may list tensors in any order and with any spacing', async () => {
    const plan = await solveDecision({ ...base, excluded: ['[ ["conv_out", 8] ]'] }, { solver });
    expect(plan.key).not.toBe('[["conv_out",8]]');
  });
});
