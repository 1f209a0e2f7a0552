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
 * A plan not run yet has its profile's fixed time (edge + encode + decode + cloud) times the load
 * factor: the EWMA of measured over profiled fixed time across all samples so far, so a machine
 * that runs everything 3x slower than profiled scales the untried plans too. A plan's measurement
 * ages: `staleSamples` samples after it last ran it counts half, the load-scaled profile the other
 * half. A plan that looked bad under a moment of load is therefore tried again once the
 * prior, kept up to date by the plans that do run, makes it look good. A switch needs a gain of
 * `hysteresis` (5%), so two plans that predict alike do not alternate on noise.
 */
import type { ServedPlan } from './served-plan';

/** Options of `createMeasuredPolicy`. */
export interface MeasuredPolicyOptions {
  /** Weight of a new sample in the EWMAs (default 0.3). */
  readonly alpha?: number;
  /** Samples after which a plan's own measurement counts half against its load-scaled profile (default 50). */
  readonly staleSamples?: number;
  /** Relative gain a switch needs (default 0.05). */
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
  /** T_p(B) before sample `index`, ms (B = +Infinity: the fixed time alone). */
  predictMs(plan: ServedPlan, mbps: number, index: number): number;
  /** The plan to run for sample `index`: `current` unless another is `hysteresis` faster. */
  choose(plans: readonly ServedPlan[], current: ServedPlan, mbps: number, index: number): ServedPlan;
  /** Measured over profiled fixed time (EWMA; 1 before any sample). */
  loadFactor(): number;
}

/** The profile's fixed time of a plan: edge part, codec and cloud part, ms. */
export function profiledFixedMs(plan: ServedPlan): number {
  const p = plan.predicted;
  return p.edgeMs + p.encodeMs + p.decodeMs + p.cloudMs;
}

/**
 * A new policy.
 * @example const p = createMeasuredPolicy(); p.choose(plans, plans[0], 5.85, 0)
 */
export function createMeasuredPolicy(options: MeasuredPolicyOptions = {}): MeasuredPolicy {
  const alpha = options.alpha ?? 0.3;
  const staleSamples = options.staleSamples ?? 50;
  const hysteresis = options.hysteresis ?? 0.05;
  const onLink = options.linkBytes ?? ((b: number) => b);
  const seen = new Map<string, { fixedMs: number; linkBytes: number; lastIndex: number }>();
  let load = 1;
  let loadSeen = false;
  // HTTP head and framing of the last request: what an untried plan's request adds to its payload.
  let overheadBytes = 0;
  const ewma = (old: number, x: number) => old + alpha * (x - old);
  const fixedOf = (plan: ServedPlan, index: number) => {
    const prior = profiledFixedMs(plan) * load;
    const s = seen.get(plan.key);
    if (!s || !Number.isFinite(prior)) return s ? s.fixedMs : prior;
    const w = 2 ** (-Math.max(0, index - 1 - s.lastIndex) / staleSamples);
    return w * s.fixedMs + (1 - w) * prior;
  };
  const predictMs = (plan: ServedPlan, mbps: number, index: number) => {
    const bytes = seen.get(plan.key)?.linkBytes ?? onLink(plan.predicted.bytes + overheadBytes);
    return fixedOf(plan, index) + (Number.isFinite(mbps) ? (bytes * 8) / (mbps * 1000) : 0);
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
      });
    },
    predictMs,
    choose(plans, current, mbps, index) {
      // A plan that cannot be predicted (no profile, not run yet) is never preferred.
      const ms = (p: ServedPlan) => {
        const t = predictMs(p, mbps, index);
        return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
      };
      let best = current;
      let bestMs = ms(current);
      const currentMs = bestMs;
      for (const p of plans) {
        const t = ms(p);
        if (t < bestMs) [best, bestMs] = [p, t];
      }
      return best.key !== current.key && bestMs < currentMs * (1 - hysteresis) ? best : current;
    },
    loadFactor: () => load,
  };
}
