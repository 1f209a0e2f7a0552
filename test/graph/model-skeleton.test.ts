/**
 * readModelSkeleton: the structure of a model without its large initializer data, which is read
 * back from the file per tensor; the same model, hash and probe results as reading it whole.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  DataType,
  encodeModel,
  floatTensor,
  int64Tensor,
  model,
  node,
  readModelFile,
  valueInfo,
  type ModelProto,
} from '../../src/graph';
import { readModelInFile, readModelSkeleton } from '../../src/graph/model-skeleton';
import { openSession, probeTensors } from '../../src/runtime';
import { Tensor } from 'onnxruntime-node';
import { uniformRandom } from '../../src/core/random';

const F = DataType.FLOAT;

/** Two MatMuls with 64 KB and 16 KB weights, a small bias, a reshape by an int64 initializer. */
function weighted(): ModelProto {
  const rand = uniformRandom(3);
  const w = (name: string, dims: number[]) =>
    floatTensor(
      name,
      dims,
      Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() - 0.5),
    );
  return model({
    nodes: [
      node('MatMul', ['x', 'W1'], ['h']),
      node('Add', ['h', 'b1'], ['hb']),
      node('Relu', ['hb'], ['r']),
      node('MatMul', ['r', 'W2'], ['y0']),
      node('Reshape', ['y0', 'shape'], ['y']),
    ],
    inputs: [valueInfo('x', F, ['N', 128])],
    outputs: [valueInfo('y', F, undefined)],
    initializers: [
      w('W1', [128, 128]),
      w('b1', [128]),
      w('W2', [128, 32]),
      int64Tensor('shape', [3], [-1, 4, 8]),
    ],
  });
}

describe('readModelSkeleton(file)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-skeleton-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('leaves large weights in the file; the hash, the structure and the data read back equal a whole read', () => {
    const file = path.join(dir, 'w.onnx');
    fs.writeFileSync(file, encodeModel(weighted()));
    const whole = readModelFile(file);
    const s = readModelSkeleton(file);
    expect(s.sha256).toBe(createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
    expect(s.fileBytes).toBe(fs.statSync(file).size);
    const inits = s.model.graph!.initializer!;
    // W1 (64 KB) and W2 (16 KB) stay in the file; b1 (512 B) and shape are read.
    expect(inits.map((t) => t.rawData?.length ?? 0)).toEqual([0, 512, 0, 0]);
    const filled = { ...s.model, graph: { ...s.model.graph, initializer: inits.map(s.withData) } };
    expect(Buffer.from(encodeModel(filled)).equals(Buffer.from(encodeModel(whole.model)))).toBe(true);
    expect(s.withData(inits[1])).toBe(inits[1]);
    expect(s.bytes.equals(whole.bytes)).toBe(true);
  });

  test('probing the skeleton, its weights read per segment or by ONNX Runtime from the file, equals probing the whole model', async () => {
    const file = path.join(dir, 'p.onnx');
    fs.writeFileSync(file, encodeModel(weighted()));
    const names = ['x', 'h', 'hb', 'r', 'y0', 'y'];
    const reference = await probeTensors(readModelFile(file).model, names, {
      segments: { nodes: Infinity, weightBytes: Infinity, infer: false },
    });
    // A symbolic link from another folder: the weights are still read from the file itself.
    fs.mkdirSync(path.join(dir, 'links'), { recursive: true });
    const link = path.join(dir, 'links', 'p-link.onnx');
    fs.symlinkSync(file, link);
    for (const s of [readModelSkeleton(file), readModelSkeleton(link)])
      for (const segments of [{}, { nodes: 1 }, { weightBytes: 1, shapesOverBytes: 0 }])
        for (const how of [{ sessionTensor: s.withData }, { sessionTensor: s.inFile }])
          expect(await probeTensors(s.model, names, { ...how, segments })).toEqual(reference);
  });

  test('readModelInFile: no weight bytes in memory; sessions on the model and its parts compute what a whole read does', async () => {
    const file = path.join(dir, 'in-file.onnx');
    fs.writeFileSync(file, encodeModel(weighted()));
    const whole = readModelFile(file);
    const inFile = readModelInFile(file);
    expect(inFile.sha256).toBe(whole.sha256);
    const inits = inFile.model.graph!.initializer!;
    expect(inits.map((t) => t.rawData?.length ?? 0)).toEqual([0, 512, 0, 0]);
    expect(inits[0].externalData!.find((e) => e.key === 'length')!.value).toBe(String(128 * 128 * 4));
    const x = new Tensor(
      'float32',
      Float32Array.from({ length: 2 * 128 }, (_, i) => Math.sin(i)),
      [2, 128],
    );
    const outputs = async (m: ModelProto) => {
      const session = await openSession(m, { optimization: 'all' });
      try {
        return Array.from((await session.run({ x })).y.data as Float32Array);
      } finally {
        await session.release();
      }
    };
    expect(await outputs(inFile.model)).toEqual(await outputs(whole.model));
    // A part built from it (the first MatMul alone) shares the references.
    const part = (m: ModelProto): ModelProto => ({
      ...m,
      graph: {
        ...m.graph,
        node: [m.graph!.node![0], node('Reshape', ['h', 'shape'], ['y'])],
        initializer: m.graph!.initializer!.filter((t) => t.name === 'W1' || t.name === 'shape'),
        output: [valueInfo('y', F, undefined)],
      },
    });
    expect(await outputs(part(inFile.model))).toEqual(await outputs(part(whole.model)));
  });

  test('a model with external data, or bytes that are not a model, are read whole (same errors)', () => {
    const file = path.join(dir, 'ext.onnx');
    const m = weighted();
    const w = m.graph!.initializer![0];
    fs.writeFileSync(path.join(dir, 'w1.bin'), w.rawData!);
    m.graph!.initializer![0] = {
      name: w.name,
      dims: w.dims,
      dataType: w.dataType,
      dataLocation: 1,
      externalData: [{ key: 'location', value: 'w1.bin' }],
    };
    fs.writeFileSync(file, encodeModel(m));
    const s = readModelSkeleton(file);
    expect(s.model.graph!.initializer![0].rawData!.length).toBe(128 * 128 * 4);
    const bad = path.join(dir, 'bad.onnx');
    fs.writeFileSync(bad, Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x02]));
    expect(() => readModelSkeleton(bad)).toThrow(/bad\.onnx: not a valid ONNX model/);
    expect(() => readModelSkeleton(path.join(dir, 'missing.onnx'))).toThrow(/missing\.onnx: no such file/);
    // Checks on what was read apply as to a whole read: a sequence input is refused naming the file.
    const seq = weighted();
    seq.graph!.input!.push({
      name: 'list',
      type: { sequenceType: { elemType: { tensorType: { elemType: F } } } },
    });
    const seqFile = path.join(dir, 'seq.onnx');
    fs.writeFileSync(seqFile, encodeModel(seq));
    expect(() => readModelSkeleton(seqFile)).toThrow(/seq\.onnx: input "list" is a sequence/);
  });
});
