/**
 * `jalad run` in one call: load the plans and the data, optionally put a shaped link (a fixed
 * rate or a replayed trace) in front of the server, run every sample, write the per-sample CSV.
 */
import * as fs from 'fs';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../core/errors';
import { checkOutputFile, startsWithLine, writeOutputFile, type OutputOptions } from '../core/output-set';
import { fitToModelInput, loadDataset, type DataOptions } from '../data';
import { edgeInputDims, runEdge, type EdgeRunReport, type SampleRecord } from './edge-run';
import { loadAnalysisPlans, loadPlanDir } from './load-plans';
import type { ServedPlan } from './served-plan';
import { startShapedProxy, type ShapedLink } from './shaped-proxy';
import { replayTrace, type TraceReplay } from './trace-replay';

/** Options of `runLive`. */
export interface LiveRunOptions {
  /** A plan directory (static), or an analysis whose decision table gives the plans. */
  readonly planDir?: string;
  readonly analysisPath?: string;
  readonly serverUrl: string;
  readonly data: string;
  readonly labels?: string;
  readonly dataOptions?: DataOptions;
  /** Keep one plan: with an analysis, the plan of this bandwidth's interval. */
  readonly staticMbps?: number;
  readonly adaptive: boolean;
  /** Shape the link in process at this rate, Mbps (loopback servers only). */
  readonly shapeMbps?: number;
  /** One-way delay of the shaped link, ms. */
  readonly delayMs?: number;
  /** A bandwidth trace to replay on the shaped link, and its speed-up. */
  readonly tracePath?: string;
  readonly traceSpeed?: number;
  readonly csvPath?: string;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly threads?: number;
  readonly progress?: (message: string) => void;
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
  'decode_ms',
  'total_ms',
  'predicted_edge_ms',
  'predicted_transfer_ms',
  'predicted_cloud_ms',
  'predicted_total_ms',
  'predicted_class',
  'label',
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
    num(r.decodeMs),
    num(r.totalMs),
    num(r.predicted.edgeMs),
    num(r.predicted.transferMs),
    num(r.predicted.cloudMs),
    num(r.predicted.totalMs),
    r.predictedClass,
    num(r.label),
  ]);
  return stringify([header, ...rows]);
}

/** Loads what `runLive` needs and runs it; the shaped link and the trace are torn down after. */
export async function runLive(options: LiveRunOptions): Promise<EdgeRunReport> {
  if (!options.planDir === !options.analysisPath)
    throw new InputError('BAD_OPTION', 'jalad run: give --plan DIR or --analysis FILE (one of them)');
  let url: URL;
  try {
    url = new URL(options.serverUrl);
  } catch {
    throw new InputError('BAD_OPTION', `--server ${options.serverUrl}: not a URL; expected http://HOST:PORT`);
  }
  if (url.protocol !== 'http:')
    throw new InputError('BAD_OPTION', `--server ${options.serverUrl}: expected http://HOST:PORT`);
  // Before any sample runs: a FIFO, a symlink or a foreign file at --csv is refused, not replaced.
  if (options.csvPath) checkOutputFile(options.csvPath, CSV_OUTPUT);
  const plans: ServedPlan[] = options.planDir
    ? [loadPlanDir(options.planDir)]
    : await loadAnalysisPlans(options.analysisPath!);
  const loaded = await loadDataset(options.data, options.labels, options.dataOptions ?? {});
  const dataset = fitToModelInput(
    loaded,
    edgeInputDims(plans[0]).map((d, i) => (i === 0 ? 'batch' : d)),
    plans[0].inputName,
  );
  const shaping = options.shapeMbps !== undefined || options.tracePath !== undefined;
  if (shaping && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw new InputError(
      'BAD_OPTION',
      `--server ${options.serverUrl}: the shaped link runs on loopback only`,
    );
  let link: ShapedLink | undefined;
  let replay: TraceReplay | undefined;
  try {
    if (shaping) {
      link = await startShapedProxy({
        targetPort: Number(url.port || 80),
        mbps: options.shapeMbps ?? 1,
        delayMs: options.delayMs ?? 0,
      });
      if (options.tracePath) {
        let text: string;
        try {
          text = fs.readFileSync(options.tracePath, 'utf8');
        } catch {
          throw new InputError('BAD_PATH', `--trace ${options.tracePath}: no such file`);
        }
        replay = replayTrace(link, text, options.tracePath, options.traceSpeed ?? 1);
      }
    }
    const staticIndex =
      options.staticMbps !== undefined
        ? Math.max(
            0,
            plans.findIndex((p) => p.toMbps === undefined || options.staticMbps! < p.toMbps),
          )
        : 0;
    const report = await runEdge({
      plans,
      serverUrl: link?.url ?? options.serverUrl,
      dataset,
      mode: options.adaptive && plans.length > 1 ? 'adaptive' : options.adaptive ? 'adaptive' : 'static',
      staticIndex,
      ...(link ? { nominalMbps: () => link!.rateMbps() } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      threads: options.threads,
      progress: options.progress,
    });
    if (options.csvPath) writeOutputFile(options.csvPath, samplesCsv(report.records), CSV_OUTPUT);
    return report;
  } finally {
    replay?.stop();
    await link?.close();
  }
}
