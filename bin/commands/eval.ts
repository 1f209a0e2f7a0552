/** `jalad eval`: baseline accuracy of the unsplit model. */
import { Command } from 'commander';
import { evaluateModel } from '../../src/pipeline/evaluate';
import { DEFAULT_BATCH_SIZE } from '../../src/core/defaults';
import { addDataFlags, dataSource, type DataFlags } from '../data-flags';
import { FLAG_RANGES, parseInRange } from '../parsers';
import { printJson, progressReporter } from '../output';

interface EvalFlags extends DataFlags {
  batchSize: number;
  threads: number;
  json?: boolean;
  quiet?: boolean;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

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
  return addDataFlags(cmd, true)
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
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no progress messages on stderr')
    .addHelpText(
      'after',
      `
Intervals are two-sided 95% Wilson score intervals. Without --labels only throughput
and the predictions' class distribution are meaningful.

Example (the bundled Fashion-MNIST test set):
  jalad eval datasets/fashion-mnist/resnet.onnx --data datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \\
    --labels datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz --scale 1/255 --mean 0.2860 --std 0.3530`,
    )
    .action(async (model: string, flags: EvalFlags) => {
      const { report } = await evaluateModel(model, dataSource(flags)!, {
        batchSize: flags.batchSize,
        threads: flags.threads,
        progress: progressReporter(!!flags.quiet || !!flags.json),
      });
      if (flags.json) {
        printJson(report);
        return;
      }
      const lines = [
        `${report.model} on ${report.data}: ${report.samples} samples (seed ${report.seed}), ${report.classes} classes`,
      ];
      if (report.top1)
        lines.push(
          `top-1: ${report.top1.correct}/${report.top1.total} = ${pct(report.top1.accuracy)} (95% CI ${pct(report.top1.ciLow)} to ${pct(report.top1.ciHigh)})`,
        );
      if (report.top5)
        lines.push(
          `top-5: ${report.top5.correct}/${report.top5.total} = ${pct(report.top5.accuracy)} (95% CI ${pct(report.top5.ciLow)} to ${pct(report.top5.ciHigh)})`,
        );
      if (!report.top1)
        lines.push('no labels: accuracy-dependent steps use agreement with the unsplit model instead');
      lines.push(`throughput: ${report.samplesPerSecond.toFixed(0)} samples/s (batch ${report.batchSize})`);
      for (const w of report.warnings) lines.push(`warning: ${w}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
