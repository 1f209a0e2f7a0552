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
  test('a bad --input-shape', () => expectUsageError(jalad('analyze', resnet, '--input-shape', 'input=3x-1'), '--input-shape'));
  test('a tensor set that is not a cut writes nothing', () => {
    const out = path.join(tmp, 'nocut');
    expectUsageError(jalad('split', resnet, '--cut', 'a1r', '--out', out), 'avoids it');
    expect(fs.existsSync(out)).toBe(false);
  });
  test('an unknown tensor', () => expectUsageError(jalad('split', resnet, '--cut', 'nope', '--out', path.join(tmp, 'x')), '"nope"'));
  test('split without --cut', () => expectUsageError(jalad('split', resnet), '--cut'));
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
    expect(Object.keys(a.model)).toEqual(expect.arrayContaining(['path', 'sha256', 'opset', 'irVersion', 'nodes', 'parameters']));
    expect(a.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.cutPoints.map((c: { tensors: string[] }) => c.tensors[0])).toEqual(['input', 'stem', 's', 'add1', 'block1', 'add2', 'block2', 'gap', 'flat', 'logits']);
    expect(a.cutPoints[4]).toMatchObject({ index: 4, op: 'Relu', shape: ['batch', 8, 8, 8], bytes: 8 * 8 * 8 * 4 });
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
    expect(s.tensors.map((t: { name: string; kind: string }) => `${t.name}:${t.kind}`)).toEqual(['flat:data', 'meta:input']);
    expect(s.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(s.edgeNodes + s.cloudNodes).toBe(6);
    for (const f of ['edge.onnx', 'cloud.onnx']) expect(fs.statSync(path.join(tmp, 'sp', f)).size).toBeGreaterThan(100);
    expect(fs.readdirSync(path.join(tmp, 'sp')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
