/**
 * A model's inputs as declared, their concrete dims, and the feeds for them: real values where
 * the user gave them (`--inputs`), synthetic ones otherwise (seeded uniform noise for floats, zeros
 * for integers, which may be shapes, axes or indices).
 */
import * as os from 'os';
import { InputError } from '../core/errors';
import { DataType, toNumber, type ModelProto } from '../graph/onnx-types';
import { elementBytes } from '../graph/model-io';
import { MAX_TENSOR_ELEMENTS } from '../graph/tensor-file';
import type { Dim } from '../graph/build';
import { uniformRandom } from '../core/random';
import { createTensor, type Tensor, type TensorData, type TensorMap, type TensorType } from './tensor';

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

/** Input values by graph input name: real values (`--inputs`) that replace synthetic ones. */
export type InputValues = ReadonlyMap<string, Tensor>;

/**
 * Concrete dims for an input: the first symbolic dim is the batch dim and becomes
 * `batch`; other symbolic dims must be given in `overrides` (name -> dims).
 * @throws InputError for a symbolic dim nothing fixes, or a shape that cannot be allocated
 */
export function concreteDims(
  spec: InputSpec,
  batch: number,
  overrides: ReadonlyMap<string, readonly number[]> = new Map(),
): number[] {
  const given = overrides.get(spec.name);
  // NOTE: `--input-shape` sizes the other axes; a symbolic batch axis follows the batch being run, so
  // probing at batch 1 and 2 still finds it (else the split parts were declared with the given batch).
  const symbolicBatch = !(typeof spec.dims[0] === 'number' && spec.dims[0] > 0);
  const dims = given
    ? given.map((d, i) => (i === 0 && symbolicBatch && spec.dims.length === given.length ? batch : d))
    : spec.dims.map((d, i) => {
        if (typeof d === 'number' && d > 0) return d;
        if (i === 0) return batch;
        throw new InputError(
          'BAD_OPTION',
          `input "${spec.name}" has a symbolic dimension "${d}" at axis ${i}; ` +
            `give its shape with --input-shape ` +
            `${spec.name}=${spec.dims.map((x) => (typeof x === 'number' && x > 0 ? x : 'N')).join('x')} or real values with --inputs`,
        );
      });
  checkAllocatable(`input "${spec.name}"`, dims, spec.elemType);
  return dims;
}

let totalMemBytes: number | undefined;

/**
 * Refuses a tensor shape that cannot be allocated, before anything is: a dimension or an element
 * count over 2^31 - 1, or more bytes than the machine's memory.
 * @param what names the tensor in the message, e.g. `input "x"`
 * @throws InputError 'BAD_MODEL'
 */
export function checkAllocatable(what: string, dims: readonly number[], elemType: number): void {
  // NOTE: os.totalmem() is a system call: asked once per process (a node may read 100,000 inputs).
  totalMemBytes ??= os.totalmem();
  const elements = dims.reduce((a, b) => a * b, 1);
  const bytes = elements * Math.max(1, elementBytes(elemType));
  if (dims.some((d) => d > MAX_TENSOR_ELEMENTS) || elements > MAX_TENSOR_ELEMENTS)
    throw new InputError(
      'BAD_MODEL',
      `${what}: shape [${dims.join(', ')}] has ${elements.toExponential(2)} elements, over the 2^31 - 1 jalad can hold; give a real ` +
        `shape with --input-shape or values with --inputs`,
    );
  if (bytes > totalMemBytes)
    throw new InputError(
      'BAD_MODEL',
      `${what}: shape [${dims.join(', ')}] needs ${(bytes / 1e9).toFixed(1)} GB, more than this machine's ` +
        `${(totalMemBytes / 1e9).toFixed(1)} GB of memory`,
    );
}

/** ONNX data types whose synthetic values are zeros (integers and booleans): they often feed shapes, axes, indices. */
const INTEGER_TYPES: ReadonlySet<number> = new Set([
  DataType.INT8,
  DataType.UINT8,
  DataType.INT16,
  DataType.UINT16,
  DataType.INT32,
  DataType.UINT32,
  DataType.INT64,
  DataType.UINT64,
  DataType.BOOL,
]);

/** Names of the integer (and boolean) inputs that would be fed synthetic zeros: those without real values. */
export function syntheticIntegerInputs(specs: readonly InputSpec[], values?: InputValues): string[] {
  return specs.filter((s) => INTEGER_TYPES.has(s.elemType) && !values?.has(s.name)).map((s) => s.name);
}

/** Repeats a tensor `times` along axis 0 (C order: the data concatenated `times` times). */
function tileBatch(t: Tensor, times: number): Tensor {
  if (times === 1 || t.dims.length === 0) return t;
  const dims = [t.dims[0] * times, ...t.dims.slice(1)];
  if (Array.isArray(t.data)) {
    const data = t.data;
    return createTensor('string', Array.from({ length: times }, () => data).flat(), dims);
  }
  const src = t.data as Float32Array;
  const out = new (src.constructor as Float32ArrayConstructor)(src.length * times);
  for (let k = 0; k < times; k++) out.set(src, k * src.length);
  return createTensor(t.type as TensorType, out, dims);
}

/** A float16 bit pattern of a value in [0, 1) (enough for synthetic input). */
function halfBits(x: number): number {
  if (x < 2 ** -14) return 0;
  const e = Math.floor(Math.log2(x));
  const m = Math.round((x / 2 ** e - 1) * 1024);
  return ((e + 15) << 10) | Math.min(m, 1023);
}

/** Zero-filled storage of each integer type ORT takes. */
const ZEROS: Readonly<Record<number, [TensorType, (n: number) => TensorData]>> = {
  [DataType.INT64]: ['int64', (n) => new BigInt64Array(n)],
  [DataType.UINT64]: ['uint64', (n) => new BigUint64Array(n)],
  [DataType.INT32]: ['int32', (n) => new Int32Array(n)],
  [DataType.UINT32]: ['uint32', (n) => new Uint32Array(n)],
  [DataType.INT16]: ['int16', (n) => new Int16Array(n)],
  [DataType.UINT16]: ['uint16', (n) => new Uint16Array(n)],
  [DataType.INT8]: ['int8', (n) => new Int8Array(n)],
  [DataType.UINT8]: ['uint8', (n) => new Uint8Array(n)],
  [DataType.BOOL]: ['bool', (n) => new Uint8Array(n)],
};

/**
 * Feeds for one run: real values where `values` has them, synthetic otherwise (float inputs uniform
 * in [0, 1), integer inputs 0, booleans false: never noise where an integer may be a shape, an axis
 * or an index). `batch` is 1, or 2 to find the batch axis: real values with a symbolic first
 * dimension are then repeated along it, and synthetic inputs take the real values' batch times `batch`.
 * @throws InputError for a shape that cannot be allocated, or a type that cannot be synthesised
 */
export function syntheticFeeds(
  specs: readonly InputSpec[],
  batch: number,
  seed: number,
  overrides?: ReadonlyMap<string, readonly number[]>,
  values?: InputValues,
): TensorMap {
  checkInputShapes(specs, overrides);
  const rand = uniformRandom(seed);
  const feeds: TensorMap = {};
  const batched = specs.find((s) => typeof s.dims[0] === 'string' && values?.has(s.name));
  const synthBatch = batch * (batched ? (values!.get(batched.name)!.dims[0] ?? 1) : 1);
  for (const s of specs) {
    const real = values?.get(s.name);
    if (real) {
      feeds[s.name] = typeof s.dims[0] === 'string' ? tileBatch(real, batch) : real;
      continue;
    }
    const dims = concreteDims(s, synthBatch, overrides);
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
      case DataType.FLOAT16: {
        const d = new Uint16Array(n);
        for (let i = 0; i < n; i++) d[i] = halfBits(rand());
        feeds[s.name] = createTensor('float16', d, dims);
        break;
      }
      default: {
        const zeros = ZEROS[s.elemType];
        if (!zeros)
          throw new InputError(
            'BAD_DATA',
            `input "${s.name}" has ONNX data type ${s.elemType}, which jalad cannot synthesise: give real values with --inputs`,
          );
        feeds[s.name] = createTensor(zeros[0], zeros[1](n), dims);
      }
    }
  }
  return feeds;
}

/**
 * Checks `--input-shape` values against the model's inputs: each must name an input and give
 * one size per axis of it.
 *
 * @throws InputError `BAD_OPTION` naming the flag, the value and the model's inputs
 */
export function checkInputShapes(
  specs: readonly InputSpec[],
  overrides?: ReadonlyMap<string, readonly number[]>,
): void {
  for (const [name, dims] of overrides ?? []) {
    const spec = specs.find((s) => s.name === name);
    if (!spec)
      throw new InputError(
        'BAD_OPTION',
        `--input-shape ${name}=${dims.join('x')}: the model has no input "${name}" (its inputs: ` +
          `${specs.map((s) => s.name).join(', ') || 'none'})`,
      );
    if (spec.dims.length > 0 && spec.dims.length !== dims.length)
      throw new InputError(
        'BAD_OPTION',
        `--input-shape ${name}=${dims.join('x')}: input "${name}" has ${spec.dims.length} axes, not ${dims.length}`,
      );
  }
}
