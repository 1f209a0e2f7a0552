/** `jalad split`: write edge.onnx, cloud.onnx and split.json (explicit cut) or plan.json (solved from an analysis). */
import { Command } from 'commander';
import {
  DEFAULT_BANDWIDTH_MBPS,
  DEFAULT_MAX_LOSS_PCT,
  DEFAULT_SYNTHETIC_SEED,
} from '../../src/core/defaults';
import { InputError } from '../../src/core/errors';
import { splitAtCut, type SplitReport } from '../../src/pipeline/split-at-cut';
import { solveAndSplit, type PlanReport } from '../../src/pipeline/solve-split';
import { cutSplitText, planText } from '../../src/pipeline/command-text';
import {
  DEVICE_HELP,
  FLAG_RANGES,
  INPUTS_HELP,
  parseBits,
  parseDeviceArg,
  parseInRange,
  parseNameList,
  METRIC_HELP,
  parseMetricArg,
} from '../parsers';
import type { MetricSpec } from '../../src/sweep';
import type { DeviceChoice } from '../../src/runtime/device';
import { printJson } from '../output';
import {
  progressOf,
  withInputFlags,
  withOutputFlags,
  withRttFlag,
  type InputFlags,
  type OutputFlags,
} from '../common-flags';
import { checkTritonRepository, loadPlanDir, writeTritonRepository } from '../../src/serve';
import { rejectGiven } from '../flag-rules';

interface SplitFlags extends OutputFlags, InputFlags {
  cut?: string[];
  out: string;
  seed: number;
  analysis: string;
  bits?: number[];
  maxLoss: number;
  bandwidth: number;
  rtt: number;
  triton?: string;
  device?: DeviceChoice;
  metric?: MetricSpec;
}

/** Builds the `split` command. */
export function splitCommand(): Command {
  const cmd = new Command('split')
    .description(
      'split a model into edge.onnx and cloud.onnx: at the fastest plan within an accuracy budget ' +
        '(from `jalad analyze`), or at an explicit --cut',
    )
    .argument(
      '[model]',
      'the ONNX model file, with --cut (the solved split takes the model from the analysis)',
    );
  withSolveFlags(cmd);
  withCutFlags(cmd);
  return withOutputFlags(cmd, 'print plan.json (or split.json) on stdout instead of a summary')
    .addHelpText('after', HELP)
    .action(splitAction);
}

/** The flags of the solved split (from an analysis). */
function withSolveFlags(cmd: Command): Command {
  cmd
    .option('--analysis <file>', 'analysis written by `jalad analyze`', 'jalad-out/analysis.json')
    .option(
      '--bits <c>',
      'send every compressed tensor at c bits (1..8; default: the solver picks per tensor among the swept widths or float32)',
      parseBits,
    )
    .option(
      '--max-loss <pp>',
      'accuracy budget: largest accuracy loss in percentage points, on its 95% upper bound (0..100)',
      parseInRange(FLAG_RANGES.lossPct),
      DEFAULT_MAX_LOSS_PCT,
    )
    .option(
      '--bandwidth <mbps>',
      'uplink bandwidth, Mbps (0.001..1000000)',
      parseInRange(FLAG_RANGES.bandwidthMbps),
      DEFAULT_BANDWIDTH_MBPS,
    )
    .option(
      '--metric <name>',
      `${METRIC_HELP}; must be the analysis's (default: the analysis's)`,
      parseMetricArg,
    );
  return withRttFlag(cmd, 'network round-trip time, ms (0..600000)');
}

/** The flags of an explicit --cut, the output folder and the Triton repository. */
function withCutFlags(cmd: Command): Command {
  cmd
    .option(
      '--cut <tensors>',
      'split here instead: comma-separated tensor names (see `jalad analyze`)',
      parseNameList,
    )
    .option('--out <dir>', 'folder for edge.onnx, cloud.onnx and plan.json (or split.json)', 'jalad-split');
  withInputFlags(cmd, {
    inputShape: 'with --cut: shape of an input with symbolic dimensions other than the batch (repeatable)',
    inputs:
      `with --cut: ${INPUTS_HELP}; the split is verified on them, and a folder's output_N.pb reference outputs ` +
      'are compared too (split.json: reference)',
  })
    .option(
      '--device <device>',
      `with --cut: ${DEVICE_HELP}; the verification runs there (default: cpu)`,
      parseDeviceArg,
    )
    .option(
      '--seed <n>',
      'with --cut: seed of the synthetic input used to verify the split (0..4294967295)',
      parseInRange(FLAG_RANGES.seed),
      DEFAULT_SYNTHETIC_SEED,
    )
    .option(
      '--triton <dir>',
      'also write a Triton model repository for the cloud half: DIR/jalad_cloud/config.pbtxt (onnxruntime backend) and 1/model.onnx',
    );
  return cmd;
}

/** What `split --help` says after the flags. */
const HELP = `
Solved split: reads the analysis, solves the integer program for the lowest predicted
latency (edge ms + RTT + bytes/bandwidth + cloud ms) whose accuracy loss bound stays
within --max-loss, measures the chosen plan on the analysis's validation data (all
crossing tensors compressed together), and solves again without it if the measured 95%
upper bound breaks the budget. edge.onnx ends in the quantizer (uint8 codes and per-sample
lo/hi per tensor); cloud.onnx starts with the dequantizer; plan.json says what the wire carries.

Explicit cut: the edge model outputs the cut tensors as float32, the cloud model reads
them; files are written only after the split is verified in ONNX Runtime (difference
<= 1e-5, relative above magnitude 1) on synthetic input or the --inputs values, on
the CPU or, with --device, on a GPU (the whole model and both parts on the same device). With an
--inputs folder that holds output_N.pb, split.json also records the split's and the
model's relative difference from those reference outputs (reproduced: <= 1e-4, exact
for integer outputs).

Examples:
  jalad split --bits 8 --max-loss 0.5 --bandwidth 5.85 --out split/
  jalad split model.onnx --cut /layer2/Relu_output_0 --out split/
  jalad split model.onnx --cut /layer2/Relu_output_0 --inputs test_data_set_0/ --out split/`;

/** Splits at the explicit --cut or at the solved plan, writes the Triton repository if asked, prints. */
async function splitAction(model: string | undefined, flags: SplitFlags, cmd: Command): Promise<void> {
  const progress = progressOf(flags);
  if (flags.cut)
    rejectGiven(
      cmd,
      ['--analysis', '--bits', '--max-loss', '--bandwidth', '--rtt', '--metric'],
      'applies to the solved split (without --cut); an explicit --cut sends float32 tensors and solves nothing',
    );
  else rejectGiven(cmd, ['--input-shape', '--seed', '--device'], 'applies to an explicit --cut only');
  if (flags.triton) checkTritonRepository(flags.triton, flags.out);
  if (flags.cut) {
    const report = await cutSplit(model, flags.cut, flags, progress);
    await tritonRepository(flags, progress);
    if (flags.json) printJson(report);
    else process.stdout.write(cutSplitText(report));
    return;
  }
  const plan = await solvedSplit(model, flags, progress);
  await tritonRepository(flags, progress);
  if (flags.json) printJson(plan);
  else process.stdout.write(planText(plan));
}

/** `split MODEL --cut T`: the split at an explicit cut. */
async function cutSplit(
  model: string | undefined,
  cut: string[],
  flags: SplitFlags,
  progress: (message: string) => void,
): Promise<SplitReport> {
  if (!model)
    throw new InputError(
      'BAD_OPTION',
      'split --cut: give the model file (jalad split model.onnx --cut TENSOR)',
    );
  return splitAtCut(model, cut, flags.out, {
    inputShapes: flags.inputShape,
    inputs: flags.inputs,
    seed: flags.seed,
    device: flags.device,
    progress,
  });
}

/** `split` without --cut: the fastest plan within the budget, from the analysis. */
async function solvedSplit(
  model: string | undefined,
  flags: SplitFlags,
  progress: (message: string) => void,
): Promise<PlanReport> {
  if (model)
    throw new InputError(
      'BAD_OPTION',
      `split: ${model}: without --cut the model comes from the analysis (--analysis ${flags.analysis})`,
    );
  if (flags.bits && flags.bits.length !== 1)
    throw new InputError('BAD_OPTION', '--bits: give one bit width for split');
  return solveAndSplit({
    analysisPath: flags.analysis,
    outDir: flags.out,
    maxLossPct: flags.maxLoss,
    bandwidthMbps: flags.bandwidth,
    rttMs: flags.rtt,
    bits: flags.bits?.[0],
    metric: flags.metric,
    progress,
  });
}

/** With --triton DIR: the Triton model repository of the split just written. */
async function tritonRepository(flags: SplitFlags, progress: (message: string) => void): Promise<void> {
  const triton = flags.triton ? await writeTritonRepository(loadPlanDir(flags.out), flags.triton) : [];
  if (triton.length > 0) progress(`Triton repository: ${triton.join(', ')}`);
}
