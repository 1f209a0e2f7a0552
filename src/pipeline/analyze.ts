/**
 * `jalad analyze`: read the model, find its cut points, measure their tensors.
 * Later stages (profiles, compression sweep, decisions) add to the same Analysis.
 */
import {
  ANALYSIS_VERSION,
  type Analysis,
  type CutPoint,
  type CutTensor,
  type ModelSummary,
  type ProfileSummary,
  type TensorSummary,
} from '../core/analysis';
import {
  buildDag,
  countParameters,
  cutCandidate,
  cutPoints,
  dagCuts,
  requireCutPoints,
  defaultOpset,
  edgeSums,
  wireElementBytes,
  readModelFile,
  readModelInFile,
  toNumber,
  type CutCandidate,
  type Dag,
  type Dim,
  type LoadedModel,
  type ModelProto,
} from '../graph';
import {
  codecFactor,
  crossingBytes,
  crossingSizes,
  nodeCosts,
  nodeShapesFrom,
  predictPartMs,
  probeableTensors,
  resolveProfile,
  type DeviceProfile,
  type NodeShapes,
  localDevices,
  type ProfileContext,
  type RequestedProfileMode,
  type TensorShape,
} from '../profiler';
import {
  batchDimName,
  checkDevice,
  effectiveBatchSize,
  inputSpecs,
  probeTensors,
  type DeviceChoice,
  type InputValues,
  type TensorInfo,
} from '../runtime';
import { loadInputValues } from '../runtime/input-values';
import {
  DECISION_TABLE_MBPS,
  DEFAULT_BANDWIDTHS_MBPS,
  DEFAULT_BATCH_SIZE,
  DEFAULT_BITS,
  DEFAULT_CLOUD,
  DEFAULT_CODER,
  DEFAULT_EDGE,
  DEFAULT_MAX_LOSS_PCT,
  DEFAULT_MIN_SAMPLES_TO_STOP,
  DEFAULT_PROFILE_MODE,
  DEFAULT_RTT_MS,
  DEFAULT_SEED,
  DEFAULT_SIZE_SAMPLES,
  PROFILE_DEFAULTS,
} from '../core/defaults';
import { latencyTable } from '../core/latency';
import { JALAD_VERSION } from '../core/version';
import type { BitWidth, CoderChoice } from '../codec';
import { runSweep, shardPlan, type MetricSpec, type ShardGrid, type SweepResult } from '../sweep';
import type { Dataset } from '../data';
import { createHash } from 'crypto';
import { loadValidationSet, type DataSource } from './validation-data';
import { analysisDecisions } from '../ilp';

/** Options of `analyzeModel`. */
export interface AnalyzeOptions {
  /** Shapes for inputs with symbolic non-batch dims. */
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
  /**
   * Real input values (`--inputs`: a test-data folder of input_N.pb, or NAME=FILE.npy,...): used
   * for the shape probe and the profile instead of synthetic values.
   */
  readonly inputs?: string;
  /** Progress messages (stderr in the CLI). */
  readonly progress?: (message: string) => void;
  /** Edge and cloud device profiles (see resolveProfile); false skips timing altogether. */
  readonly edge?: string | false;
  readonly cloud?: string;
  /** Uplink bandwidths to evaluate, Mbps. */
  readonly bandwidthsMbps?: readonly number[];
  readonly rttMs?: number;
  /** What measuring this machine (`local`) times: fast (default) or thorough (src/profiler/profile-mode.ts). */
  readonly profileMode?: RequestedProfileMode;
  /** Measurement settings for `local` profiles. */
  readonly threads?: number;
  readonly runs?: number;
  readonly warmup?: number;
  /** Where `local` profiles are timed (default: the CPU); `local:DEVICE` names one per side. */
  readonly device?: DeviceChoice;
  /** Validation data for the compression sweep; without it, no sweep. */
  readonly data?: DataSource;
  /** Bit widths to sweep (1..8). */
  readonly bits?: readonly number[];
  /** Samples per inference call in the sweep. */
  readonly batchSize?: number;
  /** Samples entropy coded to measure sizes. */
  readonly sizeSamples?: number;
  /** The entropy coder whose sizes and times the sweep measures for the plans (default DEFAULT_CODER: 'context'). */
  readonly coder?: CoderChoice;
  /** Accuracy budget: sweep configurations proven above it stop early. */
  readonly maxLossPct?: number;
  /**
   * Threads of the sweep in all (default: one per core). Separate from `threads`, which fixes how
   * this machine is profiled: the sweep's speed changes no figure it reports.
   */
  readonly sweepThreads?: number;
  /** The metric the sweep's losses are in (default: top1 with labels, agreement without). */
  readonly metric?: MetricSpec;
  /** The command line to record in the analysis (reports quote it). */
  readonly commandLine?: string;
  /**
   * Also sweep up to this many cuts of several tensors (src/graph/dag-cuts.ts), listed among the
   * cut points in execution order; default 0.
   */
  readonly dagCuts?: number;
  /**
   * Sweep only the cut points this accepts (default: all); the others can be sent only as float32.
   * For large models, where every cut point's sweep costs two sessions and a pass over the data.
   */
  readonly sweepCuts?: (cut: CutCandidate) => boolean;
}

/** A profile as the analysis records it. */
function summarizeProfile(p: DeviceProfile, local?: DeviceProfile): ProfileSummary {
  const codec = codecFactor(p, local);
  return {
    label: p.label,
    kind: p.kind,
    ...(p.mode !== undefined ? { mode: p.mode } : {}),
    ...(p.auto !== undefined ? { auto: p.auto } : {}),
    ...(p.source !== undefined ? { source: p.source } : {}),
    ...(p.machine !== undefined ? { machine: p.machine } : {}),
    ...(p.device !== undefined ? { device: p.device } : {}),
    ...(p.settings !== undefined ? { settings: p.settings } : {}),
    notes: [...p.notes, codec.note],
    runOverheadMs: p.runOverheadMs,
    codecFactor: codec.factor,
    ...(p.boundary !== undefined ? { boundary: p.boundary } : {}),
    nodeMs: p.nodes.map((n) => n.ms),
  };
}

/** Summary of a loaded model. */
export function summarizeModel(loaded: LoadedModel, dag: Dag): ModelSummary {
  const m = loaded.model;
  const batchDim = batchDimName(m);
  return {
    path: loaded.path,
    sha256: loaded.sha256,
    opset: defaultOpset(m),
    irVersion: toNumber(m.irVersion),
    nodes: m.graph?.node?.length ?? 0,
    parameters: countParameters(m),
    producer: [m.producerName, m.producerVersion].filter(Boolean).join(' '),
    inputs: inputSpecs(m).map((s) => ({ name: s.name, dims: s.dims })),
    outputs: dag.outputs,
    ...(batchDim !== undefined ? { batchDim } : {}),
  };
}

/**
 * Sizes of every data-dependent tensor, from the node shapes measured at batch 1 (a bfloat16
 * tensor carried as float32 at its raw wire size, `wireElementBytes`).
 */
function dynamicTensors(
  dag: Dag,
  shapes: readonly NodeShapes[],
  info: ReadonlyMap<string, TensorInfo>,
): TensorSummary[] {
  const out: TensorSummary[] = [];
  const add = (name: string, t: TensorShape | undefined) => {
    if (!t) return;
    const elements = t.dims.reduce((a, b) => a * b, 1);
    out.push({
      name,
      elemType: t.elemType,
      elements,
      bytes: elements * wireElementBytes(t.elemType, info.get(name)?.modelElemType),
    });
  };
  // Each input's shape as its first reader sees it, found in one pass (not a search per input:
  // a node may read 100,000 inputs).
  const inputs = new Set(dag.inputs);
  const firstRead = new Map<string, TensorShape | undefined>();
  for (const n of dag.nodes)
    n.inputs.forEach((name, k) => {
      if (inputs.has(name) && !firstRead.has(name)) firstRead.set(name, shapes[n.index].inputs[k]);
    });
  for (const name of dag.inputs) if (firstRead.has(name)) add(name, firstRead.get(name));
  for (const n of dag.nodes) {
    if (dag.isStatic[n.index] || !dag.isLive[n.index]) continue;
    n.outputs.forEach((o, k) => add(o, shapes[n.index].outputs[k]));
  }
  return out;
}

/** Inputs whose shape is not fixed by the model (beyond the batch axis), a flag or real values. */
export function unsizedInputs(
  model: ModelProto,
  inputShapes?: ReadonlyMap<string, readonly number[]>,
  values?: InputValues,
): string[] {
  return inputSpecs(model)
    .filter((s) => !inputShapes?.has(s.name) && !values?.has(s.name))
    .filter((s) => s.dims.some((d, i) => i > 0 && !(typeof d === 'number' && d > 0)))
    .map((s) => s.name);
}

/** A tensor whose shape nothing tells: shape ['?'], no elements. */
function unknownTensor(name: string): TensorInfo {
  return { name, elemType: 0, dims: ['?'], elementsPerSample: 0, bytesPerSample: 0 };
}

/**
 * What the model itself declares about its tensors (graph inputs, outputs and value_info), for a
 * structure-only analysis: dims as declared, symbolic ones by name; sizes unknown (0).
 */
function declaredTensors(model: ModelProto): Map<string, TensorInfo> {
  const g = model.graph ?? {};
  const out = new Map<string, TensorInfo>();
  for (const v of [...(g.input ?? []), ...(g.valueInfo ?? []), ...(g.output ?? [])]) {
    const tt = v.type?.tensorType;
    if (!v.name || !tt) continue;
    const dims: Dim[] = (tt.shape?.dim ?? []).map((d) =>
      d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? toNumber(d.dimValue) : '?',
    );
    out.set(v.name, {
      name: v.name,
      elemType: tt.elemType ?? 0,
      dims,
      elementsPerSample: 0,
      bytesPerSample: 0,
    });
  }
  return out;
}

/** The model as `analyze` reads it once: the file, its DAG, its cut points and every tensor's type and shape. */
interface ModelFacts {
  readonly loaded: LoadedModel;
  readonly dag: Dag;
  readonly candidates: readonly CutCandidate[];
  /** Real input values (`--inputs`), when given. */
  readonly inputValues?: InputValues;
  /** True when the model is not run (symbolic input dimensions, no profiles): sizes unknown. */
  readonly structureOnly: boolean;
  readonly info: ReadonlyMap<string, TensorInfo>;
  readonly shapes: NodeShapes[];
  readonly flops: readonly number[];
  /** FLOPs of every cut point's edge and cloud side, by cut point index. */
  readonly cutFlops: { readonly edge: readonly number[]; readonly cloud: readonly number[] };
}

/** The edge and cloud device profiles of an analysis. */
interface Profiles {
  readonly edge: DeviceProfile;
  readonly cloud: DeviceProfile;
  /** This machine's measured CPU profile, when `local` was measured (the codec factors' reference). */
  readonly local?: DeviceProfile;
}

/** Reads a model, lists its cut points with shapes and sizes, and (unless `edge` is false) predicts their latency. */
export async function analyzeModel(modelPath: string, options: AnalyzeOptions = {}): Promise<Analysis> {
  const { analysis, dag } = await analyzeBase(modelPath, options);
  return addDecisions(analysis, dag, options);
}

/** What `analyze` made before the decision table: the analysis, the model's DAG, and the sweep's own result. */
export interface BaseAnalysis {
  readonly analysis: Analysis;
  readonly dag: Dag;
  readonly swept?: SweptData;
}

/** A shard of the sweep to run instead of all of it (src/sweep/shard-plan.ts), 1-based. */
export interface ShardRequest {
  readonly index: number;
  readonly count: number;
}

/**
 * Everything `analyze` does but the decision table; with `shard`, the sweep runs that shard's part
 * only (its rows are then partial: `swept.sweep.recorded` holds what the merge needs).
 */
export async function analyzeBase(
  modelPath: string,
  options: AnalyzeOptions = {},
  shard?: ShardRequest,
): Promise<BaseAnalysis> {
  const progress = options.progress ?? (() => undefined);
  // A GPU that a local profile would need but cannot be used is refused before any work.
  if (options.edge !== false)
    for (const d of localDevices(
      [
        { value: options.edge ?? DEFAULT_EDGE, flag: '--edge' },
        { value: options.cloud ?? DEFAULT_CLOUD, flag: '--cloud' },
      ],
      options.device,
    ))
      await checkDevice(d);
  const facts = await readModelFacts(modelPath, options, progress);
  const { loaded, dag, candidates, shapes, structureOnly } = facts;
  const profiles =
    options.edge !== false
      ? await resolveProfiles(facts, options.edge ?? DEFAULT_EDGE, options, progress)
      : undefined;
  const cuts = candidates.map((c) => cutPointRecord(facts, c, profiles));
  const swept = options.data
    ? await sweepData(facts, options.data, options, { progress, cuts, shard })
    : undefined;
  const bandwidthsMbps = options.bandwidthsMbps ?? DEFAULT_BANDWIDTHS_MBPS;
  const rttMs = options.rttMs ?? DEFAULT_RTT_MS;
  const analysis: Analysis = {
    version: ANALYSIS_VERSION,
    jalad: JALAD_VERSION,
    createdAt: new Date().toISOString(),
    ...(options.commandLine ? { commandLine: options.commandLine } : {}),
    model: summarizeModel(loaded, dag),
    cutPoints: cuts,
    nodes: dag.nodes.map((n, i) => ({ name: n.name, op: n.opType, flops: facts.flops[i] })),
    ...(structureOnly
      ? { sizesUnknown: true as const }
      : { tensors: dynamicTensors(dag, shapes, facts.info) }),
    ...(profiles
      ? {
          profiles: {
            edge: summarizeProfile(profiles.edge, profiles.local),
            cloud: summarizeProfile(profiles.cloud, profiles.local),
          },
          bandwidthsMbps,
          rttMs,
          latency: latencyTable(
            cuts.map((c) => ({ index: c.index, edgeMs: c.edgeMs!, cloudMs: c.cloudMs!, bytes: c.bytes })),
            bandwidthsMbps,
            rttMs,
          ),
        }
      : {}),
    ...(swept ? { data: swept.data, bits: swept.bits, ...(shard ? {} : { sweep: swept.sweep.rows }) } : {}),
  };
  return { analysis, dag, swept };
}

/**
 * Adds the decision table (with profiles): the fastest plan within the budget at every bandwidth.
 * What `analyze` ends with, and `merge` after it has put the shards' rows together.
 */
export async function addDecisions(
  analysis: Analysis,
  dag: Dag,
  options: Pick<AnalyzeOptions, 'maxLossPct' | 'rttMs' | 'progress'>,
): Promise<Analysis> {
  if (!analysis.profiles) return analysis;
  const progress = options.progress ?? (() => undefined);
  const rttMs = options.rttMs ?? DEFAULT_RTT_MS;
  const maxLossPct = options.maxLossPct ?? DEFAULT_MAX_LOSS_PCT;
  progress(
    `decision table: the fastest plan within ${maxLossPct} pp for every bandwidth from ${DECISION_TABLE_MBPS.fromMbps} to ` +
      `${DECISION_TABLE_MBPS.toMbps} Mbps`,
  );
  const decisions = await analysisDecisions(analysis, dag, { maxLossPct, rttMs });
  return { ...analysis, maxLossPct, decisions };
}

/** Reads the model and probes every tensor once (the cut tensors, and the nodes' shapes for FLOPs). */
async function readModelFacts(
  modelPath: string,
  options: AnalyzeOptions,
  progress: (message: string) => void,
): Promise<ModelFacts> {
  // NOTE: without a sweep, large weights stay in the file: each session (the probe's, the
  // profile's) has ONNX Runtime read its own from there, none passes through JavaScript.
  const loaded = options.data ? readModelFile(modelPath) : readModelInFile(modelPath);
  const dag = buildDag(loaded.model, modelPath);
  const single = requireCutPoints(cutPoints(dag), modelPath);
  const inputValues = options.inputs ? loadInputValues(options.inputs, loaded.model) : undefined;
  // Structure only: without profiles, a model whose inputs have symbolic dimensions (other than the
  // batch) that no flag fixes is not run at all; its sizes are unknown.
  const structureOnly =
    options.edge === false && unsizedInputs(loaded.model, options.inputShapes, inputValues).length > 0;
  progress(
    `${modelPath}: ${dag.nodes.length} nodes, ${single.length} cut points; ` +
      (structureOnly
        ? 'sizes unknown (symbolic input dimensions; give --input-shape or --inputs)'
        : 'measuring tensor shapes with ONNX Runtime'),
  );
  // One run of the model reports every tensor: the cut tensors and the nodes' shapes for FLOPs.
  const info = structureOnly
    ? declaredTensors(loaded.model)
    : await probeTensors(loaded.model, probeableTensors(dag), {
        inputShapes: options.inputShapes,
        inputValues,
        source: modelPath,
      });
  const candidates = structureOnly ? single : withDagCuts(dag, single, info, options.dagCuts ?? 0, progress);
  const shapes = nodeShapesFrom(loaded.model, dag, info);
  const flops = nodeCosts(dag, shapes).map((c) => (structureOnly ? 0 : c.flops));
  // NOTE: sums over each cut point's sides without listing them: O(nodes) for all cut points
  // of a chain, where listing them would be O(nodes²).
  const cutFlops = edgeSums(candidates, flops);
  return { loaded, dag, candidates, inputValues, structureOnly, info, shapes, flops, cutFlops };
}

/**
 * The cut points with up to `count` cuts of several tensors among them, in execution order (by edge
 * node count; a cut point before a cut of several tensors with as many), numbered again.
 */
function withDagCuts(
  dag: Dag,
  single: readonly CutCandidate[],
  info: ReadonlyMap<string, TensorInfo>,
  count: number,
  progress: (message: string) => void,
): readonly CutCandidate[] {
  const extra = dagCuts(dag, single, (t) => info.get(t)?.bytesPerSample ?? 0, count);
  if (extra.length === 0) return single;
  progress(`${extra.length} cut(s) of several tensors added (--dag-cuts ${count})`);
  const core = dag.nodes.filter((n) => !dag.isStatic[n.index] && dag.isLive[n.index]).map((n) => n.index);
  return [...single, ...extra]
    .map((c, order) => ({ c, order }))
    .sort((a, b) => a.c.edgeNodeCount - b.c.edgeNodeCount || a.order - b.order)
    .map(({ c }, index) =>
      cutCandidate({ index, tensors: c.tensors, op: c.op }, c.edgeSide, core, dag.nodes.length),
    );
}

/** The edge and cloud device profiles of `--edge` and `--cloud`, measuring this machine at most once. */
async function resolveProfiles(
  facts: ModelFacts,
  edgeSpec: string,
  options: AnalyzeOptions,
  progress: (message: string) => void,
): Promise<Profiles> {
  const ctx: ProfileContext = {
    loaded: facts.loaded,
    dag: facts.dag,
    tensors: facts.info,
    measure: {
      threads: options.threads ?? PROFILE_DEFAULTS.threads,
      runs: options.runs ?? PROFILE_DEFAULTS.runs,
      warmup: options.warmup ?? PROFILE_DEFAULTS.warmup,
      mode: options.profileMode ?? DEFAULT_PROFILE_MODE,
      inputShapes: options.inputShapes,
      inputValues: facts.inputValues,
      source: facts.loaded.path,
      progress,
      device: options.device,
    },
    cache: { shapes: facts.shapes },
  };
  const edge = await resolveProfile(edgeSpec, ctx, '--edge');
  const cloud = await resolveProfile(options.cloud ?? DEFAULT_CLOUD, ctx, '--cloud');
  // `local` measures on --device: only a CPU profile is a reference for the codec, which runs on the CPU.
  const local = (ctx.cache.local?.device?.kind ?? 'cpu') === 'cpu' ? ctx.cache.local : undefined;
  return { edge, cloud, ...(local ? { local } : {}) };
}

/** A cut point as analysis.json records it: its tensors, sizes, FLOPs and (with profiles) times. */
function cutPointRecord(facts: ModelFacts, c: CutCandidate, profiles: Profiles | undefined): CutPoint {
  const { info, dag, structureOnly, cutFlops } = facts;
  const detail: CutTensor[] = c.tensors.map((t) => {
    const i = info.get(t.name) ?? unknownTensor(t.name);
    return {
      name: t.name,
      kind: t.kind,
      shape: i.dims,
      elemType: i.elemType,
      elements: i.elementsPerSample,
      ...(i.modelElemType !== undefined ? { modelElemType: i.modelElemType } : {}),
    };
  });
  const crossing = structureOnly ? [] : crossingSizes(c.tensors, info);
  const bytes = structureOnly ? 0 : crossingBytes(crossing);
  const edge = profiles?.edge;
  const cloud = profiles?.cloud;
  // A fast profile times a sample of cut points only (found by index, not position).
  const measured = edge?.kind === 'measured' ? edge.cutPoints?.find((p) => p.index === c.index) : undefined;
  const measuredCloud =
    cloud?.kind === 'measured' ? cloud.cutPoints?.find((p) => p.index === c.index) : undefined;
  return {
    index: c.index,
    tensors: c.tensors.map((t) => t.name),
    detail,
    op: c.op,
    shape: detail[0].shape,
    elements: detail.reduce((s, d) => s + d.elements, 0),
    bytes,
    edgeNodes: c.edgeNodeCount,
    cloudNodes: c.cloudNodeCount,
    ...(structureOnly
      ? { sizeUnknown: true as const }
      : { edgeFlops: cutFlops.edge[c.index], cloudFlops: cutFlops.cloud[c.index] }),
    ...(edge && cloud
      ? {
          edgeMs: predictPartMs(edge, dag, c.edgeNodes, crossing, 'edge'),
          cloudMs: predictPartMs(cloud, dag, c.cloudNodes, crossing, 'cloud'),
        }
      : {}),
    // A fast profile of a slow model times one part of a cut point: the other reads 0 (not timed).
    ...(measured && (measured.edgeMs > 0 || c.edgeNodes.length === 0)
      ? { edgeMeasuredMs: measured.edgeMs }
      : {}),
    ...(measuredCloud && (measuredCloud.cloudMs > 0 || c.cloudNodes.length === 0)
      ? { cloudMeasuredMs: measuredCloud.cloudMs }
      : {}),
  };
}

/** The sweep's result with what it ran on. */
export interface SweptData {
  readonly sweep: SweepResult;
  readonly data: NonNullable<Analysis['data']>;
  readonly bits: readonly BitWidth[];
  /** The settings a merge replays the shards with. */
  readonly grid: ShardGrid;
  /** sha256 of the preprocessed samples and labels: the data's identity across machines. */
  readonly dataSha256: string;
}

/** Runs the accuracy and size sweep (or one shard of it) on the validation data and records what it ran on. */
async function sweepData(
  facts: ModelFacts,
  source: DataSource,
  options: AnalyzeOptions,
  how: {
    readonly progress: (message: string) => void;
    readonly cuts: readonly CutPoint[];
    readonly shard?: ShardRequest;
  },
): Promise<SweptData> {
  const { loaded, dag, info } = facts;
  const only = options.sweepCuts;
  const candidates = only ? facts.candidates.filter((c) => only(c)) : facts.candidates;
  const { progress, shard } = how;
  const bits = (options.bits ?? DEFAULT_BITS) as readonly BitWidth[];
  const { dataset, input, moreInputs } = await loadValidationSet(loaded.model, source, loaded.path);
  const batchSize = effectiveBatchSize(input, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const grid: ShardGrid = {
    samples: dataset.samples,
    batchSize,
    sizeSamples: Math.min(options.sizeSamples ?? DEFAULT_SIZE_SAMPLES, dataset.samples),
    minToStop: DEFAULT_MIN_SAMPLES_TO_STOP,
    ...(options.maxLossPct !== undefined ? { maxLossPct: options.maxLossPct } : {}),
    bits,
    sweptCuts: candidates.map((c) => c.index),
    coder: options.coder ?? DEFAULT_CODER,
  };
  const swept = how.cuts.filter((c) => grid.sweptCuts.includes(c.index));
  const ranges = shard
    ? shardPlan({ ...grid, cuts: swept, bitWidths: bits.length }, shard.count)[shard.index - 1]
    : undefined;
  progress(
    `sweep: ${candidates.length} cut points x bit widths ${bits.join(',')} on ${dataset.samples} samples of ${source.data}` +
      (shard ? `, shard ${shard.index}/${shard.count}: ${ranges!.size} cut point ranges` : ''),
  );
  const sweep = await runSweep(
    { model: loaded.model, modelBytes: loaded.sessionBytes, dag, tensors: info, dataset, input, moreInputs },
    candidates,
    {
      bits,
      batchSize,
      threads: options.sweepThreads,
      sizeSamples: grid.sizeSamples,
      coder: grid.coder,
      maxLossPct: options.maxLossPct,
      metric: options.metric,
      minSamplesToStop: grid.minToStop,
      progress,
      ...(ranges ? { ranges } : {}),
    },
  );
  const data: NonNullable<Analysis['data']> = {
    path: source.data,
    ...(source.labels ? { labels: source.labels } : {}),
    samples: dataset.samples,
    seed: source.options?.seed ?? DEFAULT_SEED,
    labelled: sweep.reference.labelled,
    metric: sweep.metric,
    referenceAccuracy: sweep.reference.accuracy,
    referenceCorrect: sweep.reference.correct,
    sizeSamples: sweep.sizeSamples,
    ...(options.maxLossPct !== undefined ? { maxLossPct: options.maxLossPct } : {}),
    sweepSeconds: sweep.seconds,
    coder: sweep.coder,
    options: Object.fromEntries(
      Object.entries(source.options ?? {}).filter(([, v]) => v !== undefined && typeof v !== 'function'),
    ),
  };
  return { sweep, data, bits, grid, dataSha256: datasetSha256(dataset) };
}

/** sha256 of a data set's preprocessed samples and labels. */
function datasetSha256(dataset: Dataset): string {
  const hash = createHash('sha256');
  hash.update(new Uint8Array(dataset.data.buffer, dataset.data.byteOffset, dataset.data.byteLength));
  if (dataset.labels)
    hash.update(new Uint8Array(dataset.labels.buffer, dataset.labels.byteOffset, dataset.labels.byteLength));
  return hash.digest('hex');
}
