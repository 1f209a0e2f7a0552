/** `jalad analyze`: the expensive step; writes analysis.json into --out. */
import { Command } from 'commander';
import { analyzeModel, type AnalyzeOptions } from '../../src/pipeline/analyze';
import { analyzeShard, checkShardOutput, writeShardFile } from '../../src/pipeline/analyze-shard';
import { resolveShard, type ShardSpec } from '../../src/pipeline/shard-index';
import {
  DEFAULT_BANDWIDTHS_MBPS,
  DEFAULT_BATCH_SIZE,
  DEFAULT_BITS,
  DEFAULT_CLOUD,
  DEFAULT_CODER,
  DEFAULT_EDGE,
  DEFAULT_MAX_LOSS_PCT,
  DEFAULT_PROFILE_MODE,
  DEFAULT_SIZE_SAMPLES,
} from '../../src/core/defaults';
import { checkOutputFolder } from '../../src/core/output-set';
import { addDataFlags, dataSource, DATA_ONLY_FLAGS, type DataFlags } from '../data-flags';
import { rejectGiven } from '../flag-rules';
import {
  METRIC_HELP,
  parseMetricArg,
  DEVICE_HELP,
  FLAG_RANGES,
  CODER_HELP,
  parseBits,
  parseCoder,
  parseDeviceArg,
  parseInRange,
  parseListInRange,
  parseProfileMode,
  parseShard,
  PROFILE_MODE_HELP,
  type ProfileModeFlag,
} from '../parsers';
import type { DeviceChoice } from '../../src/runtime/device';
import type { CoderChoice } from '../../src/codec';
import {
  progressOf,
  withInputFlags,
  withMeasureFlags,
  withOutputFlags,
  withRttFlag,
  type InputFlags,
  type MeasureFlags,
  type OutputFlags,
} from '../common-flags';
import { presetNames } from '../../src/profiler';
import { commandLine, printJson } from '../output';
import { writeAndPrintAnalysis } from '../analysis-output';
import type { MetricSpec } from '../../src/sweep';

interface AnalyzeFlags extends DataFlags, OutputFlags, MeasureFlags, InputFlags {
  bits: number[];
  batchSize: number;
  sizeSamples: number;
  maxLoss?: number;
  out: string;
  edge: string;
  cloud: string;
  /** The mode of --profile, or false for --no-profile. */
  profile: ProfileModeFlag | false;
  bandwidth: number[];
  rtt: number;
  device?: DeviceChoice;
  sweepThreads?: number;
  dagCuts?: number;
  metric?: MetricSpec;
  coder: CoderChoice;
  shard?: ShardSpec;
}

/** Builds the `analyze` command. */
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
    );
  withInputFlags(cmd);
  withSweepFlags(addDataFlags(cmd, false));
  withProfileFlags(cmd);
  return withOutputFlags(cmd, 'print the analysis as JSON on stdout instead of tables')
    .addHelpText('after', helpText())
    .action(analyzeAction);
}

/** The flags of the compression sweep (with --data). */
function withSweepFlags(cmd: Command): Command {
  return cmd
    .option('--bits <list>', 'bit widths to sweep with --data, comma-separated, each 1..8', parseBits, [
      ...DEFAULT_BITS,
    ])
    .option(
      '--max-loss <pp>',
      `accuracy budget in percentage points for the decision table (default ${DEFAULT_MAX_LOSS_PCT}); ` +
        'with --data, sweep configurations proven above it stop early (0..100)',
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
      '--coder <name>',
      `${CODER_HELP}; the sweep measures its sizes and times for the plans`,
      parseCoder,
      DEFAULT_CODER,
    )
    .option(
      '--sweep-threads <n>',
      'threads for the sweep with --data (default: one per core; large sweeps run on worker threads) (1..256)',
      parseInRange(FLAG_RANGES.threads),
    )
    .option(
      '--dag-cuts <n>',
      'with --data, also sweep up to n cuts of several tensors (inside residual, branch or FPN blocks): the ' +
        'smallest in each of n stretches of the execution order; listed among the cut points (0..1000, default 0)',
      parseInRange(FLAG_RANGES.dagCuts),
    )
    .option('--metric <name>', `with --data, ${METRIC_HELP}`, parseMetricArg)

    .option(
      '--shard <I/N>',
      'run shard I of N of the sweep (1-based) and write --out/shard-I-of-N.jshard for `jalad merge`; ' +
        'auto/N takes I from JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm)',
      parseShard,
    );
}

/** The flags of the device profiles, the network and measuring this machine. */
function withProfileFlags(cmd: Command): Command {
  cmd
    .option(
      '--edge <profile>',
      'edge device: local (measure here, on --device), local:DEVICE (local:cuda, local:webgpu), a preset, ' +
        'a profile.json from `jalad profile`, a device-spec .json; add /N for N times faster',
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
    );
  withRttFlag(cmd, 'network round-trip time added to every offloaded inference, ms (0..600000)').option(
    '--device <device>',
    `${DEVICE_HELP}; applies to --edge/--cloud local (default: cpu)`,
    parseDeviceArg,
  );
  return withMeasureFlags(cmd, {
    threads: 'ONNX Runtime threads when measuring this machine (1..256)',
    runs: 'measured runs per timing when measuring this machine (median kept) (1..100000)',
    warmup: 'runs discarded before timing (0..100000)',
  })
    .option(
      '--profile <mode>',
      `how this machine is measured: ${PROFILE_MODE_HELP}`,
      parseProfileMode,
      DEFAULT_PROFILE_MODE,
    )
    .option(
      '--no-profile',
      'list cut points only: no timing, no latency; a model with symbolic input dimensions is not run at all ' +
        '(sizes "unknown" until --input-shape or --inputs)',
    );
}

/** What `analyze --help` says after the flags. */
function helpText(): string {
  return `
The cut-point table lists, in execution order, every tensor through which all paths
from the inputs to the outputs pass: #0 sends the inputs (cloud-only), the last sends
the outputs (edge-only). Sizes are per sample, as float32 (1 KB = 1000 bytes).
Latency per cut = edge ms + RTT + bytes*8/bandwidth + cloud ms (plus the codec's encode
and decode ms for compressed plans, timed by the sweep); * marks the best cut
at each bandwidth (${DEFAULT_BANDWIDTHS_MBPS.join(', ')} Mbps: 3G, 4G, WiFi uplinks by default).
Presets: ${presetNames().join(', ')}.

Examples:
  jalad analyze datasets/fashion-mnist/resnet.onnx --out jalad-out
  jalad analyze model.onnx --no-profile                      (structure only: cut points, nodes, parameters)
  jalad analyze model.onnx --inputs test_data_set_0/         (real inputs for the shape probe and the profile)
  jalad analyze model.onnx --inputs ids=ids.npy,mask=mask.npy
  jalad analyze model.onnx --data x.idx.gz --shard 2/8 --out shards/   (then: jalad merge shards/*.jshard --out jalad-out)`;
}

/** Checks the flags that do not apply, analyses, writes analysis.json and the reports, prints. */
async function analyzeAction(model: string, flags: AnalyzeFlags, cmd: Command): Promise<void> {
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
        '--dag-cuts',
        '--metric',
        '--coder',
        '--shard',
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
  if (flags.shard) {
    await shardAction(model, flags, flags.shard);
    return;
  }
  checkOutputFolder(flags.out, { flag: '--out' });
  const analysis = await analyzeModel(model, analyzeOptions(flags));
  await writeAndPrintAnalysis(analysis, flags.out, flags.json);
}

/** `analyze --shard`: one shard of the sweep into a shard file. */
async function shardAction(model: string, flags: AnalyzeFlags, spec: ShardSpec): Promise<void> {
  const choice = resolveShard(spec, process.env);
  const file = checkShardOutput(flags.out, choice.index, choice.count);
  const progress = progressOf(flags);
  progress(`shard ${choice.index}/${choice.count} (from ${choice.indexFrom})`);
  const run = await analyzeShard(model, { ...analyzeOptions(flags), progress }, choice);
  writeShardFile(file, run.bytes);
  if (flags.json)
    printJson({
      shard: choice.index,
      count: choice.count,
      indexFrom: choice.indexFrom,
      file,
      bytes: run.bytes.length,
    });
  else
    process.stdout.write(
      `shard ${choice.index}/${choice.count} (index from ${choice.indexFrom}): ${run.configs} of ${run.totalConfigs} ` +
        `configuration ranges, ${run.shard.seconds.toFixed(1)} s of sweep; written to ${file} ` +
        `(${run.bytes.length} bytes); merge all ${choice.count} with \`jalad merge\`\n`,
    );
}

/** The flags as analyzeModel's options. */
function analyzeOptions(flags: AnalyzeFlags): AnalyzeOptions {
  return {
    inputShapes: flags.inputShape,
    inputs: flags.inputs,
    progress: progressOf(flags),
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
    ...(flags.dagCuts !== undefined ? { dagCuts: flags.dagCuts } : {}),
    metric: flags.metric,
    coder: flags.coder,
  };
}
