/**
 * `jalad run` in one call: load the plans and the data, optionally put a shaped link (a fixed
 * rate or a replayed trace) in front of the server, run every sample, write the per-sample CSV.
 */
import * as fs from 'fs';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../core/errors';
import { checkOutputFile, startsWithLine, writeOutputFile, type OutputOptions } from '../core/output-set';
import { fitToModelInput, loadDataset, type DataOptions } from '../data';
import type { EstimatorOptions } from './bandwidth-estimator';
import {
  edgeInputDims,
  runEdge,
  type EdgeRunOptions,
  type EdgeRunReport,
  type SampleRecord,
} from './edge-run';
import { loadAnalysisPlans, loadPlanDir, withAnalysisPrediction } from './load-plans';
import type { ServedPlan } from './served-plan';
import { startShapedProxy, type ShapedLink } from './shaped-proxy';
import { replayTrace, sampleReplay, type RateControl, type TraceReplay } from './trace-replay';

/** Options of `runLive`. */
export interface LiveRunOptions {
  /**
   * A plan directory (static), or an analysis whose decision table gives the plans. Both: the
   * directory's plan, predicted with the analysis's cut point that sends the same tensors (a
   * `jalad split --cut` plan has no prediction of its own).
   */
  readonly planDir?: string;
  readonly analysisPath?: string;
  /** With analysisPath: shapes of inputs with symbolic dimensions (`--input-shape`), as the analysis had them. */
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
  readonly serverUrl: string;
  readonly data: string;
  readonly labels?: string;
  readonly dataOptions?: DataOptions;
  /** Keep one plan: with an analysis, the plan of this bandwidth's interval. */
  readonly staticMbps?: number;
  readonly adaptive: boolean;
  /** How an adaptive run chooses its plan (default 'measured'; see EdgeRunOptions.policy). */
  readonly policy?: 'measured' | 'table';
  /** The bandwidth estimator's window and half-life (bandwidth-estimator.ts). */
  readonly estimator?: EstimatorOptions;
  /** Shape the link in process at this rate, Mbps (loopback servers only). */
  readonly shapeMbps?: number;
  /** One-way delay of the shaped link, ms. */
  readonly delayMs?: number;
  /** A bandwidth trace to replay on the shaped link, and its speed-up. */
  readonly tracePath?: string;
  readonly traceSpeed?: number;
  /**
   * Replays the trace by sample instead of in real time: sample i runs at the trace's rate at
   * `traceStartS + i × traceStepS` trace seconds (looping), set before the sample is chosen. Why:
   * in real time a run that is slower sees more of the trace, so two runs compared on one trace
   * (an adaptive one against a static plan) would be averaged over different bandwidths; paced by
   * sample, every run meets the same rates in the same order. `traceSpeed` is then unused.
   */
  readonly traceStepS?: number;
  /** Where a replay by sample starts in the trace, s (default 0). */
  readonly traceStartS?: number;
  readonly csvPath?: string;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly threads?: number;
  /** Empty requests timed for the RTT before the run, and the pause between them, ms (defaults 21, 10). */
  readonly rttPings?: number;
  readonly rttGapMs?: number;
  /** Calibration requests per plan before the run, the first discarded (default 9; 0: none; EdgeRunOptions.calibrate). */
  readonly calibrate?: number;
  /** Residuals the running RTT estimate keeps (default 21; 0: the probes' RTT throughout; EdgeRunOptions.rttWindow). */
  readonly rttWindow?: number;
  /**
   * Samples per plan whose compute medians the prediction takes (default 9; 0: the calibration's
   * throughout; EdgeRunOptions.computeWindow).
   */
  readonly computeWindow?: number;
  /** The measured policy's settings (hysteresis, probing; measured-policy.ts). */
  readonly policyOptions?: EdgeRunOptions['policyOptions'];
  /** Runs each edge part this many times per sample: an edge that many times slower (default 1). */
  readonly edgeRepeat?: number;
  /**
   * A shaped link the caller made (the kernel link, with the server inside its namespace at
   * `serverUrl`): its rate is the bandwidth predictions use, and a trace is replayed on it.
   */
  readonly link?: RateControl & { linkBytes?(bytes: number): number; readonly burstBytes?: number };
  readonly progress?: (message: string) => void;
  /**
   * Called before sample i (and with -1 before the requests that precede the run), before a trace
   * replayed by sample sets the link's rate for it: a caller that runs several clients on one link
   * makes them take turns here (the benchmark's arms, sample by sample).
   */
  readonly beforeSample?: (i: number) => void | Promise<void>;
  /** Called after every sample (EdgeRunOptions.onSample). */
  readonly onSample?: EdgeRunOptions['onSample'];
}

/** The columns of `run --csv`; its header line is how jalad recognises a CSV it wrote. */
export const SAMPLES_CSV_COLUMNS: readonly string[] = [
  'sample',
  'plan',
  'mode',
  'attempts',
  'payload_bytes',
  'wire_bytes',
  'bandwidth_mbps',
  'estimate_mbps',
  'edge_ms',
  'encode_ms',
  'transfer_ms',
  'server_ms',
  'server_decode_ms',
  'decode_ms',
  'total_ms',
  'predicted_edge_ms',
  'predicted_encode_ms',
  'predicted_transfer_ms',
  'predicted_decode_ms',
  'predicted_cloud_ms',
  'predicted_answer_encode_ms',
  'predicted_answer_decode_ms',
  'predicted_total_ms',
  'predicted_class',
  'label',
  // the same prediction with the profile's compute terms (SampleRecord.profile); the transfer and
  // the answer's terms are the same in both
  'profile_edge_ms',
  'profile_encode_ms',
  'profile_decode_ms',
  'profile_cloud_ms',
  'profile_total_ms',
  'predicted_rtt_ms',
  // the total had the compute terms been the calibration's before the run throughout (SampleRecord.calibrated)
  'calibrated_total_ms',
];

/** Output rules of `--csv`: an existing file is replaced only when it starts with jalad's header. */
const CSV_OUTPUT: OutputOptions = {
  flag: '--csv',
  owned: (file) => startsWithLine(file, SAMPLES_CSV_COLUMNS.join(',')),
};

/** The per-sample CSV: one row per sample, units in the column names. */
export function samplesCsv(records: readonly SampleRecord[]): string {
  const header = SAMPLES_CSV_COLUMNS;
  const num = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '' : x);
  const rows = records.map((r) => [
    r.index,
    r.plan,
    r.mode,
    r.attempts,
    r.payloadBytes,
    r.wireBytes,
    num(r.bandwidthMbps),
    num(r.estimateMbps),
    num(r.edgeMs),
    num(r.encodeMs),
    num(r.transferMs),
    num(r.serverMs),
    num(r.serverDecodeMs),
    num(r.decodeMs),
    num(r.totalMs),
    num(r.predicted.edgeMs),
    num(r.predicted.encodeMs),
    num(r.predicted.transferMs),
    num(r.predicted.decodeMs),
    num(r.predicted.cloudMs),
    num(r.predicted.answerEncodeMs),
    num(r.predicted.answerDecodeMs),
    num(r.predicted.totalMs),
    r.predictedClass,
    num(r.label),
    num(r.profile.edgeMs),
    num(r.profile.encodeMs),
    num(r.profile.decodeMs),
    num(r.profile.cloudMs),
    num(r.profile.totalMs),
    num(r.rttMs),
    num(r.calibrated.totalMs),
  ]);
  return stringify([header, ...rows]);
}

/** The --server URL, checked: http only. */
function serverUrlOf(serverUrl: string): URL {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new InputError('BAD_OPTION', `--server ${serverUrl}: not a URL; expected http://HOST:PORT`);
  }
  if (url.protocol !== 'http:')
    throw new InputError('BAD_OPTION', `--server ${serverUrl}: expected http://HOST:PORT`);
  return url;
}

/** The plan directory's plan (predicted with the analysis when both are given), or the decision table's plans. */
async function plansOf(options: LiveRunOptions): Promise<ServedPlan[]> {
  if (!options.planDir) return loadAnalysisPlans(options.analysisPath!, { inputShapes: options.inputShapes });
  const plan = loadPlanDir(options.planDir);
  return [options.analysisPath ? withAnalysisPrediction(plan, options.analysisPath) : plan];
}

/** Replays the trace at `tracePath` on `link`: in real time (a replay to stop), or by sample (a hook per sample). */
function startTrace(
  link: RateControl,
  tracePath: string,
  options: Pick<LiveRunOptions, 'traceSpeed' | 'traceStepS' | 'traceStartS'>,
): { replay?: TraceReplay; beforeSample?: (i: number) => void } {
  let text: string;
  try {
    text = fs.readFileSync(tracePath, 'utf8');
  } catch {
    throw new InputError('BAD_PATH', `--trace ${tracePath}: no such file`);
  }
  if (options.traceStepS === undefined)
    return { replay: replayTrace(link, text, tracePath, options.traceSpeed ?? 1) };
  return { beforeSample: sampleReplay(link, text, tracePath, options.traceStepS, options.traceStartS ?? 0) };
}

/** The caller's hook, then the trace's (a client waits for its turn before the link is set for it). */
function bothHooks(
  own: LiveRunOptions['beforeSample'],
  traceHook: ((i: number) => void) | undefined,
): ((i: number) => Promise<void>) | undefined {
  if (!own && !traceHook) return undefined;
  return async (i) => {
    await own?.(i);
    traceHook?.(i);
  };
}

/** Loads what `runLive` needs and runs it; the shaped link and the trace are torn down after. */
export async function runLive(options: LiveRunOptions): Promise<EdgeRunReport> {
  if (!options.planDir && !options.analysisPath)
    throw new InputError('BAD_OPTION', 'jalad run: give --plan DIR or --analysis FILE');
  const url = serverUrlOf(options.serverUrl);
  // Before any sample runs: a FIFO, a symlink or a foreign file at --csv is refused, not replaced.
  if (options.csvPath) checkOutputFile(options.csvPath, CSV_OUTPUT);
  const plans = await plansOf(options);
  const loaded = await loadDataset(options.data, options.labels, options.dataOptions ?? {});
  const dataset = fitToModelInput(
    loaded,
    edgeInputDims(plans[0]).map((d, i) => (i === 0 ? 'batch' : d)),
    plans[0].inputName,
  );
  if (options.link && options.shapeMbps !== undefined)
    throw new InputError(
      'BAD_OPTION',
      'jalad run: a shaped rate and a link made by the caller exclude each other',
    );
  const shaping = !options.link && (options.shapeMbps !== undefined || options.tracePath !== undefined);
  if (shaping && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw new InputError(
      'BAD_OPTION',
      `--server ${options.serverUrl}: the shaped link runs on loopback only`,
    );
  let proxy: ShapedLink | undefined;
  let replay: TraceReplay | undefined;
  try {
    if (shaping)
      proxy = await startShapedProxy({
        targetPort: Number(url.port || 80),
        mbps: options.shapeMbps ?? 1,
        delayMs: options.delayMs ?? 0,
      });
    const link: RateControl | undefined = options.link ?? proxy;
    const trace = link && options.tracePath ? startTrace(link, options.tracePath, options) : {};
    replay = trace.replay;
    const beforeSample = bothHooks(options.beforeSample, trace.beforeSample);
    const staticIndex =
      options.staticMbps !== undefined
        ? Math.max(
            0,
            plans.findIndex((p) => p.toMbps === undefined || options.staticMbps! < p.toMbps),
          )
        : 0;
    const report = await runEdge({
      plans,
      serverUrl: proxy?.url ?? options.serverUrl,
      dataset,
      mode: options.adaptive && plans.length > 1 ? 'adaptive' : options.adaptive ? 'adaptive' : 'static',
      staticIndex,
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.policyOptions ? { policyOptions: options.policyOptions } : {}),
      ...(options.estimator ? { estimator: options.estimator } : {}),
      ...(link ? { nominalMbps: () => link!.rateMbps() } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      threads: options.threads,
      ...(options.edgeRepeat !== undefined ? { edgeRepeat: options.edgeRepeat } : {}),
      ...(options.rttPings !== undefined ? { rttPings: options.rttPings } : {}),
      ...(options.rttGapMs !== undefined ? { rttGapMs: options.rttGapMs } : {}),
      ...(options.calibrate !== undefined ? { calibrate: options.calibrate } : {}),
      ...(options.rttWindow !== undefined ? { rttWindow: options.rttWindow } : {}),
      ...(options.computeWindow !== undefined ? { computeWindow: options.computeWindow } : {}),
      // NOTE: a kernel link counts each segment's headers, and its token bucket lets the first bytes
      // of a request pass at once; both are the link's configuration (docs/runtime.md#the-kernel-link).
      ...(options.link?.linkBytes ? { linkBytes: (b: number) => options.link!.linkBytes!(b) } : {}),
      ...(options.link?.burstBytes ? { bucketBytes: options.link.burstBytes } : {}),
      progress: options.progress,
      ...(beforeSample ? { beforeSample } : {}),
      ...(options.onSample ? { onSample: options.onSample } : {}),
    });
    if (options.csvPath) writeOutputFile(options.csvPath, samplesCsv(report.records), CSV_OUTPUT);
    return report;
  } finally {
    replay?.stop();
    await proxy?.close();
  }
}
