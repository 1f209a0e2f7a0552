/**
 * The edge side of a split (`jalad run`): for each sample, run the edge part of the current
 * plan, encode its outputs, send them to the server, decode the answer. Every stage is timed
 * and set beside the latency model's prediction for the bandwidth of the moment.
 *
 * Adaptive runs pick, before each sample, the plan predicted fastest at the estimated uplink
 * bandwidth (bandwidth-estimator.ts) from the times this run measured for each plan
 * (measured-policy.ts), or with `policy: 'table'` the plan of the decision-table interval that
 * holds the estimate; static runs keep one plan. A failed request (refused,
 * reset, timed out, or a 5xx) is retried with exponential backoff; when the retries are spent
 * the sample runs edge-only (the unsplit model on the edge) and is marked so. Each sample is
 * recorded exactly once, whatever happened to its requests.
 */
import { performance } from 'perf_hooks';
import { InputError, JaladError } from '../core/errors';
import { decodeModel, readModelFile } from '../graph';
import { checkLabelRange, type Dataset } from '../data';
import { openSession, type Session, type Tensor } from '../runtime';
import { createBandwidthEstimator, type EstimatorOptions } from './bandwidth-estimator';
import { createTransport, TransportError, type Transport } from './http-transport';
import { measureAnswerCosts, type AnswerCosts, type ProbeShape } from './answer-probe';
import { createMeasuredPolicy, type MeasuredPolicyOptions } from './measured-policy';
import { planForBandwidth } from './plan-policy';
import { planId, type ServedPlan } from './served-plan';
import { calibrateStages, edgeWork, median, type StageCalibration } from './stage-calibration';
import { createStageWindow, type ComputeTerms } from './stage-window';
import { createRttEstimator, type RttEstimator } from './rtt-estimator';
import { createTokenBucket } from './token-bucket';
import { decodeOutputs, encodeEdgeOutputs } from './wire-codec';
import { decodeFrames, encodeFrames } from './wire-frames';

/** Options of `runEdge`. */
export interface EdgeRunOptions {
  /** The plans: one (static) or the decision table's, in increasing bandwidth (adaptive). */
  readonly plans: readonly ServedPlan[];
  readonly serverUrl: string;
  readonly dataset: Dataset;
  /** 'static' runs `plans[staticIndex]`; 'adaptive' follows the estimate (default 'static'). */
  readonly mode?: 'static' | 'adaptive';
  readonly staticIndex?: number;
  /**
   * How an adaptive run chooses: 'measured' (default) predicts each plan from this run's own
   * measurements (measured-policy.ts); 'table' takes the decision table's interval of the estimate.
   */
  readonly policy?: 'measured' | 'table';
  readonly policyOptions?: Omit<MeasuredPolicyOptions, 'linkBytes'>;
  /** Per-request timeout, ms (default 2000). */
  readonly timeoutMs?: number;
  /** Retries after a failed request before the edge-only fallback (default 3). */
  readonly retries?: number;
  /** First backoff, ms; doubled at each retry (default 50). */
  readonly backoffMs?: number;
  /** The link's bandwidth when known (a shaped link, a trace): predictions use it; else the estimate. */
  readonly nominalMbps?: () => number | undefined;
  /** Bandwidth assumed before the first estimate, Mbps (default: the first plan's interval end, or 5.85). */
  readonly initialMbps?: number;
  /**
   * Probes timed before the run (answer-probe.ts): small requests answered with streams of the
   * answer's size, for the RTT (the per-request overhead of the link and of HTTP that the latency
   * model's bytes·8/B leaves out, the answer's return included) and the answer's encoding and
   * decoding (default 21).
   */
  readonly rttPings?: number;
  /** Pause between those requests, ms (default 10). */
  readonly rttGapMs?: number;
  /**
   * When the link's rate is known, the prediction's RTT follows the run (rtt-estimator.ts): the
   * shorth midpoint of the last `rttWindow` residuals (round trip less the server's time and the
   * bytes' time on the link) of the shaped probes, then the calibration requests, then the answered
   * samples, each sample predicted from those before it (default 21; 0: the probes' RTT throughout,
   * as before session 11). The bandwidth estimate and the token bucket keep the probes' RTT.
   */
  readonly rttWindow?: number;
  /**
   * Requests per plan sent before the run to measure the compute stages in the run's conditions
   * (stage-calibration.ts), the first of each plan discarded; the prediction then takes the
   * edge part, the encoding and the server's time from them instead of the profile (default 9;
   * 0: none, the profile's terms as before session 10). Static runs calibrate their plan, adaptive
   * runs every plan of the table.
   * NOTE: 9, not 3-5: at load 2-4 single requests ran 2-3x their neighbours (the 15 KB plan's edge
   * part 13.4 ms among 5.7-6.5), and in a bench row calibrated with 5 that plan's encoding came out
   * 6.6 ms, the median of 4, against 2.6 for the samples'; the median of 8 stays put with two such
   * requests, and 9 requests cost about as much time as 9 samples.
   */
  readonly calibrate?: number;
  /**
   * The prediction's compute terms follow the run (stage-window.ts): once a plan has 3 answered
   * samples, a sample of it is predicted with the medians of the edge part, the encoding and the
   * server's time over that plan's last `computeWindow` samples before it (default 9; 0: the
   * calibration's terms throughout, as before session 12). `SampleRecord.calibrated` keeps the
   * prediction with the calibration's terms.
   */
  readonly computeWindow?: number;
  /**
   * An adaptive run sends a rate probe (`sendRateProbe`) before a sample when this many samples in a
   * row gave the bandwidth estimate nothing to observe, or before sample 0 when it has no estimate
   * (default 8; 0: never).
   */
  readonly rateProbeAfter?: number;
  readonly estimator?: EstimatorOptions;
  /** Intra-op threads of the edge sessions (default 0: ONNX Runtime chooses). */
  readonly threads?: number;
  /**
   * Runs each sample's edge part and its encoding this many times (the last run's outputs are
   * sent): an edge device that many times slower, codec included, for experiments on one machine
   * (default 1). Pair it with an analysis whose edge profile is scaled the same way
   * (`--edge local/0.05` for 20: it scales the codec's edge times too).
   */
  readonly edgeRepeat?: number;
  /**
   * Bytes the link carries for a request of `bytes` bytes (a kernel link adds each TCP segment's
   * headers; default: the bytes themselves). Used by the prediction and the bandwidth estimate,
   * so both count what the link's rate is counted on.
   */
  readonly linkBytes?: (bytes: number) => number;
  /**
   * The link's token bucket, bytes (tbf's burst; default 0: none). The prediction and the estimate
   * leave out the bytes that pass at once, with the bucket refilled since the previous request
   * (token-bucket.ts).
   */
  readonly bucketBytes?: number;
  /** Called after every sample (a test restarts the server from here). */
  readonly onSample?: (record: SampleRecord) => void | Promise<void>;
  /**
   * Called before sample i is chosen and run, before anything of it is timed (a trace replayed
   * by sample sets the link's rate here; see run-live.ts `traceStepS`).
   */
  readonly beforeSample?: (i: number) => void | Promise<void>;
  readonly progress?: (message: string) => void;
}

/** Predicted times of one sample, ms. */
export interface PredictedStages {
  readonly edgeMs: number;
  /** The codec's quantize + encode time on the edge (the analysis's, 0 for float32 tensors). */
  readonly encodeMs: number;
  /**
   * RTT (with the answer's return) + bytes·8/B with the bytes this request wrote (streams, HTTP
   * head and framing; the plan's mean when unanswered), less what the link's token bucket passes at once.
   */
  readonly transferMs: number;
  /** The codec's decode + dequantize time on the cloud. */
  readonly decodeMs: number;
  readonly cloudMs: number;
  /**
   * The server's encoding of the answer (the cloud part's outputs) and the client's decoding of
   * it, measured by the probes before the run (answer-probe.ts).
   */
  readonly answerEncodeMs: number;
  readonly answerDecodeMs: number;
  /** edge + encode + transfer + decode + cloud + the answer's encoding and decoding. */
  readonly totalMs: number;
}

/** What happened to one sample. */
export interface SampleRecord {
  readonly index: number;
  readonly plan: string;
  /** 'split': served; 'edge-only': the server could not be reached, the unsplit model ran here. */
  readonly mode: 'split' | 'edge-only';
  /** Requests made for this sample (1 when the first succeeded). */
  readonly attempts: number;
  /** Tensor streams' bytes, and everything the request wrote (head and framing included). */
  readonly payloadBytes: number;
  readonly wireBytes: number;
  readonly edgeMs: number;
  readonly encodeMs: number;
  /** Round trip minus the server's time (the last attempt's). */
  readonly transferMs: number;
  readonly serverMs: number;
  /** Of the server's time, decoding the request's streams (its header; NaN when absent). */
  readonly serverDecodeMs: number;
  /** Decoding the answer. */
  readonly decodeMs: number;
  readonly totalMs: number;
  /**
   * The RTT term of `predicted.transferMs` (the running estimate, from the requests before this
   * sample; `EdgeRunReport.rttMs`, the probes', when it does not run).
   */
  readonly rttMs: number;
  /** Bandwidth the prediction used, and the estimate after this sample, Mbps. */
  readonly bandwidthMbps: number;
  readonly estimateMbps: number | undefined;
  /**
   * The prediction: the compute terms calibrated before the run (`EdgeRunReport.calibration`),
   * the profile's where the plan was not calibrated.
   */
  readonly predicted: PredictedStages;
  /**
   * The same prediction with the compute terms calibrated before the run (the prediction before
   * session 12; the profile's where the plan was not calibrated).
   */
  readonly calibrated: PredictedStages;
  /** The same prediction with the profile's compute terms (the latency model as the analysis has it). */
  readonly profile: PredictedStages;
  readonly predictedClass: number;
  readonly label?: number;
  /** The served output, for exactness checks. */
  readonly scores: Float32Array;
  readonly failures: readonly string[];
}

/** Median predicted (calibrated), profile-predicted and measured time of one stage, ms. */
export interface StageSummary {
  readonly predictedMs: number;
  readonly profiledMs: number;
  readonly measuredMs: number;
}

/** The result of a run. */
export interface EdgeRunReport {
  readonly mode: 'static' | 'adaptive';
  readonly samples: number;
  readonly top1?: { readonly correct: number; readonly total: number; readonly accuracy: number };
  readonly rttMs: number;
  /**
   * Residuals the run's RTT estimate kept (`EdgeRunOptions.rttWindow`; 0: the prediction took
   * `rttMs`, the probes', for every sample).
   */
  readonly rttWindow: number;
  /**
   * The residuals in the running RTT's window before sample 0 (the probes', then the calibration
   * requests', oldest first; empty when it did not run): with the samples' own (`transferMs` less the
   * bytes' term), what another statistic of the window would have predicted can be replayed exactly.
   */
  readonly rttSeedsMs: readonly number[];
  /**
   * The RTT as bare probes measured it (GET of one frame, as before session 9), taken in turns
   * with the probes shaped like the run's requests; equal to `rttMs` when the probes were not shaped.
   */
  readonly bareRttMs: number;
  /** The lower quartile of the probes' round trips, the RTT of sessions 9-10 (for comparison only). */
  readonly rttQuartileMs: number;
  /** The median of the same round trips (for comparison only). */
  readonly rttMedianMs: number;
  /** Bytes each probe before the run wrote to its socket. */
  readonly probeBytes: readonly number[];
  /** Medians per stage (split samples only). */
  readonly stages: {
    readonly edge: StageSummary;
    readonly encode: StageSummary;
    readonly transfer: StageSummary;
    /** The server's decoding of the request (part of `server`). */
    readonly decode: StageSummary;
    /** The server's whole time: decode + cloud + encoding the answer. */
    readonly server: StageSummary;
    /** The client's decoding of the answer. */
    readonly answer: StageSummary;
    readonly total: StageSummary;
  };
  /**
   * The compute stages measured before the run (stage-calibration.ts): requests per plan asked
   * for (0: none), and per calibrated plan the medians the prediction uses.
   */
  readonly calibration: { readonly requests: number; readonly plans: readonly StageCalibration[] };
  /** Samples per plan whose medians the prediction's compute terms took (`EdgeRunOptions.computeWindow`; 0: none). */
  readonly computeWindow: number;
  /**
   * Median of |predicted − measured| / measured per sample: total and transfer, the total had
   * the prediction taken the profile's compute terms (`SampleRecord.profile`), and the transfer had
   * its RTT term been the probes' (`rttMs`) for every sample, as before session 11.
   */
  readonly medianErrorPct: {
    readonly total: number;
    readonly transfer: number;
    /** The total had the compute terms been the calibration's throughout (`SampleRecord.calibrated`). */
    readonly calibratedTotal: number;
    readonly profileTotal: number;
    readonly probeTransfer: number;
  };
  readonly meanTotalMs: number;
  /** How an adaptive run chose its plans (`EdgeRunOptions.policy`); absent for a static run. */
  readonly policy?: 'measured' | 'table';
  readonly switches: number;
  /** Rate probes sent (adaptive runs: `EdgeRunOptions.rateProbeAfter`); no samples. */
  readonly rateProbes: number;
  readonly fallbacks: number;
  readonly plansUsed: Readonly<Record<string, number>>;
  readonly records: readonly SampleRecord[];
}

const DEFAULTS = {
  timeoutMs: 2000,
  retries: 3,
  backoffMs: 50,
  rttPings: 21,
  rttGapMs: 10,
  edgeRepeat: 1,
  calibrate: 9,
  rateProbeAfter: 8,
  rttWindow: 21,
  computeWindow: 9,
} as const;

/** Answered samples a plan needs before its compute terms come from the run (stage-window.ts). */
const COMPUTE_MIN_SAMPLES = 3;

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The edge part's input dims of one sample, from its ONNX input (batch axis set to 1). */
export function edgeInputDims(plan: ServedPlan): number[] {
  if (plan.inputDims) return plan.inputDims.map((d, i) => (i === 0 ? 1 : d));
  const model = decodeModel(plan.edge, plan.label);
  const input = (model.graph?.input ?? []).find((i) => i.name === plan.inputName);
  const dims = input?.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d, i) => (i === 0 ? 1 : Number(d.dimValue ?? 0)));
}

/** One untimed request of `input` on `plan` before the run: its answer and transfer, or none when unanswered. */
async function requestOnce(
  transport: Transport,
  plan: ServedPlan,
  session: Session,
  input: Tensor,
  timeoutMs: number,
): Promise<{ floats: number[]; wireBytes: number; transferMs: number; framingBytes: number } | undefined> {
  const frames = encodeEdgeOutputs(plan, await session.run({ [plan.inputName]: input }));
  const body = encodeFrames(frames);
  try {
    const x = await transport.request('POST', `/infer?plan=${planId(plan.key)}`, body, timeoutMs);
    if (x.status !== 200) return undefined;
    return {
      floats: Object.values(decodeOutputs(decodeFrames(x.body))).map((t) => t.data.length),
      wireBytes: x.bytesSent,
      transferMs: x.roundTripMs - x.serverMs,
      framingBytes: body.length - frames.reduce((s, f) => s + f.bytes.length, 0),
    };
  } catch (err) {
    if (err instanceof TransportError) return undefined;
    throw err;
  }
}

/**
 * How the probes before a run are shaped when the link's rate is known (`nominalMbps`): each a POST
 * of the plan's mean request (its mean encoded bytes and sample 0's framing), after the edge part
 * has run on sample 0 as a sample's would, its bytes' time on the link (`linkMs`) taken out.
 * Undefined (GET probes of a few bytes, as before session 9) when the rate is not known or the
 * request before the run got no answer.
 * NOTE: why (docs/runtime.md, "Session 9"): a GET of one frame after 10 ms of sleep is not the path
 * a sample's request takes: its body waits for the rate frame by frame, and a sample's ends have
 * been busy with the edge part. The edge-only plan's transfer is almost all this fixed cost.
 */
function shapeProbes(
  o: EdgeRunOptions & { readonly edgeRepeat: number },
  plan: ServedPlan,
  session: Session,
  input: Tensor,
  once: { framingBytes: number } | undefined,
  linkMs: (atMs: number, wireBytes: number) => number,
): ProbeShape | undefined {
  if (!once || o.nominalMbps?.() === undefined) return undefined;
  const body = new Uint8Array(Math.round(plan.predicted.bytes) + once.framingBytes);
  const before = async () => {
    let outputs = await session.run({ [plan.inputName]: input });
    for (let k = 1; k < o.edgeRepeat; k++) outputs = await session.run({ [plan.inputName]: input });
    for (let k = 0; k < o.edgeRepeat; k++) encodeEdgeOutputs(plan, outputs);
  };
  return { body, before, linkMs };
}

/**
 * Runs every sample of `dataset` through the split and the server.
 * @throws InputError BAD_DATA when the data does not fit the edge part; BAD_OPTION for no plans
 */
// NOTE: one sample loop whose stages (edge, encode, send, retry, fallback, adapt) share the per-run
// state; kept whole so the timing of a sample reads in order.
// eslint-disable-next-line max-lines-per-function -- the stages of one sample share the run's state (see above)
export async function runEdge(options: EdgeRunOptions): Promise<EdgeRunReport> {
  const o = { ...DEFAULTS, ...options };
  const plans = o.plans;
  if (plans.length === 0) throw new InputError('BAD_OPTION', 'jalad run: no plan to run');
  const mode = o.mode ?? 'static';
  const progress = o.progress ?? (() => undefined);
  const data = o.dataset;
  const per = data.shape.reduce((a, b) => a * b, 1);
  const sessions = new Map<string, Session>();
  const sessionOf = async (plan: ServedPlan) => {
    let s = sessions.get(plan.key);
    if (!s) {
      s = await openSession(plan.edge, { threads: o.threads });
      sessions.set(plan.key, s);
    }
    return s;
  };
  let whole: Session | undefined;
  const transport = createTransport(o.serverUrl);
  try {
    // Open every edge part before timing anything: the first run of a session is slow.
    for (const p of plans) await sessionOf(p);
    const dims = edgeInputDims(plans[0]);
    if (dims.slice(1).reduce((a, b) => a * b, 1) !== per)
      throw new InputError(
        'BAD_DATA',
        `--data ${data.source}: samples of shape [${data.shape.join(', ')}] do not fit the edge part's input [${dims.join(', ')}]`,
      );
    const initial = o.initialMbps ?? 5.85;
    let current = mode === 'static' ? plans[o.staticIndex ?? 0] : planForBandwidth(plans, initial);
    const first: Tensor = { type: 'float32', data: data.data.subarray(0, per), dims };
    if (mode === 'adaptive') {
      // A session's first run is slow; an adaptive run may switch to any plan, and its measured
      // policy would learn that first run as the plan's time. Run each edge part once, untimed.
      for (const p of plans) await (await sessionOf(p)).run({ [p.inputName]: first });
      progress(`ran each of the ${sessions.size} edge parts once before timing`);
    }
    // the link as it is just before the run (a trace replayed by sample: one step before sample 0)
    await o.beforeSample?.(-1);
    // One request (sample 0, not recorded) for the answer's sizes; it also warms both ends up.
    const once = await requestOnce(transport, current, await sessionOf(current), first, o.timeoutMs);
    const floats = once?.floats ?? [];
    const onLink = o.linkBytes ?? ((b: number) => b);
    const bucketBytes = o.bucketBytes ?? 0;
    const bucket = createTokenBucket(bucketBytes);
    const probeShape = shapeProbes(o, current, await sessionOf(current), first, once, (atMs, wireBytes) => {
      const mbps = o.nominalMbps?.() ?? initial;
      const sent = onLink(wireBytes);
      const timed = Math.max(0, sent - bucket.freeBytes(atMs, mbps));
      bucket.send(atMs, sent, mbps);
      return (timed * 8) / (mbps * 1000);
    });
    const costs = await measureAnswerCosts(
      transport,
      floats,
      o.rttPings,
      o.timeoutMs,
      o.rttGapMs,
      probeShape,
    );
    const rttMs = costs.rttMs;
    /**
     * Charges an answered request that left at `atMs` to the bucket (refilling from when its last
     * byte left: the transfer less the RTT) and returns its bytes beyond what the bucket passed at once.
     */
    const passBucket = (atMs: number, wireBytes: number, mbps: number, transferMs: number): number => {
      const timed = Math.max(0, onLink(wireBytes) - bucket.freeBytes(atMs, mbps));
      bucket.send(atMs, onLink(wireBytes), mbps, atMs + transferMs - rttMs);
      return timed;
    };
    const shapedText = probeShape
      ? `, each a POST of ${probeShape.body.length} B after the edge part; bare probes ${costs.bareRttMs.toFixed(3)}`
      : '';
    progress(
      `RTT with an answer of ${floats.join('+') || 0} floats: ${rttMs.toFixed(3)} ms (${probeShape ? 'shorth' : 'lower quartile'} of ` +
        `${costs.probes}${shapedText}); ` +
        `the answer's encoding ${costs.answerEncodeMs.toFixed(3)} ms, decoding ` +
        `${costs.answerDecodeMs.toFixed(3)} ms (medians)`,
    );
    // NOTE: the compute stages measured now, after the probes, in the conditions of the samples that
    // follow (stage-calibration.ts): the plans a run may use, i.e. its one plan when static and every
    // plan of the table when adaptive. They are no samples: the estimate and the policy never see them.
    const calibration = await calibrateStages(transport, mode === 'static' ? [current] : plans, {
      requests: o.calibrate,
      edgeRepeat: o.edgeRepeat,
      timeoutMs: o.timeoutMs,
      inputOf: (k) => ({
        type: 'float32',
        data: data.data.subarray((k % data.samples) * per, ((k % data.samples) + 1) * per),
        dims,
      }),
      sessionOf,
      // returns the bytes' time on the link (the request's own RTT, a diagnostic; NaN when the rate is unknown)
      sent: (atMs, wireBytes, transferMs) => {
        const nominal = o.nominalMbps?.();
        const mbps = nominal ?? initial;
        const timed = passBucket(atMs, wireBytes, mbps, transferMs);
        return nominal === undefined ? NaN : (timed * 8) / (mbps * 1000);
      },
    });
    for (const c of calibration.values())
      progress(
        `calibrated ${c.plan} (${c.requests} of ${o.calibrate} requests, the first discarded): edge ` +
          `${c.edgeMs.toFixed(3)}, encode ${c.encodeMs.toFixed(3)}, server ${c.serverMs.toFixed(3)} ms (medians)`,
      );
    const running = runningRtt(o, costs, calibration);
    const rttSeedsMs = running?.kept() ?? [];
    if (running)
      progress(
        `the RTT follows the run: the shorth of its last ${o.rttWindow} residuals, ${running.rttMs().toFixed(3)} ms ` +
          `before sample 0 (the probes' and the calibration requests')`,
      );
    const estimator = createBandwidthEstimator(o.estimator);
    const computeTerms =
      o.computeWindow > 0
        ? createStageWindow(o.computeWindow, Math.min(COMPUTE_MIN_SAMPLES, o.computeWindow))
        : undefined;
    // The policy compares plans at any moment: it assumes a full bucket.
    const policy = createMeasuredPolicy({
      ...o.policyOptions,
      linkBytes: (b) => Math.max(0, onLink(b) - bucketBytes),
    });
    if (mode === 'adaptive') {
      // NOTE: one more request of sample 0 (not recorded), now that the connection and both ends are
      // warm, is the estimate's first observation: an adaptive run chooses its first plan from a
      // measurement of the link, not from `initialMbps` (a guess that, on the bench's 3G trace at
      // about 1 Mbps, had the policy start on the 54 KB cloud-only plan: 0.5 s). The first request
      // above is no measurement: it opened the connection and met each end's first request.
      await sleep(o.rttGapMs);
      const seed = await requestOnce(transport, current, await sessionOf(current), first, o.timeoutMs);
      if (seed) estimator.observe(Math.max(0, onLink(seed.wireBytes) - bucketBytes), seed.transferMs, rttMs);
    }
    let switches = 0;
    let rateProbes = 0;
    // samples in a row whose request the estimate could not observe (the bucket passed it whole)
    let unobserved = estimator.estimateMbps() === undefined ? Infinity : 0;
    const records: SampleRecord[] = [];
    for (let i = 0; i < data.samples; i++) {
      await o.beforeSample?.(i);
      if (mode === 'adaptive' && o.rateProbeAfter > 0 && unobserved >= o.rateProbeAfter) {
        const mbps = o.nominalMbps?.() ?? estimator.estimateMbps() ?? initial;
        const seen = await sendRateProbe(transport, bucketBytes, o.timeoutMs, (atMs, wireBytes, transferMs) =>
          estimator.observe(passBucket(atMs, wireBytes, mbps, transferMs), transferMs, rttMs),
        );
        rateProbes++;
        unobserved = seen ? 0 : unobserved;
        progress(`sample ${i}: rate probe, estimate ${estimator.estimateMbps()?.toFixed(2)} Mbps`);
      }
      if (mode === 'adaptive') {
        const mbps = estimator.estimateMbps() ?? initial;
        const next =
          o.policy === 'table' ? planForBandwidth(plans, mbps) : policy.choose(plans, current, mbps, i);
        if (next.key !== current.key) {
          switches++;
          progress(
            `sample ${i}: estimate ${estimator.estimateMbps()?.toFixed(2)} Mbps, switching to ${next.label}`,
          );
        }
        current = next;
      }
      const plan = current;
      const input: Tensor = { type: 'float32', data: data.data.subarray(i * per, (i + 1) * per), dims };
      const bandwidthMbps = o.nominalMbps?.() ?? estimator.estimateMbps() ?? initial;
      const { frames, body, t0, t1, t2 } = await edgeWork(await sessionOf(plan), plan, input, o.edgeRepeat);
      const payloadBytes = frames.reduce((s, f) => s + f.bytes.length, 0);
      const failures: string[] = [];
      let answer:
        | { scores: Float32Array; transferMs: number; serverMs: number; decodeMs: number; wireBytes: number }
        | undefined;
      let attempts = 0;
      let t3 = t2;
      while (attempts <= o.retries) {
        attempts++;
        try {
          const x = await transport.request('POST', `/infer?plan=${planId(plan.key)}`, body, o.timeoutMs);
          if (x.status === 200) {
            const t = performance.now();
            const out = decodeOutputs(decodeFrames(x.body));
            t3 = t;
            const first = Object.values(out)[0];
            answer = {
              scores: first.data as Float32Array,
              transferMs: x.roundTripMs - x.serverMs,
              serverMs: x.serverMs,
              decodeMs: x.decodeMs,
              wireBytes: x.bytesSent,
            };
            break;
          }
          const reason = x.body.toString('utf8').trim();
          if (x.status < 500)
            throw new JaladError('RUNTIME', `server refused sample ${i} (${x.status}): ${reason}`);
          failures.push(`${x.status} ${reason}`);
        } catch (err) {
          if (!(err instanceof TransportError)) throw err;
          failures.push(err.reason);
        }
        if (attempts <= o.retries) await sleep(o.backoffMs * 2 ** (attempts - 1));
      }
      let record: SampleRecord;
      // NOTE: the bytes·8/B term takes the bytes this request wrote (known once the edge part has
      // encoded, before anything is sent), not the plan's mean from the sweep: an entropy-coded
      // tensor's size follows the content (the detector's 4-bit map: 0.2–2.9 KB per image around a
      // 1.2 KB mean), and the mean made per-sample transfer errors of 30–70% where the medians agreed.
      // A sample that was not answered keeps the plan's mean.
      const requestBytes = answer ? answer.wireBytes : plan.predicted.bytes;
      // what the bucket passes at once when this request left (t2: its last attempt's is alike)
      const free = bucket.freeBytes(t2, bandwidthMbps);
      const timed = (b: number) => Math.max(0, onLink(b) - free);
      // the RTT from the requests before this one (the probes' alone without a running estimate)
      const sampleRtt = running?.rttMs() ?? rttMs;
      const predictedTransfer = sampleRtt + (timed(requestBytes) * 8) / (bandwidthMbps * 1000);
      const cal = calibration.get(plan.key);
      const withTerms = (terms: ComputeTerms | undefined) =>
        predictedStages(plan.predicted, terms, predictedTransfer, costs, answer !== undefined);
      const calibrated = withTerms(cal);
      const recent = computeTerms?.termsOf(plan.key);
      const predicted = recent ? withTerms(recent) : calibrated;
      const profile = withTerms(undefined);
      if (answer) {
        const t4 = performance.now();
        // the request's last byte left about when the transfer less the RTT (a small request's
        // trip and the answer's return) had passed: what the bucket refills from
        bucket.send(t2, onLink(answer.wireBytes), bandwidthMbps, t2 + answer.transferMs - rttMs);
        unobserved = estimator.observe(timed(answer.wireBytes), answer.transferMs, rttMs)
          ? 0
          : unobserved + 1;
        running?.observe(answer.transferMs - (timed(answer.wireBytes) * 8) / (bandwidthMbps * 1000));
        computeTerms?.observe(plan.key, {
          edgeMs: t1 - t0,
          encodeMs: t2 - t1,
          serverMs: answer.serverMs,
          serverDecodeMs: answer.decodeMs,
        });
        policy.observe(plan, i, {
          fixedMs: t4 - t0 - answer.transferMs,
          wireBytes: answer.wireBytes,
          payloadBytes,
        });
        record = {
          index: i,
          plan: plan.label,
          mode: 'split',
          attempts,
          payloadBytes,
          wireBytes: answer.wireBytes,
          edgeMs: t1 - t0,
          encodeMs: t2 - t1,
          transferMs: answer.transferMs,
          serverMs: answer.serverMs,
          serverDecodeMs: answer.decodeMs,
          decodeMs: t4 - t3,
          totalMs: t4 - t0,
          rttMs: sampleRtt,
          bandwidthMbps,
          estimateMbps: estimator.estimateMbps(),
          predicted,
          calibrated,
          profile,
          predictedClass: argmax(answer.scores),
          ...(data.labels ? { label: labelIn(data, i, answer.scores.length) } : {}),
          scores: answer.scores,
          failures,
        };
      } else {
        // NOTE: a request that timed out is a measurement too: its bytes did not cross in the timeout.
        // Fed to the estimate (bits over the timeout: at least that slow), it moves an adaptive run
        // off a plan too large for the link; without it a fallback taught nothing and the same plan
        // was chosen again (34 samples in a row on the bench's 3G trace, each 8.5 s of timeouts).
        if (failures.includes('timeout')) estimator.observe(timed(requestBytes), o.timeoutMs, rttMs);
        // Edge-only fallback: the unsplit model, here, for this sample only.
        if (!whole) {
          progress(`opening ${plan.modelPath} for the edge-only fallback`);
          whole = await openSession(readModelFile(plan.modelPath).bytes, { threads: o.threads });
        }
        let out = await whole.run({ [whole.inputNames[0]]: input });
        for (let k = 1; k < o.edgeRepeat; k++) out = await whole.run({ [whole.inputNames[0]]: input });
        const scores = out[whole.outputNames[0]].data as Float32Array;
        const t4 = performance.now();
        progress(
          `sample ${i}: server unreachable after ${attempts} attempts (${failures.join(', ')}); ran edge-only`,
        );
        record = {
          index: i,
          plan: plan.label,
          mode: 'edge-only',
          attempts,
          payloadBytes,
          wireBytes: 0,
          edgeMs: t1 - t0,
          encodeMs: t2 - t1,
          transferMs: NaN,
          serverMs: NaN,
          serverDecodeMs: NaN,
          decodeMs: 0,
          totalMs: t4 - t0,
          rttMs: sampleRtt,
          bandwidthMbps,
          estimateMbps: estimator.estimateMbps(),
          predicted,
          calibrated,
          profile,
          predictedClass: argmax(scores),
          ...(data.labels ? { label: labelIn(data, i, scores.length) } : {}),
          scores,
          failures,
        };
      }
      records.push(record);
      await o.onSample?.(record);
    }
    const calibrated = { requests: o.calibrate, plans: [...calibration.values()] };
    return summarize(
      mode,
      records,
      costs,
      calibrated,
      { switches, rateProbes, ...(mode === 'adaptive' ? { policy: o.policy ?? 'measured' } : {}) },
      data.labels !== undefined,
      running ? o.rttWindow : 0,
      rttSeedsMs,
      o.computeWindow,
    );
  } finally {
    transport.close();
    for (const s of sessions.values()) await s.release();
    await whole?.release();
  }
}

/**
 * The run's RTT estimate (rtt-estimator.ts) when the link's rate is known and `rttWindow` > 0:
 * seeded with the shaped probes' residuals, then the calibration requests' in the order sent.
 * Undefined otherwise: the bytes' term of a request needs the rate, and an estimated rate is itself
 * taken from the transfer less the RTT.
 */
function runningRtt(
  o: EdgeRunOptions & { readonly rttWindow: number },
  costs: AnswerCosts,
  calibration: ReadonlyMap<string, StageCalibration>,
): RttEstimator | undefined {
  if (!(o.rttWindow > 0) || o.nominalMbps?.() === undefined) return undefined;
  const running = createRttEstimator(costs.tripsMs, costs.rttMs, { window: o.rttWindow });
  for (const c of calibration.values()) for (const r of c.rttsMs) running.observe(r);
  return running;
}

/**
 * A rate probe: a POST /probe whose body is the bucket's bytes and 8 KB more, so that its crossing
 * is paced by the link's rate and timed, answered with no stream. Why: a request the token bucket
 * passes whole crosses at once, whatever the rate, and tells the estimate nothing. Once the context
 * coder made the edge-only plan's request 298 B, an adaptive run that started on it (or went down to
 * it) never observed the link again, and kept its estimate however fast the link became (session 11:
 * 100 WiFi samples on that plan, 1.13x the best static plan's mean). `observe` takes when the probe
 * was sent, its bytes on the wire and its transfer (round trip less the server's time) and returns
 * whether the estimate used it. An unanswered probe is not observed: the sample that follows finds
 * out what the link does.
 */
async function sendRateProbe(
  transport: Transport,
  bucketBytes: number,
  timeoutMs: number,
  observe: (atMs: number, wireBytes: number, transferMs: number) => boolean,
): Promise<boolean> {
  const body = new Uint8Array(bucketBytes + 8192);
  const atMs = performance.now();
  try {
    const x = await transport.request('POST', '/probe?floats=', body, timeoutMs);
    return x.status === 200 && observe(atMs, x.bytesSent, x.roundTripMs - x.serverMs);
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    return false;
  }
}

/**
 * A sample's prediction: the compute terms of the calibration `cal` (edge part, encoding, the
 * server's decoding and the rest of its time), or of the profile without one; the transfer
 * modelled (RTT + bytes·8/B) and the answer's costs from the probes either way.
 * NOTE: the server's header gives its whole time and its decoding, not the cloud part apart from
 * the answer's encoding; the cloud term is the rest less the probes' answer encoding, so the three
 * server terms add up to the calibrated server time exactly.
 */
function predictedStages(
  pp: ServedPlan['predicted'],
  cal: ComputeTerms | undefined,
  transferMs: number,
  costs: AnswerCosts,
  answered: boolean,
): PredictedStages {
  const answerEncodeMs = answered ? costs.answerEncodeMs : 0;
  const answerDecodeMs = answered ? costs.answerDecodeMs : 0;
  const server = cal !== undefined && Number.isFinite(cal.serverMs) ? cal : undefined;
  const decodeMs = server && Number.isFinite(server.serverDecodeMs) ? server.serverDecodeMs : pp.decodeMs;
  const stages = {
    edgeMs: cal?.edgeMs ?? pp.edgeMs,
    encodeMs: cal?.encodeMs ?? pp.encodeMs,
    transferMs,
    decodeMs,
    cloudMs: server ? server.serverMs - decodeMs - costs.answerEncodeMs : pp.cloudMs,
    answerEncodeMs,
    answerDecodeMs,
  };
  const totalMs =
    stages.edgeMs +
    stages.encodeMs +
    stages.transferMs +
    stages.decodeMs +
    stages.cloudMs +
    stages.answerEncodeMs +
    stages.answerDecodeMs;
  return { ...stages, totalMs };
}

/** Medians per stage of the served samples: predicted, profiled, measured. */
function stageSummaries(served: readonly SampleRecord[]): EdgeRunReport['stages'] {
  const stage = (p: (r: PredictedStages) => number, m: (r: SampleRecord) => number): StageSummary => ({
    predictedMs: median(served.map((r) => p(r.predicted))),
    profiledMs: median(served.map((r) => p(r.profile))),
    measuredMs: median(served.map(m)),
  });
  return {
    edge: stage(
      (p) => p.edgeMs,
      (r) => r.edgeMs,
    ),
    encode: stage(
      (p) => p.encodeMs,
      (r) => r.encodeMs,
    ),
    transfer: stage(
      (p) => p.transferMs,
      (r) => r.transferMs,
    ),
    decode: stage(
      (p) => p.decodeMs,
      (r) => r.serverDecodeMs,
    ),
    server: stage(
      (p) => p.decodeMs + p.cloudMs + p.answerEncodeMs,
      (r) => r.serverMs,
    ),
    answer: stage(
      (p) => p.answerDecodeMs,
      (r) => r.decodeMs,
    ),
    total: stage(
      (p) => p.totalMs,
      (r) => r.totalMs,
    ),
  };
}

function summarize(
  mode: 'static' | 'adaptive',
  records: readonly SampleRecord[],
  costs: AnswerCosts,
  calibration: EdgeRunReport['calibration'],
  counts: Pick<EdgeRunReport, 'switches' | 'rateProbes' | 'policy'>,
  labelled: boolean,
  rttWindow: number,
  rttSeedsMs: readonly number[],
  computeWindow: number,
): EdgeRunReport {
  const served = records.filter((r) => r.mode === 'split');
  const relErr = (p: number, m: number) => (Math.abs(p - m) / m) * 100;
  const plansUsed: Record<string, number> = {};
  for (const r of records) plansUsed[r.plan] = (plansUsed[r.plan] ?? 0) + 1;
  const correct = records.filter((r) => r.label !== undefined && r.predictedClass === r.label).length;
  return {
    mode,
    samples: records.length,
    ...(labelled
      ? { top1: { correct, total: records.length, accuracy: correct / Math.max(1, records.length) } }
      : {}),
    rttMs: costs.rttMs,
    rttWindow,
    rttSeedsMs,
    bareRttMs: costs.bareRttMs,
    rttQuartileMs: costs.rttQuartileMs,
    rttMedianMs: costs.rttMedianMs,
    probeBytes: costs.sentBytes,
    stages: stageSummaries(served),
    calibration,
    computeWindow,
    medianErrorPct: {
      total: median(served.map((r) => relErr(r.predicted.totalMs, r.totalMs))),
      transfer: median(served.map((r) => relErr(r.predicted.transferMs, r.transferMs))),
      calibratedTotal: median(served.map((r) => relErr(r.calibrated.totalMs, r.totalMs))),
      profileTotal: median(served.map((r) => relErr(r.profile.totalMs, r.totalMs))),
      probeTransfer: median(
        served.map((r) => relErr(r.predicted.transferMs - r.rttMs + costs.rttMs, r.transferMs)),
      ),
    },
    meanTotalMs: records.reduce((s, r) => s + r.totalMs, 0) / Math.max(1, records.length),
    ...counts,
    fallbacks: records.length - served.length,
    plansUsed,
    records,
  };
}

/** Sample i's label, checked against the classes the cloud part answers with. */
function labelIn(data: Dataset, i: number, classes: number): number {
  checkLabelRange(data.labels as Int32Array, i, 1, classes, data.labelsSource);
  return (data.labels as Int32Array)[i];
}
