/**
 * `jalad split` from an analysis: solve the decision problem (ILP) for the fastest plan
 * within the accuracy budget, measure the plan's accuracy for real on the validation set
 * (all crossing tensors compressed together), exclude it and solve again if its measured
 * upper bound breaks the budget, then write deployable edge.onnx / cloud.onnx and plan.json.
 */
import * as path from 'path';
import type { Analysis } from '../core/analysis';
import { probedInputShapes } from '../core/analysis-input-shapes';
import { planCrossing, type CrossingTensor, type SentTensor } from '../core/crossing';
import { InputError, JaladError } from '../core/errors';
import {
  attachCodec,
  buildDag,
  DataType,
  defaultOpset,
  wireElementBytes,
  encodeModel,
  extractSplit,
  partitionCandidate,
  readModelFile,
  valueInfo,
  type Dag,
  type LoadedModel,
  type Partition,
  type SplitModels,
} from '../graph';
import { createHighsSolver, problemFromAnalysis, type Plan } from '../ilp';
import { checkOutputFolder, writeOutputSet } from '../core/output-set';
import { probeTensors, effectiveBatchSize, type TensorInfo } from '../runtime';
import type { BitWidth, CoderChoice } from '../codec';
import {
  chooseMetric,
  evaluateConfigs,
  metricInfo,
  metricName,
  parseMetric,
  type MetricSpec,
  type SweepRow,
} from '../sweep';
import type { MetricInfo } from '../core/metric-info';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_ROUNDS } from '../core/defaults';
import { cloudOnlyLatencyMs, edgeOnlyLatencyMs } from '../core/latency';
import { JALAD_VERSION } from '../core/version';
import { readAnalysis } from './read-analysis';
import { loadValidationSet, type ValidationSet } from './validation-data';

/** Options of `solveAndSplit`. */
export interface SolveSplitOptions {
  readonly analysisPath: string;
  readonly outDir: string;
  readonly maxLossPct: number;
  readonly bandwidthMbps: number;
  readonly rttMs: number;
  /** One bit width for every compressed tensor; default: the solver chooses per tensor. */
  readonly bits?: number;
  /** Plans measured and excluded before giving up. */
  readonly maxRounds?: number;
  readonly batchSize?: number;
  readonly threads?: number;
  /**
   * The metric to measure the plan in: must be the analysis's (its losses are in that metric);
   * default: the analysis's.
   */
  readonly metric?: MetricSpec;
  readonly progress?: (message: string) => void;
}

/** One tensor on the wire: the crossing tensor as the plan sends it (`bytes`: the sweep's mean, or the raw size). */
export interface PlanWire extends SentTensor {
  /** The tensor's name again, under the name plan.json has always used for it. */
  readonly tensor: string;
  /** What edge.onnx outputs for it: `<t>.code` (uint8), `<t>.lo`, `<t>.hi`; or `<t>` itself when sent uncompressed. */
  readonly edgeOutputs: readonly string[];
}

/** The content of plan.json. */
export interface PlanReport {
  readonly jalad: string;
  readonly model: string;
  readonly analysis: string;
  readonly cut: readonly string[];
  /** The bit width if every compressed tensor shares one, else 'mixed' (see `wire`). */
  readonly bits: number | 'f32' | 'mixed';
  /**
   * Entropy coder between the two models: the analysis's `--coder` (the sweep measured its sizes and
   * times); 'auto' = rANS, raw packing when smaller.
   */
  readonly coder: CoderChoice;
  readonly bandwidthMbps: number;
  readonly rttMs: number;
  readonly maxLossPct: number;
  /** The metric the losses are in (the analysis's), with its definition; absent without validation data. */
  readonly metric?: MetricInfo;
  readonly predictedMs: {
    readonly edge: number;
    /** The codec's quantize + encode ms on the edge device (0 when every tensor is sent as float32). */
    readonly encode: number;
    readonly transfer: number;
    /** The codec's decode + dequantize ms on the cloud device. */
    readonly decode: number;
    readonly cloud: number;
    readonly rtt: number;
    readonly total: number;
  };
  /**
   * The plan's accuracy on the validation set. A plan that sends every tensor uncompressed is
   * lossless by construction (splits are exact): then `exact` is true, the loss 0 and `samples` 0,
   * nothing having been run.
   */
  readonly measured: {
    readonly lossPct: number;
    readonly lossUpperPct: number;
    readonly samples: number;
    readonly agreement: number;
    readonly exact: boolean;
  };
  /** Plans solved (1 + plans excluded because their measured bound broke the budget). */
  readonly rounds: number;
  readonly edgeNodes: number;
  readonly cloudNodes: number;
  readonly wire: readonly PlanWire[];
  /** Predicted totals of the trivial decisions at this bandwidth (raw float32 tensors). */
  readonly baselines: {
    readonly edgeOnlyMs: number;
    readonly cloudOnlyMs: number;
    readonly speedupOverEdgeOnly: number;
    readonly speedupOverCloudOnly: number;
  };
  readonly files: { readonly edge: string; readonly cloud: string };
}

/** The measured accuracy of a plan that sends every tensor uncompressed: exact by construction. */
const EXACT: PlanReport['measured'] = { lossPct: 0, lossUpperPct: 0, samples: 0, agreement: 1, exact: true };

/** Solves, measures, writes. */
export async function solveAndSplit(options: SolveSplitOptions): Promise<PlanReport> {
  const analysis = readAnalysis(options.analysisPath);
  checkOutputFolder(options.outDir, { flag: '--out' });
  const loaded = readAnalysedModel(analysis, options.analysisPath);
  const dag = buildDag(loaded.model, loaded.path);
  const metric = analysisMetric(analysis, options);
  const chosen = await chooseMeasuredPlan(analysis, loaded, dag, { ...options, metric });
  const info = await tensorInfo(analysis, loaded, chosen.sent);
  const report = planReport(
    analysis,
    loaded,
    chosen,
    info,
    options,
    metric && (analysis.data?.metric ?? metricInfo(metric)),
  );
  const deployable = deployableSplit(loaded, dag, chosen, info);
  writeOutputSet(
    options.outDir,
    [
      { name: 'edge.onnx', data: encodeModel(deployable.edge) },
      { name: 'cloud.onnx', data: encodeModel(deployable.cloud) },
      { name: 'plan.json', data: JSON.stringify(report, null, 2) + '\n' },
    ],
    { flag: '--out' },
  );
  return report;
}

/**
 * The metric of the analysis's losses (analyses from before metrics: top1 with labels, agreement
 * without); a `--metric` given to split must name the same.
 * @throws InputError 'BAD_OPTION' when `options.metric` differs from the analysis's
 */
function analysisMetric(analysis: Analysis, options: SolveSplitOptions): MetricSpec | undefined {
  const d = analysis.data;
  if (d === undefined) {
    if (options.metric)
      throw new InputError(
        'BAD_OPTION',
        `--metric ${metricName(options.metric)}: ${options.analysisPath} has no validation data to measure a metric on`,
      );
    return undefined;
  }
  const recorded = d.metric ? parseMetric(d.metric.name) : chooseMetric(undefined, d.labelled);
  if (options.metric && metricName(options.metric) !== metricName(recorded))
    throw new InputError(
      'BAD_OPTION',
      `--metric ${metricName(options.metric)}: the losses of ${options.analysisPath} are in ${metricName(recorded)}; ` +
        `run \`jalad analyze --metric ${metricName(options.metric)}\` to plan in it`,
    );
  return recorded;
}

/**
 * Reads the analysed model once and checks that it is the file the analysis was made from.
 * @throws InputError 'BAD_ANALYSIS' when its sha256 differs
 */
function readAnalysedModel(analysis: Analysis, analysisPath: string): LoadedModel {
  const loaded = readModelFile(analysis.model.path);
  if (loaded.sha256 !== analysis.model.sha256) {
    throw new InputError(
      'BAD_ANALYSIS',
      `${analysisPath}: made for another version of ${loaded.path} (sha256 differs); run \`jalad analyze\` again`,
    );
  }
  return loaded;
}

/**
 * Types and shapes of `tensors`: from the analysis, which recorded them for every cut point's
 * tensors; the model is run only for a tensor it did not record (a plan may cut anywhere).
 */
async function tensorInfo(
  analysis: Analysis,
  loaded: LoadedModel,
  tensors: readonly CrossingTensor[],
): Promise<Map<string, TensorInfo>> {
  const recorded = new Map(analysis.cutPoints.flatMap((c) => c.detail.map((d) => [d.name, d] as const)));
  const info = new Map<string, TensorInfo>();
  const missing: string[] = [];
  for (const { name } of tensors) {
    const d = recorded.get(name);
    if (d === undefined) missing.push(name);
    else
      info.set(name, {
        name,
        elemType: d.elemType,
        dims: d.shape,
        elementsPerSample: d.elements,
        bytesPerSample: d.elements * wireElementBytes(d.elemType, d.modelElemType),
        ...(d.modelElemType !== undefined ? { modelElemType: d.modelElemType } : {}),
      });
  }
  if (missing.length > 0)
    for (const [k, v] of await probeTensors(loaded.model, missing, {
      inputShapes: probedInputShapes(analysis),
    }))
      info.set(k, v);
  return info;
}

/** The plan chosen, with how it was checked. */
interface ChosenPlan {
  readonly plan: Plan;
  /** The plan's crossing tensors in the core form, kinds included. */
  readonly sent: readonly SentTensor[];
  readonly partition: Partition;
  readonly measured: PlanReport['measured'];
  /** Plans solved (1 + plans excluded because their measured bound broke the budget). */
  readonly rounds: number;
}

/** A solved plan with its crossing tensors and partition. */
function placed(
  analysisDag: Dag,
  plan: Plan,
  dagIndex: readonly number[],
): Omit<ChosenPlan, 'measured' | 'rounds'> {
  const crossing = planCrossing(
    analysisDag,
    plan.crossing.map((c) => c.tensor),
  );
  const sent = crossing.map((c, i) => ({ ...c, bits: plan.crossing[i].bits, bytes: plan.crossing[i].bytes }));
  const onEdge = new Set(plan.edgeNodes.map((i) => dagIndex[i]));
  const partition: Partition = {
    edgeNodes: dagIndex.filter((d) => onEdge.has(d)),
    cloudNodes: dagIndex.filter((d) => !onEdge.has(d)),
    crossing,
  };
  return { plan, sent, partition };
}

/**
 * Solves for the fastest plan within the budget and measures it on the analysis's validation data;
 * a plan whose measured upper bound breaks the budget is excluded and the problem solved again.
 * @throws JaladError 'NO_PLAN' after `maxRounds` plans broke the budget
 */
async function chooseMeasuredPlan(
  analysis: Analysis,
  loaded: LoadedModel,
  dag: Dag,
  options: SolveSplitOptions,
): Promise<ChosenPlan> {
  const progress = options.progress ?? (() => undefined);
  const { problem, dagIndex } = problemFromAnalysis(analysis, dag, {
    maxLossPct: options.maxLossPct,
    rttMs: options.rttMs,
    fixedBits: options.bits,
  });
  const solver = await createHighsSolver();
  const validation = analysis.data
    ? await loadValidationSet(
        loaded.model,
        { data: analysis.data.path, labels: analysis.data.labels, options: analysis.data.options },
        loaded.path,
      )
    : undefined;
  const excluded: string[] = [];
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  for (let round = 1; ; round++) {
    const candidate = placed(
      dag,
      solver.solve({ ...problem, bandwidthMbps: options.bandwidthMbps, excluded }),
      dagIndex,
    );
    if (candidate.sent.every((c) => c.bits === 'f32'))
      return { ...candidate, measured: EXACT, rounds: round };
    if (!validation)
      throw new InputError(
        'BAD_ANALYSIS',
        `${options.analysisPath}: the plan compresses tensors but the analysis names no validation data to measure it on`,
      );
    progress(
      `round ${round}: measuring the plan (${candidate.sent.map((c) => `${c.name}@${c.bits}`).join(', ')}) on ` +
        `${validation.dataset.samples} samples`,
    );
    const row = await measurePlan(analysis, loaded, dag, candidate, validation, options);
    if (row.lossUpperPct <= options.maxLossPct) {
      const { lossPct, lossUpperPct, samples, agreement } = row;
      return {
        ...candidate,
        measured: { lossPct, lossUpperPct, samples, agreement, exact: false },
        rounds: round,
      };
    }
    progress(
      `round ${round}: measured loss ${row.lossPct.toFixed(3)} pp (upper ${row.lossUpperPct.toFixed(3)}) breaks the budget ` +
        `${options.maxLossPct}; excluding it`,
    );
    excluded.push(candidate.plan.key);
    if (round >= maxRounds)
      throw new JaladError(
        'NO_PLAN',
        `no plan met --max-loss ${options.maxLossPct} when measured after ${round} rounds; raise --max-loss or sweep more bit widths`,
      );
  }
}

/** Runs a plan (all its crossing tensors compressed together) over the validation set. */
async function measurePlan(
  analysis: Analysis,
  loaded: LoadedModel,
  dag: Dag,
  candidate: Omit<ChosenPlan, 'measured' | 'rounds'>,
  validation: ValidationSet,
  options: SolveSplitOptions,
): Promise<SweepRow> {
  const { partition, sent } = candidate;
  const result = await evaluateConfigs(
    {
      model: loaded.model,
      modelBytes: loaded.sessionBytes,
      dag,
      tensors: await tensorInfo(analysis, loaded, sent),
      dataset: validation.dataset,
      input: validation.input,
      moreInputs: validation.moreInputs,
    },
    [
      {
        cut: partitionCandidate({ index: -1, op: 'plan' }, partition),
        bits: 8,
        bitsOf: new Map(sent.map((c) => [c.name, c.bits as BitWidth | 'f32'])),
      },
    ],
    {
      batchSize: effectiveBatchSize(validation.input, options.batchSize ?? DEFAULT_BATCH_SIZE),
      threads: options.threads,
      sizeSamples: 0,
      metric: options.metric,
    },
  );
  return result.rows[0];
}

/** The edge and cloud models of the plan, with the quantizer and the dequantizer attached. */
function deployableSplit(
  loaded: LoadedModel,
  dag: Dag,
  chosen: ChosenPlan,
  info: ReadonlyMap<string, TensorInfo>,
): SplitModels {
  const typed = (t: string) => valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims);
  const split = extractSplit(loaded.model, dag, chosen.partition, typed);
  return attachCodec(
    split,
    chosen.sent.map((c) => ({
      name: c.name,
      bits: c.bits,
      dims: info.get(c.name)!.dims,
      elemType: info.get(c.name)!.elemType,
    })),
    defaultOpset(loaded.model),
  );
}

/** The content of plan.json (pure). */
function planReport(
  analysis: Analysis,
  loaded: LoadedModel,
  chosen: ChosenPlan,
  info: ReadonlyMap<string, TensorInfo>,
  options: SolveSplitOptions,
  metric: MetricInfo | undefined,
): PlanReport {
  const allBits = [...new Set(chosen.sent.map((c) => c.bits))];
  // The problem carries the run overheads, so the plan's prediction includes them.
  const predictedMs = chosen.plan.predictedMs;
  const edgeOnlyMs = edgeOnlyLatencyMs(analysis.cutPoints, options.bandwidthMbps, options.rttMs).totalMs;
  const cloudOnlyMs = cloudOnlyLatencyMs(analysis.cutPoints, options.bandwidthMbps, options.rttMs).totalMs;
  return {
    jalad: JALAD_VERSION,
    model: loaded.path,
    analysis: options.analysisPath,
    cut: chosen.sent.map((c) => c.name),
    bits: allBits.length === 1 ? allBits[0] : 'mixed',
    coder: (analysis.data?.coder ?? 'auto') as CoderChoice,
    bandwidthMbps: options.bandwidthMbps,
    rttMs: options.rttMs,
    maxLossPct: options.maxLossPct,
    ...(metric ? { metric } : {}),
    predictedMs,
    measured: chosen.measured,
    rounds: chosen.rounds,
    edgeNodes: chosen.partition.edgeNodes.length,
    cloudNodes: chosen.partition.cloudNodes.length,
    wire: chosen.sent.map((c) => {
      const compressed = c.bits !== 'f32' && info.get(c.name)!.elemType === DataType.FLOAT;
      return {
        tensor: c.name,
        ...c,
        edgeOutputs: compressed ? [`${c.name}.code`, `${c.name}.lo`, `${c.name}.hi`] : [c.name],
      };
    }),
    baselines: {
      edgeOnlyMs,
      cloudOnlyMs,
      speedupOverEdgeOnly: edgeOnlyMs / predictedMs.total,
      speedupOverCloudOnly: cloudOnlyMs / predictedMs.total,
    },
    files: { edge: path.join(options.outDir, 'edge.onnx'), cloud: path.join(options.outDir, 'cloud.onnx') },
  };
}
