import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Long from 'long';
import { buildDag, decodeModel, encodeModel, node, readModelFile, type ModelProto } from '../../src/graph';
import { MODEL_PROTO } from '../../src/graph/onnx-schema';
import { InputError } from '../../src/core/errors';
import { openSession, syntheticFeeds, inputSpecs, maxAbsDiff } from '../../src/runtime';
import { chain, withFunctions, ZOO } from '../helpers/zoo';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-io-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, data: Uint8Array | string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, data);
  return p;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).not.toContain('\n');
    return (err as InputError).code;
  }
  return undefined;
}

describe('readModelFile rejects bad input with one-line InputErrors', () => {
  const good = encodeModel(chain());
  test.each([
    ['an empty file', () => write('empty.onnx', ''), 'BAD_MODEL'],
    ['a missing file', () => path.join(tmp, 'missing.onnx'), 'BAD_PATH'],
    ['a directory', () => tmp, 'BAD_PATH'],
    ['a text file', () => write('text.onnx', 'this is not a model\n'.repeat(20)), 'BAD_MODEL'],
    [
      'a truncated model',
      () => write('trunc.onnx', good.subarray(0, Math.floor(good.length * 0.6))),
      'BAD_MODEL',
    ],
  ])('%s', (_what, make, code) => {
    const p = make();
    expect(codeOf(() => readModelFile(p))).toBe(code);
    try {
      readModelFile(p);
    } catch (err) {
      expect((err as Error).message).toContain(p);
    }
  });
});

/** A model with metadata, functions, external-data references and int64 extremes. */
function richModel(): ModelProto {
  const m = withFunctions();
  m.metadataProps = [{ key: 'author', value: 'jalad tests' }];
  m.docString = 'round trip';
  const g = m.graph!;
  g.node!.push(node('Slice', ['logits', 'starts', 'ends'], ['unused']));
  g.initializer!.push({ name: 'starts', dims: [1], dataType: 7, int64Data: [0] });
  g.initializer!.push({
    name: 'ends',
    dims: [1],
    dataType: 7,
    int64Data: [Long.fromString('9223372036854775807')],
  });
  g.initializer!.push({
    name: 'ext',
    dims: [4],
    dataType: 1,
    dataLocation: 1,
    externalData: [
      { key: 'location', value: 'weights.bin' },
      { key: 'offset', value: '0' },
      { key: 'length', value: '16' },
    ],
  });
  g.valueInfo = [{ name: 'c1', docString: 'first conv', metadataProps: [{ key: 'k', value: 'v' }] }];
  return m;
}

describe('decode then encode loses nothing', () => {
  test('bytes are identical and every field is equal', () => {
    const once = encodeModel(richModel());
    const decoded = decodeModel(Buffer.from(once));
    const twice = encodeModel(decoded);
    expect(Buffer.compare(Buffer.from(once), Buffer.from(twice))).toBe(0);
    const a = MODEL_PROTO.toObject(MODEL_PROTO.decode(once), { longs: String, bytes: String });
    const b = MODEL_PROTO.toObject(MODEL_PROTO.decode(twice), { longs: String, bytes: String });
    expect(b).toEqual(a);
    // The fields older schemas drop are there.
    expect(a.graph.node[0].metadataProps).toEqual([{ key: 'source', value: 'layer conv_c1' }]);
    expect(a.functions[0].name).toBe('ScaledRelu');
    expect(a.graph.initializer.find((t: { name: string }) => t.name === 'ends').int64Data).toEqual([
      '9223372036854775807',
    ]);
    expect(a.graph.initializer.find((t: { name: string }) => t.name === 'ext').externalData[0]).toEqual({
      key: 'location',
      value: 'weights.bin',
    });
  });

  test.each(Object.keys(ZOO))('ONNX Runtime gives identical outputs on the re-encoded %s', async (name) => {
    const original = encodeModel(ZOO[name]());
    const again = encodeModel(decodeModel(Buffer.from(original)));
    const feeds = syntheticFeeds(inputSpecs(decodeModel(Buffer.from(original))), 2, 3);
    const [s1, s2] = [await openSession(original), await openSession(again)];
    const [r1, r2] = [await s1.run(feeds), await s2.run(feeds)];
    for (const k of Object.keys(r1)) expect(maxAbsDiff(r1[k], r2[k])).toBe(0);
    await s1.release();
    await s2.release();
  });

  test('initializer bytes stay views into the file buffer (no copy)', () => {
    const p = write('view.onnx', encodeModel(chain()));
    const loaded = readModelFile(p);
    const raw = loaded.model.graph!.initializer![0].rawData!;
    expect(raw.buffer).toBe(loaded.bytes.buffer);
  });
});

describe('external data', () => {
  function withExternal(location: string): string {
    const dir = fs.mkdtempSync(path.join(tmp, 'ext-'));
    const m = chain();
    const w = m.graph!.initializer![0];
    fs.writeFileSync(
      path.join(dir, 'weights.bin'),
      Buffer.concat([Buffer.alloc(8), Buffer.from(w.rawData!)]),
    );
    const moved = {
      ...w,
      rawData: undefined,
      dataLocation: 1,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: '8' },
        { key: 'length', value: String(w.rawData!.length) },
      ],
    };
    delete moved.rawData;
    m.graph!.initializer![0] = moved;
    const p = path.join(dir, 'model.onnx');
    fs.writeFileSync(p, encodeModel(m));
    return p;
  }

  test('is loaded from the model folder and runs like the inline model', async () => {
    const loaded = readModelFile(withExternal('weights.bin'));
    const feeds = syntheticFeeds(inputSpecs(loaded.model), 1, 1);
    const [s1, s2] = [await openSession(loaded.model), await openSession(chain())];
    const [a, b] = [await s1.run(feeds), await s2.run(feeds)];
    expect(maxAbsDiff(a.logits, b.logits)).toBe(0);
    await s1.release();
    await s2.release();
  });

  test.each(['../../etc/passwd', '/etc/passwd', 'sub/../../weights.bin'])(
    'a location leaving the folder (%s) is refused',
    (loc) => {
      expect(codeOf(() => readModelFile(withExternal(loc)))).toBe('BAD_PATH');
    },
  );

  test('a location past the end of the file is refused', () => {
    const p = withExternal('weights.bin');
    fs.truncateSync(path.join(path.dirname(p), 'weights.bin'), 10);
    expect(codeOf(() => readModelFile(p))).toBe('BAD_MODEL');
  });
});

describe('buildDag rejects malformed graphs', () => {
  test('a node reading an undefined tensor', () => {
    const m = chain();
    m.graph!.node!.push(node('Relu', ['nowhere'], ['x']));
    expect(codeOf(() => buildDag(m))).toBe('BAD_MODEL');
  });
  test('a tensor defined twice', () => {
    const m = chain();
    m.graph!.node!.push(node('Relu', ['input'], ['c1']));
    expect(codeOf(() => buildDag(m))).toBe('BAD_MODEL');
  });
  test('a cycle', () => {
    const m = chain();
    m.graph!.node!.push(node('Add', ['input', 'cy2'], ['cy1']), node('Relu', ['cy1'], ['cy2']));
    expect(codeOf(() => buildDag(m))).toBe('BAD_MODEL');
  });
  test('nodes out of order are sorted', () => {
    const m = chain();
    m.graph!.node!.reverse();
    const dag = buildDag(m);
    expect(dag.nodes[0].opType).toBe('Conv');
    expect(dag.nodes[dag.nodes.length - 1].opType).toBe('Gemm');
  });
});
