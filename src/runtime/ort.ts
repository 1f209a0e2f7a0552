/**
 * Thin helpers over onnxruntime-node: sessions from in-memory models, synthetic inputs,
 * and the mapping between ORT's type strings and ONNX data types.
 */
import * as ort from 'onnxruntime-node';
import { InputError, JaladError } from '../core/errors';
import { encodeModel } from '../graph/model-io';
import { DataType, toNumber, type ModelProto } from '../graph/onnx-types';
import type { Dim } from '../graph/build';
import { mulberry32 as mulberry32Uint } from '../data';

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

/** Opens an ORT session on an in-memory model. */
export async function openSession(
  model: ModelProto | Uint8Array,
  options: SessionOptions = {},
): Promise<ort.InferenceSession> {
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  try {
    return await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: options.optimization ?? 'all',
      intraOpNumThreads: options.threads ?? 0,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 3,
      ...(options.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    });
  } catch (err) {
    throw new JaladError(
      'RUNTIME',
      `ONNX Runtime cannot load the model: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

const ORT_TYPES: Record<string, number> = {
  float32: DataType.FLOAT,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  uint16: DataType.UINT16,
  int16: DataType.INT16,
  int32: DataType.INT32,
  int64: DataType.INT64,
  string: DataType.STRING,
  bool: DataType.BOOL,
  float16: DataType.FLOAT16,
  float64: DataType.DOUBLE,
  uint32: DataType.UINT32,
  uint64: DataType.UINT64,
};

/** ONNX data type of an ORT tensor type string ('float32' -> 1). */
export function onnxTypeOf(ortType: string): number {
  return ORT_TYPES[ortType] ?? 0;
}

/** A graph input: name, element type, dims as declared. */
export interface InputSpec {
  readonly name: string;
  readonly elemType: number;
  readonly dims: readonly Dim[];
}

/** The model's real inputs (initializers listed as inputs are excluded). */
export function inputSpecs(model: ModelProto): InputSpec[] {
  const g = model.graph ?? {};
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  return (g.input ?? [])
    .filter((v) => !inits.has(v.name))
    .map((v) => {
      const tt = v.type?.tensorType;
      if (!tt)
        throw new InputError(
          'BAD_MODEL',
          `input "${v.name}" is not a tensor; jalad handles tensor inputs only`,
        );
      const dims = (tt.shape?.dim ?? []).map((d): Dim =>
        d.dimParam
          ? d.dimParam
          : d.dimValue !== undefined && d.dimValue !== null
            ? toNumber(d.dimValue)
            : '?',
      );
      return { name: v.name ?? '', elemType: tt.elemType ?? 0, dims };
    });
}

/**
 * Concrete dims for an input: the first symbolic dim is the batch dim and becomes
 * `batch`; other symbolic dims must be given in `overrides` (name -> dims).
 */
export function concreteDims(
  spec: InputSpec,
  batch: number,
  overrides: ReadonlyMap<string, readonly number[]> = new Map(),
): number[] {
  const given = overrides.get(spec.name);
  if (given) return [...given];
  return spec.dims.map((d, i) => {
    if (typeof d === 'number' && d > 0) return d;
    if (i === 0) return batch;
    throw new InputError(
      'BAD_OPTION',
      `input "${spec.name}" has a symbolic dimension "${d}" at axis ${i}; give its shape with --input-shape ${spec.name}=${spec.dims.map((x) => (typeof x === 'number' && x > 0 ? x : 'N')).join('x')}`,
    );
  });
}

/** A seeded PRNG in [0, 1): the data module's mulberry32, so every seeded draw in jalad is one generator. */
export function mulberry32(seed: number): () => number {
  const next = mulberry32Uint(seed);
  return () => next() / 4294967296;
}

/** Synthetic inputs: float inputs uniform in [0, 1), integer inputs 0, booleans false. */
export function syntheticFeeds(
  specs: readonly InputSpec[],
  batch: number,
  seed: number,
  overrides?: ReadonlyMap<string, readonly number[]>,
): Record<string, ort.Tensor> {
  const rand = mulberry32(seed);
  const feeds: Record<string, ort.Tensor> = {};
  for (const s of specs) {
    const dims = concreteDims(s, batch, overrides);
    const n = dims.reduce((a, b) => a * b, 1);
    switch (s.elemType) {
      case DataType.FLOAT: {
        const d = new Float32Array(n);
        for (let i = 0; i < n; i++) d[i] = rand();
        feeds[s.name] = new ort.Tensor('float32', d, dims);
        break;
      }
      case DataType.DOUBLE: {
        const d = new Float64Array(n);
        for (let i = 0; i < n; i++) d[i] = rand();
        feeds[s.name] = new ort.Tensor('float64', d, dims);
        break;
      }
      case DataType.INT64:
        feeds[s.name] = new ort.Tensor('int64', new BigInt64Array(n), dims);
        break;
      case DataType.INT32:
        feeds[s.name] = new ort.Tensor('int32', new Int32Array(n), dims);
        break;
      case DataType.UINT8:
        feeds[s.name] = new ort.Tensor('uint8', new Uint8Array(n), dims);
        break;
      case DataType.BOOL:
        feeds[s.name] = new ort.Tensor('bool', new Uint8Array(n), dims);
        break;
      default:
        throw new InputError(
          'BAD_MODEL',
          `input "${s.name}" has ONNX data type ${s.elemType}, which jalad cannot synthesise`,
        );
    }
  }
  return feeds;
}

/** Largest |a_i - b_i| over two tensors of the same shape (Infinity if shapes differ, NaN-aware). */
export function maxAbsDiff(a: ort.Tensor, b: ort.Tensor): number {
  if (a.dims.length !== b.dims.length || a.dims.some((d, i) => d !== b.dims[i])) return Infinity;
  const x = a.data as ArrayLike<number | bigint>;
  const y = b.data as ArrayLike<number | bigint>;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = Number(x[i]);
    const yi = Number(y[i]);
    if (Number.isNaN(xi) !== Number.isNaN(yi)) return Infinity;
    if (Number.isNaN(xi)) continue;
    const d = xi === yi ? 0 : Math.abs(xi - yi);
    if (d > m) m = d;
  }
  return m;
}
