/**
 * The compute stages of a sample, measured before the run in the run's own conditions
 * (docs/runtime.md, "Session 10: the compute stages calibrated before the run").
 *
 * The latency model takes the edge part, the codec and the cloud part from the analysis's profile:
 * each part timed warm, in a tight loop, in another process, at another time. A live sample runs
 * each stage once between waits on the network, with the client and the server sharing the
 * machine, and on the 2-core bench machine that made the 15 KB plan's edge part 3.9-5.2 ms against
 * 3.48 profiled, its encoding 2.2-3.1 against 2.0 and its server 8.2-10.2 against 8.2 (session 9's
 * second quiet run); the profile itself moved by 10% between runs (the edge-only plan's edge 35.4
 * ms, then 31.8). So before the first sample, as the RTT is probed, a few requests per plan go
 * through the real pipeline (edge part with its repeats, encoding, `POST /infer` over the same
 * link, the server's decoding and cloud part, the answer decoded) back to back as samples are, and
 * the medians of their stages become the prediction's compute terms. They are not samples:
 * nothing of them is recorded, counted, written to the CSV or learnt by the bandwidth estimate or
 * the measured policy.
 *
 * NOTE: the inputs are the run's first samples (request k takes sample k, cycled when the run has
 * fewer): the parts' compute does not depend on the values, the entropy coder's and the server's
 * decoding do a little (the detector's 4-bit map takes 0.2-2.9 KB per image), so a few of the
 * run's own images are a fairer calibration than one image sent k times. The first request of a
 * plan is discarded: it meets a session and a connection that were idle (or, in an adaptive run,
 * a plan's first requests of all).
 */
import { performance } from 'perf_hooks';
import type { Session, Tensor, TensorMap } from '../runtime';
import { TransportError, type Transport } from './http-transport';
import { planId, type ServedPlan } from './served-plan';
import { decodeOutputs, encodeEdgeOutputs } from './wire-codec';
import { decodeFrames, encodeFrames, type Frame } from './wire-frames';

/** One plan's compute stages as calibrated, ms (medians over the requests kept). */
export interface StageCalibration {
  /** The plan's label. */
  readonly plan: string;
  /** Requests answered and kept (the first one, a warm-up, is not). */
  readonly requests: number;
  readonly edgeMs: number;
  readonly encodeMs: number;
  /** The server's whole time (its header): decoding, the cloud part, encoding the answer. */
  readonly serverMs: number;
  /** Of that, decoding the request (its header; NaN when the server does not say). */
  readonly serverDecodeMs: number;
  /** Bytes each answered request wrote to its socket, the discarded one included (what crossed the link). */
  readonly wireBytes: readonly number[];
  /**
   * The requests' round trip less the server's time and less their bytes' time on the link (what
   * `sent` returned), median: the RTT term as real requests of the plan met it; a diagnostic (NaN
   * without `sent` or when the link's rate is unknown).
   */
  readonly rttMs: number;
  /** The same of each request kept, in the order sent (NaN where unknown): the run's RTT estimate takes them. */
  readonly rttsMs: readonly number[];
}

/** The edge part run on one input and its outputs encoded, as a sample does, with the times. */
export interface EdgeWork {
  readonly frames: Frame[];
  readonly body: Uint8Array;
  /** When the edge part started, ended, and the encoding ended (performance.now()). */
  readonly t0: number;
  readonly t1: number;
  readonly t2: number;
}

/**
 * Runs `plan`'s edge part on `input` and encodes its outputs, each `repeat` times (the last run's
 * outputs are sent): what every sample and every calibration request does before its request.
 */
export async function edgeWork(
  session: Session,
  plan: ServedPlan,
  input: Tensor,
  repeat: number,
): Promise<EdgeWork> {
  const t0 = performance.now();
  let outputs: TensorMap = await session.run({ [plan.inputName]: input });
  for (let k = 1; k < repeat; k++) outputs = await session.run({ [plan.inputName]: input });
  const t1 = performance.now();
  let frames = encodeEdgeOutputs(plan, outputs);
  for (let k = 1; k < repeat; k++) frames = encodeEdgeOutputs(plan, outputs);
  const body = encodeFrames(frames);
  return { frames, body, t0, t1, t2: performance.now() };
}

/** Options of `calibrateStages`. */
export interface CalibrationOptions {
  /** Requests per plan, the first discarded (fewer than 2: nothing is calibrated). */
  readonly requests: number;
  readonly edgeRepeat: number;
  readonly timeoutMs: number;
  /** The k-th calibration request's input. */
  readonly inputOf: (k: number) => Tensor;
  readonly sessionOf: (plan: ServedPlan) => Promise<Session>;
  /**
   * Told of every answered request: when its body was ready, the bytes it wrote and its transfer (the
   * token bucket's account); returns the bytes' time on the link, ms (the bytes·8/B term).
   */
  readonly sent?: (atMs: number, wireBytes: number, transferMs: number) => number;
}

/** The median (of an even count, the mean of the middle two); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One request's stages, ms, and its bytes. */
type Stages = {
  edgeMs: number;
  encodeMs: number;
  serverMs: number;
  serverDecodeMs: number;
  wireBytes: number;
  rttMs: number;
};

/** One calibration request of `plan`: its stages, or undefined when it got no answer. */
async function calibrationRequest(
  transport: Transport,
  plan: ServedPlan,
  input: Tensor,
  o: CalibrationOptions,
): Promise<Stages | undefined> {
  const w = await edgeWork(await o.sessionOf(plan), plan, input, o.edgeRepeat);
  try {
    const x = await transport.request('POST', `/infer?plan=${planId(plan.key)}`, w.body, o.timeoutMs);
    if (x.status !== 200) return undefined;
    decodeOutputs(decodeFrames(x.body)); // as a sample does: the client's work before its next request
    const linkMs = o.sent?.(w.t2, x.bytesSent, x.roundTripMs - x.serverMs) ?? NaN;
    return {
      rttMs: x.roundTripMs - x.serverMs - linkMs,
      edgeMs: w.t1 - w.t0,
      encodeMs: w.t2 - w.t1,
      serverMs: x.serverMs,
      serverDecodeMs: x.decodeMs,
      wireBytes: x.bytesSent,
    };
  } catch (err) {
    if (err instanceof TransportError) return undefined;
    throw err;
  }
}

/**
 * Sends `o.requests` requests of each distinct plan of `plans`, back to back, and returns the
 * medians of their stages by plan key (the first request of each plan discarded). A plan whose
 * request gets no answer is not calibrated further (its prediction keeps the profile): a plan too
 * large for the link would otherwise spend a timeout per request before the run.
 */
export async function calibrateStages(
  transport: Transport,
  plans: readonly ServedPlan[],
  o: CalibrationOptions,
): Promise<Map<string, StageCalibration>> {
  const out = new Map<string, StageCalibration>();
  if (o.requests < 2) return out;
  const distinct = plans.filter((p, i) => plans.findIndex((q) => q.key === p.key) === i);
  for (const plan of distinct) {
    const kept: Stages[] = [];
    const wireBytes: number[] = [];
    for (let k = 0; k < o.requests; k++) {
      const r = await calibrationRequest(transport, plan, o.inputOf(k), o);
      if (!r) break;
      wireBytes.push(r.wireBytes);
      if (k > 0) kept.push(r);
    }
    if (kept.length === 0) continue;
    const decodes = kept.map((r) => r.serverDecodeMs);
    out.set(plan.key, {
      plan: plan.label,
      requests: kept.length,
      edgeMs: median(kept.map((r) => r.edgeMs)),
      encodeMs: median(kept.map((r) => r.encodeMs)),
      // a server that does not time itself (header 0) leaves the server's terms to the profile
      serverMs: kept.every((r) => r.serverMs > 0) ? median(kept.map((r) => r.serverMs)) : NaN,
      serverDecodeMs: decodes.every(Number.isFinite) ? median(decodes) : NaN,
      wireBytes,
      rttMs: median(kept.map((r) => r.rttMs)),
      rttsMs: kept.map((r) => r.rttMs),
    });
  }
  return out;
}
