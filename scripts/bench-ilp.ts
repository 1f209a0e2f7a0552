/**
 * Benchmark of the MILP engines behind the decision solver: HiGHS (WebAssembly, npm `highs`) and
 * javascript-lp-solver (pure JS, devDependency), on seeded random DAGs of 20, 100 and 500 nodes.
 * Reports the time per decision (all tie-break stages, ms) and whether each engine's plan matches
 * HiGHS and, at 20 nodes, the brute-force reference.
 *
 * Run from the repository root:
 *   npx tsc -p tsconfig.json --outDir /tmp/jalad-ilp-build
 *   node /tmp/jalad-ilp-build/scripts/bench-ilp.js [--quick]
 */

import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Highs } from 'highs';
import type lpSolverModule from 'javascript-lp-solver';
import {
  bruteForceOptima,
  createHighsSolver,
  createMilpSolver,
  NoPlanError,
  type DecisionProblem,
  type MilpBackend,
  type MilpModel,
  type MilpOutcome,
  type Plan,
  type Solver,
} from '../src/ilp';
import { prng, randomProblem, type Shape } from '../test/ilp/random-problems';

// NOTE: the compiled script lives outside the repository (/tmp/jalad-ilp-build), where Node's
// resolution cannot see node_modules; resolve packages from the working directory instead.
const projectRequire = createRequire(path.join(process.cwd(), 'package.json'));

type LpSolver = typeof lpSolverModule;

/** Wall-clock limit for one javascript-lp-solver MILP, ms (its own `timeout` option). */
const LP_SOLVER_TIMEOUT_MS = 20_000;

/**
 * javascript-lp-solver behind the `MilpBackend` interface. Not exported from src/ilp: it fails
 * this benchmark's correctness checks (see the printed table).
 */
function lpSolverBackend(lp: LpSolver): MilpBackend {
  return {
    name: 'javascript-lp-solver',
    solve(model: MilpModel): MilpOutcome {
      const constraints: Record<string, { min?: number; max?: number }> = {};
      const variables: Record<string, Record<string, number>> = {};
      const binaries: Record<string, 1> = {};
      for (let j = 0; j < model.numCols; j++) {
        variables[`c${j}`] = { cost: model.cost[j] };
        binaries[`c${j}`] = 1;
      }
      model.rows.forEach((row, i) => {
        const bound: { min?: number; max?: number } = {};
        if (row.lower !== -Infinity) bound.min = row.lower;
        if (row.upper !== Infinity) bound.max = row.upper;
        constraints[`r${i}`] = bound;
        row.indices.forEach((j, k) => {
          variables[`c${j}`][`r${i}`] = row.values[k];
        });
      });
      const result = lp.Solve({
        optimize: 'cost',
        opType: 'min',
        constraints,
        variables,
        binaries,
        options: { tolerance: 0, timeout: LP_SOLVER_TIMEOUT_MS },
      }) as { feasible: boolean; [name: string]: unknown };
      if (!result.feasible) return { status: 'infeasible' };
      const values = new Float64Array(model.numCols);
      for (let j = 0; j < model.numCols; j++) {
        const v = result[`c${j}`];
        values[j] = typeof v === 'number' ? v : 0;
      }
      return { status: 'optimal', values };
    },
  };
}

/** Counts and times the MILP runs of a backend. */
function timed(backend: MilpBackend): MilpBackend & { runs: number; ms: number } {
  const wrapped = {
    name: backend.name,
    runs: 0,
    ms: 0,
    solve(model: MilpModel, start?: ArrayLike<number>): MilpOutcome {
      const t0 = performance.now();
      try {
        return backend.solve(model, start);
      } finally {
        wrapped.ms += performance.now() - t0;
        wrapped.runs++;
      }
    },
  };
  return wrapped;
}

type Answer = { readonly plan: Plan } | { readonly noPlan: number | null } | { readonly error: string };

function answer(solver: Solver, problem: DecisionProblem): { readonly result: Answer; readonly ms: number } {
  const t0 = performance.now();
  let result: Answer;
  try {
    result = { plan: solver.solve(problem) };
  } catch (e) {
    result = e instanceof NoPlanError ? { noPlan: e.minLossPct } : { error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
  return { result, ms: performance.now() - t0 };
}

function sameAnswer(a: Answer, b: Answer): boolean {
  if ('plan' in a && 'plan' in b) {
    const rel = Math.abs(a.plan.predictedMs.total - b.plan.predictedMs.total) / Math.max(1, b.plan.predictedMs.total);
    return rel <= 1e-9 && a.plan.key === b.plan.key && a.plan.edgeNodes.join() === b.plan.edgeNodes.join();
  }
  if ('noPlan' in a && 'noPlan' in b) return a.noPlan === b.noPlan || (a.noPlan !== null && b.noPlan !== null && Math.abs(a.noPlan - b.noPlan) <= 1e-9);
  return false;
}

function reference(problem: DecisionProblem): Answer {
  try {
    const optima = bruteForceOptima(problem);
    return { plan: optima[0] };
  } catch (e) {
    if (e instanceof NoPlanError) return { noPlan: e.minLossPct };
    throw e;
  }
}

interface Row {
  readonly size: number;
  readonly shape: Shape;
  readonly engine: string;
  readonly problems: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly milpRuns: number;
  readonly matchHighs: string;
  readonly matchBrute: string;
  readonly failures: string[];
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const loadHighs = projectRequire('highs') as () => Promise<Highs>;
  const lp = projectRequire('javascript-lp-solver') as LpSolver;
  const highsRuntime = await loadHighs();
  const highs = await createHighsSolver({ loadHighs: async () => highsRuntime });

  const plans: { size: number; shape: Shape; count: number; lp: boolean }[] = [
    { size: 20, shape: 'dag', count: quick ? 10 : 60, lp: true },
    { size: 20, shape: 'inception', count: quick ? 10 : 60, lp: true },
    { size: 100, shape: 'dag', count: quick ? 3 : 10, lp: true },
    { size: 100, shape: 'inception', count: quick ? 3 : 10, lp: true },
    { size: 500, shape: 'dag', count: quick ? 2 : 5, lp: true },
    { size: 500, shape: 'inception', count: quick ? 2 : 5, lp: true },
  ];
  const rows: Row[] = [];
  for (const spec of plans) {
    const rand = prng(1000 + spec.size + (spec.shape === 'dag' ? 0 : 1));
    const problems = Array.from({ length: spec.count }, () => randomProblem(rand, { shape: spec.shape, nodes: spec.size }));
    const refs = spec.size <= 20 ? problems.map(reference) : null;
    const highsBackendTimed = { runs: 0 };
    const engines: [string, Solver, { runs: number }][] = [['highs', highs, highsBackendTimed]];
    if (spec.lp) {
      const backend = timed(lpSolverBackend(lp));
      engines.push(['javascript-lp-solver', createMilpSolver(backend), backend]);
    }
    const highsAnswers: Answer[] = [];
    for (const [engine, solver, counter] of engines) {
      const times: number[] = [];
      const failures: string[] = [];
      let matchHighs = 0;
      let matchBrute = 0;
      problems.forEach((problem, i) => {
        const { result, ms } = answer(solver, problem);
        times.push(ms);
        if (engine === 'highs') highsAnswers.push(result);
        const okHighs = sameAnswer(result, highsAnswers[i]);
        const okBrute = refs === null ? null : sameAnswer(result, refs[i]);
        if (okHighs) matchHighs++;
        if (okBrute) matchBrute++;
        if ('error' in result) failures.push(`#${i}: ${result.error}`);
        else if (!okHighs || okBrute === false) failures.push(`#${i}: answer differs (${describe(result)} vs highs ${describe(highsAnswers[i])})`);
        process.stderr.write(`${engine} ${spec.shape} ${spec.size} #${i}: ${ms.toFixed(1)} ms\n`);
      });
      rows.push({
        size: spec.size,
        shape: spec.shape,
        engine,
        problems: problems.length,
        meanMs: times.reduce((a, b) => a + b, 0) / times.length,
        maxMs: Math.max(...times),
        milpRuns: engine === 'highs' ? NaN : counter.runs,
        matchHighs: `${matchHighs}/${problems.length}`,
        matchBrute: refs === null ? '-' : `${matchBrute}/${problems.length}`,
        failures,
      });
    }
  }

  const header = ['nodes', 'shape', 'engine', 'problems', 'mean ms/decision', 'max ms', 'same as HiGHS', 'same as brute force'];
  const lines = rows.map((r) => [String(r.size), r.shape, r.engine, String(r.problems), r.meanMs.toFixed(1), r.maxMs.toFixed(1), r.matchHighs, r.matchBrute]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`${format(header)}\n${lines.map(format).join('\n')}\n`);
  for (const r of rows) {
    if (r.failures.length > 0) process.stdout.write(`\n${r.engine} on ${r.size}-node ${r.shape} DAGs:\n  ${r.failures.slice(0, 5).join('\n  ')}\n`);
  }
}

function describe(a: Answer | undefined): string {
  if (a === undefined) return '?';
  if ('plan' in a) return `${a.plan.predictedMs.total.toFixed(6)} ms ${a.plan.key.slice(0, 60)}`;
  if ('noPlan' in a) return `NO_PLAN (min loss ${a.noPlan})`;
  return `error ${a.error}`;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
