/** `jalad eval`: baseline accuracy of the unsplit model. */
import { Command } from 'commander';
import { evaluateModel } from '../../src/pipeline/evaluate';
import { DEFAULT_BATCH_SIZE } from '../../src/core/defaults';
import { addDataFlags, dataSource, type DataFlags } from '../data-flags';
import { FLAG_RANGES, METRIC_HELP, parseInRange, parseMetricArg } from '../parsers';
import type { MetricSpec } from '../../src/sweep';
import { printJson } from '../output';
import { evalText } from '../../src/pipeline/command-text';
import { progressOf, withOutputFlags, type OutputFlags } from '../common-flags';

interface EvalFlags extends DataFlags, OutputFlags {
  batchSize: number;
  threads: number;
  metric?: MetricSpec;
  split?: string;
}

/** Builds the `eval` command. */
export function evalCommand(): Command {
  const cmd = new Command('eval')
    .description(
      'top-1 (and top-5) accuracy of a classifier on a validation set, with 95% confidence intervals',
    )
    .argument(
      '<model>',
      'the ONNX model file (.onnx); its first output must be class scores [batch, classes]',
    );
  addDataFlags(cmd, true)
    .option(
      '--batch-size <n>',
      'samples per inference call (models with a fixed batch use theirs)',
      parseInRange(FLAG_RANGES.batchSize),
      DEFAULT_BATCH_SIZE,
    )
    .option(
      '--threads <n>',
      'ONNX Runtime intra-op threads, 0..256 (0 = ORT decides)',
      parseInRange(FLAG_RANGES.threadsOrAuto),
      0,
    )
    .option('--metric <name>', `score in this metric instead of top-1/top-5: ${METRIC_HELP}`, parseMetricArg)
    .option(
      '--split <dir>',
      "a folder from `jalad split` (edge.onnx, cloud.onnx): measure its loss against the model in the metric, with the plan's bound",
    );
  return withOutputFlags(cmd, 'print the result as JSON')
    .addHelpText(
      'after',
      `
Intervals are two-sided 95% Wilson score intervals. Without --labels only throughput
and the predictions' class distribution are meaningful. With --metric (other than top1/top5)
or --split: the model's mean score in the metric and the split's loss with its one-sided 95%
bound (docs/metrics.md). A model with several inputs takes --data NAME=FILE,... or an .npz.

Example (the bundled Fashion-MNIST test set):
  jalad eval datasets/fashion-mnist/resnet.onnx --data datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \\
    --labels datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz --scale 1/255 --mean 0.2860 --std 0.3530`,
    )
    .action(async (model: string, flags: EvalFlags) => {
      const { report } = await evaluateModel(model, dataSource(flags)!, {
        batchSize: flags.batchSize,
        threads: flags.threads,
        metric: flags.metric,
        splitDir: flags.split,
        progress: progressOf(flags),
      });
      if (flags.json) {
        printJson(report);
        return;
      }
      process.stdout.write(evalText(report));
    });
}
