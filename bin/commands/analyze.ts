/** `jalad analyze`: the expensive step; writes analysis.json into --out. */
import * as path from 'path';
import { Command } from 'commander';
import { analyzeModel } from '../../src/pipeline/analyze';
import { renderCutTable, renderDecisionTable, renderSweepTable, writeReports } from '../../src/report';
import {
  DEFAULT_BANDWIDTHS_MBPS,
  DEFAULT_BATCH_SIZE,
  DEFAULT_BITS,
  DEFAULT_CLOUD,
  DEFAULT_EDGE,
  DEFAULT_MAX_LOSS_PCT,
  DEFAULT_PROFILE_MODE,
  DEFAULT_RTT_MS,
  DEFAULT_SIZE_SAMPLES,
  PROFILE_DEFAULTS,
} from '../../src/core/defaults';
import { checkOutputFolder } from '../../src/core/output-set';
import { addDataFlags, dataSource, DATA_ONLY_FLAGS, type DataFlags } from '../data-flags';
import { rejectGiven } from '../flag-rules';
import {
  DEVICE_HELP,
  FLAG_RANGES,
  INPUTS_HELP,
  parseBits,
  parseDeviceArg,
  parseInputShape,
  parseInRange,
  parseListInRange,
  parseProfileMode,
  PROFILE_MODE_HELP,
  type ProfileModeFlag,
} from '../parsers';
import type { DeviceChoice } from '../../src/runtime/device';
import { presetNames } from '../../src/profiler';
import { commandLine, printJson, progressReporter } from '../output';

interface AnalyzeFlags extends DataFlags {
  bits: number[];
  batchSize: number;
  sizeSamples: number;
  maxLoss?: number;
  out: string;
  json?: boolean;
  quiet?: boolean;
  inputShape?: Map<string, number[]>;
  inputs?: string;
  edge: string;
  cloud: string;
  /** The mode of --profile, or false for --no-profile. */
  profile: ProfileModeFlag | false;
  bandwidth: number[];
  rtt: number;
  threads: number;
  device?: DeviceChoice;
  runs: number;
  warmup: number;
  sweepThreads?: number;
}

/** Builds the `analyze` command. */
// NOTE: over 80 lines: a declarative list of flags and the help text; the action is one call and a print.
export function analyzeCommand(): Command {
  const cmd = new Command('analyze')
    .description(
      'list the cut points of an ONNX model: where it can be split between edge and cloud, with the tensor shape and size sent at each',
    )
    .argument('<model>', 'the ONNX model file (.onnx); external data must sit in its folder')
    .option(
      '--out <dir>',
      'folder for analysis.json and the reports (created if missing; an earlier jalad output there is replaced as a whole)',
      'jalad-out',
    )
    .option(
      '--input-shape <name=dims>',
      'shape of an input with symbolic dimensions other than the batch, e.g. input=1x3x224x224 (repeatable)',
      parseInputShape,
    )
    .option('--inputs <path>', INPUTS_HELP);
  return addDataFlags(cmd, false)
    .option('--bits <list>', 'bit widths to sweep with --data, comma-separated, each 1..8', parseBits, [
      ...DEFAULT_BITS,
    ])
    .option(
      '--max-loss <pp>',
      `accuracy budget in percentage points for the decision table (default ${DEFAULT_MAX_LOSS_PCT}); with --data, sweep configurations proven above it stop early (0..100)`,
      parseInRange(FLAG_RANGES.lossPct),
    )
    .option(
      '--batch-size <n>',
      'samples per inference call in the sweep (1..65536)',
      parseInRange(FLAG_RANGES.batchSize),
      DEFAULT_BATCH_SIZE,
    )
    .option(
      '--size-samples <n>',
      'samples whose tensors are entropy coded to measure sizes (1..100000000)',
      parseInRange(FLAG_RANGES.samples),
      DEFAULT_SIZE_SAMPLES,
    )
    .option(
      '--sweep-threads <n>',
      'threads for the sweep with --data (default: one per core; large sweeps run on worker threads) (1..256)',
      parseInRange(FLAG_RANGES.threads),
    )
    .option(
      '--edge <profile>',
      'edge device: local (measure here, on --device), local:DEVICE (local:cuda, local:webgpu), a preset, a profile.json from `jalad profile`, a device-spec .json; add /N for N times faster',
      DEFAULT_EDGE,
    )
    .option(
      '--cloud <profile>',
      'cloud device, same forms as --edge (default: this machine 10x faster, an assumption)',
      DEFAULT_CLOUD,
    )
    .option(
      '--bandwidth <mbps>',
      'uplink bandwidths to evaluate, comma-separated, in Mbps (0.001..1000000)',
      parseListInRange(FLAG_RANGES.bandwidthMbps),
      [...DEFAULT_BANDWIDTHS_MBPS],
    )
    .option(
      '--rtt <ms>',
      'network round-trip time added to every offloaded inference, ms (0..600000)',
      parseInRange(FLAG_RANGES.rttMs),
      DEFAULT_RTT_MS,
    )
    .option(
      '--device <device>',
      `${DEVICE_HELP}; applies to --edge/--cloud local (default: cpu)`,
      parseDeviceArg,
    )
    .option(
      '--threads <n>',
      'ONNX Runtime threads when measuring this machine (1..256)',
      parseInRange(FLAG_RANGES.threads),
      PROFILE_DEFAULTS.threads,
    )
    .option(
      '--runs <n>',
      'measured runs per timing when measuring this machine (median kept) (1..100000)',
      parseInRange(FLAG_RANGES.runs),
      PROFILE_DEFAULTS.runs,
    )
    .option(
      '--warmup <n>',
      'runs discarded before timing (0..100000)',
      parseInRange(FLAG_RANGES.warmup),
      PROFILE_DEFAULTS.warmup,
    )
    .option(
      '--profile <mode>',
      `how this machine is measured: ${PROFILE_MODE_HELP}`,
      parseProfileMode,
      DEFAULT_PROFILE_MODE,
    )
    .option(
      '--no-profile',
      'list cut points only: no timing, no latency; a model with symbolic input dimensions is not run at all (sizes "unknown" until --input-shape or --inputs)',
    )
    .option('--json', 'print the analysis as JSON on stdout instead of tables')
    .option('-q, --quiet', 'no progress messages on stderr')
    .addHelpText(
      'after',
      `
The cut-point table lists, in execution order, every tensor through which all paths
from the inputs to the outputs pass: #0 sends the inputs (cloud-only), the last sends
the outputs (edge-only). Sizes are per sample, as float32 (1 KB = 1000 bytes).
Latency per cut = edge ms + RTT + bytes*8/bandwidth + cloud ms; * marks the best cut
at each bandwidth (${DEFAULT_BANDWIDTHS_MBPS.join(', ')} Mbps: 3G, 4G, WiFi uplinks by default).
Presets: ${presetNames().join(', ')}.

Examples:
  jalad analyze datasets/fashion-mnist/resnet.onnx --out jalad-out
  jalad analyze model.onnx --no-profile                      (structure only: cut points, nodes, parameters)
  jalad analyze model.onnx --inputs test_data_set_0/         (real inputs for the shape probe and the profile)
  jalad analyze model.onnx --inputs ids=ids.npy,mask=mask.npy`,
    )
    .action(async (model: string, flags: AnalyzeFlags, cmd: Command) => {
      if (!flags.data)
        rejectGiven(
          cmd,
          [
            '--labels',
            '--bits',
            '--max-loss',
            '--batch-size',
            '--size-samples',
            '--sweep-threads',
            ...DATA_ONLY_FLAGS,
          ],
          'needs --data (the compression sweep on validation data)',
        );
      if (!flags.profile)
        rejectGiven(
          cmd,
          [
            '--edge',
            '--cloud',
            '--bandwidth',
            '--rtt',
            '--threads',
            '--runs',
            '--warmup',
            '--max-loss',
            '--device',
          ],
          'needs device profiles, which --no-profile turns off',
        );
      checkOutputFolder(flags.out, { flag: '--out' });
      const analysis = await analyzeModel(model, {
        inputShapes: flags.inputShape,
        inputs: flags.inputs,
        progress: progressReporter(!!flags.quiet || !!flags.json),
        edge: flags.profile ? flags.edge : false,
        ...(flags.profile ? { profileMode: flags.profile } : {}),
        cloud: flags.cloud,
        bandwidthsMbps: flags.bandwidth,
        rttMs: flags.rtt,
        threads: flags.threads,
        runs: flags.runs,
        warmup: flags.warmup,
        device: flags.device,
        commandLine: commandLine(),
        data: dataSource(flags),
        bits: flags.bits,
        batchSize: flags.batchSize,
        sizeSamples: flags.sizeSamples,
        maxLossPct: flags.maxLoss,
        sweepThreads: flags.sweepThreads,
      });
      const [file, ...reports] = await writeReports(analysis, flags.out, {
        commandLine: analysis.commandLine,
        flag: '--out',
      });
      if (flags.json) printJson(analysis);
      else
        process.stdout.write(
          `${renderCutTable(analysis, process.stdout.columns)}${renderSweepTable(analysis)}${renderDecisionTable(analysis)}analysis written to ${file}; reports: ${reports.map((r) => path.basename(r)).join(', ')}\n`,
        );
    });
}
