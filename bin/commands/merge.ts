/** `jalad merge`: the shard files of a sharded `jalad analyze` into one analysis and its reports. */
import { Command } from 'commander';
import { mergeShards } from '../../src/pipeline/merge-shards';
import { checkOutputFolder } from '../../src/core/output-set';
import { progressOf, withOutputFlags, type OutputFlags } from '../common-flags';
import { commandLine } from '../output';
import { writeAndPrintAnalysis } from '../analysis-output';

interface MergeFlags extends OutputFlags {
  out: string;
  model?: string;
}

/** Builds the `merge` command. */
export function mergeCommand(): Command {
  const cmd = new Command('merge')
    .description(
      'merge the shard files of `jalad analyze --shard I/N` into the analysis.json, reports and CSV files one unsharded run writes',
    )
    .argument('<shards...>', 'every shard file of the run (shard-I-of-N.jshard), each exactly once')
    .option(
      '--out <dir>',
      'folder for analysis.json and the reports (created if missing; an earlier jalad output there is replaced as a whole)',
      'jalad-out',
    )
    .option(
      '--model <file>',
      'the ONNX model, when it is not at the path the shards recorded (checked by sha256; the decision table needs its graph)',
    );
  return withOutputFlags(cmd, 'print the merged analysis as JSON on stdout instead of tables')
    .addHelpText(
      'after',
      `
The shards must come from one run: the same model, data, flags and jalad version, every index
from 1 to N exactly once. The sweep rows, bounds, early stops and decisions are those of one
unsharded run (timings aside). A missing, duplicated or foreign shard is refused (exit 2).

Example:
  jalad analyze model.onnx --data x.idx.gz --labels y.idx.gz --shard 1/2 --out shards/   (on one machine)
  jalad analyze model.onnx --data x.idx.gz --labels y.idx.gz --shard 2/2 --out shards/   (on another)
  jalad merge shards/*.jshard --out jalad-out`,
    )
    .action(async (files: string[], flags: MergeFlags) => {
      checkOutputFolder(flags.out, { flag: '--out' });
      const analysis = await mergeShards(files, {
        model: flags.model,
        progress: progressOf(flags),
        commandLine: commandLine(),
      });
      await writeAndPrintAnalysis(analysis, flags.out, flags.json);
    });
}
