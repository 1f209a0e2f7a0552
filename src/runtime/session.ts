/**
 * Inference sessions on in-memory models. Callers get a `Session`: names, `run`, `release`;
 * ONNX Runtime's own session object stays inside this module.
 */
import * as ort from 'onnxruntime-node';
import { executionProviders, type DeviceChoice } from './device';
import { loadFailure } from './runtime-errors';
import { encodeModel } from '../graph/model-io';
import { EXTERNAL_DATA_ROOT } from '../graph/model-skeleton';
import type { ModelProto } from '../graph/onnx-types';
import { toOrtTensor, type Tensor, type TensorMap } from './tensor';

/** ORT graph optimisation levels; 'disabled' keeps one ORT node per ONNX node. */
export type Optimization = 'disabled' | 'basic' | 'extended' | 'all';

/** Options for `openSession`. */
export interface SessionOptions {
  readonly optimization?: Optimization;
  /** Intra-op threads; 0 lets ORT choose. */
  readonly threads?: number;
  /**
   * Whether idle intra-op threads spin before they block (ORT's default, true: lowest latency for
   * one session). Work that alternates between many open sessions, such as the accuracy sweep with
   * one cloud model per cut point, sets false: each session's spinning threads would otherwise
   * take the cores from the next session's run (measured 1.6x slower on 2 cores).
   */
  readonly spinning?: boolean;
  /**
   * The user's model file, when the model is the user's: a load failure is then bad input
   * (InputError naming the file and the operator, exit 2); a model jalad built that fails to load
   * is jalad's failure (exit 1).
   */
  readonly source?: string;
  /**
   * Where the model runs (default: the CPU). Check a GPU with `checkDevice` first: that turns a
   * missing provider or adapter into one line before any work.
   */
  readonly device?: DeviceChoice;
}

// NOTE: ONNX Runtime's own log lines (coloured, several per failure) must not reach the user's
// terminal unless asked for (--verbose). Its log level is a process-wide setting of ORT's env, read
// when the first session is created; jalad's default is 'fatal' (nothing in practice).
ort.env.logLevel = 'fatal';

const SEVERITY: Readonly<Record<string, 0 | 1 | 2 | 3 | 4>> = {
  verbose: 0,
  info: 1,
  warning: 2,
  error: 3,
  fatal: 4,
};

/**
 * Lets ONNX Runtime's own warnings and errors through to stderr (true) or keeps them silent
 * (false, the default). Call before the first session is opened.
 */
export function setRuntimeVerbose(verbose: boolean): void {
  ort.env.logLevel = verbose ? 'warning' : 'fatal';
}

/** An open model. */
export interface Session {
  /** The model's inputs, in order (initializers excluded). */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs the model once.
   * @param feeds a tensor for every input
   * @param fetches the outputs wanted (all when not given)
   */
  run(feeds: Readonly<TensorMap>, fetches?: readonly string[]): Promise<TensorMap>;
  /** The element type ONNX Runtime gives an output ('float32', ...), known without running; undefined for a non-tensor. */
  outputType(name: string): string | undefined;
  /** Frees the session's native memory; the session is unusable after. */
  release(): Promise<void>;
}

/** ORT's session options for ours. */
export function ortOptions(options: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: options.optimization ?? 'all',
    intraOpNumThreads: options.threads ?? 0,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: SEVERITY[ort.env.logLevel ?? 'fatal'] ?? 4,
    ...(options.device && options.device.kind !== 'cpu'
      ? {
          executionProviders: executionProviders(
            options.device,
          ) as ort.InferenceSession.ExecutionProviderConfig[],
        }
      : {}),
    extra: {
      session: {
        ...(options.spinning === false ? { intra_op: { allow_spinning: '0' } } : {}),
        // NOTE: models read with their weights left in the file (readModelSkeleton's `inFile`) name
        // those bytes by a path relative to the file system's root; a model jalad hands ONNX Runtime
        // has no other external data (readModelFile loads a user's into memory).
        model_external_initializers_file_folder_path: EXTERNAL_DATA_ROOT,
      },
    },
  };
}

/**
 * Opens ORT's own session; a load failure becomes one line naming the operator: an InputError
 * naming `source` for the user's model, a JaladError for a model jalad built.
 */
export async function createOrtSession(
  bytes: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
  source?: string,
): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, options);
  } catch (err) {
    throw loadFailure(err, source);
  }
}

/** ORT's feeds for ours: the same object when every tensor already is ORT's (the common case). */
function ortFeeds(feeds: Readonly<TensorMap>): ort.InferenceSession.FeedsType {
  let own = true;
  for (const k in feeds) if (!(feeds[k] instanceof ort.Tensor)) own = false;
  if (own) return feeds as ort.InferenceSession.FeedsType;
  const out: Record<string, ort.Tensor> = {};
  for (const k in feeds) out[k] = toOrtTensor(feeds[k]);
  return out;
}

/** Sessions open now and their model bytes, and the most at once since `resetSessionPeak`. */
const counts = { open: 0, peak: 0, bytes: 0, peakBytes: 0, opened: 0 };

/** What `sessionCounts` reports. */
export interface SessionCounts {
  /** Sessions open now. */
  readonly open: number;
  /** The most sessions open at once since the last `resetSessionPeak`. */
  readonly peak: number;
  /** Bytes of the encoded models of the sessions open now (weights left in a file count nothing). */
  readonly bytes: number;
  /** The most such bytes open at once since the last `resetSessionPeak`. */
  readonly peakBytes: number;
  /** Sessions opened since the last `resetSessionPeak` (building one costs time, and memory the C allocator may keep). */
  readonly opened: number;
}

/**
 * How many sessions are open in this process now, and the most that were open at once since the
 * last `resetSessionPeak`: each holds its own copy of its model's weights in native memory, so the
 * profiler's tests check what it keeps open together.
 */
export function sessionCounts(): SessionCounts {
  return { ...counts };
}

/** Starts counting the most sessions open at once from those open now, and the sessions opened from 0. */
export function resetSessionPeak(): void {
  counts.peak = counts.open;
  counts.peakBytes = counts.bytes;
  counts.opened = 0;
}

/**
 * Our `Session` over ORT's.
 * @param modelBytes size of the encoded model it was opened on (counted by `sessionCounts`)
 */
export function wrapSession(inner: ort.InferenceSession, modelBytes = 0): Session {
  let types: Map<string, string | undefined> | undefined;
  let released = false;
  counts.open++;
  counts.opened++;
  counts.bytes += modelBytes;
  counts.peak = Math.max(counts.peak, counts.open);
  counts.peakBytes = Math.max(counts.peakBytes, counts.bytes);
  return {
    inputNames: inner.inputNames,
    outputNames: inner.outputNames,
    // NOTE: returns ORT's promise itself (no async wrapper), so timed runs pay no extra tick.
    run: (feeds, fetches) =>
      (fetches ? inner.run(ortFeeds(feeds), [...fetches]) : inner.run(ortFeeds(feeds))) as Promise<
        Record<string, Tensor>
      >,
    outputType: (name) => {
      types ??= new Map(inner.outputMetadata.map((m) => [m.name, m.isTensor ? m.type : undefined]));
      return types.get(name);
    },
    release: () => {
      if (!released) {
        counts.open--;
        counts.bytes -= modelBytes;
      }
      released = true;
      return inner.release();
    },
  };
}

/** Opens a session on an in-memory model (a ModelProto or its encoded bytes). */
export async function openSession(
  model: ModelProto | Uint8Array,
  options: SessionOptions = {},
): Promise<Session> {
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  return wrapSession(await createOrtSession(bytes, ortOptions(options), options.source), bytes.length);
}

/** Picks from `all` the feeds a session reads. */
export function feedsFor(session: Session, all: Readonly<TensorMap>): TensorMap {
  const out: TensorMap = {};
  for (const n of session.inputNames) out[n] = all[n];
  return out;
}
