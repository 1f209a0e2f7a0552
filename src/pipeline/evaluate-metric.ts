/**
 * `jalad eval --metric M [--split DIR]`: a model's mean score in a metric (docs/metrics.md) on a
 * validation set, and with `--split` the loss of a split (DIR/edge.onnx then DIR/cloud.onnx, fed
 * straight into each other: the codec between them is lossless) against the model, with the same
 * one-sided 95% bound the sweep and `jalad split` report.
 */
import * as path from 'path';
import type { MetricInfo } from '../core/metric-info';
import { pairedScoreLoss, Z_ONE_SIDED_95 } from '../core/stats';
import { readModelFile } from '../graph';
import { createTensor, feedsFor, openSession, type Session, type Tensor, type TensorMap } from '../runtime';
import { chooseMetric, loadMetric, sampleOutputs, topOne, type MetricSpec } from '../sweep';
import type { ValidationSet } from './validation-data';

/** The metric part of `jalad eval`'s report. */
export interface MetricEvaluation {
  readonly metric: MetricInfo;
  /** The model's mean score in the metric, a fraction. */
  readonly score: number;
  /** With `--split`: the split's mean score and its loss against the model. */
  readonly split?: {
    readonly dir: string;
    readonly score: number;
    readonly lossPct: number;
    readonly lossUpperPct: number;
    readonly samples: number;
  };
}

/** Every graph input's tensor for samples [start, start + count). */
function feedsOf(set: ValidationSet, start: number, count: number): TensorMap {
  const feeds: Record<string, Tensor> = {};
  for (const { input, dataset } of [{ input: set.input, dataset: set.dataset }, ...(set.moreInputs ?? [])]) {
    const per = dataset.shape.reduce((a, b) => a * b, 1);
    feeds[input.name] = createTensor('float32', dataset.data.subarray(start * per, (start + count) * per), [
      count,
      ...dataset.shape,
    ]);
  }
  return feeds;
}

/**
 * Scores the model (and a split of it) on the validation set.
 * @param modelBytes the model's bytes as sessions take them
 * @param splitDir a folder with edge.onnx and cloud.onnx from `jalad split`
 * @throws InputError for a bad metric or a metric module that fails on a sample
 */
export async function evaluateMetric(
  modelBytes: Uint8Array,
  set: ValidationSet,
  spec: MetricSpec | undefined,
  options: { readonly batchSize: number; readonly threads: number; readonly splitDir?: string },
): Promise<{
  readonly evaluation: MetricEvaluation;
  /** Values of the first output per sample (a classifier's classes). */
  readonly classes: number;
  /** The model's top-1 (argmax of the first output) per sample. */
  readonly predictions: Int32Array;
}> {
  const labels = set.dataset.labels;
  const metric = await loadMetric(chooseMetric(spec, labels !== undefined));
  const opened: Session[] = [];
  const open = async (bytes: Uint8Array) => {
    const s = await openSession(bytes, { optimization: 'all', threads: options.threads });
    opened.push(s);
    return s;
  };
  try {
    const model = await open(modelBytes);
    const split = options.splitDir
      ? {
          edge: await open(readModelFile(path.join(options.splitDir, 'edge.onnx')).sessionBytes),
          cloud: await open(readModelFile(path.join(options.splitDir, 'cloud.onnx')).sessionBytes),
        }
      : undefined;
    const n = set.dataset.samples;
    let refSum = 0;
    let splitSum = 0;
    let sumDiff = 0;
    let sumDiffSq = 0;
    let classes = 0;
    const predictions = new Int32Array(n);
    for (let start = 0; start < n; start += options.batchSize) {
      const count = Math.min(options.batchSize, n - start);
      const feeds = feedsOf(set, start, count);
      const unsplit = await model.run(feeds);
      const sent = split ? await split.edge.run(feedsFor(split.edge, feeds)) : undefined;
      const outputs =
        split && sent ? await split.cloud.run(feedsFor(split.cloud, { ...feeds, ...sent })) : undefined;
      for (let k = 0; k < count; k++) {
        const u = sampleOutputs(unsplit, model.outputNames, k, count);
        const first = u[model.outputNames[0]].data;
        classes = first.length;
        predictions[start + k] = topOne(first);
        const ref = metric.score(u, u, labels?.[start + k], start + k);
        refSum += ref;
        if (!outputs) continue;
        const s = metric.score(
          sampleOutputs(outputs, model.outputNames, k, count),
          u,
          labels?.[start + k],
          start + k,
        );
        splitSum += s;
        sumDiff += ref - s;
        sumDiffSq += (ref - s) ** 2;
      }
    }
    const loss = pairedScoreLoss({ n, sumDiff, sumDiffSq }, Z_ONE_SIDED_95);
    const evaluation: MetricEvaluation = {
      metric: metric.info,
      score: n > 0 ? refSum / n : 0,
      ...(options.splitDir
        ? { split: { dir: options.splitDir, score: n > 0 ? splitSum / n : 0, ...loss, samples: n } }
        : {}),
    };
    return { evaluation, classes, predictions };
  } finally {
    for (const s of opened) await s.release();
  }
}
