/**
 * The accuracy and size sweep (JALAD's first strategy, DESIGN.md "In-layer compression"
 * and "Accuracy loss"): for every cut point and bit width, compress the crossing tensors
 * of every validation sample, run the cut's cloud model on the decoded tensors, and
 * compare its top-1 with the unsplit model's (paired, per sample).
 *
 * Done efficiently: one run of the model per batch captures every cut tensor at once;
 * each cut's cloud model then runs on the decoded tensors; batches of samples throughout.
 * Cloud sessions are held open for as many cut points as fit a memory budget.
 */
import { performance } from 'perf_hooks';
import * as ort from 'onnxruntime-node';
import type { Dataset } from '../data';
import { DataType, encodeModel, extractSplit, valueInfo, type CutCandidate, type Dag, type ModelProto } from '../graph';
import { argmax, batches } from '../runtime/batches';
import { openSession, type InputSpec, type Optimization } from '../runtime/ort';
import { pairedLoss, Z_ONE_SIDED_95 } from '../stats';
import { batchRanges, compressBatch, encodedSizes } from './compress-batch';
import type { BitWidth, SizeCoder } from './types';

export type { SizeCoder } from './types';
import type { TensorInfo } from '../profiler';

/** Sizes of one (cut, bits) configuration with one coder, per sample. */
export interface SizeStats {
  readonly bytesMean: number;
  readonly bytesP95: number;
}

/** One row of the sweep: a cut point at a bit width. */
export interface SweepRow {
  /** Cut point index. */
  readonly cut: number;
  readonly bits: BitWidth;
  /** Accuracy loss vs the unsplit model, percentage points (negative: the split did better). */
  readonly lossPct: number;
  /** One-sided 95% upper confidence bound of the loss (Agresti–Min, paired). */
  readonly lossUpperPct: number;
  /** Fraction of samples whose top-1 equals the unsplit model's. */
  readonly agreement: number;
  /** Top-1 accuracy of the split model (agreement when there are no labels). */
  readonly accuracy: number;
  /** Samples evaluated (fewer than the data set when stopped early). */
  readonly samples: number;
  /** True when the run stopped because the loss's lower bound already exceeded --max-loss. */
  readonly stoppedEarly: boolean;
  /** Encoded bytes per sample with the default coder ('auto': rANS, or raw packing when smaller), all crossing tensors, headers included. */
  readonly bytesMean: number;
  readonly bytesP95: number;
  /** bytesMean·8 / elements per sample. */
  readonly bitsPerElement: number;
  /** bytesMean / float32 bytes per sample. */
  readonly ratio: number;
  /** The same sizes with each coder: the default, canonical Huffman (the paper's), raw bit packing. */
  readonly byCoder: Readonly<Record<SizeCoder, SizeStats>>;
}

/** The reference the losses are measured against. */
export interface SweepReference {
  /** True with labels: losses are in top-1 accuracy; false: in agreement with the unsplit model. */
  readonly labelled: boolean;
  readonly correct: number;
  readonly samples: number;
  readonly accuracy: number;
}

/** The whole sweep. */
export interface SweepResult {
  readonly reference: SweepReference;
  readonly rows: readonly SweepRow[];
  /** Samples whose encodings were measured for sizes. */
  readonly sizeSamples: number;
  readonly seconds: number;
}

/** Options of `runSweep`. */
export interface SweepOptions {
  readonly bits: readonly BitWidth[];
  readonly batchSize: number;
  readonly threads?: number;
  /** ORT optimisation level for every session of the sweep. */
  readonly optimization?: Optimization;
  /** Samples whose tensors are entropy coded to measure sizes (the first ones). */
  readonly sizeSamples: number;
  /** With a budget, configurations whose loss is proven above it stop early. */
  readonly maxLossPct?: number;
  /** Samples seen before a configuration may stop early. */
  readonly minSamplesToStop?: number;
  /** Bytes of cloud-model weights held in open sessions at once. */
  readonly memoryBudgetBytes?: number;
  readonly progress?: (message: string) => void;
}

/** Coders whose sizes the sweep measures. */
const CODERS: readonly SizeCoder[] = ['auto', 'huffman', 'raw'];

/** Mean and 95th percentile of sizes. */
function sizeStats(sizes: readonly number[]): SizeStats {
  if (sizes.length === 0) return { bytesMean: 0, bytesP95: 0 };
  const sorted = [...sizes].sort((a, b) => a - b);
  return { bytesMean: sizes.reduce((a, b) => a + b, 0) / sizes.length, bytesP95: sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] };
}

/** A configuration to evaluate: a cut and how each crossing tensor is sent. */
export interface SweepConfig {
  readonly cut: CutCandidate;
  /** The bit width of every float tensor not named in `bitsOf`. */
  readonly bits: BitWidth;
  /** Per-tensor precision ('f32': sent uncompressed). */
  readonly bitsOf?: ReadonlyMap<string, BitWidth | 'f32'>;
}

/** Per-configuration running state. */
interface ConfigState extends SweepConfig {
  samples: number;
  lost: number;
  gained: number;
  agree: number;
  correct: number;
  stopped: boolean;
  readonly sizes: Record<SizeCoder, number[]>;
}

/**
 * Runs the sweep: every cut point at every bit width of `options.bits`.
 * @param cuts the cut points (with their partitions) to evaluate
 * @param info types and shapes of every crossing tensor
 */
export async function runSweep(
  model: ModelProto, modelBytes: Uint8Array, dag: Dag, cuts: readonly CutCandidate[], info: ReadonlyMap<string, TensorInfo>,
  dataset: Dataset, input: InputSpec, options: SweepOptions,
): Promise<SweepResult> {
  return evaluateConfigs(model, modelBytes, dag, cuts.flatMap((cut) => options.bits.map((bits) => ({ cut, bits }))), info, dataset, input, options);
}

/**
 * Evaluates any configurations (cuts with per-tensor precisions) on the validation set:
 * what `jalad split` uses to measure a solved plan for real.
 */
export async function evaluateConfigs(
  model: ModelProto, modelBytes: Uint8Array, dag: Dag, configs: readonly SweepConfig[], info: ReadonlyMap<string, TensorInfo>,
  dataset: Dataset, input: InputSpec, options: Omit<SweepOptions, 'bits'>,
): Promise<SweepResult> {
  const cuts = [...new Set(configs.map((c) => c.cut))];
  const started = performance.now();
  const progress = options.progress ?? (() => undefined);
  const optimization = options.optimization ?? 'all';
  const threads = options.threads ?? 0;
  const labels = dataset.labels;
  const sizeSamples = Math.min(options.sizeSamples, dataset.samples);
  const minToStop = options.minSamplesToStop ?? 200;

  // 1. The unsplit model's top-1 for every sample: the reference.
  // NOTE: from the model as it is, not from the capture run below: a tensor that is also a graph
  // output blocks ORT fusions (Conv+BatchNormalization folding among them), which can move the
  // logits by an ulp and flip a near-tie; the reference must equal what `jalad eval` reports.
  const refPred = new Int32Array(dataset.samples);
  const ref = await openSession(modelBytes, { optimization, threads, spinning: false });
  try {
    for (const b of batches(dataset, options.batchSize)) {
      const out = (await ref.run({ [input.name]: b.tensor }))[ref.outputNames[0]];
      const classes = out.dims[1];
      for (let i = 0; i < b.count; i++) refPred[b.start + i] = argmax(out.data as Float32Array, i * classes, classes);
    }
  } finally {
    await ref.release();
  }

  const states: ConfigState[] = configs.map((c) => ({
    ...c, samples: 0, lost: 0, gained: 0, agree: 0, correct: 0, stopped: false,
    sizes: { auto: [], huffman: [], raw: [] } as Record<SizeCoder, number[]>,
  }));

  // 2. Cut points in groups whose cloud models fit the memory budget.
  const budget = options.memoryBudgetBytes ?? 2e9;
  const perGroup = Math.max(1, Math.floor(budget / Math.max(1, modelBytes.length)));
  const typed = (t: string) => valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims);
  const totalWork = cuts.length * dataset.samples;
  let doneWork = 0;
  let lastReport = performance.now();
  for (let g = 0; g < cuts.length; g += perGroup) {
    const group = cuts.slice(g, g + perGroup);
    const wanted = [...new Set(group.flatMap((c) => c.tensors.map((t) => t.name)))];
    const captured = wanted.filter((t) => t !== input.name);
    const g0 = model.graph ?? {};
    const capture: ModelProto = { ...model, graph: { ...g0, output: captured.map((t) => typed(t)) } };
    const captureSession = await openSession(encodeModel(capture), { optimization, threads, spinning: false });
    const clouds = new Map<number, ort.InferenceSession>();
    // One buffer per tensor for its decoded batch: ORT is done with it once `run` resolves.
    const decoded = new Map<string, Float32Array<ArrayBuffer>>();
    const decodedBuffer = (name: string, length: number): Float32Array<ArrayBuffer> => {
      let buffer = decoded.get(name);
      if (buffer === undefined || buffer.length !== length) decoded.set(name, (buffer = new Float32Array(length)));
      return buffer;
    };
    try {
      for (const c of group) {
        const split = extractSplit(model, dag, { edgeNodes: c.edgeNodes, cloudNodes: c.cloudNodes, crossing: c.tensors }, typed);
        clouds.set(c.index, await openSession(encodeModel(split.cloud), { optimization, threads, spinning: false }));
      }
      for (const b of batches(dataset, options.batchSize)) {
        if (group.every((c) => states.every((st) => st.cut !== c || st.stopped))) break;
        const tensors: Record<string, ort.Tensor> = captured.length > 0 ? await captureSession.run({ [input.name]: b.tensor }) : {};
        tensors[input.name] = b.tensor;
        // Per-sample ranges of each float tensor, shared by every bit width of this batch.
        const ranges = new Map<string, Float64Array>();
        const rangesOf = (name: string, data: Float32Array): Float64Array => {
          let r = ranges.get(name);
          if (r === undefined) ranges.set(name, (r = batchRanges(data, b.count, name)));
          return r;
        };
        for (const c of group) {
          const cloud = clouds.get(c.index)!;
          for (const st of states) {
            if (st.cut !== c || st.stopped) continue;
            const feeds: Record<string, ort.Tensor> = {};
            const measureSize = b.start < sizeSamples;
            for (const t of c.tensors) {
              const v = tensors[t.name];
              const i = info.get(t.name)!;
              const bits = st.bitsOf?.get(t.name) ?? st.bits;
              if (i.elemType === DataType.FLOAT && t.kind !== 'shape' && bits !== 'f32') {
                const sampleShape = i.dims.slice(1).map((d) => (typeof d === 'number' ? d : 1));
                const data = v.data as Float32Array;
                feeds[t.name] = new ort.Tensor('float32', compressBatch(data, b.count, bits, t.name, rangesOf(t.name, data), decodedBuffer(t.name, data.length)), v.dims);
                if (measureSize) {
                  const sizes = encodedSizes(data, b.count, bits, t.name, sampleShape, sizeSamples - b.start);
                  for (const coder of CODERS) {
                    sizes[coder].forEach((bytes, k) => { st.sizes[coder][b.start + k] = (st.sizes[coder][b.start + k] ?? 0) + bytes; });
                  }
                }
              } else {
                feeds[t.name] = v;
                // Uncompressed: non-float tensors (shape metadata, integer inputs) and 'f32'.
                if (measureSize) for (const coder of CODERS) for (let k = 0; k < Math.min(b.count, sizeSamples - b.start); k++) st.sizes[coder][b.start + k] = (st.sizes[coder][b.start + k] ?? 0) + i.bytesPerSample;
              }
            }
            const out = (await cloud.run(feeds))[cloud.outputNames[0]];
            const classes = out.dims[1];
            for (let k = 0; k < b.count; k++) {
              const s = b.start + k;
              const p = argmax(out.data as Float32Array, k * classes, classes);
              const refOk = labels ? refPred[s] === labels[s] : true;
              const ok = labels ? p === labels[s] : p === refPred[s];
              if (p === refPred[s]) st.agree++;
              if (ok) st.correct++;
              if (refOk && !ok) st.lost++;
              if (!refOk && ok) st.gained++;
            }
            st.samples += b.count;
            if (options.maxLossPct !== undefined && st.samples >= minToStop && st.samples < dataset.samples) {
              // One-sided 95% lower bound (the same interval, the other side): proven over budget.
              const lower = pairedLoss({ lost: st.lost, gained: st.gained, n: st.samples }, -Z_ONE_SIDED_95).lossUpperPct;
              if (lower > options.maxLossPct) st.stopped = true;
            }
          }
          doneWork += b.count;
        }
        const now = performance.now();
        if (now - lastReport > 2000) {
          lastReport = now;
          const left = ((now - started) / doneWork) * (totalWork - doneWork) / 1000;
          progress(`sweep: ${((doneWork / totalWork) * 100).toFixed(0)}% (${configs.length} configurations on ${dataset.samples} samples), about ${left.toFixed(0)} s left`);
        }
      }
    } finally {
      await captureSession.release();
      for (const s of clouds.values()) await s.release();
    }
  }

  let refCorrect = 0;
  if (labels) for (let i = 0; i < dataset.samples; i++) if (refPred[i] === labels[i]) refCorrect++;

  const rows: SweepRow[] = states.map((st) => {
    const { lossPct, lossUpperPct } = pairedLoss({ lost: st.lost, gained: st.gained, n: st.samples }, Z_ONE_SIDED_95);
    const byCoder = Object.fromEntries(CODERS.map((c) => [c, sizeStats(st.sizes[c].slice(0, Math.min(sizeSamples, st.samples)))])) as Record<SizeCoder, SizeStats>;
    const elements = st.cut.tensors.reduce((s, t) => s + info.get(t.name)!.elementsPerSample, 0);
    const float32Bytes = st.cut.tensors.reduce((s, t) => s + (info.get(t.name)!.elemType === DataType.FLOAT ? 4 * info.get(t.name)!.elementsPerSample : info.get(t.name)!.bytesPerSample), 0);
    const main = byCoder.auto;
    return {
      cut: st.cut.index, bits: st.bits, lossPct, lossUpperPct,
      agreement: st.samples > 0 ? st.agree / st.samples : 0,
      accuracy: st.samples > 0 ? st.correct / st.samples : 0,
      samples: st.samples, stoppedEarly: st.stopped,
      bytesMean: main.bytesMean, bytesP95: main.bytesP95,
      bitsPerElement: elements > 0 ? (main.bytesMean * 8) / elements : 0,
      ratio: float32Bytes > 0 ? main.bytesMean / float32Bytes : 0,
      byCoder,
    };
  });
  return {
    reference: { labelled: labels !== undefined, correct: labels ? refCorrect : dataset.samples, samples: dataset.samples, accuracy: labels ? refCorrect / dataset.samples : 1 },
    rows,
    sizeSamples,
    seconds: (performance.now() - started) / 1000,
  };
}
