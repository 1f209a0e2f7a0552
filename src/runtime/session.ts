/**
 * Inference sessions on in-memory models. Callers get a `Session`: names, `run`, `release`;
 * ONNX Runtime's own session object stays inside this module.
 */
import * as ort from 'onnxruntime-node';
import { JaladError } from '../core/errors';
import { encodeModel } from '../graph/model-io';
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
    logSeverityLevel: 3,
    ...(options.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };
}

/** Opens ORT's own session, a load failure as a JaladError. */
export async function createOrtSession(
  bytes: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, options);
  } catch (err) {
    throw new JaladError(
      'RUNTIME',
      `ONNX Runtime cannot load the model: ${(err as Error).message.split('\n')[0]}`,
    );
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

/** Our `Session` over ORT's. */
export function wrapSession(inner: ort.InferenceSession): Session {
  return {
    inputNames: inner.inputNames,
    outputNames: inner.outputNames,
    // NOTE: returns ORT's promise itself (no async wrapper), so timed runs pay no extra tick.
    run: (feeds, fetches) =>
      (fetches ? inner.run(ortFeeds(feeds), [...fetches]) : inner.run(ortFeeds(feeds))) as Promise<
        Record<string, Tensor>
      >,
    release: () => inner.release(),
  };
}

/** Opens a session on an in-memory model (a ModelProto or its encoded bytes). */
export async function openSession(
  model: ModelProto | Uint8Array,
  options: SessionOptions = {},
): Promise<Session> {
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  return wrapSession(await createOrtSession(bytes, ortOptions(options)));
}

/** Picks from `all` the feeds a session reads. */
export function feedsFor(session: Session, all: Readonly<TensorMap>): TensorMap {
  const out: TensorMap = {};
  for (const n of session.inputNames) out[n] = all[n];
  return out;
}
