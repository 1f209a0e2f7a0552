/**
 * The adaptive run's choice of plan from what the run itself measures (docs/runtime.md#bandwidth-estimate-and-adaptation).
 *
 * The decision table's breakpoints come from the profiles: the edge and cloud parts' times as
 * profiled, usually on a quiet machine in short runs. A live run meets other times: on a loaded
 * machine the CPU-bound parts take several times longer (measured 5-20x for a 20x-repeated edge), and
 * a breakpoint computed from the profile then sits at the wrong bandwidth. This policy predicts
 * every plan's latency at the estimated bandwidth as
 *   T_p(B) = fixed_p + linkBytes_p·8 / B
 * and runs the plan with the least T. `fixed_p` is everything but the transfer (edge part, encoding,
 * the server's time, decoding the answer: a sample's total minus its transfer), an exponentially
 * weighted moving average (EWMA) of the samples that ran plan p. `linkBytes_p` is what p's last
 * request put on the link (head and framing included). The RTT is the same for every plan and
 * left out.
 *
 * A plan not run yet is predicted by its profile's fixed time (edge + encode + decode + cloud)
 * times the load factor, the EWMA of measured over profiled fixed time across the run's samples.
 * That prior is rough on a loaded machine: a plan whose profile is a fraction of a millisecond is
 * slowed mostly by per-run overheads, a compute-heavy one by its CPU share (in the bench about 4x
 * against 2x), so the prior only decides whether a plan is worth a try: a plan not run yet whose
 * prediction is within `probeWithin` (1.5x) of the best one's is run once (a probe), and from then
 * on judged by its measurement, after the plan predicted best has run. Plans far off are not probed. `explore` runs every plan once first
 * instead, whatever its prior. A switch needs a gain of `hysteresis` (10%), so two plans that
 * predict alike do not alternate on noise.
 * A plan run fewer than `minSamples` (3) times is probed again `recheckSamples` (10) samples after its
 * last run, when within 1.5x of the best: its fixed time then rests on one or two samples, and one
 * slow sample (a cold cache, the machine's load: on the loaded bench a 4G arm's first edge-only
 * sample took 103 ms against a median of 32) otherwise kept that plan out for the rest of the run.
 * NOTE: a plan measured `minSamples` times is not probed again by default (`staleSamples` +Infinity)
 * unless it predicts within `closeWithin` (1.2x) of the best: then every `closeRecheckSamples` (25)
 * samples, at a cost of at most a fifth of one sample each time (session 12). Its fixed time
 * does not depend on the bandwidth, which the estimate follows; re-probing every 50 samples (the
 * earlier default) cost a sample on a plan predicted slower each time, and with a 5% hysteresis the
 * policy switched 5–9 times in 100 samples of a trace against 0–3 for the table's intervals, and
 * lost to them on every trace (bench at load 2–4). `staleSamples` brings re-probing back for a
 * machine whose load changes during a run.
 */
import type { ServedPlan } from './served-plan';

/** Options of `createMeasuredPolicy`. */
export interface MeasuredPolicyOptions {
  /** Weight of a new sample in the EWMAs (default 0.3). */
  readonly alpha?: number;
  /** Run every plan once first, whatever its prior (default false: only plausible ones are probed). */
  readonly explore?: boolean;
  /** Samples after which a plan not run is probed again, when within `probeWithin` of the best (default +Infinity: never). */
  readonly staleSamples?: number;
  /**
   * A plan run fewer times than this is probed again `recheckSamples` after its last run, when within
   * `probeWithin` of the best (default 3): one slow sample (the machine's load, a cold cache) must not
   * rule a plan out for the rest of the run.
   */
  readonly minSamples?: number;
  /** Samples after which a plan run fewer than `minSamples` times is probed again (default 10). */
  readonly recheckSamples?: number;
  /**
   * A plan measured `minSamples` times or more and predicted within this factor of the best is
   * probed again `closeRecheckSamples` after its last run (default 1.2; 1: never): a close decision
   * is checked now and then, a clear one never (see the NOTE above).
   */
  readonly closeWithin?: number;
  /** Samples after which such a close plan is probed again (default 25). */
  readonly closeRecheckSamples?: number;
  /** How much slower than the best a stale plan may predict and still be probed (default 1.5). */
  readonly probeWithin?: number;
  /** Relative gain a switch needs (default 0.1). */
  readonly hysteresis?: number;
  /** Bytes the link carries for a request of `bytes` bytes (default: the bytes themselves). */
  readonly linkBytes?: (bytes: number) => number;
}

/** One served sample, as the policy learns from it. */
export interface PolicyObservation {
  /** The sample's total minus its transfer, ms. */
  readonly fixedMs: number;
  /** Bytes the request wrote (head, framing, streams), and of those the tensor streams. */
  readonly wireBytes: number;
  readonly payloadBytes: number;
}

/** The policy's state. */
export interface MeasuredPolicy {
  /** Learns from sample `index`, which ran `plan`. */
  observe(plan: ServedPlan, index: number, o: PolicyObservation): void;
  /** T_p(B), ms (B = +Infinity: the fixed time alone). */
  predictMs(plan: ServedPlan, mbps: number): number;
  /**
   * The plan to run for sample `index`: a plan not run yet (exploring), a stale plan to probe,
   * else `current` unless another is `hysteresis` faster.
   */
  choose(plans: readonly ServedPlan[], current: ServedPlan, mbps: number, index: number): ServedPlan;
  /** Measured over profiled fixed time (EWMA; 1 before any sample). */
  loadFactor(): number;
}

/** The profile's fixed time of a plan: edge part, codec and cloud part, ms. */
export function profiledFixedMs(plan: ServedPlan): number {
  const p = plan.predicted;
  return p.edgeMs + p.encodeMs + p.decodeMs + p.cloudMs;
}

/** The options with their defaults (an option given as undefined takes its default). */
function resolved(options: MeasuredPolicyOptions) {
  return {
    alpha: options.alpha ?? 0.3,
    staleSamples: options.staleSamples ?? Number.POSITIVE_INFINITY,
    minSamples: options.minSamples ?? 3,
    recheckSamples: options.recheckSamples ?? 10,
    closeWithin: options.closeWithin ?? 1.2,
    closeRecheckSamples: options.closeRecheckSamples ?? 25,
    probeWithin: options.probeWithin ?? 1.5,
    explore: options.explore ?? false,
    hysteresis: options.hysteresis ?? 0.1,
  };
}

/**
 * A new policy.
 * @example const p = createMeasuredPolicy(); p.choose(plans, plans[0], 5.85, 0)
 */
export function createMeasuredPolicy(options: MeasuredPolicyOptions = {}): MeasuredPolicy {
  const { alpha, staleSamples, minSamples, recheckSamples, closeWithin, closeRecheckSamples, ...rest } =
    resolved(options);
  const { probeWithin, explore, hysteresis } = rest;
  const onLink = options.linkBytes ?? ((b: number) => b);
  const seen = new Map<string, { fixedMs: number; linkBytes: number; lastIndex: number; count: number }>();
  let load = 1;
  let loadSeen = false;
  // HTTP head and framing of the last request: what an untried plan's request adds to its payload.
  let overheadBytes = 0;
  const ewma = (old: number, x: number) => old + alpha * (x - old);
  const fixedOf = (plan: ServedPlan) => seen.get(plan.key)?.fixedMs ?? profiledFixedMs(plan) * load;
  const predictMs = (plan: ServedPlan, mbps: number) => {
    const bytes = seen.get(plan.key)?.linkBytes ?? onLink(plan.predicted.bytes + overheadBytes);
    return fixedOf(plan) + (Number.isFinite(mbps) ? (bytes * 8) / (mbps * 1000) : 0);
  };
  return {
    observe(plan, index, o) {
      if (!Number.isFinite(o.fixedMs)) return;
      const prior = profiledFixedMs(plan);
      if (prior > 0 && Number.isFinite(prior)) {
        load = loadSeen ? ewma(load, o.fixedMs / prior) : o.fixedMs / prior;
        loadSeen = true;
      }
      overheadBytes = Math.max(0, o.wireBytes - o.payloadBytes);
      const s = seen.get(plan.key);
      seen.set(plan.key, {
        fixedMs: s ? ewma(s.fixedMs, o.fixedMs) : o.fixedMs,
        linkBytes: onLink(o.wireBytes),
        lastIndex: index,
        count: (s?.count ?? 0) + 1,
      });
    },
    predictMs: (plan, mbps) => predictMs(plan, mbps),
    choose(plans, current, mbps, index) {
      if (explore) {
        const untried = plans.find((p) => !seen.has(p.key));
        if (untried) return untried;
      }
      // A plan that cannot be predicted (no profile, not run yet) is never preferred.
      const ms = (p: ServedPlan) => {
        const t = predictMs(p, mbps);
        return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
      };
      let best = current;
      let bestMs = ms(current);
      const currentMs = bestMs;
      for (const p of plans) {
        const t = ms(p);
        if (t < bestMs) [best, bestMs] = [p, t];
      }
      // Untried plans count as the stalest (last run at -Infinity).
      const last = (p: ServedPlan) => seen.get(p.key)?.lastIndex ?? Number.NEGATIVE_INFINITY;
      // a plan measured only once or twice is checked again sooner than a well-measured one
      // and a well-measured one that is close to the best now and then (session 12: a 4G arm's first
      // samples of a plan ran slow, 20-37 ms against its static arm's median of 21, which put it 13%
      // behind; never retried, the run kept the slower plan for 447 of 480 samples)
      const staleAfter = (p: ServedPlan) =>
        (seen.get(p.key)?.count ?? 0) < minSamples
          ? Math.min(recheckSamples, staleSamples)
          : ms(p) <= bestMs * closeWithin
            ? Math.min(closeRecheckSamples, staleSamples)
            : staleSamples;
      // NOTE: while the plan predicted best has not run, it runs first (a probe of itself, and the best
      // guess); others are probed once it is measured. Probing a runner-up first cost a sample on a plan
      // predicted slower at the start of every run (the bench's 3G and 4G arms: the cloud-only plan).
      if (!seen.has(best.key)) return best;
      const stale = plans
        .filter((p) => p.key !== best.key && p.key !== current.key)
        .filter((p) => index - last(p) >= staleAfter(p) && ms(p) <= bestMs * probeWithin)
        .sort((a, b) => last(a) - last(b))[0];
      if (stale) return stale;
      return best.key !== current.key && bestMs < currentMs * (1 - hysteresis) ? best : current;
    },
    loadFactor: () => load,
  };
}
