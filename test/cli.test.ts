/**
 * The command line as a user runs it: the built bin/jalad.js in a child process
 * (`npm test` builds first). Checks exit codes, one-line errors and output files.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeModel } from '../src/graph';
import { lateInput, residual } from './helpers/zoo';

const BIN = path.join(__dirname, '..', 'dist', 'bin', 'jalad.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const resnet = path.join(tmp, 'residual.onnx');
fs.writeFileSync(resnet, encodeModel(residual()));

function jalad(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A usage or input error: exit 2, exactly one line on stderr, no stack trace. */
function expectUsageError(r: ReturnType<typeof jalad>, mentions: string): void {
  expect(r.code).toBe(2);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toContain(mentions);
  expect(r.err).not.toMatch(/\n\s+at /);
}

describe('bad input exits 2 with one line', () => {
  test('unknown flag', () => expectUsageError(jalad('analyze', resnet, '--bogus'), '--bogus'));
  test('unknown command', () => expectUsageError(jalad('analyse', resnet), 'analyse'));
  test('not an ONNX file', () => {
    const p = path.join(tmp, 'notes.onnx');
    fs.writeFileSync(p, 'hello\n');
    expectUsageError(jalad('analyze', p), p);
  });
  test('a directory', () => expectUsageError(jalad('analyze', tmp), tmp));
  test('a bad --input-shape', () =>
    expectUsageError(jalad('analyze', resnet, '--input-shape', 'input=3x-1'), '--input-shape'));
  test('a tensor set that is not a cut writes nothing', () => {
    const out = path.join(tmp, 'nocut');
    expectUsageError(jalad('split', resnet, '--cut', 'a1r', '--out', out), 'avoids it');
    expect(fs.existsSync(out)).toBe(false);
  });
  test('an unknown tensor', () =>
    expectUsageError(jalad('split', resnet, '--cut', 'nope', '--out', path.join(tmp, 'x')), '"nope"'));
  test('split without --cut', () => expectUsageError(jalad('split', resnet), '--cut'));
  test.each(['analyze', 'profile'])('%s --profile with an unknown mode', (cmd) =>
    expectUsageError(jalad(cmd, resnet, '--profile', 'quick', '--out', path.join(tmp, 'never')), '--profile'),
  );
});

describe('help teaches', () => {
  test('jalad --help lists the commands and units', () => {
    const r = jalad('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/analyze/);
    expect(r.out).toMatch(/split/);
    expect(r.out).toMatch(/Mbps/);
  });
  test.each(['analyze', 'split'])('jalad %s --help explains every flag', (cmd) => {
    const r = jalad(cmd, '--help');
    expect(r.code).toBe(0);
    for (const flag of ['--out', '--json', '--input-shape']) expect(r.out).toContain(flag);
    expect(r.out).toContain('Example');
  });
});

describe('analyze', () => {
  test('--json prints the documented names and writes analysis.json', () => {
    const r = jalad('analyze', resnet, '--json', '--out', 'out1');
    expect(r.code).toBe(0);
    const a = JSON.parse(r.out);
    expect(a.version).toBe(1);
    expect(Object.keys(a.model)).toEqual(
      expect.arrayContaining(['path', 'sha256', 'opset', 'irVersion', 'nodes', 'parameters']),
    );
    expect(a.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.cutPoints.map((c: { tensors: string[] }) => c.tensors[0])).toEqual([
      'input',
      'stem',
      's',
      'add1',
      'block1',
      'add2',
      'block2',
      'gap',
      'flat',
      'logits',
    ]);
    expect(a.cutPoints[4]).toMatchObject({
      index: 4,
      op: 'Relu',
      shape: ['batch', 8, 8, 8],
      bytes: 8 * 8 * 8 * 4,
    });
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'out1', 'analysis.json'), 'utf8'))).toEqual(a);
  });
  test('the table names shapes with the batch dimension and gives totals', () => {
    const r = jalad('analyze', resnet, '--out', 'out2');
    expect(r.code).toBe(0);
    expect(r.out).toContain('[batch, 16, 4, 4]');
    expect(r.out).toMatch(/16 nodes, 5,194 parameters, opset 17, IR 8, batch dimension "batch"/);
  });
});

describe('split --cut', () => {
  test('writes edge.onnx, cloud.onnx and split.json with the measured difference', () => {
    const model = path.join(tmp, 'late.onnx');
    fs.writeFileSync(model, encodeModel(lateInput()));
    const r = jalad('split', model, '--cut', 'flat', '--out', 'sp', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(fs.readFileSync(path.join(tmp, 'sp', 'split.json'), 'utf8'));
    expect(JSON.parse(r.out)).toEqual(s);
    expect(s.cut).toEqual(['flat']);
    expect(s.tensors.map((t: { name: string; kind: string }) => `${t.name}:${t.kind}`)).toEqual([
      'flat:data',
      'meta:input',
    ]);
    expect(s.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(s.edgeNodes + s.cloudNodes).toBe(6);
    for (const f of ['edge.onnx', 'cloud.onnx'])
      expect(fs.statSync(path.join(tmp, 'sp', f)).size).toBeGreaterThan(100);
    expect(fs.readdirSync(path.join(tmp, 'sp')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('the other commands', () => {
  const data = path.join(__dirname, '..', 'datasets', 'fashion-mnist');
  const resnetFm = path.join(data, 'resnet.onnx');
  test('eval prints top-1 with a Wilson interval; --json has the documented names', () => {
    const r = jalad(
      'eval',
      resnetFm,
      '--data',
      path.join(data, 't10k-images-idx3-ubyte.gz'),
      '--labels',
      path.join(data, 't10k-labels-idx1-ubyte.gz'),
      '--scale',
      '1/255',
      '--mean',
      '0.2860',
      '--std',
      '0.3530',
      '--samples',
      '500',
      '--json',
      '-q',
    );
    expect(r.code).toBe(0);
    const e = JSON.parse(r.out);
    expect(e.top1).toMatchObject({ total: 500 });
    expect(e.top1.correct).toBeGreaterThan(400);
    expect(e.top1.ciLow).toBeLessThan(e.top1.accuracy);
    expect(e.seed).toBe(0);
  });
  test('eval refuses data of the wrong shape, naming both shapes', () =>
    expectUsageError(
      jalad('eval', resnet, '--data', path.join(data, 't10k-images-idx3-ubyte.gz')),
      '[batch, 3, 8, 8]',
    ));
  test('eval refuses labels of another length', () => {
    const labels = path.join(tmp, 'short.txt');
    fs.writeFileSync(labels, '1\n2\n3\n');
    expectUsageError(
      jalad('eval', resnetFm, '--data', path.join(data, 't10k-images-idx3-ubyte.gz'), '--labels', labels),
      labels,
    );
  });
  test('simulate without a trace, and with a missing analysis', () => {
    expectUsageError(jalad('simulate'), '--trace');
    expectUsageError(
      jalad(
        'simulate',
        '--trace',
        path.join(__dirname, '..', 'experiments', 'traces', '4g.csv'),
        '--analysis',
        path.join(tmp, 'none.json'),
      ),
      'none.json',
    );
  });
  test('report re-renders every file from an analysis', () => {
    const r = jalad(
      'report',
      path.join(__dirname, 'fixtures', 'analysis-vgg.json'),
      '--out',
      'rep',
      '--json',
    );
    expect(r.code).toBe(0);
    const files = JSON.parse(r.out)
      .files.map((f: string) => path.basename(f))
      .sort();
    expect(files).toEqual(
      expect.arrayContaining(['report.html', 'report.md', 'cut-points.csv', 'sweep.csv']),
    );
  });
  test('profile writes a device profile that analyze accepts, and refuses it for another model', () => {
    expect(jalad('profile', resnet, '--out', 'p.json', '--runs', '2', '--warmup', '0', '-q').code).toBe(0);
    const p = JSON.parse(fs.readFileSync(path.join(tmp, 'p.json'), 'utf8'));
    expect(p.kind).toBe('measured');
    expect(
      jalad('analyze', resnet, '--edge', 'p.json', '--cloud', 'p.json/4', '--out', 'o3', '-q').code,
    ).toBe(0);
    const other = path.join(tmp, 'other.onnx');
    fs.writeFileSync(other, encodeModel(lateInput()));
    expectUsageError(jalad('analyze', other, '--edge', 'p.json', '--out', 'o4', '-q'), 'another model');
  });
  test('bench compares measured and predicted times of both parts', () => {
    const r = jalad('bench', resnet, '--cut', 'block1', '--runs', '3', '--warmup', '1', '--json', '-q');
    expect(r.code).toBe(0);
    const b = JSON.parse(r.out);
    expect(b.parts.map((p: { part: string }) => p.part)).toEqual(['edge', 'cloud']);
    for (const p of b.parts) expect(p.measuredMs).toBeGreaterThan(0);
  });
});
