/**
 * The decision problem solved by HiGHS (Huangfu & Hall, "Parallelizing the dual revised simplex
 * method", Math. Prog. Comp. 2018; https://highs.dev), compiled to WebAssembly by the `highs` npm
 * package. Each MILP is passed as sparse rows to a fresh native model that is disposed after the run.
 */

import type { Highs, ModelData } from 'highs';
import * as v8 from 'v8';
import { createMilpSolver, type MilpBackend, type MilpOutcome } from './milp-solver';
import type { MilpModel } from './milp-model';
import type { Solver } from './types';

/** Options of `createHighsSolver`. */
export interface HighsSolverOptions {
  /**
   * Loads the HiGHS WebAssembly runtime. Default: the `highs` package's own loader. Pass one to
   * share a runtime between solvers or to load `highs.wasm` from elsewhere.
   */
  readonly loadHighs?: () => Promise<Highs>;
}

/**
 * HiGHS settings for exact answers: zero relative and absolute MIP gap (the defaults, 1e-4 and
 * 1e-6, may stop at a plan slightly slower than the best), fixed seed, no console output.
 */
export const HIGHS_SETTINGS: Readonly<Record<string, boolean | number | string>> = {
  output_flag: false,
  mip_rel_gap: 0,
  mip_abs_gap: 0,
  random_seed: 0,
  // NOTE: measured in this WebAssembly build on the MILPs of random 20-, 100- and 500-node DAGs
  // (every tie-break stage, best of two runs): presolve, the feasibility-jump heuristic and
  // symmetry detection cost far more than they save here (presolve alone takes 1-2 s at 500
  // nodes, where the model then solves at the root in tens of ms; the model is already tight, its
  // precedence rows describing a closure polytope). With all three off the whole corpus solves in
  // 0.7 s instead of 6.5 s with the defaults (scripts/bench-ilp.ts compares the two).
  presolve: 'off',
  mip_heuristic_run_feasibility_jump: false,
  mip_detect_symmetry: false,
};

/**
 * Loads HiGHS (about 0.1 s) and returns an exact `Solver` using it. Reuse the solver: each
 * `solve` is synchronous; a decision (all four tie-break stages) takes a median of 4-7 ms on
 * random 20-node DAGs, 16-24 ms at 100 nodes and 60-170 ms at 500 nodes (scripts/bench-ilp.ts).
 *
 * @example
 * const solver = await createHighsSolver();
 * const plan = solver.solve(problem); // plan.predictedMs.total, plan.crossing, plan.key
 */
export async function createHighsSolver(options: HighsSolverOptions = {}): Promise<Solver> {
  const load = options.loadHighs ?? defaultLoader;
  const highs = await load();
  return createMilpSolver(highsBackend(highs));
}

async function defaultLoader(): Promise<Highs> {
  // NOTE: imported on first use, so that importing src/ilp does not load the WebAssembly module.
  const mod = await import('highs');
  return mod.default();
}

/**
 * A `MilpBackend` on a loaded HiGHS runtime.
 * @param highs the runtime returned by the `highs` package's loader
 * @param settings HiGHS options applied to every model (default `HIGHS_SETTINGS`)
 */
export function highsBackend(highs: Highs, settings = HIGHS_SETTINGS): MilpBackend {
  const status = highs.constants.modelStatus;
  return {
    name: 'highs',
    solve(model: MilpModel, start?: ArrayLike<number>): MilpOutcome {
      if (model.numCols === 0) {
        // nothing to decide (HiGHS reports such a model as "empty"): feasible iff every row admits 0
        const feasible = model.rows.every((r) => r.lower <= 0 && 0 <= r.upper);
        return feasible ? { status: 'optimal', values: new Float64Array(0) } : { status: 'infeasible' };
      }
      return highs.withModel(toModelData(model, highs.constants.variableType.integer), (m): MilpOutcome => {
        m.options.set(settings);
        if (start !== undefined) m.setSolution({ colValue: Float64Array.from(start) });
        m.run();
        const code = m.getModelStatus();
        if (code === status.optimal) return { status: 'optimal', values: m.getSolution().colValue };
        if (code === status.infeasible || code === status.unboundedOrInfeasible)
          return { status: 'infeasible' };
        throw new Error(`highs: the solve ended with model status ${code}, neither optimal nor infeasible`);
      });
    },
  };
}

/** The MILP as HiGHS's structured model data: binary columns, rows in CSR. */
function toModelData(model: MilpModel, integer: number): ModelData {
  const n = model.numCols;
  const starts = new Int32Array(model.rows.length + 1);
  let nnz = 0;
  model.rows.forEach((r, i) => {
    nnz += r.indices.length;
    starts[i + 1] = nnz;
  });
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  model.rows.forEach((r, i) => {
    indices.set(r.indices, starts[i]);
    values.set(r.values, starts[i]);
  });
  return {
    numCols: n,
    numRows: model.rows.length,
    offset: model.offset,
    colCost: Float64Array.from(model.cost),
    colLower: new Float64Array(n),
    colUpper: new Float64Array(n).fill(1),
    rowLower: Float64Array.from(model.rows, (r) => r.lower),
    rowUpper: Float64Array.from(model.rows, (r) => r.upper),
    matrix: { format: 'csr', numRows: model.rows.length, numCols: n, starts, indices, values },
    integrality: new Int32Array(n).fill(integer),
  };
}

/** Calls of `withBaselineWasm` under way (the flag goes back when the last one ends). */
let baselineCalls = 0;

/**
 * Runs `work` (solves with a HiGHS solver it creates) with WebAssembly kept on V8's baseline
 * compiler, Liftoff: no optimising (TurboFan) tier-up, then restores tier-up. Why: HiGHS's
 * functions are large, and tiering them up took 45-55 MiB of compiler memory that the process never
 * gave back (ResNet-50's decision table in a fresh process: +66 MiB of RSS with tier-up, +20
 * without), which `jalad analyze` then carried on top of what the profile's sessions left. The
 * solves were not slower: random 100- and 500-node problems took 45-64 and 217-363 ms a decision
 * against 86-94 and 174-231 with tier-up (same loaded 2-core machine, one run each). The flag is
 * process-wide, so it is set only while `work` runs: the codec's SIMD kernels ran 2-2.7x slower
 * without tier-up. A process started with its own tiering flags keeps them.
 */
export async function withBaselineWasm<T>(work: () => Promise<T>): Promise<T> {
  // A process started with its own tiering flags is left as it was started: neither set nor restored.
  if (startedWithWasmFlags()) return work();
  if (baselineCalls++ === 0) v8.setFlagsFromString('--liftoff-only');
  try {
    return await work();
  } finally {
    // NOTE: --liftoff-only also switched tier-up off (a V8 flag implication), and turning it off does
    // not switch that back: with '--no-liftoff-only' alone the codec's kernels, compiled after a
    // decision table, still ran 2-4x slower; with tier-up named too, at their usual speed.
    if (--baselineCalls === 0)
      v8.setFlagsFromString('--no-liftoff-only --wasm-tier-up --wasm-dynamic-tiering');
  }
}

/** Whether the process was started with its own WebAssembly tiering flags (then they are left alone). */
function startedWithWasmFlags(): boolean {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /liftoff|wasm-tier|dynamic-tiering/.test(given);
}
