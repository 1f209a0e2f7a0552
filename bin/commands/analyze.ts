/** `jalad analyze`: the expensive step; writes analysis.json into --out. */
import * as path from 'path';
import { Command } from 'commander';
import { analyzeModel } from '../../src/pipeline/analyze';
import { renderCutTable } from '../../src/report';
import { writeFileAtomic } from '../../src/io/atomic-write';
import { parseInputShape } from '../parsers';
import { printJson, progressReporter } from '../output';

interface AnalyzeFlags { out: string; json?: boolean; quiet?: boolean; inputShape?: Map<string, number[]> }

/** Builds the `analyze` command. */
export function analyzeCommand(): Command {
  return new Command('analyze')
    .description('list the cut points of an ONNX model: where it can be split between edge and cloud, with the tensor shape and size sent at each')
    .argument('<model>', 'the ONNX model file (.onnx); external data must sit in its folder')
    .option('--out <dir>', 'folder for analysis.json (created if missing)', 'jalad-out')
    .option('--input-shape <name=dims>', 'shape of an input with symbolic dimensions other than the batch, e.g. input=1x3x224x224 (repeatable)', parseInputShape)
    .option('--json', 'print the analysis as JSON on stdout instead of tables')
    .option('-q, --quiet', 'no progress messages on stderr')
    .addHelpText('after', `
The cut-point table lists, in execution order, every tensor through which all paths
from the inputs to the outputs pass: #0 sends the inputs (cloud-only), the last sends
the outputs (edge-only). Sizes are per sample, as float32 (1 KB = 1000 bytes).

Example:
  jalad analyze datasets/fashion-mnist/resnet.onnx --out jalad-out`)
    .action(async (model: string, flags: AnalyzeFlags) => {
      const analysis = await analyzeModel(model, { inputShapes: flags.inputShape, progress: progressReporter(!!flags.quiet || !!flags.json) });
      const file = path.join(flags.out, 'analysis.json');
      writeFileAtomic(file, JSON.stringify(analysis, null, 2) + '\n');
      if (flags.json) printJson(analysis);
      else process.stdout.write(`${renderCutTable(analysis)}analysis written to ${file}\n`);
    });
}
