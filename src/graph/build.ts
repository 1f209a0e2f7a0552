/**
 * Small constructors for ONNX messages: used to build the quantizer/dequantizer ends
 * of split models and, in tests, whole models of every graph kind jalad supports.
 */
import {
  DataType,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
  type FunctionProto,
} from './onnx-types';

/** A dimension: a fixed size, or a symbolic name such as "batch". */
export type Dim = number | string;

/** A graph input/output/value_info of a tensor type. */
export function valueInfo(name: string, elemType: number, dims: readonly Dim[] | undefined): ValueInfoProto {
  const tensorType: { elemType: number; shape?: { dim: object[] } } = { elemType };
  if (dims)
    tensorType.shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType } };
}

/** A float32 tensor stored as raw little-endian bytes. */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const data = Float32Array.from(values);
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: new Uint8Array(data.buffer) };
}

/** An int64 tensor (shapes, axes) stored in `int64Data`. */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return { name, dims: [...dims], dataType: DataType.INT64, int64Data: [...values] };
}

/** Attribute values accepted by `node`: numbers (int or float by `Number.isInteger`), arrays, strings, tensors, graphs. */
export type AttrValue =
  | number
  | string
  | readonly number[]
  | TensorProto
  | GraphProto
  | { readonly floats: readonly number[] }
  | { readonly float: number };

/** Builds an AttributeProto, choosing the ONNX attribute type from the JS value. */
export function attribute(name: string, value: AttrValue): AttributeProto {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: 2, i: value } : { name, type: 1, f: value };
  }
  if (typeof value === 'string') return { name, type: 3, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: 7, ints: [...(value as number[])] };
  const v = value as Record<string, unknown>;
  if ('floats' in v) return { name, type: 6, floats: [...(v.floats as number[])] };
  if ('float' in v) return { name, type: 1, f: v.float as number };
  if ('node' in v) return { name, type: 5, g: value as GraphProto };
  return { name, type: 4, t: value as TensorProto };
}

/** Builds a NodeProto. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Readonly<Record<string, AttrValue>> = {},
  name?: string,
  domain?: string,
): NodeProto {
  const n: NodeProto = {
    input: [...inputs],
    output: [...outputs],
    opType,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
  if (name !== undefined) n.name = name;
  if (domain !== undefined) n.domain = domain;
  return n;
}

/** Everything a graph holds, for `graph` and `model`. */
export interface GraphSpec {
  readonly name?: string;
  readonly nodes: readonly NodeProto[];
  readonly inputs: readonly ValueInfoProto[];
  readonly outputs: readonly ValueInfoProto[];
  readonly initializers?: readonly TensorProto[];
  readonly valueInfo?: readonly ValueInfoProto[];
}

/** Builds a GraphProto. */
export function graph(spec: GraphSpec): GraphProto {
  return {
    name: spec.name ?? 'graph',
    node: [...spec.nodes],
    input: [...spec.inputs],
    output: [...spec.outputs],
    initializer: [...(spec.initializers ?? [])],
    valueInfo: [...(spec.valueInfo ?? [])],
  };
}

/** Options of `model`: opset of the default domain, IR version, extra opsets, functions. */
export interface ModelSpec extends GraphSpec {
  readonly opset?: number;
  readonly irVersion?: number;
  readonly extraOpsets?: Readonly<Record<string, number>>;
  readonly functions?: readonly FunctionProto[];
  readonly producerName?: string;
}

/** Builds a ModelProto (default: opset 17, IR 8). */
export function model(spec: ModelSpec): ModelProto {
  const opsetImport = [
    { domain: '', version: spec.opset ?? 17 },
    ...Object.entries(spec.extraOpsets ?? {}).map(([domain, version]) => ({ domain, version })),
  ];
  const m: ModelProto = {
    irVersion: spec.irVersion ?? 8,
    opsetImport,
    producerName: spec.producerName ?? 'jalad',
    graph: graph(spec),
  };
  if (spec.functions) m.functions = [...spec.functions];
  return m;
}
