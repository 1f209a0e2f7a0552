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
import { median } from '../profiler/stats';
import {
  CODEC_TIME_SAMPLES,
  applyStopRule,
  countOutcome,
  emptyCounts,
  sweepRowOf,
  type ConfigCounts,
  type RowShape,
  type StopRule,
  type SweepRow,
} from './outcomes';
import type { RecordedConfig, RecordedSweep, SampleRange } from './recorded';
import { DEFAULT_CODER, DEFAULT_MIN_SAMPLES_TO_STOP } from '../core/defaults';
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
import type { BitWidth, CoderChoice } from '../codec/types';

export type { SizeCoder } from '../codec/types';
export type { SweepRow, SizeStats } from './outcomes';
export { CODEC_TIME_SAMPLES } from './outcomes';
import type { TensorInfo } from '../runtime';

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
  /** With `ranges` (a shard): what each configuration's range gave, sample by sample. */
  readonly recorded?: RecordedSweep;
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
  /** The coder of the sizes (`bytesMean`) and of the codec times measured (default DEFAULT_CODER: 'context'). */
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
  /**
   * A shard of the sweep: the batch-aligned sample range each cut point (by index) runs; a cut
   * point not in the map does not run. The result then records per-sample outcomes (`recorded`);
   * its rows are partial and not meant to be read.
   */
  readonly ranges?: ReadonlyMap<number, SampleRange>;
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
interface ConfigState extends SweepConfig, ConfigCounts {
  /** The samples this run covers (all of them, unless a shard). */
  readonly from: number;
  readonly to: number;
  /** In a shard: every sample counted, from `from`: its score, and 1 when its top-1 agrees. */
  readonly scores?: Float64Array;
  readonly agrees?: Uint8Array;
  readonly sizes: Record<string, number[]>;
  /** Codec ms per timed sample (sample index; holes where a shard did not run it). */
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
  const ranges = options.ranges;
  const coder = options.coder ?? DEFAULT_CODER;
  const states: ConfigState[] = configs
    .filter((c) => ranges === undefined || ranges.has(c.cut.index))
    .map((c) => {
      const range = ranges?.get(c.cut.index) ?? { from: 0, to: dataset.samples };
      const n = range.to - range.from;
      return {
        ...c,
        ...emptyCounts(),
        ...range,
        ...(ranges ? { scores: new Float64Array(n), agrees: new Uint8Array(n) } : {}),
        sizes: Object.fromEntries(sweepCoders(coder).map((c) => [c, []])),
        encodeMs: [],
        decodeMs: [],
      };
    });
  const covered = coveredRange(states, dataset.samples, ranges !== undefined);
  const reference = await referencePass(
    inputs,
    metric,
    options.batchSize,
    optimization,
    options.threads ?? 0,
    covered,
  );
  await runGroups(inputs, states, reference, { ...options, optimization, sizeSamples, started, metric });
  const labelled = dataset.labels !== undefined;
  return {
    metric: metric.info,
    reference: referenceSummary(reference.scores, labelled),
    rows: states.map((st) =>
      sweepRowOf(st, st.sizes, rowShape(st, inputs.tensors), sizeSamples, sweepCoders(coder), coder, {
        encodeMs: timedMedian(st.encodeMs),
        decodeMs: timedMedian(st.decodeMs),
      }),
    ),
    sizeSamples,
    coder,
    seconds: (performance.now() - started) / 1000,
    ...(ranges
      ? {
          recorded: recordedSweep(
            states,
            reference.scores,
            labelled,
            covered,
            inputs.tensors,
            sizeSamples,
            sweepCoders(coder),
          ),
        }
      : {}),
  };
}

/** The samples any configuration covers (all of them outside a shard). */
function coveredRange(states: readonly ConfigState[], samples: number, shard: boolean): SampleRange {
  if (!shard) return { from: 0, to: samples };
  if (states.length === 0) return { from: 0, to: 0 };
  const from = Math.min(...states.map((st) => st.from));
  return { from, to: Math.max(from, ...states.map((st) => st.to)) };
}

/** What a shard hands the merge: per-sample outcomes and sizes of every configuration's range. */
function recordedSweep(
  states: readonly ConfigState[],
  refScores: Float64Array,
  labelled: boolean,
  covered: SampleRange,
  info: ReadonlyMap<string, TensorInfo>,
  sizeSamples: number,
  coders: readonly string[],
): RecordedSweep {
  const configs = states.map((st): RecordedConfig => {
    const sizeCount = Math.max(0, Math.min(sizeSamples, st.from + st.samples) - st.from);
    const sizes = new Float64Array(coders.length * sizeCount);
    coders.forEach((coder, c) => {
      for (let k = 0; k < sizeCount; k++) sizes[c * sizeCount + k] = st.sizes[coder][st.from + k];
    });
    // Codec times exist for the first CODEC_TIME_SAMPLES samples only: the range holding sample 0 has them.
    const timeCount = Math.max(0, Math.min(sizeSamples, CODEC_TIME_SAMPLES, st.from + st.samples) - st.from);
    const codecMs = new Float64Array(2 * timeCount);
    for (let k = 0; k < timeCount; k++) {
      codecMs[k] = st.encodeMs[st.from + k];
      codecMs[timeCount + k] = st.decodeMs[st.from + k];
    }
    const shape = rowShape(st, info);
    return {
      cut: shape.cut,
      bits: shape.bits,
      elements: shape.elements,
      float32Bytes: shape.float32Bytes,
      from: st.from,
      to: st.to,
      stopped: st.stopped,
      agrees: st.agrees!.subarray(0, st.samples),
      scores: st.scores!.subarray(0, st.samples),
      sizes,
      sizeCount,
      codecMs,
      timeCount,
    };
  });
  return {
    reference: covered,
    referenceScores: refScores.slice(covered.from, covered.to),
    labelled,
    configs,
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
  covered: SampleRange,
): Promise<ReferenceOutcome> {
  const samples = inputs.dataset.samples;
  const predictions = new Int32Array(samples);
  const scores = new Float64Array(samples);
  const labels = inputs.dataset.labels;
  const ref = await openSession(inputs.modelBytes, { optimization, threads, spinning: false });
  try {
    for (const b of feedBatches(inputs, batchSize)) {
      // A shard needs the reference of its own samples only.
      if (b.start + b.count <= covered.from || b.start >= covered.to) continue;
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
  readonly rule: StopRule;
}

/** Counts one batch's outcome into its configurations' states (those not stopped meanwhile). */
function applyOutcome(
  outcome: BatchOutcome,
  job: BatchJob,
  running: readonly ConfigState[],
  counting: Counting,
): void {
  const { reference } = counting;
  const { count, start, sizeCount } = job;
  const stride = job.sizeCoders.length * sizeCount;
  running.forEach((st, j) => {
    // Stopped by an earlier batch after this one was sent: a one-batch-at-a-time sweep never ran it.
    if (st.stopped) return;
    for (let k = 0; k < count; k++) {
      const s = start + k;
      const agree = outcome.predictions[j * count + k] === reference.predictions[s];
      const score = outcome.scores[j * count + k];
      countOutcome(st, score, agree, reference.scores[s]);
      if (st.scores) st.scores[s - st.from] = score;
      if (st.agrees) st.agrees[s - st.from] = agree ? 1 : 0;
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
    // NOTE: the rule counts from sample 0, so only a range that starts there may stop on its own;
    // later ranges of a shard run in full and the merge replays the rule (docs/scale-out.md).
    if (st.from === 0) applyStopRule(st, counting.rule);
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
    rule: {
      samples: dataset.samples,
      maxLossPct: options.maxLossPct,
      minToStop: options.minSamplesToStop ?? DEFAULT_MIN_SAMPLES_TO_STOP,
    },
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
        coder: options.coder ?? DEFAULT_CODER,
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
        const b = batchList[next];
        const running = groupStates.filter((st) => !st.stopped && st.from <= b.start && b.start < st.to);
        if (running.length === 0) {
          // Nothing more to run in this group (all stopped or past their ranges), or not yet (a shard's range starts later).
          if (!groupStates.some((st) => !st.stopped && st.to > b.start)) break;
          next++;
          continue;
        }
        next++;
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
  // A shard's cut points may cover part of the samples only.
  const span = (c: CutCandidate) => {
    const st = states.find((x) => x.cut === c);
    return st ? st.to - st.from : samples;
  };
  const totalWork = cuts.reduce((t, c) => t + cutWork.get(c)! * span(c), 0);
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

/** The crossing tensors' sizes of a configuration, as its row needs them. */
function rowShape(st: ConfigState, info: ReadonlyMap<string, TensorInfo>): RowShape {
  const elements = st.cut.tensors.reduce((s, t) => s + info.get(t.name)!.elementsPerSample, 0);
  const float32Bytes = st.cut.tensors.reduce(
    (s, t) =>
      s +
      (info.get(t.name)!.elemType === DataType.FLOAT
        ? 4 * info.get(t.name)!.elementsPerSample
        : info.get(t.name)!.bytesPerSample),
    0,
  );
  return { cut: st.cut.index, bits: st.bits, elements, float32Bytes };
}
