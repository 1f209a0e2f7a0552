/**
 * The part of NVIDIA Triton's model configuration schema (the `inference.ModelConfig` protobuf
 * message of triton-inference-server/common, protobuf/model_config.proto) that a repository for
 * an ONNX Runtime model uses, written out here as data: message fields with their protobuf
 * types, enums with their value names. Fields not listed here are refused, as protobuf's text
 * parser refuses unknown fields, so a config that passes uses only what this table names.
 */

/** A field's type: a scalar, an enum (by name) or a message (by name). */
export type FieldType =
  | { readonly kind: 'string' | 'int32' | 'int64' | 'uint32' | 'bool' }
  | { readonly kind: 'enum'; readonly name: string }
  | { readonly kind: 'message'; readonly name: string };

/** One field of a message. */
export interface FieldSpec {
  readonly number: number;
  readonly type: FieldType;
  readonly repeated: boolean;
}

const scalar = (
  kind: 'string' | 'int32' | 'int64' | 'uint32' | 'bool',
  number: number,
  repeated = false,
): FieldSpec => ({
  number,
  type: { kind },
  repeated,
});
const enumField = (name: string, number: number): FieldSpec => ({
  number,
  type: { kind: 'enum', name },
  repeated: false,
});
const message = (name: string, number: number, repeated = false): FieldSpec => ({
  number,
  type: { kind: 'message', name },
  repeated,
});

/** Enum value names by enum. */
export const ENUMS: Readonly<Record<string, readonly string[]>> = {
  DataType: [
    'TYPE_INVALID',
    'TYPE_BOOL',
    'TYPE_UINT8',
    'TYPE_UINT16',
    'TYPE_UINT32',
    'TYPE_UINT64',
    'TYPE_INT8',
    'TYPE_INT16',
    'TYPE_INT32',
    'TYPE_INT64',
    'TYPE_FP16',
    'TYPE_FP32',
    'TYPE_FP64',
    'TYPE_STRING',
    'TYPE_BF16',
  ],
  Format: ['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW'],
  Kind: ['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL'],
};

/** Messages by name; `ModelConfig` is the root. */
export const MESSAGES: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>> = {
  ModelConfig: {
    name: scalar('string', 1),
    platform: scalar('string', 2),
    backend: scalar('string', 17),
    max_batch_size: scalar('int32', 4),
    input: message('ModelInput', 5, true),
    output: message('ModelOutput', 6, true),
    instance_group: message('ModelInstanceGroup', 7, true),
    default_model_filename: scalar('string', 8),
  },
  ModelInput: {
    name: scalar('string', 1),
    data_type: enumField('DataType', 2),
    format: enumField('Format', 3),
    dims: scalar('int64', 4, true),
    reshape: message('ModelTensorReshape', 5),
    is_shape_tensor: scalar('bool', 6),
    allow_ragged_batch: scalar('bool', 7),
    optional: scalar('bool', 8),
  },
  ModelOutput: {
    name: scalar('string', 1),
    data_type: enumField('DataType', 2),
    dims: scalar('int64', 3, true),
    label_filename: scalar('string', 4),
    reshape: message('ModelTensorReshape', 5),
    is_shape_tensor: scalar('bool', 6),
  },
  ModelTensorReshape: { shape: scalar('int64', 1, true) },
  ModelInstanceGroup: {
    name: scalar('string', 1),
    count: scalar('int32', 2),
    gpus: scalar('int32', 3, true),
    kind: enumField('Kind', 4),
  },
};
