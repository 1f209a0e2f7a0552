/**
 * How much a measured profile times (`--profile auto|fast|thorough`).
 *
 * Both modes take per-node times from ONNX Runtime's traces of whole-model runs and predict every
 * cut point's parts from them plus a boundary cost per byte of the crossing tensors
 * (boundary-cost.ts). They differ in what that boundary cost is fitted to:
 * - thorough: the real edge and cloud models of every cut point, each timed for `--runs` runs
 *   (the cost grows with the model's runtime times its cut points: ResNet-50 took 277 s);
 * - fast: the real parts of a sample of cut points (FAST_SAMPLE_CUTS), and for a slow
 *   model (`fitsRunBudget`) a fixed number of runs per timing (FAST_SLOW_RUNS), so that the cost
 *   grows with the model's runtime only. The rest of the cut points are predicted, as in thorough mode;
 * - auto (the default, DEFAULT_PROFILE_MODE): starts as fast, then, from what timing the sample
 *   cost per cut point, times every cut point as thorough does when that is estimated to take at
 *   most AUTO_THOROUGH_BUDGET_MS more (it is then a thorough profile); else stays fast. A profile records the
 *   mode that made its figures (`mode`: fast or thorough) and, when auto chose it, why (`auto`).
 */

/** What a measured profile timed: the mode that made its figures. */
export type ProfileMode = 'fast' | 'thorough';

/** What a user asks for: a mode, or `auto` (one of the two, chosen by the estimated cost). */
export type RequestedProfileMode = ProfileMode | 'auto';

/** Every mode a user can ask for, in the order help texts list them. */
export const PROFILE_MODES: readonly RequestedProfileMode[] = ['auto', 'fast', 'thorough'];

/**
 * Most time the auto mode spends, beyond a fast profile, on timing the real parts of every cut point
 * as thorough does, ms (estimated, see `chooseAutoMode`). Why a constant: the user pays
 * for thorough's precision at most this much more than for the fast profile, whatever the model,
 * so that a default analysis costs the model's runtime plus a constant, not runtime x cut points.
 * Measured on this project's 2-core machine (load 9-12): the small bench:latency models' remaining
 * cut points cost 0.1-20 s there (so auto takes thorough on a quiet machine for most of them, whose
 * edge-time error was within 10% on 7 of 8 models against fast's 4); ResNet-18 at 224 px about a
 * minute and ResNet-50/101 several (auto takes fast: 26 s and 34 s for them).
 */
export const AUTO_THOROUGH_BUDGET_MS = 10_000;

/** What the auto mode knew when it chose (recorded in the profile as `auto`). */
export interface AutoChoice {
  /** The mode chosen: the one that made the profile's figures. */
  readonly mode: ProfileMode;
  /** Estimated seconds of timing every cut point's real parts, beyond fast's sample already timed. */
  readonly extraS: number;
  /** AUTO_THOROUGH_BUDGET_MS in seconds. */
  readonly budgetS: number;
  /**
   * What the estimate rests on: 'sample' (the measured cost per cut point of timing fast's sample,
   * sessions and runs included), or 'runs' (a model too slow for FAST_RUN_BUDGET_MS, decided before
   * any part is timed, from the runs alone: a lower bound).
   */
  readonly basis: 'sample' | 'runs';
}

/**
 * The auto mode's choice: thorough when timing every cut point is estimated to fit the budget,
 * else fast.
 * @param extraMs estimated time of timing every cut point's real parts (after fast's sample), ms
 * @example chooseAutoMode(4000, 'sample').mode // 'thorough'
 */
export function chooseAutoMode(
  extraMs: number,
  basis: AutoChoice['basis'],
  budgetMs = AUTO_THOROUGH_BUDGET_MS,
): AutoChoice {
  return {
    mode: extraMs <= budgetMs ? 'thorough' : 'fast',
    extraS: extraMs / 1000,
    budgetS: budgetMs / 1000,
    basis,
  };
}

/**
 * Time the runs alone of timing `cuts` cut points' parts take (the two parts of a cut point run
 * about one whole model): warm-ups, measured runs and every round's warm-ups, ms. A lower bound of
 * a thorough profile's cost (sessions are not counted), used for a slow model before any part is timed.
 * @example runsOnlyCostMs(10, 100, { runs: 20, warmup: 5 }, 3, 5) // 10 x (5 + 20 + 15) x 100 = 40000
 */
export function runsOnlyCostMs(
  cuts: number,
  modelMs: number,
  settings: { readonly runs: number; readonly warmup: number },
  roundWarmup: number,
  rounds: number,
): number {
  return cuts * (settings.warmup + settings.runs + rounds * Math.min(roundWarmup, settings.warmup)) * modelMs;
}

/**
 * Cut points the fast mode samples when the model is slow (see `fitsRunBudget`). Of each it times
 * one part, the cheaper (the edge model of an early cut point, the cloud model of a late one): both
 * parts of a cut point hold the whole model's weights, and ORT builds each session with full
 * optimisation (seconds for ResNet-50), then runs it FAST_SLOW_RUNS-odd times. The two boundary
 * slopes (one per side) get about three points each.
 */
export const FAST_SAMPLE_CUTS = 6;

/**
 * Cut points the fast mode times when the model is not slow: such a model's sessions are cheap,
 * and on sub-millisecond models one part's time can jump by 0.2 ms between profiles (measured on
 * the bundled Inception), so more points keep one of them from setting a slope alone.
 */
export const FAST_SAMPLE_CUTS_SMALL = 8;

/**
 * A model is slow for the fast mode when `--runs` runs of it take more than this, ms (or when the
 * small path would cost more than FAST_SMALL_MS_PER_NODE per node).
 */
export const FAST_RUN_BUDGET_MS = 1000;

/**
 * Most the small path of a fast profile (both parts of FAST_SAMPLE_CUTS_SMALL cut points with every
 * warm-up, counted as 2 x `--runs` runs of the whole model per cut point: 320 with the defaults) may
 * cost per node of the model, ms; a model whose small path would cost more is slow. Why per node: the
 * issue's measure of a profile's cost is seconds per node, and the small path's cost is a fixed
 * number of runs, so a model with few but heavy nodes paid the most per node. ResNet-18 at 224 px (65
 * nodes, 30-40 ms a run) fit FAST_RUN_BUDGET_MS alone and took 13-17 s (0.25 s per node) where
 * ResNet-50 and ResNet-101 took 0.03-0.05 on the slow path. The line falls at 20 ms a run for a
 * 65-node model: ResNet-18 at 224 px is 1.5-2x above it, at 112 px (bench:latency, 8-14 ms) 1.4-2.5x
 * below; bench:latency's other models are 2.4x (GoogLeNet, 179 nodes, 10-19 ms at load 5) to 5x
 * (DenseNet-121, 623 nodes, 29 ms) below. Run times measured with the profiler, optimisations off,
 * 1 thread, load 5 (2026-12-07).
 */
export const FAST_SMALL_MS_PER_NODE = 100;

/**
 * Measured runs per timing of a slow model in fast mode (never more than `--runs`). A fixed count,
 * not a time budget: the sample then costs a fixed number of the model's own runs (with the traces
 * about 90 whole-model equivalents), so a profile's seconds grow with the model's runtime, about in
 * proportion to its nodes for a family such as the ResNets. Before, runs were lowered until runs x
 * the model's time fit 1 s (at least 5): ResNet-101 then cost the same seconds as ResNet-50.
 */
export const FAST_SLOW_RUNS = 10;

/** Measured runs of the optimisations-off trace in fast mode: it only weighs nodes fused together. */
export const FAST_PLAIN_RUNS = 3;

/** Runs per timing and warm-ups of one profile, as a mode decides them. */
export interface TimingPlan {
  /** Measured runs of each timed series (traces, parts, the whole model). */
  readonly runs: number;
  /** Untimed runs before a session's first timed series. */
  readonly warmup: number;
  /** Untimed runs at the start of every round (see part-times.ts). */
  readonly roundWarmup: number;
}

/**
 * The timing plan of a mode. Thorough keeps the user's runs and warm-ups. Fast keeps them too when
 * the model is not slow (`fitsRunBudget`: every model of bench:latency on a quiet machine): part times
 * are then taken exactly as thorough takes them, warm-ups included, and only the sample differs.
 * Why: with one warm-up run per round the whole model timed alongside the parts (the calibration
 * target of every node time) kept its cache-refill transient, and small early parts came out
 * mis-predicted by 10-20% (see part-times.ts ROUND_WARMUP). A slow model gets FAST_SLOW_RUNS runs
 * (fewer only if the user asked for fewer) and one warm-up run per session and per round: a run of
 * tens of ms is long against that transient.
 * @param modelMs time of one run of the whole model on this machine (any estimate), ms
 * @param nodes the model's nodes (see `fitsRunBudget`)
 * @example timingPlan('fast', { runs: 20, warmup: 5 }, 200, 3) // { runs: 10, warmup: 1, roundWarmup: 1 }
 */
export function timingPlan(
  mode: ProfileMode,
  settings: { readonly runs: number; readonly warmup: number },
  modelMs: number,
  roundWarmup: number,
  nodes = Number.POSITIVE_INFINITY,
): TimingPlan {
  const asGiven = {
    runs: settings.runs,
    warmup: settings.warmup,
    roundWarmup: Math.min(roundWarmup, settings.warmup),
  };
  if (mode === 'thorough') return asGiven;
  if (fitsRunBudget(settings, modelMs, nodes)) return asGiven;
  return {
    runs: Math.min(settings.runs, FAST_SLOW_RUNS),
    warmup: Math.min(1, settings.warmup),
    roundWarmup: Math.min(1, settings.warmup),
  };
}

/**
 * How many cut points a fast profile times for real: FAST_SAMPLE_CUTS_SMALL when the model is not
 * slow (`fitsRunBudget`), else FAST_SAMPLE_CUTS.
 * @param modelMs time of one run of the whole model on this machine (any estimate), ms
 * @param nodes the model's nodes (see `fitsRunBudget`)
 * @example fastSampleCount({ runs: 20, warmup: 5 }, 200) // 6
 */
export function fastSampleCount(
  settings: { readonly runs: number },
  modelMs: number,
  nodes = Number.POSITIVE_INFINITY,
): number {
  return fitsRunBudget(settings, modelMs, nodes) ? FAST_SAMPLE_CUTS_SMALL : FAST_SAMPLE_CUTS;
}

/**
 * Whether a model is not slow for a fast profile: the user's runs of it fit FAST_RUN_BUDGET_MS and
 * the small path's (about 2 x runs per sampled cut point) fit FAST_SMALL_MS_PER_NODE per node. A
 * fast profile then times like a thorough one (warm-ups, both parts of FAST_SAMPLE_CUTS_SMALL cut
 * points); else it takes FAST_SLOW_RUNS runs, one warm-up, and one part (the cheaper) of each of
 * FAST_SAMPLE_CUTS cut points.
 * @param modelMs time of one run of the whole model on this machine (any estimate; 0 when unknown), ms
 * @param nodes the model's nodes (unknown: only FAST_RUN_BUDGET_MS applies)
 */
export function fitsRunBudget(
  settings: { readonly runs: number },
  modelMs: number,
  nodes = Number.POSITIVE_INFINITY,
): boolean {
  if (!(modelMs > 0)) return true;
  const smallPathMs = FAST_SAMPLE_CUTS_SMALL * 2 * settings.runs * modelMs;
  return (
    Math.floor(FAST_RUN_BUDGET_MS / modelMs) >= settings.runs && smallPathMs <= FAST_SMALL_MS_PER_NODE * nodes
  );
}
