/** `jalad bench`: measured vs predicted times of a cut's real edge and cloud models. */
import { Command } from 'commander';
import { InputError } from '../../src/core/errors';
import { benchSplit } from '../../src/pipeline/bench-split';
import { benchText } from '../../src/pipeline/command-text';
import { DEVICE_HELP, FLAG_RANGES, parseDeviceArg, parseInRange, parseNameList } from '../parsers';
import type { DeviceChoice } from '../../src/runtime/device';
import { printJson } from '../output';
import {
  progressOf,
  withInputFlags,
  withMeasureFlags,
  withOutputFlags,
  type InputFlags,
  type OutputFlags,
} from '../common-flags';

interface BenchFlags extends OutputFlags, InputFlags {
  cut?: string[];
  edgeThreads: number;
  cloudThreads: number;
  runs: number;
  warmup: number;
  device?: DeviceChoice;
  edgeDevice?: DeviceChoice;
  cloudDevice?: DeviceChoice;
}

/** Builds the `bench` command. */
export function benchCommand(): Command {
  const cmd = new Command('bench')
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
    );
  withMeasureFlags(cmd, { runs: 'measured runs (median kept)', warmup: 'runs discarded before timing' });
  withInputFlags(cmd, {
    inputShape: 'shape of an input with symbolic dimensions other than the batch (repeatable)',
  })
    .option('--device <device>', `${DEVICE_HELP}; both parts (default: cpu)`, parseDeviceArg)
    .option('--edge-device <device>', 'device of the edge part only (overrides --device)', parseDeviceArg)
    .option('--cloud-device <device>', 'device of the cloud part only (overrides --device)', parseDeviceArg);
  return withOutputFlags(cmd, 'print the comparison as JSON')
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
        progress: progressOf(flags),
      });
      if (flags.json) {
        printJson(result);
        return;
      }
      process.stdout.write(benchText(result.parts));
    });
}
