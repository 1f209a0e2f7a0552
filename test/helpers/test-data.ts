/**
 * Models whose integer inputs are shapes, and test-data folders in ONNX's layout (input_N.pb,
 * output_N.pb), built in code for the tests of `--inputs`.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  DataType,
  encodeModel,
  model,
  node,
  valueInfo,
  type ModelProto,
  type TensorProto,
} from '../../src/graph';
import { TENSOR_PROTO } from '../../src/graph/onnx-schema';

/** Writes a TensorProto file. */
export function writeTensor(file: string, t: TensorProto): void {
  fs.writeFileSync(file, TENSOR_PROTO.encode(t as never).finish());
}

/** A float32 TensorProto in raw_data. */
export function floatProto(name: string, dims: number[], values: ArrayLike<number>): TensorProto {
  return { name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) };
}

/** An int64 TensorProto in raw_data. */
export function int64Proto(name: string, dims: number[], values: number[]): TensorProto {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims, dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) };
}

/**
 * data [3, 1] float -> Relu -> Expand(new_shape, an int64 input) -> Mul by itself -> out.
 * With new_shape = [2, 1, 6] the output is [2, 3, 6]; with zeros (synthetic) Expand fails.
 */
export function expandModel(): ModelProto {
  return model({
    nodes: [
      node('Relu', ['data'], ['r']),
      node('Expand', ['r', 'new_shape'], ['e'], {}, 'expand_node'),
      node('Mul', ['e', 'e'], ['out']),
    ],
    inputs: [valueInfo('data', DataType.FLOAT, [3, 1]), valueInfo('new_shape', DataType.INT64, [3])],
    outputs: [valueInfo('out', DataType.FLOAT, undefined)],
  });
}

/** The inputs of `expandModel` and its output, computed here. */
export const EXPAND_DATA = [0.5, -2, 3];
export const EXPAND_SHAPE = [2, 1, 6];
export function expandReference(): number[] {
  const out: number[] = [];
  for (let b = 0; b < 2; b++)
    for (let i = 0; i < 3; i++) for (let j = 0; j < 6; j++) out.push(Math.max(0, EXPAND_DATA[i]) ** 2);
  return out;
}

/** Writes `expandModel` and a test_data_set_0 folder beside it; returns both paths. */
export function writeExpandCase(dir: string, reference = expandReference()): { model: string; data: string } {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'model.onnx');
  fs.writeFileSync(file, encodeModel(expandModel()));
  const data = path.join(dir, 'test_data_set_0');
  fs.mkdirSync(data, { recursive: true });
  writeTensor(path.join(data, 'input_0.pb'), floatProto('data', [3, 1], EXPAND_DATA));
  writeTensor(path.join(data, 'input_1.pb'), int64Proto('new_shape', [3], EXPAND_SHAPE));
  writeTensor(path.join(data, 'output_0.pb'), floatProto('out', [2, 3, 6], reference));
  return { model: file, data };
}
