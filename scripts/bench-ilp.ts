/**
 * Benchmark of the MILP engines behind the decision solver: HiGHS (WebAssembly, npm `highs`) and
 * javascript-lp-solver (pure JS, devDependency), on seeded random DAGs of 20, 100 and 500 nodes.
 * Reports the time per decision (all tie-break stages, ms) and whether each engine's plan matches
 * HiGHS and, at 20 nodes, the brute-force reference; HiGHS runs with our settings (`HIGHS_SETTINGS`)
 * and with its defaults (zero gap only).
 *
 * javascript-lp-solver runs in a worker thread capped at `--cap` seconds a solve (default 30); a
 * solve past the cap is reported as "timed out", so the run always ends.
 *
 * Run: npm run bench:ilp [-- --quick] [-- --cap SECONDS]
 */

import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Highs } from 'highs';
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
// NOTE: internal module: the benchmark compares our HiGHS settings with HiGHS's defaults.
import { highsBackend } from '../src/ilp/highs-solver';
import { randomProblem, type ProblemShape } from '../src/ilp';
import { uniformRandom } from '../src/core/random';

// NOTE: the compiled script lives outside the repository (/tmp/jalad-ilp-build), where Node's
// resolution cannot see node_modules; resolve packages from the working directory instead.
const projectRequire = createRequire(path.join(process.cwd(), 'package.json'));

/** Wall-clock limit for one javascript-lp-solver MILP, ms (its own `timeout` option; see CappedLp). */
const LP_SOLVER_TIMEOUT_MS = 20_000;

/** The hard cap on one javascript-lp-solver MILP, ms: `--cap SECONDS` (default 30). */
const LP_SOLVER_CAP_MS = 1000 * Number(flagValue('--cap') ?? 30);

/** The value after `--name` on the command line. */
function flagValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The worker thread that runs javascript-lp-solver: one model per message, answered on the port. */
const LP_WORKER = `
const { workerData } = require('worker_threads');
const lp = require(workerData.lpPath);
const { port, flag } = workerData;
port.on('message', (problem) => {
  let out;
  try { out = { result: lp.Solve(problem) }; } catch (e) { out = { error: String(e) }; }
  port.postMessage(out);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

/**
 * javascript-lp-solver in a worker thread with a hard cap: its own \`timeout\` option does not
 * interrupt a simplex run (a 500-node DAG took minutes), so the benchmark could hang. The caller
 * blocks on an Atomics.wait bounded by the cap; a solve past it is abandoned (the worker is
 * terminated and a fresh one started) and counted as "timed out". Times include handing the model
 * to the worker and back (structured clone), which is small next to its solves.
 */
class CappedLp {
  #worker!: Worker;
  #port!: MessagePort;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly lpPath: string,
    private readonly capMs: number,
  ) {
    this.#start();
  }

  #start(): void {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(LP_WORKER, {
      eval: true,
      workerData: { lpPath: this.lpPath, port: port2, flag: this.#flag },
      transferList: [port2],
    });
    this.#worker.unref();
  }

  /** Solves `problem`, or returns undefined when the cap ran out. */
  solve(problem: object): { feasible: boolean; [name: string]: unknown } | undefined {
    Atomics.store(this.#flag, 0, 0);
    this.#port.postMessage(problem);
    if (Atomics.wait(this.#flag, 0, 0, this.capMs) === 'timed-out') {
      void this.#worker.terminate();
      this.#start();
      return undefined;
    }
    const reply = receiveMessageOnPort(this.#port)?.message as
      { result?: { feasible: boolean; [name: string]: unknown }; error?: string } | undefined;
    if (!reply?.result) throw new Error(`javascript-lp-solver failed: ${reply?.error ?? 'no answer'}`);
    return reply.result;
  }
}

/**
 * javascript-lp-solver behind the `MilpBackend` interface. Not exported from src/ilp: it fails
 * this benchmark's correctness checks (see the printed table).
 */
function lpSolverBackend(lp: CappedLp): MilpBackend {
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
      const result = lp.solve({
        optimize: 'cost',
        opType: 'min',
        constraints,
        variables,
        binaries,
        options: { tolerance: 0, timeout: LP_SOLVER_TIMEOUT_MS },
      });
      if (result === undefined)
        throw new Error(`timed out after ${LP_SOLVER_CAP_MS / 1000} s (the benchmark's cap)`);
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

type Answer = { readonly plan: Plan } | { readonly noPlan: number | null } | { readonly error: string };

function answer(solver: Solver, problem: DecisionProblem): { readonly result: Answer; readonly ms: number } {
  const t0 = performance.now();
  let result: Answer;
  try {
    result = { plan: solver.solve(problem) };
  } catch (e) {
    result =
      e instanceof NoPlanError
        ? { noPlan: e.minLossPct }
        : { error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
  return { result, ms: performance.now() - t0 };
}

function sameAnswer(a: Answer, b: Answer): boolean {
  if ('plan' in a && 'plan' in b) {
    const rel =
      Math.abs(a.plan.predictedMs.total - b.plan.predictedMs.total) / Math.max(1, b.plan.predictedMs.total);
    return rel <= 1e-9 && a.plan.key === b.plan.key && a.plan.edgeNodes.join() === b.plan.edgeNodes.join();
  }
  if ('noPlan' in a && 'noPlan' in b)
    return (
      a.noPlan === b.noPlan ||
      (a.noPlan !== null && b.noPlan !== null && Math.abs(a.noPlan - b.noPlan) <= 1e-9)
    );
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
  readonly shape: ProblemShape;
  readonly engine: string;
  readonly problems: number;
  readonly meanMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
  readonly matchHighs: string;
  readonly matchBrute: string;
  readonly failures: string[];
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const loadHighs = projectRequire('highs') as () => Promise<Highs>;
  const lp = new CappedLp(projectRequire.resolve('javascript-lp-solver'), LP_SOLVER_CAP_MS);
  const load = () => `${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`;
  process.stdout.write(
    `bench:ilp (${load()} at the start; javascript-lp-solver capped at ${LP_SOLVER_CAP_MS / 1000} s a solve)\n`,
  );
  const highsRuntime = await loadHighs();
  const highs = await createHighsSolver({ loadHighs: async () => highsRuntime });
  const highsDefaults = createMilpSolver(
    highsBackend(highsRuntime, { output_flag: false, mip_rel_gap: 0, mip_abs_gap: 0 }),
  );
  // warm up the WebAssembly and the JIT-compiled TypeScript
  const warmUp = uniformRandom(1);
  for (let i = 0; i < 30; i++)
    answer(highs, randomProblem(warmUp, { shape: i % 2 === 0 ? 'dag' : 'inception', nodes: 20 }));

  // javascript-lp-solver takes minutes per 500-node DAG (its `timeout` does not interrupt a simplex
  // run), so it solves only the first `lpCount` problems of each group.
  const plans: { size: number; shape: ProblemShape; count: number; lpCount: number }[] = [
    { size: 20, shape: 'dag', count: quick ? 10 : 60, lpCount: quick ? 10 : 60 },
    { size: 20, shape: 'inception', count: quick ? 10 : 60, lpCount: quick ? 10 : 60 },
    { size: 100, shape: 'dag', count: quick ? 3 : 10, lpCount: quick ? 3 : 10 },
    { size: 100, shape: 'inception', count: quick ? 3 : 10, lpCount: quick ? 3 : 10 },
    { size: 500, shape: 'dag', count: quick ? 2 : 5, lpCount: quick ? 1 : 2 },
    { size: 500, shape: 'inception', count: quick ? 2 : 5, lpCount: quick ? 1 : 3 },
  ];
  const rows: Row[] = [];
  for (const spec of plans) {
    const rand = uniformRandom(1000 + spec.size + (spec.shape === 'dag' ? 0 : 1));
    const problems = Array.from({ length: spec.count }, () =>
      randomProblem(rand, { shape: spec.shape, nodes: spec.size }),
    );
    const refs = spec.size <= 20 ? problems.map(reference) : null;
    const engines: [string, Solver, number][] = [
      ['highs', highs, problems.length],
      ['highs, default settings', highsDefaults, problems.length],
      ['javascript-lp-solver', createMilpSolver(lpSolverBackend(lp)), spec.lpCount],
    ];
    // NOTE: engines take turns on each problem, so that JIT warm-up and machine load hit them alike.
    const stats = engines.map(() => ({
      times: [] as number[],
      failures: [] as string[],
      matchHighs: 0,
      matchBrute: 0,
    }));
    problems.forEach((problem, i) => {
      let highsAnswer: Answer | undefined;
      engines.forEach(([engine, solver, count], e) => {
        if (i >= count) return;
        const { result, ms } = answer(solver, problem);
        const st = stats[e];
        st.times.push(ms);
        if (e === 0) highsAnswer = result;
        const okHighs = highsAnswer !== undefined && sameAnswer(result, highsAnswer);
        const okBrute = refs === null ? null : sameAnswer(result, refs[i]);
        if (okHighs) st.matchHighs++;
        if (okBrute) st.matchBrute++;
        if ('error' in result) st.failures.push(`#${i}: ${result.error}`);
        else if (!okHighs || okBrute === false)
          st.failures.push(`#${i}: answer differs (${describe(result)} vs highs ${describe(highsAnswer)})`);
        process.stderr.write(`${engine} ${spec.shape} ${spec.size} #${i}: ${ms.toFixed(1)} ms\n`);
      });
    });
    engines.forEach(([engine, , count], e) => {
      const { times, failures, matchHighs, matchBrute } = stats[e];
      const sorted = [...times].sort((x, y) => x - y);
      rows.push({
        size: spec.size,
        shape: spec.shape,
        engine,
        problems: count,
        meanMs: times.reduce((x, y) => x + y, 0) / times.length,
        medianMs: sorted[Math.floor(sorted.length / 2)],
        maxMs: sorted[sorted.length - 1],
        matchHighs: `${matchHighs}/${count}`,
        matchBrute: refs === null ? '-' : `${matchBrute}/${count}`,
        failures,
      });
    });
  }

  const header = [
    'nodes',
    'shape',
    'engine',
    'problems',
    'mean ms/decision',
    'median ms',
    'max ms',
    'same as HiGHS',
    'same as brute force',
  ];
  const lines = rows.map((r) => [
    String(r.size),
    r.shape,
    r.engine,
    String(r.problems),
    r.meanMs.toFixed(1),
    r.medianMs.toFixed(1),
    r.maxMs.toFixed(1),
    r.matchHighs,
    r.matchBrute,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`${format(header)}\n${lines.map(format).join('\n')}\n`);
  process.stdout.write(`load at the end: ${os.loadavg()[0].toFixed(1)}\n`);
  for (const r of rows) {
    if (r.failures.length > 0)
      process.stdout.write(
        `\n${r.engine} on ${r.size}-node ${r.shape} DAGs:\n  ${r.failures.slice(0, 5).join('\n  ')}\n`,
      );
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
