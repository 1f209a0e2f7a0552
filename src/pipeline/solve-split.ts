/**
 * `jalad split` from an analysis: solve the decision problem (ILP) for the fastest plan
 * within the accuracy budget, measure the plan's accuracy for real on the validation set
 * (all crossing tensors compressed together), exclude it and solve again if its measured
 * upper bound breaks the budget, then write deployable edge.onnx / cloud.onnx and plan.json.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import { InputError, JaladError } from '../core/errors';
import {
  attachCodec,
  buildDag,
  defaultOpset,
  encodeModel,
  extractSplit,
  partitionCandidate,
  readModelFile,
  valueInfo,
  type CrossingKind,
  type Dag,
  type Partition,
} from '../graph';
import { createHighsSolver, problemFromAnalysis, type Plan } from '../ilp';
import { checkOutputFolder, writeOutputSet } from '../core/output-set';
import { probeableTensors } from '../profiler';
import { probeTensors } from '../runtime';
import type { BitWidth } from '../codec';
import { evaluateConfigs } from '../sweep';
import { effectiveBatchSize } from '../runtime';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_ROUNDS } from '../core/defaults';
import { cloudOnlyLatencyMs, edgeOnlyLatencyMs } from '../core/latency';
import { JALAD_VERSION } from '../core/version';
import { readAnalysis } from './read-analysis';
import { loadValidationSet } from './validation-data';

/** Options of `solveAndSplit`. */
export interface SolveSplitOptions {
  readonly analysisPath: string;
  readonly outDir: string;
  readonly maxLossPct: number;
  readonly bandwidthMbps: number;
  readonly rttMs: number;
  /** One bit width for every compressed tensor; default: the solver chooses per tensor. */
  readonly bits?: number;
  /** Plans measured and excluded before giving up. */
  readonly maxRounds?: number;
  readonly batchSize?: number;
  readonly threads?: number;
  readonly progress?: (message: string) => void;
}

/** One tensor on the wire. */
export interface PlanWire {
  readonly tensor: string;
  readonly kind: CrossingKind;
  readonly bits: number | 'f32';
  /** Mean bytes per sample (sweep measurement, or raw size). */
  readonly bytes: number;
  /** What edge.onnx outputs for it: `<t>.code` (uint8), `<t>.lo`, `<t>.hi`; or `<t>` itself when sent uncompressed. */
  readonly edgeOutputs: readonly string[];
}

/** The content of plan.json. */
export interface PlanReport {
  readonly jalad: string;
  readonly model: string;
  readonly analysis: string;
  readonly cut: readonly string[];
  /** The bit width if every compressed tensor shares one, else 'mixed' (see `wire`). */
  readonly bits: number | 'f32' | 'mixed';
  /** Entropy coder between the two models (src/codec 'auto': rANS, raw packing when smaller). */
  readonly coder: 'rans';
  readonly bandwidthMbps: number;
  readonly rttMs: number;
  readonly maxLossPct: number;
  readonly predictedMs: {
    readonly edge: number;
    readonly transfer: number;
    readonly cloud: number;
    readonly rtt: number;
    readonly total: number;
  };
  /**
   * The plan's accuracy on the validation set. A plan that sends every tensor uncompressed is
   * lossless by construction (splits are exact): then `exact` is true, the loss 0 and `samples` 0,
   * nothing having been run.
   */
  readonly measured: {
    readonly lossPct: number;
    readonly lossUpperPct: number;
    readonly samples: number;
    readonly agreement: number;
    readonly exact: boolean;
  };
  /** Plans solved (1 + plans excluded because their measured bound broke the budget). */
  readonly rounds: number;
  readonly edgeNodes: number;
  readonly cloudNodes: number;
  readonly wire: readonly PlanWire[];
  /** Predicted totals of the trivial decisions at this bandwidth (raw float32 tensors). */
  readonly baselines: {
    readonly edgeOnlyMs: number;
    readonly cloudOnlyMs: number;
    readonly speedupOverEdgeOnly: number;
    readonly speedupOverCloudOnly: number;
  };
  readonly files: { readonly edge: string; readonly cloud: string };
}

function kindOf(dag: Dag, t: string): CrossingKind {
  if (dag.inputs.includes(t)) return 'input';
  if (dag.metaTensors.has(t)) return 'shape';
  return 'data';
}

/** Solves, measures, writes. */
export async function solveAndSplit(options: SolveSplitOptions): Promise<PlanReport> {
  const progress = options.progress ?? (() => undefined);
  const analysis = readAnalysis(options.analysisPath);
  checkOutputFolder(options.outDir, { flag: '--out' });
  const modelPath = analysis.model.path;
  const loaded = readModelFile(modelPath);
  const sha = createHash('sha256').update(loaded.bytes).digest('hex');
  if (sha !== analysis.model.sha256) {
    throw new InputError(
      'BAD_ANALYSIS',
      `${options.analysisPath}: made for another version of ${modelPath} (sha256 differs); run \`jalad analyze\` again`,
    );
  }
  const dag = buildDag(loaded.model, modelPath);
  const { problem, dagIndex } = problemFromAnalysis(analysis, dag, {
    maxLossPct: options.maxLossPct,
    rttMs: options.rttMs,
    fixedBits: options.bits,
  });
  const solver = await createHighsSolver();
  const validation = analysis.data
    ? await loadValidationSet(
        loaded.model,
        { data: analysis.data.path, labels: analysis.data.labels, options: analysis.data.options },
        modelPath,
      )
    : undefined;
  // Types and shapes of every tensor a plan may send, from one run of the model (plans differ per round).
  const info = await probeTensors(loaded.model, probeableTensors(dag));
  const excluded: string[] = [];
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  let plan: Plan | undefined;
  let measured: PlanReport['measured'] = {
    lossPct: 0,
    lossUpperPct: 0,
    samples: 0,
    agreement: 1,
    exact: true,
  };
  let partition: Partition | undefined;
  for (let round = 1; ; round++) {
    const candidate = solver.solve({ ...problem, bandwidthMbps: options.bandwidthMbps, excluded });
    const onEdge = new Set(candidate.edgeNodes.map((i) => dagIndex[i]));
    const crossing = candidate.crossing.map((c) => ({ name: c.tensor, kind: kindOf(dag, c.tensor) }));
    const part: Partition = {
      edgeNodes: dagIndex.filter((d) => onEdge.has(d)),
      cloudNodes: dagIndex.filter((d) => !onEdge.has(d)),
      crossing,
    };
    const lossy = candidate.crossing.some((c) => c.bits !== 'f32');
    if (!lossy) {
      plan = candidate;
      partition = part;
      break;
    }
    if (!validation)
      throw new InputError(
        'BAD_ANALYSIS',
        `${options.analysisPath}: the plan compresses tensors but the analysis names no validation data to measure it on`,
      );
    progress(
      `round ${round}: measuring the plan (${candidate.crossing.map((c) => `${c.tensor}@${c.bits}`).join(', ')}) on ${validation.dataset.samples} samples`,
    );
    const bitsOf = new Map(candidate.crossing.map((c) => [c.tensor, c.bits as BitWidth | 'f32']));
    const result = await evaluateConfigs(
      loaded.model,
      loaded.sessionBytes,
      dag,
      [
        {
          cut: partitionCandidate({ index: -1, op: 'plan' }, part),
          bits: 8,
          bitsOf,
        },
      ],
      info,
      validation.dataset,
      validation.input,
      {
        batchSize: effectiveBatchSize(validation.input, options.batchSize ?? DEFAULT_BATCH_SIZE),
        threads: options.threads,
        sizeSamples: 0,
      },
    );
    const row = result.rows[0];
    if (row.lossUpperPct <= options.maxLossPct) {
      plan = candidate;
      partition = part;
      measured = {
        lossPct: row.lossPct,
        lossUpperPct: row.lossUpperPct,
        samples: row.samples,
        agreement: row.agreement,
        exact: false,
      };
      break;
    }
    progress(
      `round ${round}: measured loss ${row.lossPct.toFixed(3)} pp (upper ${row.lossUpperPct.toFixed(3)}) breaks the budget ${options.maxLossPct}; excluding it`,
    );
    excluded.push(candidate.key);
    if (round >= maxRounds)
      throw new JaladError(
        'NO_PLAN',
        `no plan met --max-loss ${options.maxLossPct} when measured after ${round} rounds; raise --max-loss or sweep more bit widths`,
      );
  }

  const names = partition.crossing.map((c) => c.name);
  const typed = (t: string) => valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims);
  const split = extractSplit(loaded.model, dag, partition, typed);
  const bitsOf = new Map(plan.crossing.map((c) => [c.tensor, c.bits]));
  const deployable = attachCodec(
    split,
    names.map((n) => ({
      name: n,
      bits: bitsOf.get(n)!,
      dims: info.get(n)!.dims,
      elemType: info.get(n)!.elemType,
    })),
    defaultOpset(loaded.model),
  );
  const allBits = [...new Set(plan.crossing.map((c) => c.bits))];
  // The problem carries the run overheads, so the plan's prediction includes them.
  const predictedMs = plan.predictedMs;
  const edgeOnlyMs = edgeOnlyLatencyMs(analysis.cutPoints, options.bandwidthMbps, options.rttMs).totalMs;
  const cloudOnlyMs = cloudOnlyLatencyMs(analysis.cutPoints, options.bandwidthMbps, options.rttMs).totalMs;
  const files = {
    edge: path.join(options.outDir, 'edge.onnx'),
    cloud: path.join(options.outDir, 'cloud.onnx'),
  };
  const report: PlanReport = {
    jalad: JALAD_VERSION,
    model: modelPath,
    analysis: options.analysisPath,
    cut: names,
    bits: allBits.length === 1 ? allBits[0] : 'mixed',
    coder: 'rans',
    bandwidthMbps: options.bandwidthMbps,
    rttMs: options.rttMs,
    maxLossPct: options.maxLossPct,
    predictedMs,
    measured,
    rounds: excluded.length + 1,
    edgeNodes: partition.edgeNodes.length,
    cloudNodes: partition.cloudNodes.length,
    wire: plan.crossing.map((c) => {
      const compressed = c.bits !== 'f32' && info.get(c.tensor)!.elemType === 1;
      return {
        tensor: c.tensor,
        kind: kindOf(dag, c.tensor),
        bits: c.bits,
        bytes: c.bytes,
        edgeOutputs: compressed ? [`${c.tensor}.code`, `${c.tensor}.lo`, `${c.tensor}.hi`] : [c.tensor],
      };
    }),
    baselines: {
      edgeOnlyMs,
      cloudOnlyMs,
      speedupOverEdgeOnly: edgeOnlyMs / predictedMs.total,
      speedupOverCloudOnly: cloudOnlyMs / predictedMs.total,
    },
    files,
  };
  writeOutputSet(
    options.outDir,
    [
      { name: 'edge.onnx', data: encodeModel(deployable.edge) },
      { name: 'cloud.onnx', data: encodeModel(deployable.cloud) },
      { name: 'plan.json', data: JSON.stringify(report, null, 2) + '\n' },
    ],
    { flag: '--out' },
  );
  return report;
}
