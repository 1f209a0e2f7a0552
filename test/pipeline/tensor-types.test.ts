/**
 * Every ONNX element type as a cut tensor: a model casts its activations to the type and back, and
 * the cut at the typed tensor is listed, costed at more than 0 bytes, and split (edge then cloud
 * reproduce the model; ONNX Runtime loads both parts). Types ONNX Runtime for Node cannot hand over
 * (bfloat16, float8) cross as float32, exactly (bfloat16 costed at its own 2 bytes, the wire sends
 * it raw at that size); strings are costed by what they hold.
 */
import {
  attachCodec,
  buildDag,
  cutPoints,
  DataType,
  encodeModel,
  extractSplit,
  model,
  node,
  partitionAt,
  valueInfo,
  type ModelProto,
} from '../../src/graph';
import { InputError } from '../../src/core/errors';
import { buildExplicitSplit } from '../../src/pipeline/split-at-cut';
import { createTensor, openSession, probeTensors } from '../../src/runtime';

const F = DataType.FLOAT;

/** x -> Relu -> a -> Cast(type) -> b -> Identity -> b2 -> Cast(float) -> y. */
function castModel(type: number, opset = 19): ModelProto {
  return model({
    nodes: [
      node('Relu', ['x'], ['a'], {}, 'relu'),
      node('Cast', ['a'], ['b'], { to: type }, 'to_type'),
      node('Identity', ['b'], ['b2'], {}, 'same'),
      node('Cast', ['b2'], ['y'], { to: F }, 'to_float'),
    ],
    inputs: [valueInfo('x', F, ['batch', 4])],
    outputs: [valueInfo('y', F, ['batch', 4])],
    opset,
    irVersion: 9,
  });
}

describe('a cut tensor of every element type ONNX Runtime runs', () => {
  test.each<[string, number, number]>([
    // [type, ONNX id, bytes per sample of the 4-element cut tensor as it crosses]
    ['float16', DataType.FLOAT16, 8],
    ['double', DataType.DOUBLE, 32],
    ['int8', DataType.INT8, 4],
    ['uint8', DataType.UINT8, 4],
    ['int16', DataType.INT16, 8],
    ['uint16', DataType.UINT16, 8],
    ['int32', DataType.INT32, 16],
    ['uint32', DataType.UINT32, 16],
    ['int64', DataType.INT64, 32],
    ['uint64', DataType.UINT64, 32],
    ['bool', DataType.BOOL, 4],
    ['bfloat16 (crosses as float32, costed and sent raw at 2 bytes)', DataType.BFLOAT16, 8],
    ['float8e4m3fn (crosses as float32)', 17, 16],
  ])(
    '%s',
    async (_name, type, bytes) => {
      const m = castModel(type);
      const cuts = cutPoints(buildDag(m)).map((c) => c.tensors.map((t) => t.name).join('+'));
      expect(cuts).toContain('b');
      const info = (await probeTensors(m, ['b'])).get('b')!;
      expect(info.bytesPerSample).toBe(bytes);
      const split = await buildExplicitSplit(m, ['b']);
      expect(split.report.tensors[0].bytes).toBe(bytes);
      expect(split.report.maxAbsDiff).toBe(0);
    },
    30000,
  );

  test('a string cut tensor is costed by its UTF-8 bytes and lengths, never 0', async () => {
    const m = castModel(DataType.STRING);
    const info = (await probeTensors(m, ['b'])).get('b')!;
    expect(info.elemType).toBe(DataType.STRING);
    // Four numbers printed as text: at least one character and a 4-byte length each.
    expect(info.bytesPerSample).toBeGreaterThanOrEqual(4 * 5);
    const split = await buildExplicitSplit(m, ['b']);
    expect(split.report.tensors[0].bytes).toBe(info.bytesPerSample);
    expect(split.report.maxAbsDiff).toBe(0);
  }, 30000);

  test('a bfloat16 cut tensor is compressed like float32: the 8-bit deployable parts load and run', async () => {
    const m = castModel(DataType.BFLOAT16);
    const dag = buildDag(m);
    const info = (await probeTensors(m, ['b'])).get('b')!;
    expect(info.elemType).toBe(DataType.FLOAT);
    const split = extractSplit(m, dag, partitionAt(dag, ['b']), (t) =>
      valueInfo(t, info.elemType, info.dims),
    );
    const parts = attachCodec(split, [{ name: 'b', bits: 8, dims: info.dims, elemType: info.elemType }], 19);
    const edge = await openSession(encodeModel(parts.edge));
    const cloud = await openSession(encodeModel(parts.cloud));
    const x = createTensor('float32', Float32Array.from([0.5, -1, 2, 3]), [1, 4]);
    const sent = await edge.run({ x });
    expect(Object.keys(sent).sort()).toEqual(['b.code', 'b.hi', 'b.lo']);
    const y = (await cloud.run(sent)).y.data as Float32Array;
    expect(Array.from(y).map((v) => Math.round(v * 10) / 10)).toEqual([0.5, 0, 2, 3]);
    await edge.release();
    await cloud.release();
  }, 30000);

  test('a type ONNX Runtime cannot run (complex64) is refused with one line naming the model and the operator', async () => {
    const err = await buildExplicitSplit(
      castModel(DataType.COMPLEX64),
      ['b'],
      {},
      'c.onnx',
      new Uint8Array(0),
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).toContain('c.onnx');
  }, 30000);
});
