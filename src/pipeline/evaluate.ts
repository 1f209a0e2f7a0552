/**
 * `jalad eval`: top-1 (and top-5) accuracy of a model on a validation set, with 95%
 * Wilson intervals and throughput.
 */
import { performance } from 'perf_hooks';
import { InputError } from '../core/errors';
import { readModelFile } from '../graph';
import { argmax, batches, createTensor, effectiveBatchSize, inTopK } from '../runtime';
import { DEFAULT_BATCH_SIZE, DEFAULT_SEED } from '../core/defaults';
import { openSession } from '../runtime';
import { wilsonInterval } from '../core/stats';
import { JALAD_VERSION } from '../core/version';
import { loadValidationSet, type DataSource, type ValidationSet } from './validation-data';
import { evaluateMetric, type MetricEvaluation } from './evaluate-metric';
import type { MetricSpec } from '../sweep';
import type { Session, Tensor } from '../runtime';
import { openValidationStream, type ValidationStream } from './validation-stream';

/** An accuracy with its interval. */
export interface Accuracy {
  readonly correct: number;
  readonly total: number;
  /** correct / total, a fraction. */
  readonly accuracy: number;
  /** Two-sided 95% Wilson interval, fractions. */
  readonly ciLow: number;
  readonly ciHigh: number;
}

/** The result of `jalad eval` (`--json` prints it). */
export interface EvalReport {
  readonly jalad: string;
  readonly model: string;
  readonly data: string;
  readonly labels?: string;
  readonly samples: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly threads: number;
  readonly classes: number;
  readonly top1?: Accuracy;
  readonly top5?: Accuracy;
  /**
   * With `--metric` (other than top1/top5) or `--split`: the metric, the model's mean score and,
   * with `--split`, the split's loss against the model (docs/metrics.md).
   */
  readonly metric?: MetricEvaluation;
  readonly samplesPerSecond: number;
  readonly warnings: readonly string[];
}

/** Options of `evaluateModel`. */
export interface EvalOptions {
  readonly batchSize?: number;
  readonly threads?: number;
  /** The metric to score in (default: top-1 and top-5 accuracy of a classifier). */
  readonly metric?: MetricSpec;
  /** A folder with edge.onnx and cloud.onnx (`jalad split`): measure its loss against the model. */
  readonly splitDir?: string;
  readonly progress?: (message: string) => void;
  /**
   * Load an image folder whole before any inference, resizing on the main thread, as jalad did
   * before it streamed folders (for the benchmark's baseline and the agreement tests). Default false.
   */
  readonly inMemory?: boolean;
}

function accuracyOf(correct: number, total: number): Accuracy {
  const [ciLow, ciHigh] = wilsonInterval(correct, total);
  return { correct, total, accuracy: total > 0 ? correct / total : 0, ciLow, ciHigh };
}

/** One batch to classify: its place among the samples, the model's feeds and the batch's labels. */
interface EvalBatch {
  readonly start: number;
  readonly count: number;
  readonly feeds: Record<string, Tensor>;
  readonly labels?: ArrayLike<number>;
}

/** What classifying every batch gave. */
interface Classified {
  readonly samples: number;
  readonly classes: number;
  readonly top1: number;
  readonly top5: number;
  readonly predictions: Int32Array;
  readonly seconds: number;
}

/**
 * Evaluates a classifier (its first output holds the class scores, [batch, classes]); also returns each sample's predicted class.
 * A folder of images is streamed in batches (decoded, resized and normalised on worker threads while
 * ONNX Runtime runs the batch before), so memory follows the batch size, not the folder.
 */
export async function evaluateModel(
  modelPath: string,
  source: DataSource,
  options: EvalOptions = {},
): Promise<{ readonly report: EvalReport; readonly predictions: Int32Array }> {
  const loaded = readModelFile(modelPath);
  const threads = options.threads ?? 0;
  const kind = options.metric?.kind;
  const classifier =
    options.splitDir === undefined && (kind === undefined || kind === 'top1' || kind === 'top5');
  const wanted = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const streamed =
    classifier && options.inMemory !== true
      ? openValidationStream(loaded.model, source, modelPath, wanted)
      : undefined;
  if (streamed !== undefined) {
    const session = await openSession(loaded.sessionBytes, { optimization: 'all', threads });
    const { stream } = streamed;
    const classified = await classify(
      session,
      modelPath,
      source,
      streamBatches(streamed),
      stream.chosen,
      options,
    );
    const report = classifierReport(modelPath, source, classified, stream.labelled, stream.warnings, {
      batchSize: streamed.batchSize,
      threads,
    });
    return { report, predictions: classified.predictions };
  }
  const set = await loadValidationSet(loaded.model, source, modelPath);
  const { dataset, input } = set;
  const batchSize = effectiveBatchSize(input, wanted);
  if (!classifier)
    return metricReport(modelPath, loaded.sessionBytes, set, source, options, { batchSize, threads });
  const session = await openSession(loaded.sessionBytes, { optimization: 'all', threads });
  const inMemory = function* (): Generator<EvalBatch> {
    for (const b of batches(dataset, batchSize))
      yield {
        start: b.start,
        count: b.count,
        feeds: feedsOf(set, b.start, b.count, b.tensor),
        labels: dataset.labels?.subarray(b.start, b.start + b.count),
      };
  };
  const classified = await classify(session, modelPath, source, inMemory(), dataset.samples, options);
  const report = classifierReport(
    modelPath,
    source,
    classified,
    dataset.labels !== undefined,
    dataset.warnings,
    {
      batchSize,
      threads,
    },
  );
  return { report, predictions: classified.predictions };
}

/** A stream's batches as the model's feeds, the per-sample shape fitted to its input. */
async function* streamBatches(streamed: ValidationStream): AsyncGenerator<EvalBatch> {
  let shape: readonly number[] | undefined;
  for await (const b of streamed.stream.batches()) {
    shape ??= streamed.fit(b.shape);
    const tensor = createTensor('float32', b.data, [b.count, ...shape]);
    yield { start: b.start, count: b.count, feeds: { [streamed.input.name]: tensor }, labels: b.labels };
  }
}

/** Runs every batch (the session is released at the end), counting top-1 and top-5 hits. */
async function classify(
  session: Session,
  modelPath: string,
  source: DataSource,
  all: Iterable<EvalBatch> | AsyncIterable<EvalBatch>,
  total: number,
  options: EvalOptions,
): Promise<Classified> {
  const predictions = new Int32Array(total);
  let top1 = 0;
  let top5 = 0;
  let classes = 0;
  let samples = 0;
  const started = performance.now();
  let lastReport = started;
  try {
    for await (const b of all) {
      const out = (await session.run(b.feeds))[session.outputNames[0]];
      if (out.dims.length !== 2 || out.dims[0] !== b.count) {
        throw new InputError(
          'BAD_MODEL',
          `${modelPath}: first output "${session.outputNames[0]}" has shape [${out.dims.join(', ')}]; eval expects class scores ` +
            `[batch, classes]`,
        );
      }
      classes = out.dims[1];
      const scores = out.data as Float32Array;
      for (let i = 0; i < b.count; i++) {
        const p = argmax(scores, i * classes, classes);
        predictions[b.start + i] = p;
        const label = b.labels?.[i];
        if (label !== undefined) {
          if (label >= classes)
            throw new InputError(
              'BAD_DATA',
              `${source.labels}: label ${label} of sample ${b.start + i} is out of range for a model with ${classes} classes`,
            );
          if (p === label) top1++;
          if (classes > 5 && inTopK(scores, i * classes, classes, label, 5)) top5++;
        }
      }
      samples = b.start + b.count;
      const now = performance.now();
      if (options.progress && now - lastReport > 1000) {
        lastReport = now;
        options.progress(
          `evaluated ${samples}/${total} samples, about ` +
            `${((((now - started) / samples) * (total - samples)) / 1000).toFixed(0)} s left`,
        );
      }
    }
  } finally {
    await session.release();
  }
  const seconds = (performance.now() - started) / 1000;
  return { samples, classes, top1, top5, predictions: predictions.subarray(0, samples), seconds };
}

/** The classifier's report from what classify() counted. */
function classifierReport(
  modelPath: string,
  source: DataSource,
  c: Classified,
  labelled: boolean,
  warnings: readonly string[],
  run: { readonly batchSize: number; readonly threads: number },
): EvalReport {
  return {
    jalad: JALAD_VERSION,
    model: modelPath,
    data: source.data,
    ...(source.labels ? { labels: source.labels } : {}),
    samples: c.samples,
    seed: source.options?.seed ?? DEFAULT_SEED,
    batchSize: run.batchSize,
    threads: run.threads,
    classes: c.classes,
    ...(labelled ? { top1: accuracyOf(c.top1, c.samples) } : {}),
    ...(labelled && c.classes > 5 ? { top5: accuracyOf(c.top5, c.samples) } : {}),
    samplesPerSecond: c.samples / c.seconds,
    warnings: [...warnings],
  };
}

/** Every graph input's tensor of a batch: the main input's as given, the others' as views. */
function feedsOf(set: ValidationSet, start: number, count: number, main: Tensor): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = { [set.input.name]: main };
  for (const { input, dataset } of set.moreInputs ?? []) {
    const per = dataset.shape.reduce((a, b) => a * b, 1);
    feeds[input.name] = {
      type: 'float32',
      data: dataset.data.subarray(start * per, (start + count) * per),
      dims: [count, ...dataset.shape],
    } as Tensor;
  }
  return feeds;
}

/** `eval --metric M` or `eval --split DIR`: the metric's scores instead of a classifier's accuracies. */
async function metricReport(
  modelPath: string,
  modelBytes: Uint8Array,
  set: ValidationSet,
  source: DataSource,
  options: EvalOptions,
  run: { readonly batchSize: number; readonly threads: number },
): Promise<{ readonly report: EvalReport; readonly predictions: Int32Array }> {
  const started = performance.now();
  const metric = await evaluateMetric(modelBytes, set, options.metric, {
    ...run,
    splitDir: options.splitDir,
  });
  const seconds = (performance.now() - started) / 1000;
  const { dataset } = set;
  const report: EvalReport = {
    jalad: JALAD_VERSION,
    model: modelPath,
    data: source.data,
    ...(source.labels ? { labels: source.labels } : {}),
    samples: dataset.samples,
    seed: source.options?.seed ?? DEFAULT_SEED,
    batchSize: run.batchSize,
    threads: run.threads,
    classes: metric.classes,
    metric: metric.evaluation,
    samplesPerSecond: dataset.samples / seconds,
    warnings: dataset.warnings,
  };
  return { report, predictions: metric.predictions };
}
