/**
 * `jalad split model.onnx --cut T[,T...]`: an explicit cut, no analysis needed.
 * Writes edge.onnx, cloud.onnx and split.json, after checking on synthetic input that
 * edge then cloud reproduces the original outputs.
 */
import * as path from 'path';
import { InputError, JaladError } from '../core/errors';
import {
  buildDag,
  encodeModel,
  extractSplit,
  partitionAt,
  readModelSkeleton,
  valueInfo,
  type ModelProto,
  type TensorProto,
  type Dim,
} from '../graph';
import { checkOutputFolder, writeOutputSet } from '../core/output-set';
import {
  checkDevice,
  deviceLabel,
  feedsFor,
  inputSpecs,
  maxAbsDiff,
  openSession,
  probeTensors,
  syntheticFeeds,
  type DeviceChoice,
  type InputValues,
  type Tensor,
  type TensorMap,
} from '../runtime';
import { DEFAULT_SYNTHETIC_SEED } from '../core/defaults';
import { loadInputValues, loadReferenceOutputs } from '../runtime/input-values';
import { diffOutputs, type OutputDiff } from '../runtime/reference-diff';
import { JALAD_VERSION } from '../core/version';

/**
 * Largest output difference accepted, relative to the output's magnitude when that exceeds 1
 * (absolute below); ORT may reorder float sums across a cut.
 */
export const SPLIT_TOLERANCE = 1e-5;

/** Largest relative difference from reference outputs (`output_N.pb`) that counts as reproducing them. */
export const REFERENCE_TOLERANCE = 1e-4;

/** One output against its reference (`output_N.pb`), for the split and for the unsplit model. */
export interface ReferenceOutput extends OutputDiff {
  /** Relative difference of the unsplit model's output from the reference (the runtime's own). */
  readonly originalRelDiff: number;
  readonly originalExact: boolean;
}

/** How the split's outputs compare with the reference outputs of an `--inputs` test-data folder. */
export interface ReferenceCheck {
  readonly folder: string;
  readonly tolerance: number;
  readonly outputs: readonly ReferenceOutput[];
  /** Largest relative difference of the split's outputs from the reference. */
  readonly maxRelDiff: number;
  /** The same for the unsplit model. */
  readonly originalMaxRelDiff: number;
  /** Every output within `tolerance` (integer, boolean and string outputs: exactly equal). */
  readonly reproduces: boolean;
}

/** One crossing tensor as split.json records it. */
export interface SplitTensor {
  readonly name: string;
  readonly kind: 'data' | 'input' | 'shape' | 'output';
  readonly shape: readonly Dim[];
  readonly elemType: number;
  /** Bytes per sample in the tensor's own type. */
  readonly bytes: number;
}

/** The content of split.json. */
export interface SplitReport {
  readonly jalad: string;
  readonly model: string;
  readonly cut: readonly string[];
  readonly tensors: readonly SplitTensor[];
  readonly edgeNodes: number;
  readonly cloudNodes: number;
  /** Largest |original - split| over all outputs on the verification input. */
  readonly maxAbsDiff: number;
  readonly verifiedBatch: number;
  /** What the split was verified on: real values (`--inputs`) or synthetic ones. */
  readonly verifiedOn: 'inputs' | 'synthetic';
  /** The GPU the verification ran on (`--device`); absent when it ran on the CPU. */
  readonly verifiedDevice?: string;
  /** With an `--inputs` folder holding output_N.pb: the split's and the model's difference from them. */
  readonly reference?: ReferenceCheck;
  readonly files: { readonly edge: string; readonly cloud: string };
}

/** Options of `splitAtCut`. */
export interface SplitAtCutOptions {
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
  /** `--inputs`: a test-data folder (input_N.pb, output_N.pb) or NAME=FILE[,NAME=FILE...]. */
  readonly inputs?: string;
  /** Real input values already loaded (instead of `inputs`). */
  readonly inputValues?: InputValues;
  readonly seed?: number;
  readonly progress?: (message: string) => void;
  /**
   * Where the verification runs the whole model, the edge and the cloud part (default: the CPU).
   * All three run on the same device, so a GPU's own rounding is compared with itself.
   */
  readonly device?: DeviceChoice;
}

/** Runs a model and returns all its outputs. */
async function runAll(
  model: ModelProto | Uint8Array,
  feeds: Readonly<TensorMap>,
  source?: string,
  device?: DeviceChoice,
): Promise<TensorMap> {
  const session = await openSession(model, { source, device });
  try {
    return await session.run(feedsFor(session, feeds));
  } finally {
    await session.release();
  }
}

/**
 * Runs edge then cloud on `feeds` and returns the largest difference from the original outputs.
 * @returns max |a - b| over every output element
 */
export async function verifySplit(
  original: ModelProto | Uint8Array,
  edge: Uint8Array,
  cloud: Uint8Array,
  feeds: Readonly<TensorMap>,
): Promise<number> {
  return (await runSplit(original, edge, cloud, feeds)).maxAbsDiff;
}

/** The outputs of the original model and of edge then cloud, and how far apart they are. */
interface SplitRun {
  readonly want: TensorMap;
  readonly got: TensorMap;
  /** max |a - b| over every output element. */
  readonly maxAbsDiff: number;
  /** Whether every output is within SPLIT_TOLERANCE (relative above magnitude 1). */
  readonly within: boolean;
  /** What the edge part sent (the crossing tensors). */
  readonly sent: TensorMap;
}

/** Largest |x| over a tensor's finite elements (0 for non-numeric tensors). */
function magnitude(t: Tensor): number {
  if (t.type === 'string') return 0;
  const x = t.data as ArrayLike<number | bigint>;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(Number(x[i]));
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m;
}

async function runSplit(
  original: ModelProto | Uint8Array,
  edge: Uint8Array,
  cloud: Uint8Array,
  feeds: TensorMap,
  source?: string,
  device?: DeviceChoice,
): Promise<SplitRun> {
  const want = await runAll(original, feeds, source, device);
  const sent = await runAll(edge, feeds, undefined, device);
  const got = await runAll(cloud, { ...feeds, ...sent }, undefined, device);
  let diff = 0;
  let within = true;
  for (const name of Object.keys(want)) {
    const d =
      want[name].type === 'string'
        ? exactStrings(want[name], got[name])
          ? 0
          : Infinity
        : maxAbsDiff(want[name], got[name]);
    diff = Math.max(diff, d);
    if (!(d <= SPLIT_TOLERANCE * Math.max(1, magnitude(want[name])))) within = false;
  }
  return { want, got, maxAbsDiff: diff, within, sent };
}

/**
 * Why a verification run proves nothing, or undefined when it can count: a crossing tensor or an
 * output with no elements (a window size read from an integer input that synthetic values set to
 * 0), or a floating-point one with no finite value (every comparison of NaN is "equal" to nothing).
 */
export function degenerateRun(run: Pick<SplitRun, 'want' | 'sent'>): string | undefined {
  const check = (what: string, tensors: TensorMap): string | undefined => {
    for (const [name, t] of Object.entries(tensors)) {
      if (t.dims.some((d) => d === 0))
        return `${what} "${name}" has no elements (shape [${t.dims.join(', ')}])`;
      if (t.type === 'float32' || t.type === 'float64') {
        const x = t.data as ArrayLike<number>;
        let finite = false;
        for (let i = 0; i < x.length && !finite; i++) finite = Number.isFinite(x[i]);
        if (!finite) return `${what} "${name}" has no finite value`;
      }
    }
    return undefined;
  };
  return check('cut tensor', run.sent) ?? check('output', run.want);
}

function exactStrings(a: Tensor, b: Tensor | undefined): boolean {
  if (!b || a.dims.join() !== b.dims.join()) return false;
  const x = a.data as string[];
  const y = b.data as string[];
  return x.every((v, i) => v === y[i]);
}

/** A verified split held in memory, ready to be written. */
export interface ExplicitSplit {
  readonly edge: Uint8Array;
  readonly cloud: Uint8Array;
  readonly report: Omit<SplitReport, 'files' | 'model' | 'jalad'>;
}

/**
 * `m` with its initializers' data read in (the same bytes as a part extracted from the whole model
 * read at once); each part's weights are read only when that part is encoded.
 */
function filledIn(m: ModelProto, withWeights: (t: TensorProto) => TensorProto): ModelProto {
  return { ...m, graph: { ...m.graph, initializer: (m.graph?.initializer ?? []).map(withWeights) } };
}

/**
 * Splits an in-memory model at `cut` and verifies the split on synthetic input.
 * @param modelBytes the model's own encoded bytes, to open the whole model on (else it is encoded)
 * @param withWeights when `model`'s weights are references into its file: an initializer of `model`
 *   with its data read in (readModelSkeleton's `withData`), applied to the parts once the
 *   verification's sessions are closed, for the bytes written
 * @throws InputError 'BAD_CUT' for a tensor set that is not a cut; JaladError 'RUNTIME' if
 *   the split does not reproduce the original outputs within SPLIT_TOLERANCE
 */
export async function buildExplicitSplit(
  model: ModelProto,
  cut: readonly string[],
  options: SplitAtCutOptions = {},
  source = 'model',
  modelBytes?: Uint8Array,
  withWeights?: (t: TensorProto) => TensorProto,
): Promise<ExplicitSplit> {
  const progress = options.progress ?? (() => undefined);
  // A device that cannot be used is refused before any work (one line, exit 2).
  if (options.device) await checkDevice(options.device);
  const dag = buildDag(model, source);
  const partition = partitionAt(dag, cut);
  const names = partition.crossing.map((c) => c.name);
  const inputValues =
    options.inputValues ?? (options.inputs ? loadInputValues(options.inputs, model) : undefined);
  const userSource = modelBytes || withWeights ? source : undefined;
  const info = await probeTensors(model, names, {
    inputShapes: options.inputShapes,
    inputValues,
    seed: options.seed,
    source: userSource,
  });
  const typed = (t: string) => valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims);
  const split = extractSplit(model, dag, partition, typed);
  progress(`encoding ${partition.edgeNodes.length} edge and ${partition.cloudNodes.length} cloud nodes`);
  let edge = encodeModel(split.edge);
  let cloud = encodeModel(split.cloud);

  const specs = inputSpecs(model);
  // Real values are verified at their own batch; synthetic ones at 2 when the batch is dynamic.
  const batch = !inputValues && specs.some((s) => typeof s.dims[0] === 'string') ? 2 : 1;
  const feeds = syntheticFeeds(
    specs,
    batch,
    options.seed ?? DEFAULT_SYNTHETIC_SEED,
    options.inputShapes,
    inputValues,
  );
  progress(
    `verifying: original vs edge then cloud on ${inputValues ? 'the --inputs values' : 'synthetic input'}` +
      (options.device ? ` (${deviceLabel(options.device)})` : ''),
  );
  // NOTE: the file's own bytes, when we have them, spare re-encoding the whole model.
  const run = await runSplit(modelBytes ?? model, edge, cloud, feeds, userSource, options.device);
  checkVerified(run, cut, inputValues !== undefined);
  // Verified on parts whose weights stayed in the file: the files written hold them.
  if (withWeights)
    [edge, cloud] = [split.edge, split.cloud].map((m) => encodeModel(filledIn(m, withWeights)));
  const diff = run.maxAbsDiff;
  const references =
    options.inputs && !options.inputs.includes('=') ? loadReferenceOutputs(options.inputs, model) : new Map();
  const reference = references.size > 0 ? referenceCheck(options.inputs!, run, references) : undefined;
  return {
    edge,
    cloud,
    report: {
      cut: [...cut],
      tensors: partition.crossing.map((c) => {
        const i = info.get(c.name)!;
        return { name: c.name, kind: c.kind, shape: i.dims, elemType: i.elemType, bytes: i.bytesPerSample };
      }),
      edgeNodes: partition.edgeNodes.length,
      cloudNodes: partition.cloudNodes.length,
      maxAbsDiff: diff,
      verifiedBatch: Object.values(feeds)[0]?.dims[0] ?? batch,
      ...(options.device && options.device.kind !== 'cpu'
        ? { verifiedDevice: deviceLabel(options.device) }
        : {}),
      verifiedOn: inputValues ? 'inputs' : 'synthetic',
      ...(reference ? { reference } : {}),
    },
  };
}

/**
 * Refuses a verification that proves nothing (degenerate outputs) or a split that does not
 * reproduce the original outputs.
 * @param onInputs whether the run used the --inputs values (else synthetic input)
 */
function checkVerified(
  run: Awaited<ReturnType<typeof runSplit>>,
  cut: readonly string[],
  onInputs: boolean,
): void {
  const degenerate = degenerateRun(run);
  if (degenerate)
    throw new InputError(
      'BAD_DATA',
      onInputs
        ? `split at ${cut.join(',')}: on the --inputs values, ${degenerate}: the split cannot be verified ` +
            'on them; nothing was written; give inputs that exercise the model'
        : `split at ${cut.join(',')}: on synthetic input, ${degenerate}: the split cannot be verified on it; ` +
            'nothing was written; give real inputs with --inputs',
    );
  if (!run.within) {
    throw new JaladError(
      'RUNTIME',
      `split at ${cut.join(',')} does not reproduce the original outputs (max abs difference ${run.maxAbsDiff}); nothing was written`,
    );
  }
}

/** The split's and the unsplit model's outputs against the reference outputs. */
function referenceCheck(
  folder: string,
  run: SplitRun,
  references: ReadonlyMap<string, Tensor>,
): ReferenceCheck {
  const split = diffOutputs(run.got, references);
  const unsplit = diffOutputs(run.want, references);
  const outputs = split.map((d, i) => ({
    ...d,
    originalRelDiff: unsplit[i].relDiff,
    originalExact: unsplit[i].exact,
  }));
  return {
    folder,
    tolerance: REFERENCE_TOLERANCE,
    outputs,
    maxRelDiff: Math.max(0, ...outputs.map((o) => o.relDiff)),
    originalMaxRelDiff: Math.max(0, ...outputs.map((o) => o.originalRelDiff)),
    reproduces: outputs.every((o) => (o.integer ? o.exact : o.relDiff <= REFERENCE_TOLERANCE)),
  };
}

/** Splits `modelPath` at `cut` and writes DIR/edge.onnx, DIR/cloud.onnx, DIR/split.json (all or nothing). */
export async function splitAtCut(
  modelPath: string,
  cut: readonly string[],
  outDir: string,
  options: SplitAtCutOptions = {},
): Promise<SplitReport> {
  checkOutputFolder(outDir, { flag: '--out' });
  // The weights stay in the file while the split is verified (ONNX Runtime reads them there; no
  // copy in JavaScript, none in the runtime's parsed model); each part's are read from the file
  // only to write it, once every session is closed. On ResNet-50 (102 MB) reading the file whole
  // first peaked at 622 MB (6.1x the file).
  const skeleton = readModelSkeleton(modelPath);
  const g = skeleton.model.graph ?? {};
  const inits = g.initializer ?? [];
  const refs = inits.map(skeleton.inFile);
  // A model read whole (external data, or a file the scan cannot read) has no references.
  const stored = new Map(refs.flatMap((r, k) => (r === inits[k] ? [] : [[r, inits[k]] as const])));
  const split =
    stored.size > 0
      ? await buildExplicitSplit(
          { ...skeleton.model, graph: { ...g, initializer: refs } },
          cut,
          options,
          modelPath,
          undefined,
          (t) => skeleton.withData(stored.get(t) ?? t),
        )
      : await buildExplicitSplit(skeleton.model, cut, options, modelPath, skeleton.sessionBytes);
  const report: SplitReport = {
    jalad: JALAD_VERSION,
    model: modelPath,
    ...split.report,
    files: { edge: path.join(outDir, 'edge.onnx'), cloud: path.join(outDir, 'cloud.onnx') },
  };
  writeOutputSet(
    outDir,
    [
      { name: 'edge.onnx', data: split.edge },
      { name: 'cloud.onnx', data: split.cloud },
      { name: 'split.json', data: JSON.stringify(report, null, 2) + '\n' },
    ],
    { flag: '--out' },
  );
  return report;
}
