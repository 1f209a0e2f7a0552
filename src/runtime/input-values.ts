/**
 * Real input values for a model (`--inputs`): a folder in ONNX's test-data layout (`input_0.pb`,
 * `input_1.pb`, ... serialized TensorProtos, as in `test_data_set_0/`), or a list of files named by
 * input (`ids=ids.npy,mask=mask.pb`). Also the folder's reference outputs (`output_N.pb`).
 *
 * A `.pb` file's tensor is matched to the graph input it names; an unnamed one by its number (the
 * order of the graph's inputs, initializers left out), as ONNX's test runner does.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../core/errors';
import { decodeTensorProto, hostTensor, type HostTensor } from '../graph/tensor-file';
import { DataType, type ModelProto } from '../graph/onnx-types';
import { parseNpy, readFileBytes } from '../data';
import type { DType } from '../data';
import { checkAllocatable, inputSpecs, type InputSpec, type InputValues } from './inputs';
import { createTensor, type Tensor, type TensorData, type TensorType } from './tensor';

/** ORT's name of each ONNX data type it can hold in Node. */
const ORT_TYPE: Readonly<Record<number, TensorType>> = {
  [DataType.FLOAT]: 'float32',
  [DataType.DOUBLE]: 'float64',
  [DataType.FLOAT16]: 'float16',
  [DataType.INT8]: 'int8',
  [DataType.UINT8]: 'uint8',
  [DataType.INT16]: 'int16',
  [DataType.UINT16]: 'uint16',
  [DataType.INT32]: 'int32',
  [DataType.UINT32]: 'uint32',
  [DataType.INT64]: 'int64',
  [DataType.UINT64]: 'uint64',
  [DataType.BOOL]: 'bool',
  [DataType.STRING]: 'string',
};

const NPY_TYPE: Readonly<Record<DType, number>> = {
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  int16: DataType.INT16,
  int32: DataType.INT32,
  int64: DataType.INT64,
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
};

/** A readable name of an ONNX data type ('float32', 'int64', or the number). */
export function typeName(elemType: number): string {
  return ORT_TYPE[elemType] ?? (elemType === DataType.BFLOAT16 ? 'bfloat16' : `ONNX type ${elemType}`);
}

/** A runtime tensor over a host tensor's values. */
export function toTensor(t: HostTensor, source: string): Tensor {
  const type = ORT_TYPE[t.elemType];
  if (!type)
    throw new InputError(
      'BAD_DATA',
      `${source}: tensor "${t.name}" is ${typeName(t.elemType)}, which ONNX Runtime for Node cannot take`,
    );
  return createTensor(type, t.data as TensorData, t.dims);
}

/** Reads one TensorProto file. */
function readPb(file: string, role: string): HostTensor {
  return hostTensor(decodeTensorProto(readFileBytes(file, role).bytes, role), role);
}

/** Reads one .npy file as a host tensor of its ONNX type. */
function readNpyTensor(file: string, role: string): HostTensor {
  const a = parseNpy(readFileBytes(file, role).bytes, role);
  return { name: '', elemType: NPY_TYPE[a.dtype], dims: a.dims, data: a.data };
}

/** The `PREFIX_N.pb` files of a folder, in order of N. */
function numbered(dir: string, prefix: string): string[] {
  return fs
    .readdirSync(dir)
    .map((f) => ({ f, m: new RegExp(`^${prefix}_(\\d+)\\.pb$`).exec(f) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .map((x) => path.join(dir, x.f));
}

/** Checks a value against the input's declared type and fixed dims; converts a uint8 array for a bool input. */
function fitInput(spec: InputSpec, t: HostTensor, role: string): Tensor {
  let value = t;
  if (spec.elemType === DataType.BOOL && t.elemType === DataType.UINT8)
    value = { ...t, elemType: DataType.BOOL };
  if (value.elemType !== spec.elemType)
    throw new InputError(
      'BAD_DATA',
      `${role}: input "${spec.name}" is ${typeName(spec.elemType)} in the model, the file holds ${typeName(value.elemType)}`,
    );
  const fixed =
    spec.dims.length === value.dims.length &&
    spec.dims.every((d, i) => typeof d !== 'number' || d <= 0 || d === value.dims[i]);
  if (spec.dims.length > 0 && !fixed)
    throw new InputError(
      'BAD_DATA',
      `${role}: input "${spec.name}" has shape [${value.dims.join(', ')}], the model declares [${spec.dims.join(', ')}]`,
    );
  checkAllocatable(`${role}: input "${spec.name}"`, value.dims, value.elemType);
  return toTensor(value, role);
}

/**
 * Real values for the model's inputs.
 * @param spec `--inputs`: a folder of `input_N.pb`, or `name=file[,name=file...]` (.npy or .pb)
 * @returns a value for every graph input
 * @throws InputError BAD_PATH / BAD_DATA naming the flag, the file and the input
 */
export function loadInputValues(spec: string, model: ModelProto): InputValues {
  const specs = inputSpecs(model);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, Tensor>();
  const isList = spec.includes('=') && !fs.existsSync(spec);
  if (isList) {
    for (const item of spec.split(',')) {
      const eq = item.indexOf('=');
      const name = item.slice(0, eq).trim();
      const file = item.slice(eq + 1).trim();
      const role = `--inputs ${file}`;
      const s = byName.get(name);
      if (eq <= 0 || file === '')
        throw new InputError('BAD_OPTION', `--inputs: expected NAME=FILE[,NAME=FILE...], got "${item}"`);
      if (!s)
        throw new InputError(
          'BAD_OPTION',
          `--inputs: the model has no input "${name}" (its inputs: ${specs.map((x) => x.name).join(', ')})`,
        );
      const t = file.toLowerCase().endsWith('.pb') ? readPb(file, role) : readNpyTensor(file, role);
      values.set(name, fitInput(s, t, role));
    }
  } else {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(spec);
    } catch {
      throw new InputError('BAD_PATH', `--inputs ${spec}: no such folder`);
    }
    if (!stat.isDirectory())
      throw new InputError(
        'BAD_OPTION',
        `--inputs ${spec}: expected a folder of input_N.pb files or NAME=FILE[,NAME=FILE...]`,
      );
    const files = numbered(spec, 'input');
    files.forEach((file, i) => {
      const role = `--inputs ${file}`;
      const t = readPb(file, role);
      const s = byName.get(t.name) ?? specs[i];
      if (!s) throw new InputError('BAD_DATA', `${role}: the model has only ${specs.length} input(s)`);
      values.set(s.name, fitInput(s, t, role));
    });
  }
  const missing = specs.filter((s) => !values.has(s.name)).map((s) => `"${s.name}"`);
  if (missing.length > 0 && !isList)
    throw new InputError('BAD_DATA', `--inputs ${spec}: no value for input ${missing.join(', ')}`);
  return values;
}

/**
 * The reference outputs of a test-data folder (`output_N.pb`), by graph output name; empty when
 * `dir` is not a folder or holds none.
 */
export function loadReferenceOutputs(dir: string, model: ModelProto): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return out;
  const names = (model.graph?.output ?? []).map((o) => o.name ?? '');
  numbered(dir, 'output').forEach((file, i) => {
    const role = `--inputs ${file}`;
    const t = readPb(file, role);
    const name = names.includes(t.name) ? t.name : names[i];
    if (name !== undefined && ORT_TYPE[t.elemType]) out.set(name, toTensor(t, role));
  });
  return out;
}
