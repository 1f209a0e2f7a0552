/**
 * A model's inputs as declared, their concrete dims, and synthetic feeds for them (timing and
 * shape probing run the model on seeded uniform noise).
 */
import { InputError } from '../core/errors';
import { DataType, toNumber, type ModelProto } from '../graph/onnx-types';
import type { Dim } from '../graph/build';
import { uniformRandom } from '../core/random';
import { createTensor, type TensorMap } from './tensor';

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
      `input "${spec.name}" has a symbolic dimension "${d}" at axis ${i}; ` +
        `give its shape with --input-shape ${spec.name}=${spec.dims.map((x) => (typeof x === 'number' && x > 0 ? x : 'N')).join('x')}`,
    );
  });
}

/** Synthetic inputs: float inputs uniform in [0, 1), integer inputs 0, booleans false. */
export function syntheticFeeds(
  specs: readonly InputSpec[],
  batch: number,
  seed: number,
  overrides?: ReadonlyMap<string, readonly number[]>,
): TensorMap {
  const rand = uniformRandom(seed);
  const feeds: TensorMap = {};
  for (const s of specs) {
    const dims = concreteDims(s, batch, overrides);
    const n = dims.reduce((a, b) => a * b, 1);
    switch (s.elemType) {
      case DataType.FLOAT: {
        const d = new Float32Array(n);
        for (let i = 0; i < n; i++) d[i] = rand();
        feeds[s.name] = createTensor('float32', d, dims);
        break;
      }
      case DataType.DOUBLE: {
        const d = new Float64Array(n);
        for (let i = 0; i < n; i++) d[i] = rand();
        feeds[s.name] = createTensor('float64', d, dims);
        break;
      }
      case DataType.INT64:
        feeds[s.name] = createTensor('int64', new BigInt64Array(n), dims);
        break;
      case DataType.INT32:
        feeds[s.name] = createTensor('int32', new Int32Array(n), dims);
        break;
      case DataType.UINT8:
        feeds[s.name] = createTensor('uint8', new Uint8Array(n), dims);
        break;
      case DataType.BOOL:
        feeds[s.name] = createTensor('bool', new Uint8Array(n), dims);
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
