/**
 * A plan as the live runtime holds it: the two deployable parts of one split (edge.onnx ends in
 * the quantizer, cloud.onnx starts with the dequantizer), what crosses the wire, and the latency
 * model's prediction for it.
 */
import { createHash } from 'crypto';
import { InputError } from '../core/errors';
import type { CoderChoice } from '../codec';
import { DataType, decodeModel, toNumber, widenedType, wireNames, type ModelProto } from '../graph';

/** One tensor on the wire. */
export interface WireSpec {
  /** The cut tensor's name in the original model. */
  readonly tensor: string;
  /**
   * 1..8: the edge part outputs `<tensor>.code` (uint8), `.lo`, `.hi`; otherwise `<tensor>` itself,
   * sent raw: 'f32' a float32 tensor; 'bf16' a bfloat16 tensor the split carries as float32 (the
   * cloud part casts it back), sent at 2 bytes per element; 'f16' a float16 tensor, 2 bytes per element.
   */
  readonly bits: number | 'f32' | 'bf16' | 'f16';
  /** Dims of one sample, the batch axis excluded. */
  readonly sampleDims: readonly number[];
}

/** What the latency model predicts for a plan (T = edge + encode + RTT + bytes·8/B + decode + cloud). */
export interface PlanPrediction {
  readonly edgeMs: number;
  /** The codec's quantize + encode ms on the edge device (0 for float32 tensors or older analyses). */
  readonly encodeMs: number;
  /** The codec's decode + dequantize ms on the cloud device (0 likewise). */
  readonly decodeMs: number;
  readonly cloudMs: number;
  /** The RTT the prediction was made with, ms. */
  readonly rttMs: number;
  /** Mean encoded bytes per sample (the sweep's measurement, or the raw size). */
  readonly bytes: number;
}

/** A deployable plan. */
export interface ServedPlan {
  /** The plan's key (src/ilp planKey of its [tensor, bits] pairs): what a request names. */
  readonly key: string;
  /** A short human name, e.g. "#12 logits@4". */
  readonly label: string;
  readonly wire: readonly WireSpec[];
  readonly edge: Uint8Array;
  readonly cloud: Uint8Array;
  /** The edge part's single input. */
  readonly inputName: string;
  /**
   * The input's dims when the model's are symbolic and were given (`--input-shape`), batch first;
   * absent: the edge part's own dims.
   */
  readonly inputDims?: readonly number[];
  readonly predicted: PlanPrediction;
  /** Bandwidth interval of the decision table where this plan is the fastest, Mbps. */
  readonly fromMbps?: number;
  readonly toMbps?: number;
  /** The unsplit model's path, for an edge-only fallback. */
  readonly modelPath: string;
  /** The entropy coder of the compressed tensors (the analysis's `--coder`); default 'auto'. */
  readonly coder?: CoderChoice;
}

/** Dims of a value-info as numbers, a symbolic batch axis read as 1. */
function dimsOf(model: ModelProto, name: string, where: string): number[] {
  const v = (model.graph?.input ?? []).find((i) => i.name === name);
  const dims = v?.type?.tensorType?.shape?.dim;
  if (!v || !dims) throw new InputError('BAD_MODEL', `${where}: the cloud part has no input "${name}"`);
  return dims.map((d, i) => {
    const n = d.dimValue !== undefined && d.dimValue !== null ? toNumber(d.dimValue) : NaN;
    if (i === 0) return 1;
    if (!(n > 0))
      throw new InputError('BAD_MODEL', `${where}: input "${name}" has a symbolic dimension at axis ${i}`);
    return n;
  });
}

/**
 * How a tensor that a plan sends uncompressed travels, from the cloud part's input: float32 raw,
 * bfloat16 raw when the split widened a bfloat16 tensor to float32, float16 raw.
 */
function rawPrecision(
  model: ModelProto,
  port: string,
  elemType: number | undefined,
  where: string,
): WireSpec['bits'] {
  if (elemType === DataType.FLOAT16) return 'f16';
  if (elemType !== undefined && elemType !== DataType.FLOAT)
    throw new InputError(
      'BAD_MODEL',
      `${where}: tensor "${port}" has ONNX type ${elemType}; jalad serve sends float32, float16 and bfloat16 tensors only`,
    );
  return widenedType(model, port) === DataType.BFLOAT16 ? 'bf16' : 'f32';
}

/**
 * The wire of a plan read from its cloud part's inputs: each tensor sent and its sample dims
 * (`inputShapes`: the shapes of model inputs with symbolic dimensions, `--input-shape`).
 * @throws InputError BAD_MODEL when the cloud part does not take what the plan says it sends, or
 *   a tensor is of a type the byte format does not carry (it carries float32, float16 and bfloat16)
 */
export function wireFromCloud(
  cloud: Uint8Array,
  sent: readonly { readonly tensor: string; readonly bits: number | 'f32' }[],
  where: string,
  inputShapes?: ReadonlyMap<string, readonly number[]>,
): { wire: WireSpec[]; cloudModel: ModelProto } {
  const model = decodeModel(cloud, where);
  const wire = sent.map((s) => {
    const port = s.bits === 'f32' ? s.tensor : wireNames(s.tensor).code;
    const info = (model.graph?.input ?? []).find((i) => i.name === port);
    const elemType = info?.type?.tensorType?.elemType;
    if (s.bits !== 'f32' && elemType !== undefined && elemType !== DataType.UINT8)
      throw new InputError(
        'BAD_MODEL',
        `${where}: tensor "${s.tensor}" has ONNX type ${elemType}; its codes must be uint8`,
      );
    const bits = s.bits === 'f32' ? rawPrecision(model, port, elemType, where) : s.bits;
    // a model input sent as it is keeps its symbolic dims in the cloud part: the given shape says them
    const given = inputShapes?.get(port);
    return { tensor: s.tensor, bits, sampleDims: (given ? [...given] : dimsOf(model, port, where)).slice(1) };
  });
  return { wire, cloudModel: model };
}

/**
 * The short name a request uses for a plan: 12 hex digits of the SHA-256 of its key (a URL
 * stays short, so the request head that crosses the link stays small).
 * @example planId('[["logits",4]]')  // 12 hex digits
 */
export function planId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}
