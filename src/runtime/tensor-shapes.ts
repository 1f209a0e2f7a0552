/**
 * Shapes and element types of any tensors of a model, measured by running it once in
 * ONNX Runtime on synthetic input (at batch 1, and at batch 2 to find which axis is the
 * batch axis when the batch dimension is dynamic). Real models often carry no
 * value_info for intermediate tensors, so asking the runtime is the reliable way.
 */
import type { Dim } from '../graph/build';
import { unfetchableTensors, wireElementBytes } from '../graph/elem-types';
import { DataType, type ModelProto, type NodeProto, type TensorProto } from '../graph/onnx-types';
import { inputSpecs, syntheticFeeds, syntheticIntegerInputs, type InputValues } from './inputs';
import { openSession } from './session';
import { onnxTypeOf, type TensorMap } from './tensor';
import type { ShapeOf } from './infer-shapes';
import { probeGraph, type ProbeGraph } from './probe-graph';
import { DEFAULT_SEGMENT_LIMITS, probeInSegments, type SegmentLimits } from './probe-segments';
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
  /** Bytes per sample as a split sends it raw (`wireElementBytes`: a widened bfloat16 at 2 bytes per element). */
  readonly bytesPerSample: number;
  /**
   * The type the model computes the tensor in, when a split carries it as float32 (`elemType` is
   * then 1): bfloat16, a float8 type or int4, which ONNX Runtime for Node cannot hand over.
   */
  readonly modelElemType?: number;
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
  /**
   * An initializer as a session gets it, for a model read without its large weights: with its data
   * read (readModelSkeleton's `withData`) or a reference to its bytes in the file (`inFile`). Each
   * session then gets only the weights it runs.
   */
  readonly sessionTensor?: (t: TensorProto) => TensorProto;
  /** Bounds of the probe's segments (defaults: DEFAULT_SEGMENT_LIMITS); tests shrink them. */
  readonly segments?: Partial<SegmentLimits>;
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
 * Shapes by tensor name at one batch size; a string tensor read by the one-session probe also
 * carries its size (UTF-8 bytes plus a 4-byte length per element).
 */
type Shapes = Map<string, ShapeOf & { readonly stringBytes?: number }>;

/** Shapes at batch 1 and 2 (the same map when there is no batch axis or batch 2 could not run). */
interface BatchShapes {
  readonly one: Shapes;
  readonly two: Shapes;
}

/** How the probe makes feeds and errors, shared by both ways of running it. */
interface ProbeContext {
  readonly model: ModelProto;
  readonly wanted: readonly string[];
  readonly inputNames: ReadonlySet<string>;
  /** Whether the model has a symbolic batch dimension (then batch 2 runs too). */
  readonly batched: boolean;
  readonly feedsAt: (batch: number) => TensorMap;
  readonly failure: (err: unknown) => Error;
  readonly options: ProbeOptions;
  /** Tensors ONNX Runtime for Node cannot return (bfloat16, float8, int4), with their types. */
  readonly hidden: ReadonlyMap<string, number>;
}

/** Batch 2's shapes when a batch-2 run failed: batch 1's when real values were given, else the failure. */
function batchTwoFailed(ctx: ProbeContext, one: Shapes, err: unknown): Shapes {
  // NOTE: real values repeated along a symbolic first axis may not make a valid batch of 2 (an
  // integer input that is itself a shape); the batch axis then stays unnamed.
  if (ctx.options.inputValues) return one;
  throw err;
}

/**
 * The model with every wanted tensor added as an output. Tensors ONNX Runtime for Node cannot
 * return (bfloat16, float8, int4) are read through a Cast to float32, under the name `readAs` gives.
 */
function probeModel(ctx: ProbeContext): { probe: ModelProto; readAs: (t: string) => string } {
  const { model, wanted, inputNames, hidden } = ctx;
  const g = model.graph ?? {};
  const existing = new Set((g.output ?? []).map((o) => o.name));
  const readAs = (t: string) => (hidden.has(t) && !inputNames.has(t) ? `${t}::jalad_probe_f32` : t);
  const casts: NodeProto[] = wanted
    .filter((t) => readAs(t) !== t)
    .map((t) => ({
      opType: 'Cast',
      input: [t],
      output: [readAs(t)],
      name: readAs(t),
      attribute: [{ name: 'to', type: 2, i: DataType.FLOAT }],
    }));
  const extra = wanted
    .filter((t) => !inputNames.has(t) && (readAs(t) !== t || !existing.has(t)))
    .map((t) => ({ name: readAs(t) }));
  const withData = ctx.options.sessionTensor;
  const probe: ModelProto = {
    ...model,
    graph: {
      ...g,
      ...(withData && g.initializer ? { initializer: g.initializer.map(withData) } : {}),
      node: [...(g.node ?? []), ...casts],
      output: [...(g.output ?? []), ...extra],
    },
  };
  return { probe, readAs };
}

/**
 * The one-session probe: the model with every wanted tensor added as an output, run at batch 1 and
 * (for a batch axis) 2. Small models take this path; the segmented probe equals it.
 */
async function probeOneSession(ctx: ProbeContext): Promise<BatchShapes> {
  const { wanted, inputNames } = ctx;
  const { probe, readAs } = probeModel(ctx);
  const session = await openSession(probe, {
    optimization: 'disabled',
    source: ctx.options.source,
  });
  try {
    const names = wanted.filter((t) => !inputNames.has(t)).map(readAs);
    const shapesAt = async (batch: number) => {
      const feeds = ctx.feedsAt(batch);
      let result: Record<string, ShapeOf & { readonly data?: unknown }> = {};
      try {
        if (names.length > 0) result = await session.run(feeds, names);
      } catch (err) {
        throw ctx.failure(err);
      }
      const out: Shapes = new Map();
      for (const t of wanted) {
        const v = inputNames.has(t) ? feeds[t] : result[readAs(t)];
        // A string tensor is costed by what it holds: UTF-8 bytes plus a 4-byte length per element.
        const stringBytes =
          v.type === 'string'
            ? (v.data as readonly string[]).reduce((sum, x) => sum + Buffer.byteLength(x, 'utf8') + 4, 0)
            : undefined;
        out.set(t, { dims: v.dims, type: v.type, stringBytes });
      }
      return out;
    };
    const one = await shapesAt(1);
    let two = one;
    if (ctx.batched) {
      try {
        two = await shapesAt(2);
      } catch (err) {
        two = batchTwoFailed(ctx, one, err);
      }
    }
    return { one, two };
  } finally {
    await session.release();
  }
}

/**
 * The segmented probe (probe-segments.ts), or undefined where one session does exactly the same
 * within the limits.
 */
async function probeSegmented(ctx: ProbeContext, graph: ProbeGraph): Promise<BatchShapes | undefined> {
  const feeds1 = ctx.feedsAt(1);
  let feeds2: TensorMap | undefined;
  let feedsError: unknown;
  if (ctx.batched) {
    try {
      feeds2 = ctx.feedsAt(2);
    } catch (err) {
      feedsError = err;
    }
  }
  const found = await probeInSegments({
    model: ctx.model,
    graph,
    wanted: new Set(ctx.wanted),
    feeds1,
    feeds2,
    limits: { ...DEFAULT_SEGMENT_LIMITS, ...ctx.options.segments },
    source: ctx.options.source,
    runFailure: ctx.failure,
    sessionTensor: ctx.options.sessionTensor,
  });
  if (!found) return undefined;
  const { one } = found;
  for (const t of ctx.wanted) if (ctx.inputNames.has(t)) one.set(t, feeds1[t]);
  if (!ctx.batched) return { one, two: one };
  const twoError = feedsError ?? found.twoError;
  if (twoError !== undefined) return { one, two: batchTwoFailed(ctx, one, twoError) };
  for (const t of ctx.wanted) if (ctx.inputNames.has(t)) found.two.set(t, feeds2![t]);
  return { one, two: found.two };
}

/** TensorInfo of every wanted tensor from its shapes at batch 1 and 2. */
function tensorInfos(
  wanted: readonly string[],
  shapes: BatchShapes,
  batchName: string | undefined,
  hidden: ReadonlyMap<string, number>,
): Map<string, TensorInfo> {
  const info = new Map<string, TensorInfo>();
  for (const t of wanted) {
    const a = shapes.one.get(t)!;
    const b = shapes.two.get(t)!;
    // NOTE: a tensor ONNX Runtime for Node cannot return crosses a cut as float32 (extractSplit
    // widens it exactly), so it is compressed as float32; sent raw, a bfloat16 one goes at its own
    // 2 bytes per element (the byte format's 'bf16'), the others as float32.
    const modelElemType = hidden.get(t);
    const elemType = modelElemType !== undefined ? DataType.FLOAT : onnxTypeOf(a.type);
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
      // A string tensor read without its values (the segmented probe) costs at least its lengths.
      bytesPerSample:
        a.stringBytes !== undefined
          ? a.stringBytes / perBatch
          : elemType === DataType.STRING
            ? elementsPerSample * 4
            : elementsPerSample * wireElementBytes(elemType, modelElemType),
      ...(modelElemType !== undefined ? { modelElemType } : {}),
    });
  }
  return info;
}

/**
 * Types and shapes of `tensors` from running the model on synthetic input (or `--inputs`), at
 * batch 1 and, where the batch dimension is symbolic, at batch 2 to find the batch axis. Simple
 * operators are worked out without the runtime and large models run in topological segments
 * (probe-segments.ts); small ones in one session with every wanted tensor as an output.
 * @param tensors names of dynamic tensors (graph inputs or node outputs)
 */
export async function probeTensors(
  model: ModelProto,
  tensors: readonly string[],
  options: ProbeOptions = {},
): Promise<Map<string, TensorInfo>> {
  const specs = inputSpecs(model);
  const batchName = batchDimName(model);
  const values = options.inputValues;
  const ctx: ProbeContext = {
    model,
    wanted: [...new Set(tensors)],
    inputNames: new Set(specs.map((s) => s.name)),
    batched: batchName !== undefined,
    feedsAt: (batch) =>
      named(options.source, () =>
        syntheticFeeds(specs, batch, options.seed ?? 1, options.inputShapes, values),
      ),
    failure: (err) => runFailure(err, options.source ?? 'model', syntheticIntegerInputs(specs, values)),
    options,
    hidden: unfetchableTensors(model),
  };
  const graph = probeGraph(model);
  // NOTE: a wanted name that is neither an input nor a node's output (an initializer, a typo) is left
  // to the one session, which reports it as it always did. Types the runtime cannot return are read
  // through casts that only the one session adds.
  const segmentable =
    graph && ctx.hidden.size === 0 && ctx.wanted.every((t) => ctx.inputNames.has(t) || graph.producer.has(t));
  const shapes = (segmentable ? await probeSegmented(ctx, graph) : undefined) ?? (await probeOneSession(ctx));
  return tensorInfos(ctx.wanted, shapes, batchName, ctx.hidden);
}
