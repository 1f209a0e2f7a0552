import {
  bruteForceDecision,
  createHighsSolver,
  decisionTable,
  solveDecision,
  type DecisionProblem,
  type Solver,
} from '../../src/ilp';

// One node; the input may be sent as float32 or quantized, the output likewise. A quantized
// crossing makes both deployed parts real models (the quantizer ends the edge part, the
// dequantizer starts the cloud part), so each pays its run overhead even without a node.
const problem: DecisionProblem = {
  nodes: [{ id: 'net', edgeMs: 10, cloudMs: 1 }],
  tensors: [
    {
      name: 'input',
      producer: -1,
      consumers: [0],
      isGraphOutput: false,
      options: [
        { bits: 'f32', bytes: 3136, lossPct: 0 },
        { bits: 6, bytes: 400, lossPct: 0.1 },
      ],
    },
    {
      name: 'logits',
      producer: 0,
      consumers: [],
      isGraphOutput: true,
      options: [
        { bits: 'f32', bytes: 40, lossPct: 0 },
        { bits: 4, bytes: 10, lossPct: 0.1 },
      ],
    },
  ],
  bandwidthMbps: 5.85,
  rttMs: 0,
  maxLossPct: 1,
  edgeRunMs: 2,
  cloudRunMs: 0.5,
};

let highs: Solver;
beforeAll(async () => {
  highs = await createHighsSolver();
});

describe('run overheads of quantizer-only and dequantizer-only parts', () => {
  test.each([
    // the quantized input: the edge runs the quantizer (2 ms), the cloud the node and its call
    [5.85, 'input', 6, 2, 1.5],
    // above the breakpoint float32 wins: no edge call at all (0.22 ms of transfer < 2 ms)
    [100, 'input', 'f32', 0, 1.5],
    // edge-only, the logits quantized: the cloud part is the dequantizer, one call
    [0.01, 'logits', 4, 12, 0.5],
  ])(
    'at %p Mbps both solvers send %s at %p bits with edge %p ms and cloud %p ms',
    async (mbps, tensor, bits, edge, cloud) => {
      const at = { ...problem, bandwidthMbps: mbps };
      for (const plan of [bruteForceDecision(at), await solveDecision(at, { solver: highs })]) {
        expect(plan.crossing.map((c) => [c.tensor, c.bits])).toEqual([[tensor, bits]]);
        expect(plan.predictedMs.edge).toBeCloseTo(edge, 9);
        expect(plan.predictedMs.cloud).toBeCloseTo(cloud, 9);
      }
    },
  );

  test('edge-only with float32 logits runs no cloud part', () => {
    const plan = bruteForceDecision({
      ...problem,
      bandwidthMbps: 0.001,
      tensors: [problem.tensors[0], { ...problem.tensors[1], options: [problem.tensors[1].options[0]] }],
    });
    expect(plan.edgeNodes).toEqual([0]);
    expect(plan.predictedMs.cloud).toBe(0);
    expect(plan.predictedMs.edge).toBeCloseTo(12, 9);
  });

  test("the decision table's breakpoint between quantized and float32 input counts the quantizer's call", async () => {
    const { bandwidthMbps: _, ...table } = problem;
    const segments = await decisionTable(table, { solver: highs, fromMbps: 1, toMbps: 1000 });
    const keys = segments.map((s) => s.plan.crossing.map((c) => `${c.tensor}@${c.bits}`).join());
    expect(keys).toEqual(['input@6', 'input@f32']);
    // (3136 − 400) B · 8 / B = 2 ms of edge call → B = 10.944 Mbps
    expect(segments[0].toMbps).toBeCloseTo((2736 * 8) / 2000, 6);
  });
});
