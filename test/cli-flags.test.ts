/**
 * Numbers and flags, in-process (no child process per case): every numeric flag is checked against
 * its documented range before any work, empty values included; flags that do not apply are
 * errors; files read back (analysis.json, traces) are checked field by field.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command, CommanderError } from 'commander';
import { analyzeCommand } from '../bin/commands/analyze';
import { splitCommand } from '../bin/commands/split';
import { profileCommand } from '../bin/commands/profile';
import { evalCommand } from '../bin/commands/eval';
import { FLAG_RANGES, parseBits, parseInRange, parseListInRange, parseProfileMode } from '../bin/parsers';
import { checkAnalysis } from '../src/core/check-analysis';
import { encodeModel } from '../src/graph';
import { parseTrace } from '../src/ilp';
import { checkInputShapes } from '../src/runtime/inputs';
import { chain } from './helpers/zoo';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-flags-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const model = path.join(tmp, 'chain.onnx');
fs.writeFileSync(model, encodeModel(chain()));

/** Runs a command in-process; resolves to the error it stopped with (commander's or jalad's). */
async function run(cmd: Command, ...args: string[]): Promise<Error & { code?: string }> {
  const silent = { writeErr: () => undefined, writeOut: () => undefined };
  cmd.exitOverride().configureOutput(silent);
  try {
    await cmd.parseAsync(['node', 'jalad', ...args]);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`expected ${args.join(' ')} to fail`);
}

describe('numeric flags: a documented range, checked before any work', () => {
  const out = path.join(tmp, 'never');
  test.each([
    ['--bandwidth', '1e-20'],
    ['--bandwidth', ''],
    ['--bandwidth', '5,,6'],
    ['--bandwidth', '0x10'],
    ['--bandwidth', 'Infinity'],
    ['--rtt', '-1'],
    ['--rtt', ''],
    ['--max-loss', ''],
    ['--max-loss', '101'],
    ['--max-loss', 'NaN'],
    ['--bits', ''],
    ['--bits', '9'],
    ['--threads', '100000'],
    ['--threads', '0'],
    ['--runs', '1.5'],
    ['--warmup', ''],
    ['--batch-size', '0'],
    ['--size-samples', '-3'],
    ['--sweep-threads', '1e9'],
    ['--samples', ''],
    ['--seed', '-1'],
    ['--input-shape', 'input=1x0'],
    ['--profile', 'full'],
    ['--profile', ''],
  ])('analyze %s "%s" is a usage error', async (flag, value) => {
    const err = await run(analyzeCommand(), model, '--out', out, flag, value);
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as CommanderError).code).toBe('commander.invalidArgument');
    expect(err.message).toContain(flag);
    expect(fs.existsSync(out)).toBe(false);
  });

  test.each([
    ['--bandwidth', '0'],
    ['--max-loss', ''],
    ['--rtt', '1e9'],
    ['--seed', 'abc'],
  ])('split %s "%s" is a usage error', async (flag, value) => {
    const err = await run(splitCommand(), flag, value);
    expect((err as CommanderError).code).toBe('commander.invalidArgument');
  });

  test('profile --profile accepts auto, fast and thorough only', async () => {
    expect(parseProfileMode('auto')).toBe('auto');
    expect(parseProfileMode('fast')).toBe('fast');
    expect(parseProfileMode('thorough')).toBe('thorough');
    const err = await run(profileCommand(), model, '--profile', 'Fast');
    expect((err as CommanderError).code).toBe('commander.invalidArgument');
    expect(err.message).toContain('expected auto, fast or thorough, got "Fast"');
  });

  test('profile --threads 100000 and eval --threads 257 are refused, not run', async () => {
    expect(((await run(profileCommand(), model, '--threads', '100000')) as CommanderError).code).toBe(
      'commander.invalidArgument',
    );
    expect(
      ((await run(evalCommand(), model, '--data', 'x', '--threads', '257')) as CommanderError).code,
    ).toBe('commander.invalidArgument');
  });

  test('parsers accept the ends of their ranges and state the unit', () => {
    expect(parseInRange(FLAG_RANGES.bandwidthMbps)('0.001')).toBe(0.001);
    expect(parseInRange(FLAG_RANGES.lossPct)('100')).toBe(100);
    expect(parseListInRange(FLAG_RANGES.bandwidthMbps)('18.88, 1.1,18.88')).toEqual([18.88, 1.1]);
    expect(parseBits('8,2,4')).toEqual([2, 4, 8]);
    expect(() => parseInRange(FLAG_RANGES.rttMs)(' ')).toThrow(/from 0 to 600000 ms/);
  });
});

describe('flags that do not apply are errors', () => {
  test.each([
    [['--cut', 'r2', '--bits', '4']],
    [['--cut', 'r2', '--max-loss', '0.5']],
    [['--cut', 'r2', '--bandwidth', '5']],
    [['--cut', 'r2', '--analysis', 'a.json']],
  ])('split model --cut with %j', async (args) => {
    const err = await run(splitCommand(), model, '--out', path.join(tmp, 's'), ...args);
    expect(err).toMatchObject({ name: 'InputError', code: 'BAD_OPTION' });
    expect(err.message).toMatch(/^--\w[\w-]*: does not apply/);
  });

  test('split without --cut refuses --input-shape and --seed', async () => {
    expect(await run(splitCommand(), '--seed', '3')).toMatchObject({ code: 'BAD_OPTION' });
    expect(await run(splitCommand(), '--input-shape', 'input=1x3x8x8')).toMatchObject({ code: 'BAD_OPTION' });
  });

  test.each([
    ['--labels', 'y.npy'],
    ['--bits', '4'],
    ['--scale', '1/255'],
    ['--max-loss', '1'],
    ['--samples', '10'],
  ])('analyze %s without --data', async (flag, value) => {
    const err = await run(analyzeCommand(), model, '--out', path.join(tmp, 'a'), flag, value);
    expect(err).toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringContaining(`${flag}: does not apply`),
    });
  });

  test.each([
    ['--bandwidth', '5'],
    ['--rtt', '10'],
    ['--edge', 'raspberry-pi-4'],
    ['--threads', '2'],
  ])('analyze --no-profile with %s', async (flag, value) => {
    const err = await run(analyzeCommand(), model, '--no-profile', '--out', path.join(tmp, 'a'), flag, value);
    expect(err).toMatchObject({ code: 'BAD_OPTION', message: expect.stringContaining('--no-profile') });
  });

  test('--input-shape naming no input, or the wrong number of axes', () => {
    const specs = [{ name: 'input', elemType: 1, dims: ['N', 3, 8, 8] }];
    expect(() => checkInputShapes(specs, new Map([['imput', [1, 3, 8, 8]]]))).toThrow(
      /no input "imput" \(its inputs: input\)/,
    );
    expect(() => checkInputShapes(specs, new Map([['input', [1, 3, 8]]]))).toThrow(/has 4 axes, not 3/);
    expect(() => checkInputShapes(specs, new Map([['input', [1, 3, 8, 8]]]))).not.toThrow();
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- hand edits of a parsed JSON document
type Any = any;

describe('files read back are checked field by field', () => {
  const good = () =>
    JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'analysis-vgg.json'), 'utf8'));

  test('a bundled analysis passes', () => {
    expect(() => checkAnalysis(good(), 'a.json')).not.toThrow();
  });

  test.each([
    ['cutPoints[1].edgeMs', (a: Any) => (a.cutPoints[1].edgeMs = -1)],
    ['cutPoints[0].bytes', (a: Any) => (a.cutPoints[0].bytes = null)],
    ['cutPoints[2].index', (a: Any) => (a.cutPoints[2].index = 7)],
    ['sweep[0].bits', (a: Any) => (a.sweep[0].bits = 99)],
    ['sweep[0].cut', (a: Any) => (a.sweep[0].cut = 1000)],
    ['profiles.edge.nodeMs[0]', (a: Any) => (a.profiles.edge.nodeMs[0] = 'fast')],
    ['bandwidthsMbps[0]', (a: Any) => (a.bandwidthsMbps[0] = 0)],
    ['model.sha256', (a: Any) => (a.model.sha256 = 'abc')],
    ['cutPoints', (a: Any) => (a.cutPoints = [])],
  ])('%s edited by hand: BAD_ANALYSIS naming the file and field', (field, edit) => {
    const a = good();
    edit(a);
    expect(() => checkAnalysis(a, 'edited.json')).toThrow(
      expect.objectContaining({
        code: 'BAD_ANALYSIS',
        message: expect.stringContaining(`edited.json: field ${field}:`),
      }),
    );
  });

  test('a trace without a header keeps its first row; a header is skipped; bad rows name their line', () => {
    expect(parseTrace('0,5\n0.1,6\n', 't.csv')).toEqual([
      { timeS: 0, mbps: 5 },
      { timeS: 0.1, mbps: 6 },
    ]);
    expect(parseTrace('time_s,mbps\n0,5\n', 't.csv')).toEqual([{ timeS: 0, mbps: 5 }]);
    expect(() => parseTrace('time_s,mbps\n# note\n0,5\n0.1,1e-20\n', 't.csv')).toThrow(/t\.csv: line 4/);
    expect(() => parseTrace('time_s,mbps\n1,5\n0.5,5\n', 't.csv')).toThrow(/backwards/);
    expect(() => parseTrace('time_s,mbps\n', 't.csv')).toThrow(/no "time_s,mbps" rows/);
  });
});
