import {
  bruteForceOptima,
  createHighsSolver,
  NoPlanError,
  type DecisionProblem,
  type Plan,
  type Solver,
} from '../../src/ilp';
import { agreement, type Outcome } from './agreement';
import { randomProblem, type ProblemShape } from '../../src/ilp';
import { uniformRandom } from '../../src/core/random';

let solver: Solver;
beforeAll(async () => {
  solver = await createHighsSolver();
});

/** Solves `count` random problems with both solvers; returns the mismatches and the outcome counts. */
function runRandom(seed: number, count: number, make: (rand: () => number, i: number) => DecisionProblem) {
  const rand = uniformRandom(seed);
  const mismatches: string[] = [];
  const outcomes: Record<Outcome, number> = { unique: 0, tied: 0, 'no-plan': 0 };
  for (let i = 0; i < count; i++) {
    const problem = make(rand, i);
    const result = agreement(solver, problem);
    outcomes[result.outcome]++;
    if (result.mismatch !== null) mismatches.push(`seed ${seed} #${i}: ${result.mismatch}`);
  }
  return { mismatches, outcomes };
}

const size = (rand: () => number): number => 2 + Math.floor(rand() * 19); // 2..20 nodes

describe('createHighsSolver().solve(problem) agrees with bruteForceOptima(problem)', () => {
  test.each<[ProblemShape, number, number]>([
    ['chain', 101, 250],
    ['skip', 102, 250],
    ['inception', 103, 250],
    ['dag', 104, 250],
  ])(
    '%s: random times, sizes, losses, bandwidths, budgets, fixedBits (seed %i, %i problems)',
    (shape, seed, count) => {
      const { mismatches, outcomes } = runRandom(seed, count, (rand) =>
        randomProblem(rand, { shape, nodes: size(rand) }),
      );
      expect(mismatches).toEqual([]);
      // every kind of outcome occurs, so the comparison exercised both paths
      expect(outcomes.unique).toBeGreaterThan(count / 2);
      expect(outcomes['no-plan']).toBeGreaterThan(0);
    },
  );

  test('coarse values with many exact ties: the same tie-break (seed 105, 200 problems)', () => {
    const shapes: ProblemShape[] = ['chain', 'skip', 'inception', 'dag'];
    const { mismatches, outcomes } = runRandom(105, 200, (rand, i) =>
      randomProblem(rand, { shape: shapes[i % 4], nodes: size(rand), coarse: true }),
    );
    expect(mismatches).toEqual([]);
    expect(outcomes.unique).toBeGreaterThan(50);
  });

  test.each<[ProblemShape, number]>([
    ['chain', 107],
    ['skip', 108],
    ['inception', 109],
    ['dag', 110],
  ])('%s with codec times on the compressed options (seed %i, 150 problems)', (shape, seed) => {
    const { mismatches, outcomes } = runRandom(seed, 150, (rand) =>
      randomProblem(rand, { shape, nodes: size(rand), codec: true }),
    );
    expect(mismatches).toEqual([]);
    expect(outcomes.unique).toBeGreaterThan(75);
  });

  test('codec times with many exact ties: the same tie-break (seed 111, 200 problems)', () => {
    const shapes: ProblemShape[] = ['chain', 'skip', 'inception', 'dag'];
    const { mismatches, outcomes } = runRandom(111, 200, (rand, i) =>
      randomProblem(rand, { shape: shapes[i % 4], nodes: size(rand), coarse: true, codec: true }),
    );
    expect(mismatches).toEqual([]);
    expect(outcomes.unique).toBeGreaterThan(50);
  });

  test('excluding the optimum again and again walks the same sequence of plans (seed 106, 80 problems)', () => {
    const rand = uniformRandom(106);
    const shapes: ProblemShape[] = ['chain', 'skip', 'inception', 'dag'];
    const mismatches: string[] = [];
    let rounds = 0;
    for (let i = 0; i < 80; i++) {
      let problem = randomProblem(rand, { shape: shapes[i % 4], nodes: 2 + Math.floor(rand() * 12) });
      for (let round = 0; round < 6; round++) {
        const result = agreement(solver, problem);
        rounds++;
        if (result.mismatch !== null) mismatches.push(`#${i} round ${round}: ${result.mismatch}`);
        if (result.plan === null) break;
        problem = { ...problem, excluded: [...(problem.excluded ?? []), result.plan.key] };
      }
    }
    expect(mismatches).toEqual([]);
    expect(rounds).toBeGreaterThan(200);
  });
});

describe('createHighsSolver().solve(problem)', () => {
  // in -> n0 -> a -> n1 -> b -> n2 -> out: JALAD's chain with cut points a, b and widths 4, 8
  const chain: DecisionProblem = {
    nodes: [
      { id: 'n0', edgeMs: 10, cloudMs: 1 },
      { id: 'n1', edgeMs: 10, cloudMs: 1 },
      { id: 'n2', edgeMs: 5, cloudMs: 0.5 },
    ],
    tensors: [
      {
        name: 'in',
        producer: -1,
        consumers: [0],
        isGraphOutput: false,
        options: [{ bits: 'f32', bytes: 4000, lossPct: 0 }],
      },
      {
        name: 'a',
        producer: 0,
        consumers: [1],
        isGraphOutput: false,
        options: [
          { bits: 8, bytes: 1000, lossPct: 0.1 },
          { bits: 4, bytes: 500, lossPct: 0.6 },
        ],
      },
      {
        name: 'b',
        producer: 1,
        consumers: [2],
        isGraphOutput: false,
        options: [
          { bits: 8, bytes: 200, lossPct: 0.05 },
          { bits: 4, bytes: 100, lossPct: 0.3 },
        ],
      },
      {
        name: 'out',
        producer: 2,
        consumers: [],
        isGraphOutput: true,
        options: [{ bits: 'f32', bytes: 40, lossPct: 0 }],
      },
    ],
    bandwidthMbps: 1, // 1000 bytes take 8 ms
    rttMs: 0,
    maxLossPct: 0.5,
  };

  test.each<[string, Partial<DecisionProblem>, string, number]>([
    ['cut a at 8 bits within 0.5 points', {}, '[["a",8]]', 10 + 8 + 1.5],
    ['cut a at 4 bits within 1 point', { maxLossPct: 1 }, '[["a",4]]', 10 + 4 + 1.5],
    ['cut b at 8 bits within 0.08 points', { maxLossPct: 0.08 }, '[["b",8]]', 20 + 1.6 + 0.5],
    ['edge-only within 0.01 points', { maxLossPct: 0.01 }, '[["out","f32"]]', 25 + 0.32],
    [
      'cloud-only at 1000 Mbps within 0 points',
      { maxLossPct: 0, bandwidthMbps: 1000 },
      '[["in","f32"]]',
      0.032 + 2.5,
    ],
    ['b at 4 bits when only 4 bits are allowed', { fixedBits: 4 }, '[["b",4]]', 20 + 0.8 + 0.5],
    ['b at 4 bits once a at 8 bits is excluded', { excluded: ['[["a",8]]'] }, '[["b",4]]', 20 + 0.8 + 0.5],
    ['the RTT is added once', { rttMs: 30 }, '[["a",8]]', 10 + 8 + 1.5 + 30],
  ])('%s', (_, change, key, totalMs) => {
    const plan = solver.solve({ ...chain, ...change });
    expect(plan.key).toBe(key);
    expect(plan.predictedMs.total).toBeCloseTo(totalMs, 9);
    expect(plan).toEqual(bruteForceOptima({ ...chain, ...change })[0]);
  });

  test('NO_PLAN when nothing fits: the error gives the smallest loss and a --max-loss that admits it', () => {
    const problem = {
      ...chain,
      tensors: chain.tensors.map((t) =>
        t.name === 'in' || t.name === 'out'
          ? { ...t, options: t.options.map((o) => ({ ...o, lossPct: 0.537 })) }
          : t,
      ),
    };
    expect(() => solver.solve({ ...problem, maxLossPct: 0.04 })).toThrow(NoPlanError);
    try {
      solver.solve({ ...problem, maxLossPct: 0.04 });
    } catch (e) {
      const error = e as NoPlanError;
      expect(error.code).toBe('NO_PLAN');
      expect(error.minLossPct).toBeCloseTo(0.05, 12); // b at 8 bits
      expect(error.suggestedMaxLossPct).toBe(0.05);
      expect(error.message).toContain('--max-loss 0.05');
    }
  });

  test('NO_PLAN with minLossPct null when every plan is excluded or needs a width not offered', () => {
    let error: unknown;
    try {
      solver.solve({ ...chain, fixedBits: 2 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoPlanError);
    expect((error as NoPlanError).minLossPct).toBeNull();
  });

  test('a 500-node DAG: the plan is valid, no slower than edge-only and cloud-only, and excluding it gives another', () => {
    const problem = randomProblem(uniformRandom(7), { shape: 'dag', nodes: 500 });
    const relaxed = { ...problem, maxLossPct: Infinity, fixedBits: undefined, bandwidthMbps: 5.85 };
    const plan = solver.solve(relaxed);
    const edge = new Set(plan.edgeNodes);
    for (const t of relaxed.tensors) {
      // precedence: a consumer on the edge needs its producer on the edge
      if (t.producer >= 0 && !edge.has(t.producer))
        for (const c of t.consumers) expect(edge.has(c)).toBe(false);
    }
    // edge-only sends the outputs, cloud-only the graph inputs, both as f32 (options[0])
    const ms = (bytes: number): number => (bytes * 8) / (relaxed.bandwidthMbps * 1e3);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const edgeOnly =
      sum(relaxed.nodes.map((n) => n.edgeMs)) +
      ms(sum(relaxed.tensors.filter((t) => t.isGraphOutput).map((t) => t.options[0].bytes)));
    const cloudOnly =
      sum(relaxed.nodes.map((n) => n.cloudMs)) +
      ms(sum(relaxed.tensors.filter((t) => t.producer < 0).map((t) => t.options[0].bytes)));
    expect(plan.predictedMs.total).toBeLessThanOrEqual(Math.min(edgeOnly, cloudOnly) + relaxed.rttMs + 1e-9);
    const next: Plan = solver.solve({ ...relaxed, excluded: [plan.key] });
    expect(next.key).not.toBe(plan.key);
    expect(next.predictedMs.total).toBeGreaterThanOrEqual(plan.predictedMs.total - 1e-9);
  });
});
