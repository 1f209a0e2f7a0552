/**
 * Any ONNX model, as a user runs jalad on it (the built bin/jalad.js in a child process): real
 * inputs (--inputs), integer shape inputs, external data from another working directory, ONNX
 * Runtime load failures, absurd shapes, structure-only analysis, and ONNX Runtime's own log lines.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DataType, encodeModel, model, node, valueInfo } from '../src/graph';
import { chain } from './helpers/zoo';
import { writeExpandCase } from './helpers/test-data';

const BIN = path.join(__dirname, '..', 'dist', 'bin', 'jalad.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-cli-models-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const elsewhere = fs.mkdtempSync(path.join(tmp, 'cwd-'));

function jalad(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: elsewhere });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** exit 2, exactly one line on stderr, no stack trace, none of ONNX Runtime's own log lines. */
function expectOneLine(r: ReturnType<typeof jalad>, ...mentions: string[]): void {
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.code).toBe(2);
  for (const m of mentions) expect(r.err).toContain(m);
  expect(r.err).not.toMatch(/\n\s+at |onnxruntime:/);
  expect(r.err).not.toContain('\u001b[');
}

const expand = writeExpandCase(path.join(tmp, 'expand'));

describe('integer inputs that feed a shape', () => {
  test('without --inputs: one line naming the input and the flag', () => {
    expectOneLine(
      jalad('analyze', expand.model, '--no-profile', '-q', '--out', path.join(tmp, 'a0')),
      expand.model,
      'Expand',
      '"new_shape"',
      '--inputs',
    );
  });
  test('--verbose lets ONNX Runtime speak', () => {
    const r = jalad(
      '--verbose',
      'analyze',
      expand.model,
      '--no-profile',
      '-q',
      '--out',
      path.join(tmp, 'a1'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/onnxruntime/);
  });
  test('with --inputs: the analysis has the real sizes', () => {
    const r = jalad(
      'analyze',
      expand.model,
      '--no-profile',
      '--json',
      '--inputs',
      expand.data,
      '--out',
      path.join(tmp, 'a2'),
    );
    expect(r.code).toBe(0);
    const a = JSON.parse(r.out);
    expect(a.cutPoints[a.cutPoints.length - 1].shape).toEqual([2, 3, 6]);
  });
  test('split --inputs checks the reference outputs and records them in split.json', () => {
    const out = path.join(tmp, 's1');
    const r = jalad('split', expand.model, '--cut', 'e', '--inputs', expand.data, '--out', out, '--quiet');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/reference outputs .*reproduced/);
    const s = JSON.parse(fs.readFileSync(path.join(out, 'split.json'), 'utf8'));
    expect(s.verifiedOn).toBe('inputs');
    expect(s.reference.reproduces).toBe(true);
    expect(s.reference.outputs[0]).toMatchObject({ name: 'out', relDiff: 0, originalRelDiff: 0 });
  });
});

test("external data is the model folder's, not the working directory's", () => {
  const dir = path.join(tmp, 'ext');
  fs.mkdirSync(dir);
  const m = chain();
  const w = m.graph!.initializer![0];
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(w.rawData!));
  const moved = {
    ...w,
    dataLocation: 1,
    externalData: [
      { key: 'location', value: 'weights.bin' },
      { key: 'length', value: String(w.rawData!.length) },
    ],
  };
  delete moved.rawData;
  m.graph!.initializer![0] = moved;
  const file = path.join(dir, 'model.onnx');
  fs.writeFileSync(file, encodeModel(m));
  // A different weights.bin where the command runs.
  fs.writeFileSync(path.join(elsewhere, 'weights.bin'), Buffer.alloc(w.rawData!.length, 0x3f));
  const r = jalad(
    'split',
    path.relative(elsewhere, file),
    '--cut',
    'r2',
    '--out',
    path.join(tmp, 's2'),
    '--json',
  );
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out).maxAbsDiff).toBeLessThanOrEqual(1e-5);
});

test('a model ONNX Runtime cannot load: one line naming the file and the operator', () => {
  const file = path.join(tmp, 'weird.onnx');
  fs.writeFileSync(
    file,
    encodeModel(
      model({
        nodes: [node('NoSuchOp', ['x'], ['y'])],
        inputs: [valueInfo('x', DataType.FLOAT, [1, 4])],
        outputs: [valueInfo('y', DataType.FLOAT, [1, 4])],
      }),
    ),
  );
  expectOneLine(
    jalad('analyze', file, '--no-profile', '-q', '--out', path.join(tmp, 'a3')),
    file,
    'NoSuchOp',
  );
});

test('a 2^40 dimension is refused with the tensor name, no RangeError', () => {
  const file = path.join(tmp, 'huge.onnx');
  fs.writeFileSync(
    file,
    encodeModel(
      model({
        nodes: [node('Relu', ['huge'], ['y'])],
        inputs: [valueInfo('huge', DataType.FLOAT, [1, 2 ** 40])],
        outputs: [valueInfo('y', DataType.FLOAT, [1, 2 ** 40])],
      }),
    ),
  );
  expectOneLine(
    jalad('analyze', file, '--no-profile', '-q', '--out', path.join(tmp, 'a4')),
    file,
    'input "huge"',
  );
});

test('--no-profile lists the cut points of a model with symbolic spatial dimensions, sizes unknown', () => {
  const file = path.join(tmp, 'symbolic.onnx');
  fs.writeFileSync(
    file,
    encodeModel(
      model({
        nodes: [node('Relu', ['img'], ['r']), node('Sigmoid', ['r'], ['y'])],
        inputs: [valueInfo('img', DataType.FLOAT, ['batch', 3, 'height', 'width'])],
        outputs: [valueInfo('y', DataType.FLOAT, ['batch', 3, 'height', 'width'])],
      }),
    ),
  );
  const r = jalad('analyze', file, '--no-profile', '-q', '--out', path.join(tmp, 'a5'));
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/unknown/);
  const a = JSON.parse(fs.readFileSync(path.join(tmp, 'a5', 'analysis.json'), 'utf8'));
  expect(a.cutPoints.map((c: { tensors: string[] }) => c.tensors[0])).toEqual(['img', 'r', 'y']);
  expect(a.cutPoints[0]).toMatchObject({ shape: ['batch', 3, 'height', 'width'], sizeUnknown: true });
  const sized = jalad(
    'analyze',
    file,
    '--no-profile',
    '--json',
    '--input-shape',
    'img=1x3x8x8',
    '--out',
    path.join(tmp, 'a6'),
  );
  expect(sized.code).toBe(0);
  expect(JSON.parse(sized.out).cutPoints[1].bytes).toBe(3 * 8 * 8 * 4);
});
