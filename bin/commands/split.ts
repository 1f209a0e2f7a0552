/** `jalad split`: write edge.onnx, cloud.onnx and split.json for a cut. */
import { Command } from 'commander';
import { InputError } from '../../src/errors';
import { splitAtCut } from '../../src/pipeline/split-at-cut';
import { formatBytes, formatShape } from '../../src/report';
import { parseInputShape, parseNameList } from '../parsers';
import { printJson, progressReporter } from '../output';

interface SplitFlags { cut?: string[]; out: string; json?: boolean; quiet?: boolean; inputShape?: Map<string, number[]>; seed: number }

/** Builds the `split` command. */
export function splitCommand(): Command {
  return new Command('split')
    .description('split an ONNX model into edge.onnx and cloud.onnx at a cut, and verify that together they reproduce the original outputs')
    .argument('[model]', 'the ONNX model file (.onnx)')
    .option('--cut <tensors>', 'comma-separated tensor names that cross the network (see `jalad analyze` for cut points)', parseNameList)
    .option('--out <dir>', 'folder for edge.onnx, cloud.onnx and split.json', 'jalad-split')
    .option('--input-shape <name=dims>', 'shape of an input with symbolic dimensions other than the batch, e.g. input=1x3x224x224 (repeatable)', parseInputShape)
    .option('--seed <n>', 'seed of the synthetic input used to verify the split', (v) => Number(v), 1)
    .option('--json', 'print split.json on stdout instead of a summary')
    .option('-q, --quiet', 'no progress messages on stderr')
    .addHelpText('after', `
The edge model reads the graph inputs and outputs the cut tensors; the cloud model reads
the cut tensors (and any graph input that only it uses) and outputs the graph outputs.
Weights and constants needed by both are copied into both. Files are written only after
the split has been verified in ONNX Runtime (max |difference| <= 1e-5).

Example:
  jalad split datasets/fashion-mnist/resnet.onnx --cut /layer2/Relu_1_output_0 --out split/`)
    .action(async (model: string | undefined, flags: SplitFlags) => {
      if (!model) throw new InputError('BAD_OPTION', 'split: give the model file (jalad split model.onnx --cut TENSOR)');
      if (!flags.cut) throw new InputError('BAD_OPTION', 'split: --cut TENSOR[,TENSOR...] is required (choosing the cut from an analysis is not available yet)');
      const report = await splitAtCut(model, flags.cut, flags.out, { inputShapes: flags.inputShape, seed: flags.seed, progress: progressReporter(!!flags.quiet || !!flags.json) });
      if (flags.json) { printJson(report); return; }
      const lines = report.tensors.map((t) => `  ${t.name} (${t.kind}) ${formatShape(t.shape)} ${formatBytes(t.bytes)}/sample`);
      process.stdout.write(`cut: ${report.tensors.length} tensor(s) cross the network\n${lines.join('\n')}\n` +
        `edge: ${report.edgeNodes} nodes -> ${report.files.edge}\ncloud: ${report.cloudNodes} nodes -> ${report.files.cloud}\n` +
        `verified: max |original - split| = ${report.maxAbsDiff} on a batch of ${report.verifiedBatch}\n`);
    });
}
