/**
 * `jalad eval`: top-1 (and top-5) accuracy of a model on a validation set, with 95%
 * Wilson intervals and throughput.
 */
import { performance } from 'perf_hooks';
import { InputError } from '../core/errors';
import { readModelFile } from '../graph';
import { argmax, batches, effectiveBatchSize, inTopK } from '../runtime';
import { DEFAULT_BATCH_SIZE, DEFAULT_SEED } from '../core/defaults';
import { openSession } from '../runtime';
import { wilsonInterval } from '../core/stats';
import { JALAD_VERSION } from '../core/version';
import { loadValidationSet, type DataSource, type ValidationSet } from './validation-data';
import { evaluateMetric, type MetricEvaluation } from './evaluate-metric';
import type { MetricSpec } from '../sweep';
import type { Tensor } from '../runtime';

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
}

function accuracyOf(correct: number, total: number): Accuracy {
  const [ciLow, ciHigh] = wilsonInterval(correct, total);
  return { correct, total, accuracy: total > 0 ? correct / total : 0, ciLow, ciHigh };
}

/** Evaluates a classifier (its first output holds the class scores, [batch, classes]); also returns each sample's predicted class. */
export async function evaluateModel(
  modelPath: string,
  source: DataSource,
  options: EvalOptions = {},
): Promise<{ readonly report: EvalReport; readonly predictions: Int32Array }> {
  const loaded = readModelFile(modelPath);
  const set = await loadValidationSet(loaded.model, source, modelPath);
  const { dataset, input } = set;
  const batchSize = effectiveBatchSize(input, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const threads = options.threads ?? 0;
  const kind = options.metric?.kind;
  if (options.splitDir !== undefined || (kind !== undefined && kind !== 'top1' && kind !== 'top5'))
    return metricReport(modelPath, loaded.sessionBytes, set, source, options, { batchSize, threads });
  const session = await openSession(loaded.sessionBytes, { optimization: 'all', threads });
  const predictions = new Int32Array(dataset.samples);
  let top1 = 0;
  let top5 = 0;
  let classes = 0;
  const started = performance.now();
  let lastReport = started;
  try {
    for (const b of batches(dataset, batchSize)) {
      const out = (await session.run(feedsOf(set, b.start, b.count, b.tensor)))[session.outputNames[0]];
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
        const label = dataset.labels?.[b.start + i];
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
      const now = performance.now();
      if (options.progress && now - lastReport > 1000) {
        lastReport = now;
        const done = b.start + b.count;
        options.progress(
          `evaluated ${done}/${dataset.samples} samples, about ` +
            `${((((now - started) / done) * (dataset.samples - done)) / 1000).toFixed(0)} s left`,
        );
      }
    }
  } finally {
    await session.release();
  }
  const seconds = (performance.now() - started) / 1000;
  const labelled = dataset.labels !== undefined;
  const report: EvalReport = {
    jalad: JALAD_VERSION,
    model: modelPath,
    data: source.data,
    ...(source.labels ? { labels: source.labels } : {}),
    samples: dataset.samples,
    seed: source.options?.seed ?? DEFAULT_SEED,
    batchSize,
    threads,
    classes,
    ...(labelled ? { top1: accuracyOf(top1, dataset.samples) } : {}),
    ...(labelled && classes > 5 ? { top5: accuracyOf(top5, dataset.samples) } : {}),
    samplesPerSecond: dataset.samples / seconds,
    warnings: dataset.warnings,
  };
  return { report, predictions };
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
