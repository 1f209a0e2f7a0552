/**
 * The RTT term of the prediction (the fixed per-request cost of the link and of HTTP, the answer's
 * return included), followed through the run from its own requests (docs/runtime.md, "Session 11:
 * the RTT from the run's own requests").
 *
 * Every request whose bytes' time on the link is known (the link's rate is known) leaves a residual:
 * its round trip less the server's time and less that bytes' term, i.e. the RTT it met. The probes
 * before the run are such requests (shaped like a sample's: answer-probe.ts), so are the calibration
 * requests (stage-calibration.ts) and every answered sample. The estimate for the next request is
 * the shorth midpoint (`shorthMidpoint`) of the last `window` residuals in the order they were
 * taken: at the start the probes' own, then the run's requests replace them one by one. It is
 * causal: sample i's prediction uses what was measured before sample i was sent, as the bandwidth
 * estimate does for the bandwidth.
 *
 * NOTE: why the shorth: the midpoint of the shortest interval that holds half the values and one more
 * is the constant c that makes the median of |x − c| least (the least-median-of-squares location),
 * i.e. the best constant for a median error per sample, which is the target; and it leaves out a
 * group of slow values under half, as a loaded machine makes. Why a window rather than the probes
 * alone: before session 11 the probes fixed the RTT once, and in the 1.2 KB plan's rows, whose
 * transfer is that RTT, the 41 probes' centre and the samples' differed by up to 0.2 ms (10-17%),
 * whatever statistic of the probes was taken (docs/runtime.md, "Session 10: the RTT's statistic").
 */
import { shorthMidpoint } from './answer-probe';

/** Options of `createRttEstimator`. */
export interface RttEstimatorOptions {
  /** Residuals kept, the newest (default 21: the probes `jalad run` sends). */
  readonly window?: number;
}

/** A running RTT estimate. */
export interface RttEstimator {
  /** The RTT for the next request, ms: the shorth midpoint of the residuals kept (the prior when none). */
  rttMs(): number;
  /**
   * Adds a request's residual: its round trip less the server's time and its bytes' time on the
   * link, ms. A value that is not finite is not counted (returns false).
   */
  observe(residualMs: number): boolean;
  /** Residuals added since the seeds (the run's own requests). */
  readonly observed: number;
  /** The residuals kept now, oldest first (a copy). */
  kept(): number[];
}

/**
 * A new estimate, seeded with `seedsMs` (the probes' residuals, in order; the last `window` are
 * kept) and `priorMs` for when there is nothing at all (no shaped probe was answered).
 * @example const e = createRttEstimator([1.2, 1.3, 1.25], 1.25, { window: 3 }); e.observe(1.6); e.rttMs() // 1.275
 */
export function createRttEstimator(
  seedsMs: readonly number[],
  priorMs: number,
  options: RttEstimatorOptions = {},
): RttEstimator {
  const window = Math.max(1, Math.floor(options.window ?? 21));
  const kept = seedsMs.filter(Number.isFinite).slice(-window);
  let observed = 0;
  return {
    rttMs: () => (kept.length > 0 ? shorthMidpoint(kept) : priorMs),
    observe(residualMs) {
      if (!Number.isFinite(residualMs)) return false;
      kept.push(residualMs);
      if (kept.length > window) kept.shift();
      observed++;
      return true;
    },
    get observed() {
      return observed;
    },
    kept: () => [...kept],
  };
}
