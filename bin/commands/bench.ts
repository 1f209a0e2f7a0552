/** `jalad bench`: measured vs predicted times of a cut's real edge and cloud models. */
import { Command } from 'commander';
import Table from 'cli-table3';
import { InputError } from '../../src/core/errors';
import { benchSplit } from '../../src/pipeline/bench-split';
import { PROFILE_DEFAULTS } from '../../src/core/defaults';
import {
  DEVICE_HELP,
  FLAG_RANGES,
  INPUTS_HELP,
  parseDeviceArg,
  parseInputShape,
  parseInRange,
  parseNameList,
} from '../parsers';
import type { DeviceChoice } from '../../src/runtime/device';
import { printJson, progressReporter } from '../output';

interface BenchFlags {
  cut?: string[];
  edgeThreads: number;
  cloudThreads: number;
  runs: number;
  warmup: number;
  json?: boolean;
  quiet?: boolean;
  inputShape?: Map<string, number[]>;
  inputs?: string;
  device?: DeviceChoice;
  edgeDevice?: DeviceChoice;
  cloudDevice?: DeviceChoice;
}

/** Builds the `bench` command. */
export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'run the real edge and cloud models of a cut on this machine and compare their measured times with the per-node prediction',
    )
    .argument('<model>', 'the ONNX model file (.onnx)')
    .option('--cut <tensors>', 'comma-separated tensor names of the cut (see `jalad analyze`)', parseNameList)
    .option(
      '--edge-threads <n>',
      'ONNX Runtime threads for the edge part (1..256)',
      parseInRange(FLAG_RANGES.threads),
      1,
    )
    .option(
      '--cloud-threads <n>',
      'ONNX Runtime threads for the cloud part (1..256)',
      parseInRange(FLAG_RANGES.threads),
      1,
    )
    .option(
      '--runs <n>',
      'measured runs (median kept)',
      parseInRange(FLAG_RANGES.runs),
      PROFILE_DEFAULTS.runs,
    )
    .option(
      '--warmup <n>',
      'runs discarded before timing',
      parseInRange(FLAG_RANGES.warmup),
      PROFILE_DEFAULTS.warmup,
    )
    .option(
      '--input-shape <name=dims>',
      'shape of an input with symbolic dimensions other than the batch (repeatable)',
      parseInputShape,
    )
    .option('--inputs <path>', INPUTS_HELP)
    .option('--device <device>', `${DEVICE_HELP}; both parts (default: cpu)`, parseDeviceArg)
    .option('--edge-device <device>', 'device of the edge part only (overrides --device)', parseDeviceArg)
    .option('--cloud-device <device>', 'device of the cloud part only (overrides --device)', parseDeviceArg)
    .option('--json', 'print the comparison as JSON')
    .option('-q, --quiet', 'no progress messages on stderr')
    .addHelpText(
      'after',
      `
Times are per sample (batch 1), in ms; error = (predicted - measured) / measured.
Predicted = the cost of one session.run plus the part's node times, profiled now with the part's
thread count. It leaves out the boundary cost (copying the cut tensors out and in), which a
\`jalad profile\` fits to the real parts of all cut points and \`analyze\` includes.

Example:
  jalad bench datasets/fashion-mnist/resnet.onnx --cut /layer2/layer2.0/relu_1/Relu_output_0 --edge-threads 1 --cloud-threads 2`,
    )
    .action(async (model: string, flags: BenchFlags) => {
      if (!flags.cut) throw new InputError('BAD_OPTION', 'bench: --cut TENSOR[,TENSOR...] is required');
      const result = await benchSplit(model, flags.cut, {
        edgeThreads: flags.edgeThreads,
        cloudThreads: flags.cloudThreads,
        runs: flags.runs,
        warmup: flags.warmup,
        inputShapes: flags.inputShape,
        inputs: flags.inputs,
        edgeDevice: flags.edgeDevice ?? flags.device,
        cloudDevice: flags.cloudDevice ?? flags.device,
        progress: progressReporter(!!flags.quiet || !!flags.json),
      });
      if (flags.json) {
        printJson(result);
        return;
      }
      const t = new Table({
        head: ['part', 'device', 'threads', 'nodes', 'predicted ms', 'measured ms', 'measured p90', 'error'],
        style: { head: [], border: [] },
      });
      for (const p of result.parts)
        t.push([
          p.part,
          p.device,
          p.threads,
          p.nodes,
          p.predictedMs.toFixed(3),
          p.measuredMs.toFixed(3),
          p.measuredP90Ms.toFixed(3),
          `${p.errorPct >= 0 ? '+' : ''}${p.errorPct.toFixed(1)}%`,
        ]);
      process.stdout.write(`${t.toString()}\n`);
    });
}
