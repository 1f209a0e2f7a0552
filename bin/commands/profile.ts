/** `jalad profile`: measure this machine on a model (run it on the edge device or the cloud server). */
import { Command } from 'commander';
import { profileText } from '../../src/pipeline/command-text';
import { profileToFile } from '../../src/pipeline/output-files';
import { printJson } from '../output';
import {
  DEVICE_HELP,
  parseDeviceArg,
  parseProfileMode,
  PROFILE_MODE_HELP,
  type ProfileModeFlag,
} from '../parsers';
import { DEFAULT_PROFILE_MODE } from '../../src/core/defaults';
import type { DeviceChoice } from '../../src/runtime/device';
import {
  progressOf,
  withInputFlags,
  withMeasureFlags,
  withOutputFlags,
  type InputFlags,
  type MeasureFlags,
  type OutputFlags,
} from '../common-flags';

interface ProfileFlags extends OutputFlags, MeasureFlags, InputFlags {
  out: string;
  device?: DeviceChoice;
  profile: ProfileModeFlag;
}

/** Builds the `profile` command. */
export function profileCommand(): Command {
  const cmd = new Command('profile')
    .description(
      'measure per-node and per-cut-point inference times of a model on this machine; the result is a device profile for --edge/--cloud',
    )
    .argument('<model>', 'the ONNX model file (.onnx)')
    .option('--out <file>', 'where to write the device profile (JSON)', 'profile.json');
  withMeasureFlags(cmd, {
    threads: 'ONNX Runtime intra-op threads, fixed for every measurement (1..256)',
    runs: 'measured runs per measurement (the median is kept, and the 90th percentile) (1..100000)',
    warmup:
      'runs discarded before measuring (and up to 3 more before each of the 5 rounds in which cut points are timed) (0..100000)',
  });
  withInputFlags(cmd)
    .option('--device <device>', `${DEVICE_HELP} (default: cpu)`, parseDeviceArg)
    .option('--profile <mode>', `what to time: ${PROFILE_MODE_HELP}`, parseProfileMode, DEFAULT_PROFILE_MODE);
  return withOutputFlags(cmd, 'print the profile as JSON on stdout')
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
      const profile = await profileToFile(
        model,
        {
          threads: flags.threads,
          runs: flags.runs,
          warmup: flags.warmup,
          inputShapes: flags.inputShape,
          inputs: flags.inputs,
          device: flags.device,
          mode: flags.profile,
          progress: progressOf(flags),
        },
        flags.out,
      );
      if (flags.json) printJson(profile);
      else process.stdout.write(profileText(profile, flags.out));
    });
}
