/**
 * The runtime room: sessions take plain tensors, traced sessions hand back their trace and leave no
 * files, timing returns one sample per run, shape probing finds the batch axis.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  createTensor,
  feedsFor,
  inputSpecs,
  maxAbsDiff,
  onnxTypeOf,
  openSession,
  openTracedSession,
  probeTensors,
  runsInRound,
  syntheticFeeds,
  timeRuns,
  type Tensor,
} from '../../src/runtime';
import { DataType, model, node, valueInfo } from '../../src/graph';
import { chain } from '../helpers/zoo';

const traceDirs = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('jalad-profile-'));

describe('openSession(model)', () => {
  test('rejects bytes that are no model with a RUNTIME error', async () => {
    await expect(openSession(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'RUNTIME' });
  });

  test('runs on a plain tensor object as on one it made, with the same result', async () => {
    const model = chain();
    const session = await openSession(model, { optimization: 'disabled', threads: 1 });
    try {
      const feeds = syntheticFeeds(inputSpecs(model), 2, 5);
      const [name] = session.inputNames;
      const made = feeds[name];
      const plain: Tensor = { type: made.type, data: made.data, dims: [...made.dims] };
      const a = await session.run({ [name]: made });
      const b = await session.run({ [name]: plain });
      const out = session.outputNames[0];
      expect(a[out].dims).toEqual(b[out].dims);
      expect(maxAbsDiff(a[out], b[out])).toBe(0);
      const fetched = await session.run(feedsFor(session, { ...feeds, unused: made }), [out]);
      expect(Object.keys(fetched)).toEqual([out]);
    } finally {
      await session.release();
    }
  });
});

describe('tensors', () => {
  test('createTensor keeps the data without a copy; maxAbsDiff compares shape first, then values', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const t = createTensor('float32', data, [2, 2]);
    expect(t.data).toBe(data);
    expect(maxAbsDiff(t, createTensor('float32', new Float32Array([1, 2, 3, 4.5]), [2, 2]))).toBe(0.5);
    expect(maxAbsDiff(t, createTensor('float32', data, [4]))).toBe(Infinity);
    expect(onnxTypeOf('float32')).toBe(1);
    expect(onnxTypeOf('int64')).toBe(7);
    expect(onnxTypeOf('no such type')).toBe(0);
  });
});

describe('openTracedSession(model)', () => {
  test('records one model_run per run and kernel events, and removes its trace folder on release', async () => {
    // A temp folder of this test's own: test files running beside it make trace folders of their own in the shared one.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-test-trace-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const model = chain();
    const session = await openTracedSession(model, { optimization: 'disabled', threads: 1 });
    try {
      const feeds = syntheticFeeds(inputSpecs(model), 1, 1);
      for (let i = 0; i < 3; i++) await session.run(feeds);
      const events = session.endProfiling();
      expect(events.filter((e) => e.cat === 'Session' && e.name === 'model_run')).toHaveLength(3);
      expect(events.some((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time'))).toBe(true);
      expect(traceDirs().length).toBeGreaterThan(0);
    } finally {
      await session.release();
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(fs.readdirSync(tmp)).toEqual([]);
    fs.rmdirSync(tmp);
  });
});

describe('timeRuns and runsInRound', () => {
  test('one positive sample per timed run; rounds share the runs, the first ones taking the remainder', async () => {
    const model = chain();
    const session = await openSession(model, { threads: 1 });
    try {
      const samples = await timeRuns(session, syntheticFeeds(inputSpecs(model), 1, 1), 2, 4);
      expect(samples).toHaveLength(4);
      for (const s of samples) expect(s).toBeGreaterThan(0);
    } finally {
      await session.release();
    }
    expect([0, 1, 2].map((r) => runsInRound(8, 3, r))).toEqual([3, 3, 2]);
  });
});

describe('probeTensors(model, names)', () => {
  test('reports element type, dims with the named batch axis, and bytes per sample', async () => {
    const model = chain();
    const [input] = inputSpecs(model);
    const info = await probeTensors(model, [input.name]);
    const t = info.get(input.name)!;
    expect(t.elemType).toBe(1);
    expect(t.dims).toEqual(input.dims);
    expect(t.bytesPerSample).toBe(t.elementsPerSample * 4);
  });

  test('with --input-shape sizing the spatial axes, the batch axis stays symbolic (whatever batch was given)', async () => {
    const m = model({
      nodes: [node('Relu', ['img'], ['r']), node('Sigmoid', ['r'], ['y'])],
      inputs: [valueInfo('img', DataType.FLOAT, ['batch', 3, 'height', 'width'])],
      outputs: [valueInfo('y', DataType.FLOAT, ['batch', 3, 'height', 'width'])],
    });
    const info = await probeTensors(m, ['r'], { inputShapes: new Map([['img', [1, 3, 8, 8]]]) });
    expect(info.get('r')!.dims).toEqual(['batch', 3, 8, 8]);
    expect(info.get('r')!.bytesPerSample).toBe(3 * 8 * 8 * 4);
    expect(syntheticFeeds(inputSpecs(m), 5, 1, new Map([['img', [1, 3, 8, 8]]])).img.dims).toEqual([
      5, 3, 8, 8,
    ]);
  });
});
