/**
 * The accuracy and size sweep (JALAD's first strategy, docs/method.md#jalad-normalization
 * and #accuracy-loss-and-its-bound): for every cut point and bit width, compress the crossing tensors
 * of every validation sample, run the cut's cloud model on the decoded tensors, and
 * score each sample with the metric (top-1 against the label, agreement with the unsplit model,
 * output fidelity or a user's module; metric.ts), paired with the unsplit model's score.
 *
 * Done efficiently: each cut's edge model runs once per batch, for all bit widths; its cloud
 * model then runs on the decoded tensors at each bit width; batches of samples throughout, spread
 * over worker threads when large. Sessions are held open for as many cut points as fit a memory
 * budget.
 *
 * NOTE: not one run of the whole model with every cut tensor as an output, although that costs
 * one model run per batch instead of one edge model per cut point (measured 20-45% more model
 * time in all). ONNX Runtime cannot fuse through a tensor that is a graph output (it does not fold
 * a Conv into its BatchNormalization once the Conv's output is one), so such a run computes the
 * cut tensors differently in the last bits from the deployed edge models (up to 5e-6, in 30-80% of
 * the values after the first BatchNormalization of the bundled ResNet): sizes differed by a byte
 * on some samples, and a near-tie could flip a prediction. The edge models give exactly the
 * tensors a deployment sends.
 */
import { availableParallelism } from 'os';
import { performance } from 'perf_hooks';
import { checkLabelRange, type Dataset } from '../data';
import type { MetricInfo } from '../core/metric-info';
import {
  DataType,
  encodeModel,
  extractSplit,
  valueInfo,
  type CutCandidate,
  type Dag,
  type ModelProto,
} from '../graph';
import { createTensor, openSession, type InputSpec, type Optimization, type Tensor } from '../runtime';
import { pairedScoreLoss, Z_ONE_SIDED_95 } from '../core/stats';
import { p95 } from '../core/percentile';
import { median } from '../profiler/stats';
import { DEFAULT_MIN_SAMPLES_TO_STOP } from '../core/defaults';
import {
  sweepCoders,
  topOne,
  type BatchJob,
  type BatchOutcome,
  type GroupSpec,
  type JobConfig,
} from './batch';
import { loadMetric, sampleOutputs, type Metric } from './metric';
import { chooseMetric, metricNeedsUnsplit, type MetricSpec } from './metric-spec';
import { InThreadExecutor, WorkerExecutor, type BatchExecutor } from './pool';
import type { BitWidth, CoderChoice, SizeCoder } from '../codec/types';

export type { SizeCoder } from '../codec/types';
import type { TensorInfo } from '../runtime';

/** Sizes of one (cut, bits) configuration with one coder, per sample. */
export interface SizeStats {
  readonly bytesMean: number;
  readonly bytesP95: number;
}

/** One row of the sweep: a cut point at a bit width. */
export interface SweepRow {
  /** Cut point index. */
  readonly cut: number;
  readonly bits: BitWidth;
  /**
   * Loss in the metric vs the unsplit model: mean unsplit score minus mean split score, percentage
   * points (negative: the split did better).
   */
  readonly lossPct: number;
  /** One-sided 95% upper confidence bound of the loss (Agresti–Min, paired; generalized to scores: pairedScoreLoss). */
  readonly lossUpperPct: number;
  /** Fraction of samples whose top-1 (argmax of the first output) equals the unsplit model's. */
  readonly agreement: number;
  /** The split model's mean score in the metric (its top-1 accuracy with `top1`). */
  readonly accuracy: number;
  /** Samples evaluated (fewer than the data set when stopped early). */
  readonly samples: number;
  /** True when the run stopped because the loss's lower bound already exceeded --max-loss. */
  readonly stoppedEarly: boolean;
  /**
   * Encoded bytes per sample with the sweep's coder (`SweepOptions.coder`; default 'auto': rANS, or
   * raw packing when smaller), all crossing tensors, headers included.
   */
  readonly bytesMean: number;
  readonly bytesP95: number;
  /** bytesMean·8 / elements per sample. */
  readonly bitsPerElement: number;
  /** bytesMean / float32 bytes per sample. */
  readonly ratio: number;
  /**
   * The same sizes with each coder: the default, canonical Huffman (the paper's), raw bit packing,
   * and the sweep's coder when it is another (e.g. 'context').
   */
  readonly byCoder: Readonly<Record<SizeCoder, SizeStats> & Partial<Record<CoderChoice, SizeStats>>>;
  /**
   * The codec's quantize + encode time per sample on this machine, all crossing tensors, ms: the
   * median over the first `CODEC_TIME_SAMPLES` samples (0 when nothing is compressed).
   */
  readonly encodeMs: number;
  /** The codec's decode + dequantize time per sample on this machine, ms (median, as `encodeMs`). */
  readonly decodeMs: number;
}

/**
 * Samples whose codec time the sweep measures per configuration (the first ones, at most the size
 * samples): enough for a stable median, few enough that timing adds little to the sweep.
 */
export const CODEC_TIME_SAMPLES = 16;

/** The reference the losses are measured against. */
export interface SweepReference {
  /** True when the data set has labels. */
  readonly labelled: boolean;
  /** The unsplit model's summed scores (its correct samples with a pass/fail metric). */
  readonly correct: number;
  readonly samples: number;
  /** The unsplit model's mean score (its top-1 accuracy with `top1`; 1 with `agreement`). */
  readonly accuracy: number;
}

/** The whole sweep. */
export interface SweepResult {
  /** The metric the losses are in: its name and definition. */
  readonly metric: MetricInfo;
  readonly reference: SweepReference;
  readonly rows: readonly SweepRow[];
  /** Samples whose encodings were measured for sizes. */
  readonly sizeSamples: number;
  /** The coder of the rows' `bytesMean`, `encodeMs` and `decodeMs`. */
  readonly coder: CoderChoice;
  readonly seconds: number;
}

/** Options of `runSweep`. */
export interface SweepOptions {
  readonly bits: readonly BitWidth[];
  readonly batchSize: number;
  /** Threads in all (absent or 0: one per core). */
  readonly threads?: number;
  /**
   * Worker threads, each with its own single-threaded sessions (1: everything in this thread).
   * Default: one per thread of `threads` when the sweep is large enough to repay starting them.
   */
  readonly workers?: number;
  /** ORT optimisation level for every session of the sweep. */
  readonly optimization?: Optimization;
  /** Samples whose tensors are entropy coded to measure sizes (the first ones). */
  readonly sizeSamples: number;
  /** The coder of the sizes (`bytesMean`) and of the codec times measured (default 'auto'). */
  readonly coder?: CoderChoice;
  /** With a budget, configurations whose loss is proven above it stop early. */
  readonly maxLossPct?: number;
  /** Samples seen before a configuration may stop early. */
  readonly minSamplesToStop?: number;
  /** Bytes of cloud-model weights held in open sessions at once. */
  readonly memoryBudgetBytes?: number;
  /** The metric (default: top1 with labels, agreement without; see metric-spec.ts). */
  readonly metric?: MetricSpec;
  readonly progress?: (message: string) => void;
}

/** Mean and 95th percentile of sizes. */
function sizeStats(sizes: readonly number[]): SizeStats {
  if (sizes.length === 0) return { bytesMean: 0, bytesP95: 0 };
  return { bytesMean: sizes.reduce((a, b) => a + b, 0) / sizes.length, bytesP95: p95(sizes) };
}

/**
 * Below this many (sample, configuration) pairs the sweep runs in this thread by default: starting
 * workers and opening their sessions (a few hundred ms) would cost more than they save.
 */
const MIN_WORK_FOR_WORKERS = 20_000;
const MAX_WORKERS = 8;

/** How the sweep spreads over threads: worker count and ORT intra-op threads per session. */
function sweepThreads(
  options: Pick<SweepOptions, 'threads' | 'workers'>,
  work: number,
  batchCount: number,
): { readonly workers: number; readonly sessionThreads: number } {
  const cores =
    options.threads !== undefined && options.threads > 0 ? options.threads : availableParallelism();
  const auto = cores > 1 && work >= MIN_WORK_FOR_WORKERS ? Math.min(cores, MAX_WORKERS) : 1;
  const workers = Math.max(1, Math.min(options.workers ?? auto, batchCount));
  return workers > 1
    ? { workers, sessionThreads: Math.max(1, Math.floor(cores / workers)) }
    : { workers: 1, sessionThreads: options.threads ?? 0 };
}

/** A configuration to evaluate: a cut and how each crossing tensor is sent. */
export interface SweepConfig {
  readonly cut: CutCandidate;
  /** The bit width of every float tensor not named in `bitsOf`. */
  readonly bits: BitWidth;
  /** Per-tensor precision ('f32': sent uncompressed). */
  readonly bitsOf?: ReadonlyMap<string, BitWidth | 'f32'>;
}

/** What a sweep runs on: the model, its DAG and tensor types, and the validation data. */
export interface SweepInputs {
  readonly model: ModelProto;
  /** The model's encoded bytes (sessions and workers open these). */
  readonly modelBytes: Uint8Array;
  readonly dag: Dag;
  /** Types and shapes of every crossing tensor. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly dataset: Dataset;
  /** The graph input the data set feeds. */
  readonly input: InputSpec;
  /**
   * The model's other graph inputs and their data, sample for sample with `dataset` (whose labels
   * and sample count are the validation set's).
   */
  readonly moreInputs?: readonly { readonly input: InputSpec; readonly dataset: Dataset }[];
}

/** Per-configuration running state. */
interface ConfigState extends SweepConfig {
  samples: number;
  /** Σ (unsplit score − split score) and Σ of its squares over the samples counted. */
  sumDiff: number;
  sumDiffSq: number;
  /** Σ split score. */
  sumScore: number;
  agree: number;
  stopped: boolean;
  readonly sizes: Record<string, number[]>;
  /** Codec ms per timed sample. */
  readonly encodeMs: number[];
  readonly decodeMs: number[];
}

/**
 * Runs the sweep: every cut point at every bit width of `options.bits`.
 * @param cuts the cut points (with their partitions) to evaluate
 */
export async function runSweep(
  inputs: SweepInputs,
  cuts: readonly CutCandidate[],
  options: SweepOptions,
): Promise<SweepResult> {
  return evaluateConfigs(
    inputs,
    cuts.flatMap((cut) => options.bits.map((bits) => ({ cut, bits }))),
    options,
  );
}

/**
 * Evaluates any configurations (cuts with per-tensor precisions) on the validation set:
 * what `jalad split` uses to measure a solved plan for real.
 */
export async function evaluateConfigs(
  inputs: SweepInputs,
  configs: readonly SweepConfig[],
  options: Omit<SweepOptions, 'bits'>,
): Promise<SweepResult> {
  const started = performance.now();
  const { dataset } = inputs;
  const optimization = options.optimization ?? 'all';
  const sizeSamples = Math.min(options.sizeSamples, dataset.samples);
  const metric = await loadMetric(chooseMetric(options.metric, dataset.labels !== undefined));
  const reference = await referencePass(
    inputs,
    metric,
    options.batchSize,
    optimization,
    options.threads ?? 0,
  );
  const states: ConfigState[] = configs.map((c) => ({
    ...c,
    samples: 0,
    sumDiff: 0,
    sumDiffSq: 0,
    sumScore: 0,
    agree: 0,
    stopped: false,
    sizes: Object.fromEntries(sweepCoders(options.coder ?? 'auto').map((c) => [c, []])),
    encodeMs: [],
    decodeMs: [],
  }));
  await runGroups(inputs, states, reference, { ...options, optimization, sizeSamples, started, metric });
  return {
    metric: metric.info,
    reference: referenceSummary(reference.scores, dataset.labels !== undefined),
    rows: states.map((st) => sweepRow(st, inputs.tensors, sizeSamples, options.coder ?? 'auto')),
    sizeSamples,
    coder: options.coder ?? 'auto',
    seconds: (performance.now() - started) / 1000,
  };
}

/** The unsplit model on every sample: its top-1 and its score in the metric. */
interface ReferenceOutcome {
  readonly predictions: Int32Array;
  readonly scores: Float64Array;
}

/** The validation set's graph inputs with their data: the main one first. */
function fedInputs(inputs: SweepInputs): readonly { readonly name: string; readonly dataset: Dataset }[] {
  return [
    { name: inputs.input.name, dataset: inputs.dataset },
    ...(inputs.moreInputs ?? []).map((m) => ({ name: m.input.name, dataset: m.dataset })),
  ];
}

/** One batch of every graph input. */
interface FeedBatch {
  readonly start: number;
  readonly count: number;
  readonly feeds: Readonly<Record<string, Tensor>>;
}

/** The validation set in batches of `batchSize` samples, every graph input's tensor a view (no copy). */
function* feedBatches(inputs: SweepInputs, batchSize: number): Generator<FeedBatch> {
  const fed = fedInputs(inputs);
  const samples = inputs.dataset.samples;
  for (let start = 0; start < samples; start += batchSize) {
    const count = Math.min(batchSize, samples - start);
    const feeds: Record<string, Tensor> = {};
    for (const { name, dataset } of fed) {
      const per = dataset.shape.reduce((a, b) => a * b, 1);
      const data = dataset.data.subarray(start * per, (start + count) * per);
      feeds[name] = createTensor('float32', data, [count, ...dataset.shape]);
    }
    yield { start, count, feeds };
  }
}

/**
 * The unsplit model's top-1 and metric score for every sample: the reference.
 * NOTE: from the model as it is: the reference must equal what `jalad eval` reports.
 */
async function referencePass(
  inputs: SweepInputs,
  metric: Metric,
  batchSize: number,
  optimization: Optimization,
  threads: number,
): Promise<ReferenceOutcome> {
  const samples = inputs.dataset.samples;
  const predictions = new Int32Array(samples);
  const scores = new Float64Array(samples);
  const labels = inputs.dataset.labels;
  const ref = await openSession(inputs.modelBytes, { optimization, threads, spinning: false });
  try {
    for (const b of feedBatches(inputs, batchSize)) {
      const out = await ref.run(b.feeds);
      for (let k = 0; k < b.count; k++) {
        const own = sampleOutputs(out, ref.outputNames, k, b.count);
        const first = own[ref.outputNames[0]].data;
        predictions[b.start + k] = topOne(first);
        // NOTE: a label no output can match would count as a miss silently; refuse it as eval does.
        if (labels !== undefined && (metric.spec.kind === 'top1' || metric.spec.kind === 'top5'))
          checkLabelRange(labels, b.start + k, 1, first.length, inputs.dataset.labelsSource);
        scores[b.start + k] = metric.score(own, own, labels?.[b.start + k], b.start + k);
      }
    }
  } finally {
    await ref.release();
  }
  return { predictions, scores };
}

/** The reference's summed and mean score. */
function referenceSummary(scores: Float64Array, labelled: boolean): SweepReference {
  const samples = scores.length;
  let sum = 0;
  for (let i = 0; i < samples; i++) sum += scores[i];
  return { labelled, correct: sum, samples, accuracy: samples > 0 ? sum / samples : 0 };
}

/** What counting a batch's outcome needs besides the states. */
interface Counting {
  readonly reference: ReferenceOutcome;
  readonly samples: number;
  readonly maxLossPct?: number;
  readonly minToStop: number;
}

/** Counts one batch's outcome into its configurations' states (those not stopped meanwhile). */
function applyOutcome(
  outcome: BatchOutcome,
  job: BatchJob,
  running: readonly ConfigState[],
  counting: Counting,
): void {
  const { reference, maxLossPct, minToStop } = counting;
  const { count, start, sizeCount } = job;
  const stride = job.sizeCoders.length * sizeCount;
  running.forEach((st, j) => {
    // Stopped by an earlier batch after this one was sent: a one-batch-at-a-time sweep never ran it.
    if (st.stopped) return;
    for (let k = 0; k < count; k++) {
      const s = start + k;
      if (outcome.predictions[j * count + k] === reference.predictions[s]) st.agree++;
      const score = outcome.scores[j * count + k];
      const d = reference.scores[s] - score;
      st.sumScore += score;
      st.sumDiff += d;
      st.sumDiffSq += d * d;
    }
    job.sizeCoders.forEach((coder, c) => {
      for (let k = 0; k < sizeCount; k++)
        st.sizes[coder][start + k] = outcome.sizes[j * stride + c * sizeCount + k];
    });
    for (let k = 0; k < job.timeCount; k++) {
      st.encodeMs[start + k] = outcome.codecMs[j * 2 * job.timeCount + k];
      st.decodeMs[start + k] = outcome.codecMs[(j * 2 + 1) * job.timeCount + k];
    }
    st.samples += count;
    if (maxLossPct !== undefined && st.samples >= minToStop && st.samples < counting.samples) {
      // One-sided 95% lower bound (the same interval, the other side): proven over budget.
      const lower = pairedScoreLoss(
        { n: st.samples, sumDiff: st.sumDiff, sumDiffSq: st.sumDiffSq },
        -Z_ONE_SIDED_95,
      ).lossUpperPct;
      if (lower > maxLossPct) st.stopped = true;
    }
  });
}

/** The sweep's options once resolved, with its start time. */
type GroupOptions = Omit<SweepOptions, 'bits' | 'metric'> & {
  readonly metric: Metric;
  readonly optimization: Optimization;
  readonly sizeSamples: number;
  readonly started: number;
};

/**
 * Runs every configuration over the data set, cut points in groups whose cloud models fit the
 * memory budget (every worker holds a group), filling `states`.
 */
async function runGroups(
  inputs: SweepInputs,
  states: readonly ConfigState[],
  reference: ReferenceOutcome,
  options: GroupOptions,
): Promise<void> {
  const { dataset } = inputs;
  const cuts = [...new Set(states.map((c) => c.cut))];
  const batchList = [...feedBatches(inputs, options.batchSize)];
  const plan = sweepThreads(options, dataset.samples * states.length, batchList.length);
  const budget = (options.memoryBudgetBytes ?? 2e9) / plan.workers;
  const perGroup = Math.max(1, Math.floor(budget / Math.max(1, inputs.modelBytes.length)));
  const counting: Counting = {
    reference,
    samples: dataset.samples,
    maxLossPct: options.maxLossPct,
    minToStop: options.minSamplesToStop ?? DEFAULT_MIN_SAMPLES_TO_STOP,
  };
  const clock = progressClock(cuts, states, plan.workers, dataset.samples, options);
  const executor: BatchExecutor =
    plan.workers > 1 ? new WorkerExecutor(plan.workers) : new InThreadExecutor();
  try {
    for (let g = 0; g < cuts.length; g += perGroup) {
      const group = cuts.slice(g, g + perGroup);
      const groupStates = states.filter((st) => group.includes(st.cut));
      await executor.open(groupSpec(inputs, group, options, plan.sessionThreads));
      await runBatches(executor, group, groupStates, batchList, {
        copyInput: plan.workers > 1,
        labels: dataset.labels,
        sizeSamples: options.sizeSamples,
        coder: options.coder ?? 'auto',
        done: (job, outcome, running) => {
          applyOutcome(outcome, job, running, counting);
          clock.advance(job.count, group);
        },
      });
      await executor.close();
    }
  } finally {
    await executor.dispose();
  }
}

/** The edge and cloud models of a group of cut points, keyed by their position in the group. */
function groupSpec(
  inputs: SweepInputs,
  group: readonly CutCandidate[],
  options: Pick<GroupOptions, 'optimization' | 'metric'>,
  threads: number,
): GroupSpec {
  const { optimization, metric } = options;
  const { tensors: info } = inputs;
  const typed = (t: string) => valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims);
  // Cut points are keyed by their position here: configurations of `evaluateConfigs` may share an index.
  return {
    metric: metric.spec,
    unsplit: metricNeedsUnsplit(metric.spec) ? inputs.modelBytes : null,
    optimization,
    threads,
    cuts: group.map((c, k) => {
      const split = extractSplit(
        inputs.model,
        inputs.dag,
        { edgeNodes: c.edgeNodes, cloudNodes: c.cloudNodes, crossing: c.tensors },
        typed,
      );
      return {
        index: k,
        edge: c.edgeNodes.length > 0 ? encodeModel(split.edge) : null,
        cloud: encodeModel(split.cloud),
        tensors: c.tensors.map((t) => {
          const i = info.get(t.name)!;
          return {
            name: t.name,
            compressible: i.elemType === DataType.FLOAT && t.kind !== 'shape',
            sampleShape: i.dims.slice(1).map((d) => (typeof d === 'number' ? d : 1)),
            bytesPerSample: i.bytesPerSample,
          };
        }),
      };
    }),
  };
}

/**
 * Sends the batches of one group to the executor and hands each outcome to `done`, in batch order.
 * Batches run ahead (several in flight with workers); outcomes are applied in batch order, so
 * early stopping decides exactly as a one-batch-at-a-time sweep would.
 */
async function runBatches(
  executor: BatchExecutor,
  group: readonly CutCandidate[],
  groupStates: readonly ConfigState[],
  batchList: readonly FeedBatch[],
  how: {
    /** A worker gets a copy of the batch (its memory is handed over); this thread, the view. */
    readonly copyInput: boolean;
    readonly labels: Int32Array | undefined;
    readonly sizeSamples: number;
    readonly coder: CoderChoice;
    readonly done: (job: BatchJob, outcome: BatchOutcome, running: readonly ConfigState[]) => void;
  },
): Promise<void> {
  const jobConfig = (st: ConfigState): JobConfig => ({
    cut: group.indexOf(st.cut),
    bits: st.cut.tensors.map((t) => {
      const b = st.bitsOf?.get(t.name) ?? st.bits;
      return b === 'f32' ? 0 : b;
    }),
  });
  const inFlight: {
    readonly running: ConfigState[];
    readonly job: BatchJob;
    readonly outcome: Promise<BatchOutcome>;
  }[] = [];
  let next = 0;
  try {
    for (;;) {
      while (inFlight.length < executor.inFlight && next < batchList.length) {
        const running = groupStates.filter((st) => !st.stopped);
        if (running.length === 0) break;
        const b = batchList[next++];
        const job: BatchJob = {
          start: b.start,
          count: b.count,
          inputs: Object.entries(b.feeds).map(([name, t]) => ({
            name,
            data: how.copyInput ? (t.data as Float32Array).slice() : (t.data as Float32Array),
            dims: t.dims,
          })),
          ...(how.labels ? { labels: how.labels.slice(b.start, b.start + b.count) } : {}),
          configs: running.map(jobConfig),
          sizeCount: Math.max(0, Math.min(b.count, how.sizeSamples - b.start)),
          timeCount: Math.max(0, Math.min(b.count, Math.min(how.sizeSamples, CODEC_TIME_SAMPLES) - b.start)),
          coder: how.coder,
          sizeCoders: sweepCoders(how.coder),
        };
        inFlight.push({ running, job, outcome: executor.run(job) });
      }
      const head = inFlight.shift();
      if (head === undefined) break;
      how.done(head.job, await head.outcome, head.running);
    }
  } finally {
    // Let every batch still running finish (or fail) before the sessions close.
    await Promise.allSettled(inFlight.map((f) => f.outcome));
  }
}

/**
 * The sweep's progress messages with a time-left estimate. Work of one sample at a cut point: its
 * edge model runs once and its cloud model once per configuration; node counts stand in for their
 * cost (early cut points, whose cloud models are nearly the whole model, cost the most).
 */
function progressClock(
  cuts: readonly CutCandidate[],
  states: readonly ConfigState[],
  workers: number,
  samples: number,
  options: Pick<GroupOptions, 'progress' | 'started'>,
): { advance(count: number, group: readonly CutCandidate[]): void } {
  const progress = options.progress ?? (() => undefined);
  const cutWork = new Map(
    cuts.map((c) => [
      c,
      c.edgeNodes.length + states.filter((st) => st.cut === c).length * Math.max(1, c.cloudNodes.length),
    ]),
  );
  const totalWork = cuts.reduce((t, c) => t + cutWork.get(c)!, 0) * samples;
  let doneWork = 0;
  let lastReport = performance.now();
  let paceFrom: { readonly at: number; readonly work: number } | undefined;
  let workOf: { readonly group: readonly CutCandidate[]; readonly work: number } | undefined;
  return {
    advance(count, group) {
      if (workOf?.group !== group) workOf = { group, work: group.reduce((t, c) => t + cutWork.get(c)!, 0) };
      doneWork += count * workOf.work;
      const now = performance.now();
      // The first batch carries the start-up (workers, sessions, first runs): the pace is
      // measured from its end (counting from the start said "11 s left" with 5.7 s to go).
      paceFrom ??= { at: now, work: doneWork };
      if (now - lastReport > 2000) {
        lastReport = now;
        const since = doneWork - paceFrom.work;
        const msPerWork = since > 0 ? (now - paceFrom.at) / since : (now - options.started) / doneWork;
        const left = (msPerWork * (totalWork - doneWork)) / 1000;
        progress(
          `sweep: ${((doneWork / totalWork) * 100).toFixed(0)}% (${states.length} configurations on ${samples} ` +
            `samples${workers > 1 ? `, ${workers} worker threads` : ''}), about ${left.toFixed(0)} s left`,
        );
      }
    },
  };
}

/** The median of the timed samples' codec ms (holes of stopped configurations skipped), 0 if none. */
function timedMedian(ms: readonly number[]): number {
  const timed = ms.filter((x) => x !== undefined);
  return timed.length > 0 ? median(timed) : 0;
}

/** The row of one configuration: its loss with the bound, and its sizes with each coder. */
function sweepRow(
  st: ConfigState,
  info: ReadonlyMap<string, TensorInfo>,
  sizeSamples: number,
  coder: CoderChoice,
): SweepRow {
  const { lossPct, lossUpperPct } = pairedScoreLoss(
    { n: st.samples, sumDiff: st.sumDiff, sumDiffSq: st.sumDiffSq },
    Z_ONE_SIDED_95,
  );
  const byCoder = Object.fromEntries(
    Object.entries(st.sizes).map(([c, sizes]) => [
      c,
      sizeStats(sizes.slice(0, Math.min(sizeSamples, st.samples))),
    ]),
  ) as Record<SizeCoder, SizeStats> & Partial<Record<CoderChoice, SizeStats>>;
  const elements = st.cut.tensors.reduce((s, t) => s + info.get(t.name)!.elementsPerSample, 0);
  const float32Bytes = st.cut.tensors.reduce(
    (s, t) =>
      s +
      (info.get(t.name)!.elemType === DataType.FLOAT
        ? 4 * info.get(t.name)!.elementsPerSample
        : info.get(t.name)!.bytesPerSample),
    0,
  );
  const main = byCoder[coder]!;
  return {
    cut: st.cut.index,
    bits: st.bits,
    lossPct,
    lossUpperPct,
    agreement: st.samples > 0 ? st.agree / st.samples : 0,
    accuracy: st.samples > 0 ? st.sumScore / st.samples : 0,
    samples: st.samples,
    stoppedEarly: st.stopped,
    bytesMean: main.bytesMean,
    bytesP95: main.bytesP95,
    bitsPerElement: elements > 0 ? (main.bytesMean * 8) / elements : 0,
    ratio: float32Bytes > 0 ? main.bytesMean / float32Bytes : 0,
    byCoder,
    encodeMs: timedMedian(st.encodeMs),
    decodeMs: timedMedian(st.decodeMs),
  };
}
