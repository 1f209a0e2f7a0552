/**
 * Real input values (`--inputs`) and the runtime's failures: TensorProto and .npy files, integer
 * inputs that are shapes (with and without real values), ONNX Runtime load failures, 2^40 dims.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DataType, encodeModel, model, node, valueInfo } from '../../src/graph';
import { InputError, JaladError } from '../../src/core/errors';
import { openSession, probeTensors } from '../../src/runtime';
import { loadInputValues, loadReferenceOutputs } from '../../src/runtime/input-values';
import { createTensor } from '../../src/runtime';
import { diffTensor } from '../../src/runtime/reference-diff';
import { describeRuntimeFailure } from '../../src/runtime/runtime-errors';
import { buildExplicitSplit } from '../../src/pipeline/split-at-cut';
import {
  EXPAND_SHAPE,
  expandModel,
  floatProto,
  int64Proto,
  writeExpandCase,
  writeTensor,
} from '../helpers/test-data';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-inputs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<JaladError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(JaladError);
    expect((err as Error).message).not.toContain('\n');
    return err as JaladError;
  }
  throw new Error('expected a rejection');
}

describe('loadInputValues', () => {
  const { model: file, data } = writeExpandCase(path.join(tmp, 'expand'));
  const m = expandModel();

  test('a test_data_set folder: values by name, with their types and dims', () => {
    const v = loadInputValues(data, m);
    expect(v.get('data')!.dims).toEqual([3, 1]);
    expect(Array.from(v.get('new_shape')!.data as BigInt64Array, Number)).toEqual(EXPAND_SHAPE);
    expect(fs.existsSync(file)).toBe(true);
  });

  test('unnamed tensors are matched by number', () => {
    const dir = path.join(tmp, 'unnamed');
    fs.mkdirSync(dir);
    writeTensor(path.join(dir, 'input_0.pb'), floatProto('', [3, 1], [1, 2, 3]));
    writeTensor(path.join(dir, 'input_1.pb'), int64Proto('', [3], [1, 3, 2]));
    expect(loadInputValues(dir, m).get('new_shape')!.dims).toEqual([3]);
  });

  test('NAME=FILE.npy gives one input; the others stay synthetic', () => {
    const npy = path.join(tmp, 'shape.npy');
    const header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const head = Buffer.from(`\x93NUMPY\x01\x00`, 'latin1');
    const len = Buffer.alloc(2);
    len.writeUInt16LE(header.length + pad + 1);
    const body = Buffer.from(BigInt64Array.from([2n, 1n, 6n]).buffer);
    fs.writeFileSync(
      npy,
      Buffer.concat([head, len, Buffer.from(header + ' '.repeat(pad) + '\n', 'latin1'), body]),
    );
    const v = loadInputValues(`new_shape=${npy}`, m);
    expect([...v.keys()]).toEqual(['new_shape']);
  });

  test.each([
    [
      'a wrong type',
      () => writeTensor(path.join(tmp, 'bad-type.pb'), floatProto('new_shape', [3], [2, 1, 6])),
      'bad-type.pb',
      /is int64 in the model, the file holds float32/,
    ],
    [
      'a wrong shape',
      () => writeTensor(path.join(tmp, 'bad-shape.pb'), int64Proto('new_shape', [2], [2, 1])),
      'bad-shape.pb',
      /has shape \[2\], the model declares \[3\]/,
    ],
  ])('%s is refused naming the file and the input', (_what, make, name, pattern) => {
    make();
    try {
      loadInputValues(`new_shape=${path.join(tmp, name)}`, m);
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(pattern);
      expect((err as Error).message).toContain(name);
    }
  });

  test('an unknown input name and a missing folder are refused', () => {
    expect(() => loadInputValues(`nope=${path.join(tmp, 'x.npy')}`, m)).toThrow(/no input "nope"/);
    expect(() => loadInputValues(path.join(tmp, 'missing'), m)).toThrow(InputError);
  });

  test('reference outputs are read by name', () => {
    expect(loadReferenceOutputs(data, m).get('out')!.dims).toEqual([2, 3, 6]);
  });
});

describe('integer inputs that are shapes', () => {
  const { data } = writeExpandCase(path.join(tmp, 'expand2'));

  test('without real values: one line naming the input and --inputs (exit 2), no noise fed', async () => {
    const err = await rejection(probeTensors(expandModel(), ['out'], { source: 'expand.onnx' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('expand.onnx');
    expect(err.message).toContain('operator Expand');
    expect(err.message).toContain('"new_shape"');
    expect(err.message).toContain('--inputs');
  });

  test('with real values the probe measures the real shapes', async () => {
    const info = await probeTensors(expandModel(), ['e', 'out'], {
      inputValues: loadInputValues(data, expandModel()),
    });
    expect(info.get('out')!.dims).toEqual([2, 3, 6]);
    expect(info.get('out')!.bytesPerSample).toBe(2 * 3 * 6 * 4);
  });

  test('a split verified on them reproduces the reference outputs', async () => {
    const split = await buildExplicitSplit(expandModel(), ['e'], { inputs: data });
    expect(split.report.verifiedOn).toBe('inputs');
    expect(split.report.reference!.reproduces).toBe(true);
    expect(split.report.reference!.maxRelDiff).toBe(0);
  });

  test('a reference that differs is recorded, not hidden', async () => {
    const bad = writeExpandCase(path.join(tmp, 'expand3'), new Array(36).fill(1));
    const split = await buildExplicitSplit(expandModel(), ['e'], { inputs: bad.data });
    expect(split.report.reference!.reproduces).toBe(false);
    expect(split.report.reference!.maxRelDiff).toBeGreaterThan(1);
  });
});

describe('ONNX Runtime failures', () => {
  const unknownOp = model({
    nodes: [node('NoSuchOp', ['x'], ['y'], {}, 'weird')],
    inputs: [valueInfo('x', DataType.FLOAT, [1, 4])],
    outputs: [valueInfo('y', DataType.FLOAT, [1, 4])],
  });

  test("the user's model that cannot load: InputError naming the file and the operator", async () => {
    const err = await rejection(openSession(unknownOp, { source: 'weird.onnx' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('BAD_MODEL');
    expect(err.message).toMatch(/^weird\.onnx: ONNX Runtime cannot load the model at operator NoSuchOp/);
  });

  test("a model jalad built that cannot load is jalad's failure (not an InputError)", async () => {
    const err = await rejection(openSession(encodeModel(unknownOp)));
    expect(err).not.toBeInstanceOf(InputError);
    expect(err.code).toBe('RUNTIME');
  });

  test.each([
    [
      "Non-zero status code returned while running Expand node. Name:'n1' Status Message: invalid expand shape",
      'Expand',
      'n1',
    ],
    [
      'Fatal error: ai.onnx.preview.training:Adagrad(-1) is not a registered function/op',
      'Adagrad',
      undefined,
    ],
    ["Could not find an implementation for Add(6) node with name ''", 'Add', undefined],
  ])('describeRuntimeFailure(%s)', (message, op, nodeName) => {
    const f = describeRuntimeFailure(message);
    expect(f.op).toBe(op);
    expect(f.node).toBe(nodeName);
  });
});

describe('absurd declared shapes are refused before allocation', () => {
  test.each([
    ['a 2^40 dimension', [2 ** 40]],
    ['2^40 elements over two dims', [2 ** 20, 2 ** 20]],
  ])('%s names the input', async (_what, dims) => {
    const m = model({
      nodes: [node('Relu', ['huge'], ['y'])],
      inputs: [valueInfo('huge', DataType.FLOAT, dims)],
      outputs: [valueInfo('y', DataType.FLOAT, dims)],
    });
    const err = await rejection(probeTensors(m, ['y'], { source: 'huge.onnx' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('input "huge"');
  });
});

describe('diffTensor', () => {
  test('relative to the largest reference magnitude; integers exact', () => {
    const d = diffTensor(
      'x',
      createTensor('float32', Float32Array.from([100, 1.01]), [2]),
      createTensor('float32', Float32Array.from([100, 1]), [2]),
    );
    expect(d.relDiff).toBeCloseTo(0.01 / 100, 6);
    const i = diffTensor(
      'i',
      createTensor('int64', BigInt64Array.from([1n, 2n]), [2]),
      createTensor('int64', BigInt64Array.from([1n, 3n]), [2]),
    );
    expect(i.integer).toBe(true);
    expect(i.exact).toBe(false);
    const shape = diffTensor(
      's',
      createTensor('float32', new Float32Array(2), [2]),
      createTensor('float32', new Float32Array(2), [1, 2]),
    );
    expect(shape.relDiff).toBe(Infinity);
  });
});
