/**
 * The compute terms of the prediction as the run itself measures them (docs/runtime.md, "Session 12:
 * the compute terms follow the run"): per plan, the medians of the edge part, the encoding and the
 * server's time over that plan's last `window` answered samples.
 *
 * Why: the calibration requests before the run (stage-calibration.ts) measure the compute in the
 * run's conditions, but only at its start. On the 2-core bench machine the compute of one plan moves
 * between two levels during a run (session 12, the 4.9 KB plan at 5.85 Mbps: the server 13-14 ms in
 * the first 40 samples and 9.5-10.5 ms in the last 20, the edge part 7-8 then 5-5.5 ms), so a
 * calibration taken in the slow phase overshot the samples' median by 25% (session 11's three
 * misses of the total's 10%). Each sample is predicted from the samples before it only, like the
 * RTT (rtt-estimator.ts); until a plan has `minSamples` answered samples its prediction keeps the
 * calibration's (or the profile's) terms.
 */
import { median } from './stage-calibration';

/** The compute terms a prediction takes, ms (the server's whole time, and of it its decoding). */
export interface ComputeTerms {
  readonly edgeMs: number;
  readonly encodeMs: number;
  readonly serverMs: number;
  readonly serverDecodeMs: number;
}

/** Running compute terms per plan. */
export interface StageWindow {
  /** The medians over the plan's last `window` samples; undefined before `minSamples` of them. */
  termsOf(planKey: string): ComputeTerms | undefined;
  /** Adds an answered sample of the plan. */
  observe(planKey: string, measured: ComputeTerms): void;
}

/**
 * A new window.
 * @param window samples per plan kept (at least 1)
 * @param minSamples samples a plan needs before its terms are given (1..window)
 * @example const w = createStageWindow(9, 3); w.observe('k', { edgeMs: 5, encodeMs: 1, serverMs: 9, serverDecodeMs: 1 });
 */
export function createStageWindow(window: number, minSamples: number): StageWindow {
  if (!(Number.isInteger(window) && window >= 1))
    throw new RangeError(`window must be an integer >= 1, got ${window}`);
  if (!(Number.isInteger(minSamples) && minSamples >= 1 && minSamples <= window))
    throw new RangeError(`minSamples must be an integer 1..${window}, got ${minSamples}`);
  const kept = new Map<string, ComputeTerms[]>();
  return {
    termsOf(planKey) {
      const xs = kept.get(planKey);
      if (!xs || xs.length < minSamples) return undefined;
      const decodes = xs.map((x) => x.serverDecodeMs).filter(Number.isFinite);
      return {
        edgeMs: median(xs.map((x) => x.edgeMs)),
        encodeMs: median(xs.map((x) => x.encodeMs)),
        serverMs: median(xs.map((x) => x.serverMs)),
        serverDecodeMs: decodes.length > 0 ? median(decodes) : NaN,
      };
    },
    observe(planKey, measured) {
      let xs = kept.get(planKey);
      if (!xs) kept.set(planKey, (xs = []));
      xs.push(measured);
      if (xs.length > window) xs.shift();
    },
  };
}
