/**
 * The sweep's work on one batch of samples, as plain data in and out so that it runs the same in
 * this thread or in a worker thread (pool.ts): run each cut's edge model once, then for each
 * configuration compress the crossing tensors sample by sample, run the cut's cloud model on the
 * decoded batch and return each sample's metric score and top-1, plus encoded sizes. With a metric
 * that compares with the unsplit model's outputs, the whole model runs once per batch here too.
 */
import { createTensor, openSession, type Optimization, type Session, type TensorMap } from '../runtime';
import { batchRanges, compressBatch, encodedSizes } from '../codec/compress-batch';
import { timeCodec } from '../codec/codec-time';
import type { BitWidth, CoderChoice, SizeCoder } from '../codec/types';
import { loadMetric, sampleOutputs, type BatchOutputs, type Metric } from './metric';
import type { MetricSpec } from './metric-spec';

/** Coders whose sizes the sweep always measures. */
export const SIZE_CODERS: readonly SizeCoder[] = ['auto', 'huffman', 'raw'];

/**
 * The coders whose sizes a sweep with `coder` measures, in the order of `BatchOutcome.sizes`:
 * `SIZE_CODERS`, then `coder` when it is not one of them.
 */
export function sweepCoders(coder: CoderChoice): readonly CoderChoice[] {
  return (SIZE_CODERS as readonly CoderChoice[]).includes(coder) ? SIZE_CODERS : [...SIZE_CODERS, coder];
}

/** One crossing tensor of a cut. */
export interface CrossingSpec {
  readonly name: string;
  /** False for tensors always sent as they are: shape metadata and non-float tensors. */
  readonly compressible: boolean;
  /** Dims of one sample (what the size of an encoding depends on). */
  readonly sampleShape: readonly number[];
  /** Bytes of one sample uncompressed (counted as its size when sent as it is). */
  readonly bytesPerSample: number;
}

/** A cut point of this group. */
export interface CutSpec {
  readonly index: number;
  /** The edge model, serialized ONNX; null when the edge computes nothing (the input is sent). */
  readonly edge: Uint8Array | null;
  /** The cloud model, serialized ONNX. */
  readonly cloud: Uint8Array;
  readonly tensors: readonly CrossingSpec[];
}

/** A group of cut points whose sessions are open together (see the memory budget in sweep.ts). */
export interface GroupSpec {
  readonly cuts: readonly CutSpec[];
  /** The metric that scores each sample (every thread loads its own). */
  readonly metric: MetricSpec;
  /** The whole model, serialized, when the metric compares with its outputs; else null. */
  readonly unsplit: Uint8Array | null;
  readonly optimization: Optimization;
  /** ORT intra-op threads of each session (0: ORT's choice). */
  readonly threads: number;
}

/** A configuration to run on a batch: a cut and how each of its crossing tensors is sent. */
export interface JobConfig {
  /** The cut's `CutSpec.index`. */
  readonly cut: number;
  /** Per crossing tensor, in `CutSpec.tensors` order: the bit width, or 0 to send it as it is. */
  readonly bits: readonly number[];
}

/** One graph input of a batch: float32 values, batch axis first. */
export interface JobInput {
  readonly name: string;
  /** The values: a copy owned by the job when it goes to a worker thread. */
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** One batch to evaluate. */
export interface BatchJob {
  /** Index of the batch's first sample in the data set. */
  readonly start: number;
  readonly count: number;
  /** Every graph input the data feeds. */
  readonly inputs: readonly JobInput[];
  /** The batch's labels, when the data set has them. */
  readonly labels?: Int32Array;
  readonly configs: readonly JobConfig[];
  /** Samples of this batch, from its first, whose encoded sizes are measured. */
  readonly sizeCount: number;
  /** Samples of this batch, from its first, whose codec time is measured (at most `sizeCount`). */
  readonly timeCount: number;
  /** The coder whose encode and decode are timed. */
  readonly coder: CoderChoice;
  /** The coders whose sizes are measured (`sweepCoders(coder)`), in the order of `BatchOutcome.sizes`. */
  readonly sizeCoders: readonly CoderChoice[];
}

/** What one batch gave. */
export interface BatchOutcome {
  readonly start: number;
  /** Top-1 (argmax of the first output) of every sample for every configuration of the job: [config][sample]. */
  readonly predictions: Int32Array;
  /** The metric's score of every sample for every configuration: [config][sample], each in [0, 1]. */
  readonly scores: Float64Array;
  /** Bytes per sample, all crossing tensors and headers: [config][coder of `sizeCoders`][sizeCount]. */
  readonly sizes: Float64Array;
  /** Codec ms per sample, all crossing tensors: [config][encode, decode][timeCount]. */
  readonly codecMs: Float64Array;
}

/**
 * Adds the encoded sizes of one crossing tensor for the batch's size samples into `out`
 * ([coder of `sizeCoders`][sizeCount]).
 */
function addSizes(
  job: BatchJob,
  data: Float32Array,
  t: CrossingSpec,
  bits: BitWidth,
  range: Float64Array,
  out: Float64Array,
): void {
  if (job.sizeCount === 0) return;
  const measured = encodedSizes(
    data,
    job.count,
    bits,
    t.name,
    t.sampleShape,
    job.sizeCount,
    range,
    job.sizeCoders,
  );
  job.sizeCoders.forEach((coder, c) =>
    measured[coder].forEach((bytes, s) => {
      out[c * job.sizeCount + s] += bytes;
    }),
  );
}

/**
 * Adds the codec's encode and decode ms of one crossing tensor for the batch's timed samples into
 * `out` ([encode × timeCount, decode × timeCount]).
 */
function timeSamples(
  job: BatchJob,
  data: Float32Array,
  t: CrossingSpec,
  bits: BitWidth,
  out: Float64Array,
): void {
  const per = data.length / job.count;
  for (let s = 0; s < job.timeCount; s++) {
    const time = timeCodec(data.subarray(s * per, (s + 1) * per), t.sampleShape, bits, job.coder, t.name);
    out[s] += time.encodeMs;
    out[job.timeCount + s] += time.decodeMs;
  }
}

/** The sessions of one cut point: its edge model (absent when it computes nothing) and its cloud model. */
interface CutSessions {
  readonly edge: Session | undefined;
  readonly cloud: Session;
}

/** Runs batches for one group: an edge and a cloud session per cut point. */
export class BatchRunner {
  /** One buffer per tensor for its decoded batch: ORT is done with it once `run` resolves. */
  private readonly decoded = new Map<string, Float32Array<ArrayBuffer>>();

  private constructor(
    private readonly spec: GroupSpec,
    private readonly sessions: ReadonlyMap<number, CutSessions>,
    private readonly metric: Metric,
    private readonly unsplit: Session | undefined,
  ) {}

  /** Opens the group's sessions (no thread spinning: many sessions take turns on the cores). */
  static async open(spec: GroupSpec): Promise<BatchRunner> {
    const options = { optimization: spec.optimization, threads: spec.threads, spinning: false };
    const opened: Session[] = [];
    const track = async (bytes: Uint8Array): Promise<Session> => {
      const session = await openSession(bytes, options);
      opened.push(session);
      return session;
    };
    try {
      const metric = await loadMetric(spec.metric);
      const sessions = new Map<number, CutSessions>();
      for (const c of spec.cuts)
        sessions.set(c.index, {
          edge: c.edge ? await track(c.edge) : undefined,
          cloud: await track(c.cloud),
        });
      const unsplit = spec.unsplit ? await track(spec.unsplit) : undefined;
      return new BatchRunner(spec, sessions, metric, unsplit);
    } catch (error) {
      for (const s of opened) await s.release();
      throw error;
    }
  }

  async run(job: BatchJob): Promise<BatchOutcome> {
    const { spec } = this;
    const inputs: TensorMap = {};
    for (const i of job.inputs) inputs[i.name] = createTensor('float32', i.data, i.dims);
    const unsplit: BatchOutputs = this.unsplit ? await this.unsplit.run(inputs) : {};
    // A cut's crossing tensors from its own edge model, with their per-sample ranges, shared by its
    // consecutive configurations (the sweep lists a cut's bit widths together). Only the current
    // cut's are held: a batch of every cut's tensors at once can take gigabytes on a large model.
    let sent: { cut: number; tensors: TensorMap; ranges: Map<string, Float64Array> } | undefined;
    const sentBy = async (cut: number) => {
      if (sent?.cut !== cut) {
        const edge = this.sessions.get(cut)!.edge;
        const tensors: TensorMap = edge ? { ...(await edge.run(inputs)) } : {};
        for (const name of Object.keys(inputs)) tensors[name] ??= inputs[name];
        sent = { cut, tensors, ranges: new Map() };
      }
      return sent;
    };
    const cuts = new Map(spec.cuts.map((c) => [c.index, c]));
    const predictions = new Int32Array(job.configs.length * job.count);
    const scores = new Float64Array(job.configs.length * job.count);
    const stride = job.sizeCoders.length * job.sizeCount;
    const sizes = new Float64Array(job.configs.length * stride);
    const codecMs = new Float64Array(job.configs.length * 2 * job.timeCount);
    for (let j = 0; j < job.configs.length; j++) {
      const config = job.configs[j];
      const cut = cuts.get(config.cut)!;
      const { tensors, ranges } = await sentBy(cut.index);
      const feeds: TensorMap = {};
      cut.tensors.forEach((t, k) => {
        const v = tensors[t.name];
        const bits = config.bits[k];
        if (!t.compressible || bits === 0) {
          feeds[t.name] = v;
          for (let c = 0; c < job.sizeCoders.length; c++)
            for (let s = 0; s < job.sizeCount; s++)
              sizes[j * stride + c * job.sizeCount + s] += t.bytesPerSample;
          return;
        }
        const data = v.data as Float32Array;
        let range = ranges.get(t.name);
        if (range === undefined) ranges.set(t.name, (range = batchRanges(data, job.count, t.name)));
        feeds[t.name] = createTensor(
          'float32',
          compressBatch(
            data,
            job.count,
            bits as BitWidth,
            t.name,
            range,
            this.decodedBuffer(t.name, data.length),
          ),
          v.dims,
        );
        addSizes(job, data, t, bits as BitWidth, range, sizes.subarray(j * stride, (j + 1) * stride));
        timeSamples(job, data, t, bits as BitWidth, codecMs.subarray(j * 2 * job.timeCount));
      });
      const cloud = this.sessions.get(cut.index)!.cloud;
      this.score(job, await cloud.run(feeds), cloud.outputNames, unsplit, {
        predictions: predictions.subarray(j * job.count, (j + 1) * job.count),
        scores: scores.subarray(j * job.count, (j + 1) * job.count),
      });
    }
    return { start: job.start, predictions, scores, sizes, codecMs };
  }

  /** Each sample's top-1 and metric score from a configuration's outputs. */
  private score(
    job: BatchJob,
    outputs: BatchOutputs,
    names: readonly string[],
    unsplit: BatchOutputs,
    into: { readonly predictions: Int32Array; readonly scores: Float64Array },
  ): void {
    for (let k = 0; k < job.count; k++) {
      const split = sampleOutputs(outputs, names, k, job.count);
      const top = split[names[0]].data;
      into.predictions[k] = topOne(top);
      into.scores[k] = this.metric.score(
        split,
        sampleOutputs(unsplit, names, k, job.count),
        job.labels?.[k],
        job.start + k,
      );
    }
  }

  async close(): Promise<void> {
    for (const { edge, cloud } of this.sessions.values()) {
      await edge?.release();
      await cloud.release();
    }
    await this.unsplit?.release();
  }

  private decodedBuffer(name: string, length: number): Float32Array<ArrayBuffer> {
    let buffer = this.decoded.get(name);
    if (buffer === undefined || buffer.length !== length)
      this.decoded.set(name, (buffer = new Float32Array(length)));
    return buffer;
  }
}

/** Index of the largest value (ties: the first), over a sample's whole first output. */
export function topOne(values: ArrayLike<number | bigint>): number {
  let best = 0;
  let bestValue = Number(values[0]);
  for (let j = 1; j < values.length; j++) {
    const v = Number(values[j]);
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}
