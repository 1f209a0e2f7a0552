/**
 * `--metric` as a user meets it: the built bin/jalad.js in a child process (`npm test` builds first)
 * measures the bundled ResNet's losses in the example top-1 module (an ES module, loaded by Node
 * itself) exactly as in the built-in top1, records the metric in analysis.json, and refuses a bad
 * metric with exit 2 and one line naming it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Analysis } from '../src/core/analysis';

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'dist', 'bin', 'jalad.js');
const FASHION = path.join(ROOT, 'datasets', 'fashion-mnist');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-cli-metric-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const DATA = [
  path.join(FASHION, 'resnet.onnx'),
  '--data',
  path.join(FASHION, 't10k-images-idx3-ubyte.gz'),
  '--labels',
  path.join(FASHION, 't10k-labels-idx1-ubyte.gz'),
  '--scale',
  '1/255',
  '--mean',
  '0.2860',
  '--std',
  '0.3530',
];

function jalad(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Exit 2, the error as the one line of stderr after any progress lines, no stack trace. */
function expectRefused(r: ReturnType<typeof jalad>, ...mentions: string[]): void {
  expect(r.code).toBe(2);
  const last = r.err.trim().split('\n').pop() as string;
  for (const m of mentions) expect(last).toContain(m);
  expect(r.err).not.toMatch(/\n\s+at /);
}

function analyze(out: string, ...extra: string[]): Analysis {
  const r = jalad(
    'analyze',
    ...DATA,
    '--samples',
    '300',
    '--bits',
    '1,2,4',
    '--no-profile',
    '-q',
    '--json',
    '--out',
    path.join(tmp, out),
    ...extra,
  );
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Analysis;
}

describe('jalad analyze --metric', () => {
  test('the example top-1 module (.mjs) gives exactly the built-in top1 losses and is recorded', () => {
    const builtin = analyze('top1');
    const user = analyze('module', '--metric', path.join(ROOT, 'examples', 'metrics', 'top1.mjs'));
    const losses = (a: Analysis) =>
      a.sweep!.map((r) => [r.cut, r.bits, r.lossPct, r.lossUpperPct, r.samples]);
    expect(losses(user)).toEqual(losses(builtin));
    expect(builtin.data!.metric).toMatchObject({ name: 'top1', outcome: 'pass-fail' });
    expect(user.data!.metric!.name).toContain('top1.mjs');
    expect(user.data!.metric!.definition).toContain("first output's largest value");
    expect(builtin.sweep!.some((r) => r.lossPct > 1)).toBe(true);
  }, 120000);

  const bad = (name: string, body: string) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, body);
    return file;
  };
  test.each([
    ['throws.mjs', 'export function score() { throw new Error("no boxes"); }', 'threw on sample 0: no boxes'],
    ['nan.mjs', 'export function score() { return NaN; }', 'returned NaN'],
    ['outside.mjs', 'export const score = () => -0.5;', 'returned -0.5'],
    ['noscore.mjs', 'export const scores = () => 1;', 'exports no function "score"'],
  ])('a module %s is refused with exit 2 and one line naming it', (name, body, message) => {
    const r = jalad(
      'analyze',
      ...DATA,
      '--samples',
      '20',
      '--bits',
      '8',
      '--no-profile',
      '-q',
      '--metric',
      bad(name, body),
    );
    expectRefused(r, `--metric ${path.join(tmp, name)}`, message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  test('a module that does not exist, and an unknown metric name', () => {
    expectRefused(
      jalad('analyze', ...DATA, '--no-profile', '--metric', 'missing/iou.mjs'),
      '--metric missing/iou.mjs',
      'no such file',
    );
    expectRefused(jalad('analyze', ...DATA, '--no-profile', '--metric', 'iou'), '--metric', 'unknown metric');
    expectRefused(
      jalad('analyze', ...DATA, '--no-profile', '--metric', 'cosine:1.5'),
      'cosine:1.5',
      'threshold',
    );
  });
});
