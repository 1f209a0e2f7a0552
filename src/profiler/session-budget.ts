/**
 * How many ONNX Runtime sessions a measured profile keeps open at once. Each session holds its own
 * copy of the weights in native memory (ORT reorders and prepacks them: a whole ResNet-50, 102 MB of
 * weights, took 145-184 MB per session), so what is open together decides the profile's peak memory.
 */
import type { ModelProto, TensorProto } from '../graph';

/**
 * Bytes of model held by the part sessions of one group at most (the 100 MB benchmark model
 * peaked at 1.66 GB of RSS with 1e9; ORT also keeps prepacked weights).
 */
export const SESSION_BUDGET_BYTES = 3e8;

/**
 * Models with more weight bytes than this are timed one model at a time (see `sessionPlan`). Below
 * it the shared sessions are kept: on the bundled sub-millisecond models the whole model's runs
 * interleaved with the parts' are what keeps the drift calibration right. Why 16 MB: on a quiet
 * machine (2026-12-07, load 1.1-1.3, `bench:latency --repeat 2`) the three bench:latency models above
 * it (GoogLeNet 26 MB, DenseNet-121 32 MB, ResNet-18 47 MB) were predicted within 1.7-3.8% (median
 * over cut points) one model at a time against 0.7-9.1% shared; the five below it were not changed.
 * `analyze` of ResNet-50 (102 MB) with default profiles peaked at 0.62-0.68 GB with shared sessions
 * and at 0.33-0.46 GB one model at a time (load 4-10).
 */
export const ONE_MODEL_FROM_BYTES = 16e6;

/**
 * Models with more weight bytes than this are traced and timed as two halves (trace-halves.ts): no
 * whole optimised session is ever open, and a group of parts holds at most half the model's weight
 * bytes. Why 64 MB: one whole optimised ResNet-50 (102 MB) session took 167 MiB over the process
 * (2026-12-07, `node` with ONNX Runtime alone, weights read from the file), which put `analyze` at
 * 3.3-3.7x the file; below the line are all of bench:latency's models (ResNet-18, the largest, 47 MB),
 * whose prediction errors were measured with whole-model traces.
 */
export const HALVES_FROM_BYTES = 64e6;

/** What a profile keeps open at once. */
export interface SessionPlan {
  /**
   * True: at most one model's weights in open sessions at any time. The optimised trace has no
   * unprofiled twin (its own session, once the profiler has stopped, is timed without it), and the
   * whole model is closed while parts are open (it is timed just before each group of parts).
   * False: the twin and the whole model stay open beside the traced session and the parts.
   */
  readonly oneModel: boolean;
  /** Bytes of model the part sessions of one group may hold. */
  readonly groupBudgetBytes: number;
  /** Traced and timed as two halves, the whole model never open (implies oneModel). */
  readonly halves: boolean;
}

/**
 * The session plan for a model of `modelBytes` weight bytes: one model at a time above
 * ONE_MODEL_FROM_BYTES (or when `oneModel` forces it either way), groups of parts up to the model's
 * own weight bytes then (at least one cut point per group), else up to SESSION_BUDGET_BYTES; by halves
 * above HALVES_FROM_BYTES (or when `halves` forces it), groups up to half the model's weight bytes.
 */
export function sessionPlan(modelBytes: number, oneModel?: boolean, halves?: boolean): SessionPlan {
  const half = halves ?? (oneModel !== false && modelBytes > HALVES_FROM_BYTES);
  const one = half || (oneModel ?? modelBytes > ONE_MODEL_FROM_BYTES);
  const perGroup = half ? modelBytes / 2 : modelBytes;
  return {
    oneModel: one,
    groupBudgetBytes: one ? Math.min(SESSION_BUDGET_BYTES, perGroup) : SESSION_BUDGET_BYTES,
    halves: half,
  };
}

/**
 * Bytes of a model's initializers (their rawData views the model file, or their external data
 * lies in it: counting copies nothing).
 */
export function weightBytes(model: ModelProto): number {
  return (model.graph?.initializer ?? []).reduce((sum, t) => sum + tensorBytes(t), 0);
}

/** Bytes of one initializer's data, wherever it lies (see weightBytes). */
export function tensorBytes(t: TensorProto): number {
  return (
    (t.rawData?.length ?? 0) +
    Number((t.externalData ?? []).find((e) => e.key === 'length')?.value ?? 0) +
    4 * ((t.floatData?.length ?? 0) + (t.int32Data?.length ?? 0)) +
    8 * ((t.int64Data?.length ?? 0) + (t.doubleData?.length ?? 0))
  );
}
