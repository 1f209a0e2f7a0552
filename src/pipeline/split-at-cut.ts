/**
 * `jalad split model.onnx --cut T[,T...]`: an explicit cut, no analysis needed.
 * Writes edge.onnx, cloud.onnx and split.json, after checking on synthetic input that
 * edge then cloud reproduces the original outputs.
 */
import * as path from 'path';
import { JaladError } from '../core/errors';
import {
  buildDag,
  encodeModel,
  extractSplit,
  partitionAt,
  readModelFile,
  valueInfo,
  type ModelProto,
  type Dim,
} from '../graph';
import { checkOutputFolder, writeOutputSet } from '../core/output-set';
import {
  feedsFor,
  inputSpecs,
  maxAbsDiff,
  openSession,
  probeTensors,
  syntheticFeeds,
  type TensorMap,
} from '../runtime';
import { DEFAULT_SYNTHETIC_SEED } from '../core/defaults';
import { JALAD_VERSION } from '../core/version';

/** Largest output difference accepted; ORT may reorder float sums across a cut. */
export const SPLIT_TOLERANCE = 1e-5;

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
  readonly files: { readonly edge: string; readonly cloud: string };
}

/** Options of `splitAtCut`. */
export interface SplitAtCutOptions {
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
  readonly seed?: number;
  readonly progress?: (message: string) => void;
}

/** Runs a model and returns all its outputs. */
async function runAll(model: ModelProto | Uint8Array, feeds: Readonly<TensorMap>): Promise<TensorMap> {
  const session = await openSession(model);
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
  const want = await runAll(original, feeds);
  const sent = await runAll(edge, feeds);
  const got = await runAll(cloud, { ...feeds, ...sent });
  let diff = 0;
  for (const name of Object.keys(want)) diff = Math.max(diff, maxAbsDiff(want[name], got[name]));
  return diff;
}

/** A verified split held in memory, ready to be written. */
export interface ExplicitSplit {
  readonly edge: Uint8Array;
  readonly cloud: Uint8Array;
  readonly report: Omit<SplitReport, 'files' | 'model' | 'jalad'>;
}

/**
 * Splits an in-memory model at `cut` and verifies the split on synthetic input.
 * @throws InputError 'BAD_CUT' for a tensor set that is not a cut; JaladError 'RUNTIME' if
 *   the split does not reproduce the original outputs within SPLIT_TOLERANCE
 */
export async function buildExplicitSplit(
  model: ModelProto,
  cut: readonly string[],
  options: SplitAtCutOptions = {},
  source = 'model',
  modelBytes?: Uint8Array,
): Promise<ExplicitSplit> {
  const progress = options.progress ?? (() => undefined);
  const dag = buildDag(model, source);
  const partition = partitionAt(dag, cut);
  const names = partition.crossing.map((c) => c.name);
  const info = await probeTensors(model, names, { inputShapes: options.inputShapes, seed: options.seed });
  const split = extractSplit(model, dag, partition, (t) =>
    valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims),
  );
  progress(`encoding ${partition.edgeNodes.length} edge and ${partition.cloudNodes.length} cloud nodes`);
  const edge = encodeModel(split.edge);
  const cloud = encodeModel(split.cloud);

  const specs = inputSpecs(model);
  const batch = specs.some((s) => typeof s.dims[0] === 'string') ? 2 : 1;
  const feeds = syntheticFeeds(specs, batch, options.seed ?? DEFAULT_SYNTHETIC_SEED, options.inputShapes);
  progress('verifying: original vs edge then cloud on synthetic input');
  // NOTE: the file's own bytes, when we have them, spare re-encoding the whole model.
  const diff = await verifySplit(modelBytes ?? model, edge, cloud, feeds);
  if (!(diff <= SPLIT_TOLERANCE)) {
    throw new JaladError(
      'RUNTIME',
      `split at ${cut.join(',')} does not reproduce the original outputs (max abs difference ${diff}); nothing was written`,
    );
  }
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
    },
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
  const loaded = readModelFile(modelPath);
  const split = await buildExplicitSplit(loaded.model, cut, options, modelPath, loaded.bytes);
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
