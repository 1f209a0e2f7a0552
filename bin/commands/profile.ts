/** `jalad profile`: measure this machine on a model (run it on the edge device or the cloud server). */
import { Command } from 'commander';
import { checkOutputFile, writeOutputFile } from '../../src/core/output-set';
import { DEFAULT_PROFILE_MODE, PROFILE_DEFAULTS } from '../../src/core/defaults';
import { profileModelFile } from '../../src/profiler';
import { renderProfile } from '../../src/report';
import {
  DEVICE_HELP,
  FLAG_RANGES,
  INPUTS_HELP,
  parseDeviceArg,
  parseInputShape,
  parseInRange,
  parseProfileMode,
  PROFILE_MODE_HELP,
  type ProfileModeFlag,
} from '../parsers';
import type { DeviceChoice } from '../../src/runtime/device';
import { printJson, progressReporter } from '../output';

interface ProfileFlags {
  out: string;
  threads: number;
  runs: number;
  warmup: number;
  json?: boolean;
  quiet?: boolean;
  inputShape?: Map<string, number[]>;
  inputs?: string;
  device?: DeviceChoice;
  profile: ProfileModeFlag;
}

/** Builds the `profile` command. */
export function profileCommand(): Command {
  return new Command('profile')
    .description(
      'measure per-node and per-cut-point inference times of a model on this machine; the result is a device profile for --edge/--cloud',
    )
    .argument('<model>', 'the ONNX model file (.onnx)')
    .option('--out <file>', 'where to write the device profile (JSON)', 'profile.json')
    .option(
      '--threads <n>',
      'ONNX Runtime intra-op threads, fixed for every measurement (1..256)',
      parseInRange(FLAG_RANGES.threads),
      PROFILE_DEFAULTS.threads,
    )
    .option(
      '--runs <n>',
      'measured runs per measurement (the median is kept, and the 90th percentile) (1..100000)',
      parseInRange(FLAG_RANGES.runs),
      PROFILE_DEFAULTS.runs,
    )
    .option(
      '--warmup <n>',
      'runs discarded before measuring (and up to 3 more before each of the 5 rounds in which cut points are timed) (0..100000)',
      parseInRange(FLAG_RANGES.warmup),
      PROFILE_DEFAULTS.warmup,
    )
    .option(
      '--input-shape <name=dims>',
      'shape of an input with symbolic dimensions other than the batch, e.g. input=1x3x224x224 (repeatable)',
      parseInputShape,
    )
    .option('--inputs <path>', INPUTS_HELP)
    .option('--device <device>', `${DEVICE_HELP} (default: cpu)`, parseDeviceArg)
    .option('--profile <mode>', `what to time: ${PROFILE_MODE_HELP}`, parseProfileMode, DEFAULT_PROFILE_MODE)
    .option('--json', 'print the profile as JSON on stdout')
    .option('-q, --quiet', 'no progress messages on stderr')
    .addHelpText(
      'after',
      `
Times are per sample (batch 1), in ms. Per-node times come from ONNX Runtime's profiler
and are attributed through its fusions, so they add up to what the optimised model
spends; the real edge and cloud models of a sample of cut points (--profile fast) or of
every cut point (--profile thorough) are also run, to fit the cost of a cut's boundary.
Copy the model to the device, run this there, and pass the file to analyze:

  jalad profile model.onnx --out pi4.json          (on the device)
  jalad analyze model.onnx --edge pi4.json --cloud server.json
  jalad profile model.onnx --device cuda --out server-gpu.json   (on the cloud server's GPU)

On a GPU (--device webgpu or cuda) the cut points' parts, the whole model and the run overhead
are timed on the device; per-node times are the CPU trace's shares of the device's whole-model
time (ONNX Runtime does not time GPU kernels one by one), and the profile says so.`,
    )
    .action(async (model: string, flags: ProfileFlags) => {
      checkOutputFile(flags.out, { flag: '--out' });
      const profile = await profileModelFile(model, {
        threads: flags.threads,
        runs: flags.runs,
        warmup: flags.warmup,
        inputShapes: flags.inputShape,
        inputs: flags.inputs,
        device: flags.device,
        mode: flags.profile,
        progress: progressReporter(!!flags.quiet || !!flags.json),
      });
      writeOutputFile(flags.out, JSON.stringify(profile, null, 2) + '\n', { flag: '--out' });
      if (flags.json) printJson(profile);
      else process.stdout.write(`${renderProfile(profile)}profile written to ${flags.out}\n`);
    });
}
