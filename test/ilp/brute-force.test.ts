import { InputError } from '../../src/core/errors';
import {
  bruteForceDecision,
  bruteForceOptima,
  createBruteForceSolver,
  NoPlanError,
  type DecisionProblem,
  type DecisionTensor,
} from '../../src/ilp';

const f32 = (bytes: number) => ({ bits: 'f32' as const, bytes, lossPct: 0 });
const input = (consumers: number[], bytes = 4000): DecisionTensor => ({
  name: 'in',
  producer: -1,
  consumers,
  isGraphOutput: false,
  options: [f32(bytes)],
});
const output = (producer: number): DecisionTensor => ({
  name: 'out',
  producer,
  consumers: [],
  isGraphOutput: true,
  options: [f32(40)],
});

describe('bruteForceDecision(problem)', () => {
  test('rejects a malformed problem with BAD_OPTION', () => {
    const bad = {
      nodes: [{ id: 'n', edgeMs: 1, cloudMs: 1 }],
      tensors: [input([0]), output(0)],
      bandwidthMbps: 1,
      rttMs: -3,
      maxLossPct: 1,
    };
    expect(() => bruteForceDecision(bad)).toThrow(InputError);
    expect(() => bruteForceDecision(bad)).toThrow(
      'bruteForceDecision: rttMs must be a finite number ≥ 0, got -3',
    );
  });

  test('refuses more placements than maxPlacements', () => {
    // 12 independent nodes reading the input: 2^12 placements
    const nodes = Array.from({ length: 12 }, (_, v) => ({ id: `n${v}`, edgeMs: 1, cloudMs: 1 }));
    const tensors = [
      input(nodes.map((_, v) => v)),
      ...nodes.map((_, v) => ({ ...output(v), name: `out${v}` })),
    ];
    const problem: DecisionProblem = { nodes, tensors, bandwidthMbps: 1, rttMs: 0, maxLossPct: 1 };
    expect(() => bruteForceDecision(problem, { maxPlacements: 1000 })).toThrow(
      expect.objectContaining({ code: 'BAD_OPTION' }),
    );
    expect(bruteForceDecision(problem, { maxPlacements: 4096 }).edgeNodes).toHaveLength(12); // equal times: fewer bytes on the edge
  });

  test('edge-only sends the outputs and cloud-only sends the inputs', () => {
    const nodes = [{ id: 'n0', edgeMs: 1, cloudMs: 1 }];
    const problem: DecisionProblem = {
      nodes,
      tensors: [input([0], 4000), output(0)],
      bandwidthMbps: 1,
      rttMs: 0,
      maxLossPct: 0,
    };
    expect(bruteForceDecision(problem).crossing).toEqual([{ tensor: 'out', bits: 'f32', bytes: 40 }]);
    const cheapInput = { ...problem, tensors: [input([0], 10), output(0)] };
    expect(bruteForceDecision(cheapInput).crossing).toEqual([{ tensor: 'in', bits: 'f32', bytes: 10 }]);
    expect(bruteForceDecision(cheapInput).edgeNodes).toEqual([]);
  });

  test('a graph input read late crosses when its reader is in the cloud', () => {
    // in -> n0 -> a -> n1 ; in -> n1 (skip from the input)
    const problem: DecisionProblem = {
      nodes: [
        { id: 'n0', edgeMs: 1, cloudMs: 100 },
        { id: 'n1', edgeMs: 100, cloudMs: 1 },
      ],
      tensors: [
        input([0, 1], 1000),
        { name: 'a', producer: 0, consumers: [1], isGraphOutput: false, options: [f32(10)] },
        output(1),
      ],
      bandwidthMbps: 8, // 1000 bytes = 1 ms
      rttMs: 0,
      maxLossPct: 0,
    };
    const plan = bruteForceDecision(problem);
    expect(plan.edgeNodes).toEqual([0]);
    expect(plan.crossing.map((c) => c.tensor)).toEqual(['in', 'a']);
    expect(plan.predictedMs.total).toBeCloseTo(1 + 1.01 + 1, 12);
  });

  describe('tie-break: latency, then loss, then bytes, then fewer nodes on the edge', () => {
    // in -> n0 -> a -> n1 -> b -> n2 -> out
    const chain = (nodes: [number, number][], a: object[], b: object[]): DecisionProblem => ({
      nodes: nodes.map(([edgeMs, cloudMs], v) => ({ id: `n${v}`, edgeMs, cloudMs })),
      tensors: [
        input([0], 1e6),
        {
          name: 'a',
          producer: 0,
          consumers: [1],
          isGraphOutput: false,
          options: a as DecisionTensor['options'],
        },
        {
          name: 'b',
          producer: 1,
          consumers: [2],
          isGraphOutput: false,
          options: b as DecisionTensor['options'],
        },
        output(2),
      ],
      bandwidthMbps: 8, // 1000 bytes = 1 ms
      rttMs: 0,
      maxLossPct: 1,
    });

    test('equal latency: the lower loss', () => {
      const problem = chain(
        [
          [1, 1],
          [0, 0],
          [100, 1],
        ],
        [{ bits: 8, bytes: 1000, lossPct: 0.3 }],
        [{ bits: 8, bytes: 1000, lossPct: 0.1 }],
      );
      const optima = bruteForceOptima(problem);
      expect(optima).toHaveLength(1);
      expect(optima[0].key).toBe('[["b",8]]');
    });

    test('equal latency and loss: the fewer bytes', () => {
      // cut a: 2 ms edge + 2 ms transfer; cut b: 3 ms edge + 1 ms transfer
      const problem = chain(
        [
          [2, 0],
          [1, 0],
          [100, 0],
        ],
        [{ bits: 8, bytes: 2000, lossPct: 0.2 }],
        [{ bits: 8, bytes: 1000, lossPct: 0.2 }],
      );
      expect(bruteForceOptima(problem).map((p) => p.key)).toEqual(['[["b",8]]']);
    });

    test('equal latency, loss and bytes (a free Reshape-like node): the fewer edge nodes', () => {
      const problem = chain(
        [
          [1, 1],
          [0, 0],
          [100, 1],
        ],
        [{ bits: 8, bytes: 1000, lossPct: 0.1 }],
        [{ bits: 8, bytes: 1000, lossPct: 0.1 }],
      );
      const optima = bruteForceOptima(problem);
      expect(optima).toHaveLength(1);
      expect(optima[0].edgeNodes).toEqual([0]);
    });

    test('a node whose output nothing reads goes to the cloud when that costs nothing', () => {
      const problem = chain(
        [
          [1, 1],
          [100, 1],
          [100, 1],
        ],
        [{ bits: 8, bytes: 1000, lossPct: 0.1 }],
        [{ bits: 8, bytes: 1000, lossPct: 0.1 }],
      );
      const withDead: DecisionProblem = {
        ...problem,
        nodes: [...problem.nodes, { id: 'dead', edgeMs: 0, cloudMs: 0 }],
        tensors: problem.tensors
          .map((t) => (t.name === 'a' ? { ...t, consumers: [1, 3] } : t))
          .concat([
            { name: 'dead_out', producer: 3, consumers: [], isGraphOutput: false, options: [f32(1)] },
          ]),
      };
      const optima = bruteForceOptima(withDead);
      expect(optima).toHaveLength(1);
      expect(optima[0].edgeNodes).toEqual([0]);
    });
  });

  test('NO_PLAN gives the smallest loss over the plans not excluded', () => {
    const problem: DecisionProblem = {
      nodes: [{ id: 'n0', edgeMs: 1, cloudMs: 1 }],
      tensors: [
        {
          ...input([0]),
          options: [
            { bits: 8, bytes: 100, lossPct: 0.3 },
            { bits: 4, bytes: 50, lossPct: 0.9 },
          ],
        },
        { ...output(0), options: [{ bits: 8, bytes: 10, lossPct: 0.4 }] },
      ],
      bandwidthMbps: 1,
      rttMs: 0,
      maxLossPct: 0.1,
      excluded: ['[["in",8]]'],
    };
    let error: unknown;
    try {
      bruteForceDecision(problem);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoPlanError);
    expect((error as NoPlanError).minLossPct).toBe(0.4);
    expect((error as NoPlanError).suggestedMaxLossPct).toBe(0.4);
    expect((error as NoPlanError).message).toMatch(
      /1 plan excluded.*smallest loss any plan reaches is 0.4 points \(--max-loss 0.4 admits it\)/,
    );
  });

  test('createBruteForceSolver() is the same behind the Solver interface', () => {
    const problem: DecisionProblem = {
      nodes: [{ id: 'n0', edgeMs: 1, cloudMs: 5 }],
      tensors: [input([0]), output(0)],
      bandwidthMbps: 1,
      rttMs: 0,
      maxLossPct: 0,
    };
    const solver = createBruteForceSolver();
    expect(solver.name).toBe('brute-force');
    expect(solver.solve(problem)).toEqual(bruteForceDecision(problem));
  });
});

describe('codec times in the decision', () => {
  // in -> n0 -> mid -> n1 -> out; `mid` is sent raw (4000 B) or at 2 bits (250 B) whose codec costs
  // `encodeMs` on the edge and half that in the cloud.
  const problem = (encodeMs: number, bandwidthMbps: number): DecisionProblem => ({
    nodes: [
      { id: 'n0', edgeMs: 1, cloudMs: 1 },
      { id: 'n1', edgeMs: 50, cloudMs: 1 },
    ],
    tensors: [
      { ...input([0], 40_000) },
      {
        name: 'mid',
        producer: 0,
        consumers: [1],
        isGraphOutput: false,
        options: [f32(4000), { bits: 2, bytes: 250, lossPct: 0, encodeMs, decodeMs: encodeMs / 2 }],
      },
      output(1),
    ],
    bandwidthMbps,
    rttMs: 0,
    maxLossPct: 1,
  });

  test('a slow codec makes raw float32 the better choice where a free one would compress', () => {
    const free = bruteForceDecision(problem(0, 10));
    expect(free.crossing).toEqual([{ tensor: 'mid', bits: 2, bytes: 250, encodeMs: 0, decodeMs: 0 }]);
    expect(free.predictedMs.encode).toBe(0);
    // 4000 B at 10 Mbps = 3.2 ms, 250 B = 0.2 ms: a codec of 2 + 1 ms still pays, one of 4 + 2 ms does not
    const cheap = bruteForceDecision(problem(2, 10));
    expect(cheap.crossing[0].bits).toBe(2);
    expect(cheap.predictedMs).toMatchObject({ encode: 2, decode: 1 });
    expect(cheap.predictedMs.total).toBeCloseTo(1 + 2 + 0.2 + 1 + 1, 12);
    const slow = bruteForceDecision(problem(4, 10));
    expect(slow.crossing).toEqual([{ tensor: 'mid', bits: 'f32', bytes: 4000 }]);
    expect(slow.predictedMs).toMatchObject({ encode: 0, decode: 0 });
    expect(slow.predictedMs.total).toBeCloseTo(1 + 3.2 + 1, 12);
    // at 1 Mbps the transfer saved (30 ms) outweighs the same slow codec
    expect(bruteForceDecision(problem(4, 1)).crossing[0].bits).toBe(2);
  });

  test('a plan that is dominated only without its codec time is still considered', () => {
    // the f32 option is larger but has no codec time: kept by the Pareto filter, and the optimum
    const optima = bruteForceOptima(problem(4, 10));
    expect(optima).toHaveLength(1);
    expect(optima[0].crossing[0].bits).toBe('f32');
  });
});
