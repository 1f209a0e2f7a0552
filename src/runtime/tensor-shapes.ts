/**
 * Shapes and element types of any tensors of a model, measured by running it once in
 * ONNX Runtime on synthetic input (at batch 1, and at batch 2 to find which axis is the
 * batch axis when the batch dimension is dynamic). Real models often carry no
 * value_info for intermediate tensors, so asking the runtime is the reliable way.
 */
import { elementBytes } from '../graph/model-io';
import type { Dim } from '../graph/build';
import type { ModelProto } from '../graph/onnx-types';
import { inputSpecs, syntheticFeeds } from './inputs';
import { openSession } from './session';
import { onnxTypeOf } from './tensor';

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
  const session = await openSession(probe, { optimization: 'disabled' });
  try {
    const shapesAt = async (batch: number) => {
      const feeds = syntheticFeeds(specs, batch, options.seed ?? 1, options.inputShapes);
      const names = wanted.filter((t) => !inputNames.has(t));
      const result = names.length > 0 ? await session.run(feeds, names) : {};
      const out = new Map<string, { dims: readonly number[]; type: string }>();
      for (const t of wanted) {
        const v = inputNames.has(t) ? feeds[t] : result[t];
        out.set(t, { dims: v.dims, type: v.type });
      }
      return out;
    };
    const one = await shapesAt(1);
    const two = batchName !== undefined ? await shapesAt(2) : one;
    const info = new Map<string, TensorInfo>();
    for (const t of wanted) {
      const a = one.get(t)!;
      const b = two.get(t)!;
      const elemType = onnxTypeOf(a.type);
      const batchAxis = a.dims.findIndex((d, i) => b.dims[i] === 2 * d && d > 0);
      const dims: Dim[] = a.dims.map((d, i) => (i === batchAxis && batchName !== undefined ? batchName : d));
      const elementsPerSample = a.dims.reduce((x, y) => x * y, 1);
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
