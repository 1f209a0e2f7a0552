/** `jalad split`: write edge.onnx, cloud.onnx and split.json (explicit cut) or plan.json (solved from an analysis). */
import { Command } from 'commander';
import {
  DEFAULT_BANDWIDTH_MBPS,
  DEFAULT_MAX_LOSS_PCT,
  DEFAULT_RTT_MS,
  DEFAULT_SYNTHETIC_SEED,
} from '../../src/core/defaults';
import { InputError } from '../../src/core/errors';
import { splitAtCut } from '../../src/pipeline/split-at-cut';
import { solveAndSplit } from '../../src/pipeline/solve-split';
import { formatBytes, formatMs, formatShape } from '../../src/report';
import {
  FLAG_RANGES,
  INPUTS_HELP,
  parseBits,
  parseInputShape,
  parseInRange,
  parseNameList,
  DEVICE_HELP,
  parseDeviceArg,
} from '../parsers';
import type { DeviceChoice } from '../../src/runtime/device';
import { printJson, progressReporter } from '../output';
import { checkTritonRepository, loadPlanDir, writeTritonRepository } from '../../src/serve';
import { rejectGiven } from '../flag-rules';

interface SplitFlags {
  cut?: string[];
  out: string;
  json?: boolean;
  quiet?: boolean;
  inputShape?: Map<string, number[]>;
  inputs?: string;
  seed: number;
  analysis: string;
  bits?: number[];
  maxLoss: number;
  bandwidth: number;
  rtt: number;
  triton?: string;
  device?: DeviceChoice;
}

/** Builds the `split` command. */
// NOTE: over 80 lines: a declarative list of flags and the help text; the action is one call and a print.
export function splitCommand(): Command {
  return new Command('split')
    .description(
      'split a model into edge.onnx and cloud.onnx: at the fastest plan within an accuracy budget (from `jalad analyze`), or at an explicit --cut',
    )
    .argument(
      '[model]',
      'the ONNX model file, with --cut (the solved split takes the model from the analysis)',
    )
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
      '--rtt <ms>',
      'network round-trip time, ms (0..600000)',
      parseInRange(FLAG_RANGES.rttMs),
      DEFAULT_RTT_MS,
    )
    .option(
      '--cut <tensors>',
      'split here instead: comma-separated tensor names (see `jalad analyze`)',
      parseNameList,
    )
    .option('--out <dir>', 'folder for edge.onnx, cloud.onnx and plan.json (or split.json)', 'jalad-split')
    .option(
      '--input-shape <name=dims>',
      'with --cut: shape of an input with symbolic dimensions other than the batch (repeatable)',
      parseInputShape,
    )
    .option(
      '--inputs <path>',
      `with --cut: ${INPUTS_HELP}; the split is verified on them, and a folder's output_N.pb reference outputs are compared too (split.json: reference)`,
    )
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
    )
    .option('--json', 'print plan.json (or split.json) on stdout instead of a summary')
    .option('-q, --quiet', 'no progress messages on stderr')
    .addHelpText(
      'after',
      `
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
  jalad split model.onnx --cut /layer2/Relu_output_0 --inputs test_data_set_0/ --out split/`,
    )
    .action(async (model: string | undefined, flags: SplitFlags, cmd: Command) => {
      const progress = progressReporter(!!flags.quiet || !!flags.json);
      if (flags.cut)
        rejectGiven(
          cmd,
          ['--analysis', '--bits', '--max-loss', '--bandwidth', '--rtt'],
          'applies to the solved split (without --cut); an explicit --cut sends float32 tensors and solves nothing',
        );
      else rejectGiven(cmd, ['--input-shape', '--seed', '--device'], 'applies to an explicit --cut only');
      if (flags.triton) checkTritonRepository(flags.triton, flags.out);
      if (flags.cut) {
        if (!model)
          throw new InputError(
            'BAD_OPTION',
            'split --cut: give the model file (jalad split model.onnx --cut TENSOR)',
          );
        const report = await splitAtCut(model, flags.cut, flags.out, {
          inputShapes: flags.inputShape,
          inputs: flags.inputs,
          seed: flags.seed,
          device: flags.device,
          progress,
        });
        const triton = flags.triton ? await writeTritonRepository(loadPlanDir(flags.out), flags.triton) : [];
        if (triton.length > 0) progress(`Triton repository: ${triton.join(', ')}`);
        if (flags.json) {
          printJson(report);
          return;
        }
        const lines = report.tensors.map(
          (t) => `  ${t.name} (${t.kind}) ${formatShape(t.shape)} ${formatBytes(t.bytes)}/sample`,
        );
        process.stdout.write(
          `cut: ${report.tensors.length} tensor(s) cross the network\n${lines.join('\n')}\n` +
            `edge: ${report.edgeNodes} nodes -> ${report.files.edge}\ncloud: ${report.cloudNodes} nodes -> ${report.files.cloud}\n` +
            `verified: max |original - split| = ${report.maxAbsDiff} on a batch of ${report.verifiedBatch} (${report.verifiedOn === 'inputs' ? '--inputs values' : 'synthetic input'})\n` +
            (report.reference
              ? `reference outputs (${report.reference.folder}): relative difference ${report.reference.maxRelDiff} (split), ${report.reference.originalMaxRelDiff} (unsplit model); ${report.reference.reproduces ? 'reproduced' : 'NOT reproduced'} within ${report.reference.tolerance}\n`
              : ''),
        );
        return;
      }
      if (model)
        throw new InputError(
          'BAD_OPTION',
          `split: ${model}: without --cut the model comes from the analysis (--analysis ${flags.analysis})`,
        );
      if (flags.bits && flags.bits.length !== 1)
        throw new InputError('BAD_OPTION', '--bits: give one bit width for split');
      const plan = await solveAndSplit({
        analysisPath: flags.analysis,
        outDir: flags.out,
        maxLossPct: flags.maxLoss,
        bandwidthMbps: flags.bandwidth,
        rttMs: flags.rtt,
        bits: flags.bits?.[0],
        progress,
      });
      const triton = flags.triton ? await writeTritonRepository(loadPlanDir(flags.out), flags.triton) : [];
      if (triton.length > 0) progress(`Triton repository: ${triton.join(', ')}`);
      if (flags.json) {
        printJson(plan);
        return;
      }
      const p = plan.predictedMs;
      const m = plan.measured;
      process.stdout.write(
        [
          `plan at ${plan.bandwidthMbps} Mbps, RTT ${plan.rttMs} ms, budget ${plan.maxLossPct} pp (${plan.rounds} round(s)):`,
          ...plan.wire.map(
            (w) =>
              `  send ${w.tensor} (${w.kind}) at ${w.bits === 'f32' ? 'float32' : `${w.bits} bits`}, ${formatBytes(Math.round(w.bytes))}/sample`,
          ),
          `coder: rANS between the parts (raw bit packing when smaller); edge.onnx outputs ${plan.wire.flatMap((w) => w.edgeOutputs).join(', ')}`,
          `predicted: edge ${formatMs(p.edge)} + RTT ${formatMs(p.rtt)} + transfer ${formatMs(p.transfer)} + cloud ${formatMs(p.cloud)} = ${formatMs(p.total)} ms`,
          m.exact
            ? 'loss: 0 by construction (every tensor sent uncompressed; the split is exact)'
            : `measured loss: ${m.lossPct.toFixed(3)} pp (95% upper ${m.lossUpperPct.toFixed(3)}) on ${m.samples} samples, agreement ${(m.agreement * 100).toFixed(2)}%`,
          `speed-up: ${plan.baselines.speedupOverEdgeOnly.toFixed(2)}x over edge-only (${formatMs(plan.baselines.edgeOnlyMs)} ms), ${plan.baselines.speedupOverCloudOnly.toFixed(2)}x over cloud-only (${formatMs(plan.baselines.cloudOnlyMs)} ms)`,
          `edge: ${plan.edgeNodes} nodes -> ${plan.files.edge}`,
          `cloud: ${plan.cloudNodes} nodes -> ${plan.files.cloud}`,
        ].join('\n') + '\n',
      );
    });
}
