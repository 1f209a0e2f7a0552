import { InputError } from '../../src/core/errors';
import {
  bruteForceDecision,
  createBruteForceSolver,
  createHighsSolver,
  decisionTable,
  NoPlanError,
  planAtBandwidth,
  type DecisionSegment,
  type Plan,
  type Solver,
  type TableProblem,
  withBaselineWasm,
} from '../../src/ilp';
import { close } from './agreement';
import { randomProblem, type ProblemShape } from '../../src/ilp';
import { uniformRandom } from '../../src/core/random';

let highs: Solver;
beforeAll(async () => {
  highs = await createHighsSolver();
});

/** A solver that counts its calls. */
function counting(solver: Solver): Solver & { calls: number } {
  const wrapped = {
    name: solver.name,
    calls: 0,
    solve: (p: Parameters<Solver['solve']>[0]): Plan => (wrapped.calls++, solver.solve(p)),
  };
  return wrapped;
}

/** The table's latency at bandwidth B (the segment containing B; at a breakpoint both agree). */
function tableMs(table: readonly DecisionSegment[], bandwidthMbps: number): number {
  const segment = table.find((s) => s.fromMbps <= bandwidthMbps && bandwidthMbps <= s.toMbps);
  if (segment === undefined) throw new Error(`no segment contains ${bandwidthMbps} Mbps`);
  return planAtBandwidth(segment.plan, bandwidthMbps).predictedMs.total;
}

/** Bandwidths to check: a log grid over the range and each breakpoint's neighbourhood B·(1±1e-6). */
function probes(table: readonly DecisionSegment[], fromMbps: number, toMbps: number, grid: number): number[] {
  const points: number[] = [];
  for (let i = 0; i <= grid; i++) points.push(fromMbps * (toMbps / fromMbps) ** (i / grid));
  for (const s of table.slice(1)) points.push(s.fromMbps * (1 - 1e-6), s.fromMbps, s.fromMbps * (1 + 1e-6));
  return points.map((b) => Math.min(toMbps, Math.max(fromMbps, b)));
}

describe('decisionTable(problem, { solver, fromMbps, toMbps })', () => {
  const chain: TableProblem = {
    // in -> n0 -> a -> n1 -> out with a large input: edge-only at low bandwidth, cloud-only at high
    nodes: [
      { id: 'n0', edgeMs: 10, cloudMs: 1 },
      { id: 'n1', edgeMs: 10, cloudMs: 1 },
    ],
    tensors: [
      {
        name: 'in',
        producer: -1,
        consumers: [0],
        isGraphOutput: false,
        options: [{ bits: 'f32', bytes: 100_000, lossPct: 0 }],
      },
      {
        name: 'a',
        producer: 0,
        consumers: [1],
        isGraphOutput: false,
        options: [{ bits: 8, bytes: 10_000, lossPct: 0.1 }],
      },
      {
        name: 'out',
        producer: 1,
        consumers: [],
        isGraphOutput: true,
        options: [{ bits: 'f32', bytes: 40, lossPct: 0 }],
      },
    ],
    rttMs: 5,
    maxLossPct: 1,
  };

  test.each([
    ['fromMbps 0', { fromMbps: 0 }],
    ['toMbps below fromMbps', { fromMbps: 10, toMbps: 1 }],
    ['toMbps Infinity', { toMbps: Infinity }],
  ])('rejects %s with BAD_OPTION', async (_, range) => {
    await expect(decisionTable(chain, { ...range, solver: highs })).rejects.toBeInstanceOf(InputError);
  });

  test('rejects a malformed problem with BAD_OPTION naming decisionTable', async () => {
    await expect(decisionTable({ ...chain, rttMs: -1 }, { solver: highs })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: 'decisionTable: rttMs must be a finite number ≥ 0, got -1',
    });
  });

  test('a chain: edge-only, then the cut at a, then cloud-only as bandwidth grows, with exact breakpoints', async () => {
    const table = await decisionTable(chain, { solver: highs });
    expect(table.map((s) => s.plan.key)).toEqual(['[["out","f32"]]', '[["a",8]]', '[["in","f32"]]']);
    // edge-only 20 + 40 B; cut a: 11 + 10 kB; cloud-only: 2 + 100 kB (all + 5 ms RTT); k = 8/10^3
    const k = 8 / 1e3;
    expect(table[0].fromMbps).toBe(0.1);
    expect(table[1].fromMbps).toBeCloseTo((k * (10_000 - 40)) / (20 - 11), 9);
    expect(table[2].fromMbps).toBeCloseTo((k * (100_000 - 10_000)) / (11 - 2), 9);
    expect(table[2].toMbps).toBe(1000);
    for (const s of table) {
      expect(s.totalMsAtFrom).toBe(s.plan.predictedMs.total);
      expect(s.plan.bandwidthMbps).toBe(s.fromMbps);
      expect(s.totalMsAtTo).toBeCloseTo(planAtBandwidth(s.plan, s.toMbps).predictedMs.total, 12);
    }
    // at each breakpoint both neighbours predict the same latency
    for (let i = 1; i < table.length; i++)
      expect(table[i - 1].totalMsAtTo).toBeCloseTo(table[i].totalMsAtFrom, 9);
  });

  test('a single bandwidth gives one segment', async () => {
    const table = await decisionTable(chain, { solver: highs, fromMbps: 5.85, toMbps: 5.85 });
    expect(table).toHaveLength(1);
    expect(table[0]).toMatchObject({ fromMbps: 5.85, toMbps: 5.85 });
  });

  test('NO_PLAN when no plan fits at any bandwidth', async () => {
    await expect(decisionTable({ ...chain, maxLossPct: -1 }, { solver: highs })).rejects.toBeInstanceOf(
      NoPlanError,
    );
  });

  test.each<[number, boolean]>([
    [201, false],
    [203, true],
  ])(
    'equals the brute-force minimum on a log grid and around every breakpoint (seed %i, codec times %s, 80 problems)',
    async (seed, codec) => {
      const rand = uniformRandom(seed);
      const shapes: ProblemShape[] = ['chain', 'skip', 'inception', 'dag'];
      const failures: string[] = [];
      let segments = 0;
      let checked = 0;
      for (let i = 0; i < 80; i++) {
        const { bandwidthMbps: _, ...problem } = randomProblem(rand, {
          shape: shapes[i % 4],
          nodes: 2 + Math.floor(rand() * 11),
          codec,
        });
        const solver = counting(highs);
        let table: DecisionSegment[];
        try {
          table = await decisionTable(problem, { solver });
        } catch (e) {
          if (e instanceof NoPlanError) continue;
          throw e;
        }
        segments += table.length;
        // coverage: contiguous from 0.1 to 1000 Mbps, neighbours differ
        expect(table[0].fromMbps).toBe(0.1);
        expect(table[table.length - 1].toMbps).toBe(1000);
        table.forEach((s, j) => {
          expect(s.fromMbps).toBeLessThan(s.toMbps);
          if (j > 0) {
            expect(s.fromMbps).toBe(table[j - 1].toMbps);
            expect(s.plan.key + s.plan.edgeNodes.join()).not.toBe(
              table[j - 1].plan.key + table[j - 1].plan.edgeNodes.join(),
            );
          }
        });
        // Eisner–Severance: one solve per end, then one per breakpoint or new segment
        expect(solver.calls).toBeLessThanOrEqual(2 * table.length);
        for (const b of probes(table, 0.1, 1000, 24)) {
          const expected = bruteForceDecision({ ...problem, bandwidthMbps: b }).predictedMs.total;
          const actual = tableMs(table, b);
          checked++;
          if (!close(actual, expected))
            failures.push(`#${i} at ${b} Mbps: table ${actual} vs brute force ${expected}`);
        }
      }
      expect(failures).toEqual([]);
      expect(segments).toBeGreaterThan(120); // most tables have several segments
      expect(checked).toBeGreaterThan(1500);
    },
  );

  test('the brute-force solver builds the same table (seed 202, 30 problems)', async () => {
    const rand = uniformRandom(202);
    for (let i = 0; i < 30; i++) {
      const { bandwidthMbps: _, ...problem } = randomProblem(rand, {
        shape: i % 2 === 0 ? 'inception' : 'skip',
        nodes: 2 + Math.floor(rand() * 9),
      });
      const run = (solver: Solver) =>
        decisionTable(problem, { solver }).catch((e: unknown) =>
          e instanceof NoPlanError ? 'NO_PLAN' : Promise.reject(e),
        );
      const [a, b] = await Promise.all([run(highs), run(createBruteForceSolver())]);
      if (typeof a === 'string' || typeof b === 'string') {
        expect(a).toEqual(b);
        continue;
      }
      expect(a.map((s) => s.plan.key)).toEqual(b.map((s) => s.plan.key));
      a.forEach((s, j) => expect(close(s.fromMbps, b[j].fromMbps)).toBe(true));
    }
  });

  test('its own solver (WebAssembly without tier-up) builds the same tables as a HiGHS solver given (seed 303, 6 problems)', async () => {
    const rand = uniformRandom(303);
    for (let i = 0; i < 6; i++) {
      const { bandwidthMbps: _, ...problem } = randomProblem(rand, {
        shape: i % 2 === 0 ? 'dag' : 'inception',
        nodes: 12 + Math.floor(rand() * 20),
      });
      const run = (options: { solver?: Solver }) =>
        decisionTable(problem, options).catch((e: unknown) =>
          e instanceof NoPlanError ? 'NO_PLAN' : Promise.reject(e),
        );
      const own = await run({});
      const given = await run({ solver: highs });
      if (typeof own === 'string' || typeof given === 'string') {
        expect(own).toEqual(given);
        continue;
      }
      expect(own.map((s) => [s.plan.key, s.fromMbps, s.toMbps])).toEqual(
        given.map((s) => [s.plan.key, s.fromMbps, s.toMbps]),
      );
    }
  });
});

describe('withBaselineWasm', () => {
  test('returns what the work returns, nested calls too, and passes its error on', async () => {
    await expect(withBaselineWasm(async () => withBaselineWasm(async () => 42))).resolves.toBe(42);
    await expect(
      withBaselineWasm(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    // Still usable after a failure: a solve inside gives the plan a solver outside gives.
    const problem = randomProblem(uniformRandom(5), { shape: 'dag', nodes: 12 });
    const inside = await withBaselineWasm(async () => (await createHighsSolver()).solve(problem));
    expect(inside.key).toBe(highs.solve(problem).key);
  });
});
