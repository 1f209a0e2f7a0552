/**
 * Shapes and element types of any tensors of a model, measured by running it once in
 * ONNX Runtime on synthetic input (at batch 1, and at batch 2 to find which axis is the
 * batch axis when the batch dimension is dynamic). Real models often carry no
 * value_info for intermediate tensors, so asking the runtime is the reliable way.
 */
import { elementBytes } from '../graph/model-io';
import type { Dim } from '../graph/build';
import type { ModelProto } from '../graph/onnx-types';
import { inputSpecs, syntheticFeeds, syntheticIntegerInputs, type InputValues } from './inputs';
import { openSession } from './session';
import { onnxTypeOf } from './tensor';
import { runFailure } from './runtime-errors';
import { InputError } from '../core/errors';

/** What the runtime says about one tensor. */
export interface TensorInfo {
  readonly name: string;
  /** ONNX data type (1 = float32). */
  readonly elemType: number;
  /** Dims with the batch axis named as the model names it (e.g. "batch"), or numeric for fixed-batch models. */
  readonly dims: readonly Dim[];
  /** Elements per sample (the batch axis excluded; the whole tensor if it has none). */
  readonly elementsPerSample: number;
  /** Bytes per sample in the tensor's own type. */
  readonly bytesPerSample: number;
}

/** Options of `probeTensors`. */
export interface ProbeOptions {
  /** Shapes of inputs with symbolic non-batch dims, by input name. */
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
  readonly seed?: number;
  /** Real values for some or all inputs (`--inputs`); synthetic values for the rest. */
  readonly inputValues?: InputValues;
  /** The user's model file: its load and run failures are then bad input naming it (exit 2). */
  readonly source?: string;
}

/** Runs `fn`; an InputError it throws is prefixed with the model file's name. */
function named<T>(source: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (source && err instanceof InputError && !err.message.startsWith(source))
      throw new InputError(err.code, `${source}: ${err.message}`);
    throw err;
  }
}

/** The name the model gives its batch axis (first symbolic dim of the first input that has one). */
export function batchDimName(model: ModelProto): string | undefined {
  for (const s of inputSpecs(model)) if (typeof s.dims[0] === 'string') return s.dims[0];
  return undefined;
}

/**
 * Runs the model with `tensors` added as outputs and reports their types and shapes.
 * @param tensors names of dynamic tensors (graph inputs or node outputs)
 */
export async function probeTensors(
  model: ModelProto,
  tensors: readonly string[],
  options: ProbeOptions = {},
): Promise<Map<string, TensorInfo>> {
  const g = model.graph ?? {};
  const specs = inputSpecs(model);
  const inputNames = new Set(specs.map((s) => s.name));
  const existing = new Set((g.output ?? []).map((o) => o.name));
  const wanted = [...new Set(tensors)];
  const extra = wanted.filter((t) => !existing.has(t) && !inputNames.has(t)).map((name) => ({ name }));
  const probe: ModelProto = { ...model, graph: { ...g, output: [...(g.output ?? []), ...extra] } };
  const batchName = batchDimName(model);
  const values = options.inputValues;
  const session = await openSession(probe, { optimization: 'disabled', source: options.source });
  try {
    const shapesAt = async (batch: number) => {
      const feeds = named(options.source, () =>
        syntheticFeeds(specs, batch, options.seed ?? 1, options.inputShapes, values),
      );
      const names = wanted.filter((t) => !inputNames.has(t));
      let result: Record<string, { dims: readonly number[]; type: string }> = {};
      try {
        if (names.length > 0) result = await session.run(feeds, names);
      } catch (err) {
        throw runFailure(err, options.source ?? 'model', syntheticIntegerInputs(specs, values));
      }
      const out = new Map<string, { dims: readonly number[]; type: string }>();
      for (const t of wanted) {
        const v = inputNames.has(t) ? feeds[t] : result[t];
        out.set(t, { dims: v.dims, type: v.type });
      }
      return out;
    };
    const one = await shapesAt(1);
    // NOTE: real values repeated along a symbolic first axis may not make a valid batch of 2 (an
    // integer input that is itself a shape); the batch axis then stays unnamed.
    const two =
      batchName !== undefined ? await shapesAt(2).catch((err) => (values ? one : Promise.reject(err))) : one;
    const info = new Map<string, TensorInfo>();
    for (const t of wanted) {
      const a = one.get(t)!;
      const b = two.get(t)!;
      const elemType = onnxTypeOf(a.type);
      const batchAxis = a.dims.findIndex((d, i) => b.dims[i] === 2 * d && d > 0);
      const dims: Dim[] = a.dims.map((d, i) => (i === batchAxis && batchName !== undefined ? batchName : d));
      // Real values may come at a batch over 1: per sample is per step of the batch axis.
      const perBatch = batchAxis >= 0 && batchName !== undefined ? a.dims[batchAxis] : 1;
      const elementsPerSample = a.dims.reduce((x, y) => x * y, 1) / perBatch;
      info.set(t, {
        name: t,
        elemType,
        dims,
        elementsPerSample,
        bytesPerSample: elementsPerSample * elementBytes(elemType),
      });
    }
    return info;
  } finally {
    await session.release();
  }
}
