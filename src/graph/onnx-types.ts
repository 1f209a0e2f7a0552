/**
 * TypeScript views of the ONNX messages jalad reads and writes (camelCase, as protobufjs
 * decodes them). Fields we do not touch are kept by the decoder and passed through.
 *
 * int64 fields decode as `Long` (from the `long` package) so that values such as
 * INT64_MAX in a Slice attribute survive a round trip; `toNumber` converts where safe.
 */
import type Long from 'long';

/** An int64 as protobufjs gives it (Long) or as we build it (number). */
export type Int64 = number | Long;

export interface StringStringEntry {
  key?: string;
  value?: string;
}

export interface TensorProto {
  dims?: Int64[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: Int64[];
  doubleData?: number[];
  uint64Data?: Int64[];
  stringData?: Uint8Array[];
  name?: string;
  docString?: string;
  /** A view into the decoded buffer (no copy). */
  rawData?: Uint8Array;
  externalData?: StringStringEntry[];
  dataLocation?: number;
  metadataProps?: StringStringEntry[];
  [more: string]: unknown;
}

export interface Dimension {
  dimValue?: Int64;
  dimParam?: string;
  denotation?: string;
}

export interface TypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: Dimension[] } };
  [more: string]: unknown;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
  metadataProps?: StringStringEntry[];
}

export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  sparseTensor?: { values?: TensorProto; indices?: TensorProto; dims?: Int64[] };
  refAttrName?: string;
  [more: string]: unknown;
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeProto[];
  docString?: string;
  metadataProps?: StringStringEntry[];
  [more: string]: unknown;
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparseInitializer?: { values?: TensorProto; indices?: TensorProto; dims?: Int64[] }[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
  metadataProps?: StringStringEntry[];
  [more: string]: unknown;
}

export interface OperatorSetId {
  domain?: string;
  version?: Int64;
}

export interface FunctionProto {
  name?: string;
  domain?: string;
  overload?: string;
  input?: string[];
  output?: string[];
  node?: NodeProto[];
  opsetImport?: OperatorSetId[];
  [more: string]: unknown;
}

export interface ModelProto {
  irVersion?: Int64;
  opsetImport?: OperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: Int64;
  docString?: string;
  graph?: GraphProto;
  metadataProps?: StringStringEntry[];
  functions?: FunctionProto[];
  [more: string]: unknown;
}

/** ONNX TensorProto.DataType values jalad names. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** Converts an int64 field to a JS number (exact up to 2^53). */
export function toNumber(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}
