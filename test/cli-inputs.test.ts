/**
 * `--data` for a model with two inputs as a user meets it (the built bin/jalad.js in a child
 * process): NAME=FILE lists and a numpy-written .npz give the same result; an input the model lacks,
 * a missing input, arrays of different sample counts and a single file for two inputs each exit 2
 * with one line naming the file, the input or the array.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeModel } from '../src/graph';
import { parseNpz } from '../src/data';
import { lateInput } from './helpers/zoo';
import { npyBytes, npyPayload } from './data/fixtures';
import { npzBytes } from './data/npz-fixture';

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'dist', 'bin', 'jalad.js');
/** numpy.savez_compressed(image=[6, 3, 8, 8] float32, meta=[6, 4] float32), seed 0. */
const NUMPY_NPZ = path.join(ROOT, 'test', 'fixtures', 'two-inputs.npz');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-cli-inputs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const model = path.join(tmp, 'late.onnx');
fs.writeFileSync(model, encodeModel(lateInput()));
const arrays = parseNpz(fs.readFileSync(NUMPY_NPZ), 'fixture');
const npy = (name: string, rows = 6) => {
  const a = arrays.get(name)!;
  const per = a.data.length / a.dims[0];
  const file = path.join(tmp, `${name}-${rows}.npy`);
  fs.writeFileSync(
    file,
    npyBytes(
      1,
      '<f4',
      [rows, ...a.dims.slice(1)],
      npyPayload('<f4', (a.data as Float32Array).subarray(0, rows * per)),
    ),
  );
  return file;
};
const image = npy('image');
const meta = npy('meta');

function jalad(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function expectRefused(r: ReturnType<typeof jalad>, ...mentions: string[]): void {
  expect(r.code).toBe(2);
  const lines = r.err.trim().split('\n');
  expect(lines).toHaveLength(1);
  for (const m of mentions) expect(lines[0]).toContain(m);
}

describe('--data with several inputs', () => {
  test('NAME=FILE, a numpy .npz and a written .npz (deflated) give the same outputs', () => {
    const written = path.join(tmp, 'w.npz');
    fs.writeFileSync(written, npzBytes({ meta: fs.readFileSync(meta), input: fs.readFileSync(image) }, true));
    // The model's inputs are "input" and "meta": the numpy archive names the image "image".
    const renamed = path.join(tmp, 'r.npz');
    fs.writeFileSync(renamed, npzBytes({ input: fs.readFileSync(image), meta: fs.readFileSync(meta) }));
    const runs = [`input=${image},meta=${meta}`, written, renamed].map((d) =>
      jalad('eval', model, '--data', d, '--metric', 'cosine:0.5', '--json'),
    );
    for (const r of runs) expect(r.code).toBe(0);
    const scores = runs.map((r) => JSON.parse(r.out).metric.score);
    expect(scores).toEqual([1, 1, 1]);
    expect(JSON.parse(runs[0].out).samples).toBe(6);
    expectRefused(
      jalad('eval', model, '--data', NUMPY_NPZ),
      'array "image"',
      'no input "image"',
      'input, meta',
    );
  });

  test('an input the model does not have, or one missing', () => {
    expectRefused(
      jalad('eval', model, '--data', `input=${image},metta=${meta}`),
      `--data metta=${meta}`,
      'no input "metta"',
    );
    expectRefused(jalad('eval', model, '--data', `input=${image}`), 'no data for input "meta"');
    expectRefused(jalad('eval', model, '--data', image), image, 'one array', 'input, meta', 'NAME=FILE');
  });

  test('arrays of different sample counts', () => {
    expectRefused(
      jalad('eval', model, '--data', `input=${image},meta=${npy('meta', 5)}`),
      'meta=',
      '5 samples',
      'has 6',
    );
  });
});
