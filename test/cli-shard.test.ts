/**
 * Sharding as a cluster runs it: `jalad analyze --shard I/3` in three separate processes of the
 * built CLI on the bundled model, `jalad merge`, and the result compared with one unsharded run,
 * field by field (timings aside) and file by file. Then what the merge refuses.
 *
 * The codec's encode/decode ms are measured (wall clock), so two runs of the same work differ in
 * them and in the decisions they feed. The test therefore compares the merge with the codec times
 * set aside, and then the decisions and every report file with the one run's codec times put into
 * the merged sweep (docs/scale-out.md#codec-times).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Analysis } from '../src/core/analysis';
import { buildDag, readModelFile } from '../src/graph';
import { addDecisions } from '../src/pipeline/analyze';
import { writeReports } from '../src/report';

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'dist', 'bin', 'jalad.js');
const D = path.join(ROOT, 'datasets', 'fashion-mnist');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-shard-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// 320 samples in batches of 32, a budget that stops the 2-bit configurations early (at 224 samples
// or later: the stops fall in shard 2 or 3's samples), modeled profiles (no timing in the figures).
const RUN = [
  'analyze',
  path.join(D, 'resnet.onnx'),
  ...[
    '--data',
    path.join(D, 't10k-images-idx3-ubyte.gz'),
    '--labels',
    path.join(D, 't10k-labels-idx1-ubyte.gz'),
  ],
  ...['--scale', '1/255', '--mean', '0.2860', '--std', '0.3530', '--samples', '320', '--batch-size', '32'],
  ...['--bits', '2,6', '--max-loss', '1', '--size-samples', '200', '--sweep-threads', '1'],
  ...['--edge', 'raspberry-pi-4', '--cloud', 'cloud-t4', '--quiet'],
];

interface Result {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

function jalad(args: readonly string[], env: Record<string, string> = {}): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: tmp,
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same, as a process running beside others. */
function jaladAsync(args: readonly string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

function expectShardError(r: Result, mentions: string): void {
  expect(r.code).toBe(2);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toContain(mentions);
  expect(r.err).not.toMatch(/\n\s+at /);
}

const readAnalysis = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Analysis;

/**
 * An analysis without what differs between two runs of the same work: the clock, the command line,
 * the codec's measured ms per sweep row and the decisions they feed.
 */
function timingsAside(file: string): Record<string, unknown> {
  const { createdAt: _c, commandLine: _l, decisions: _d, sweep, ...rest } = readAnalysis(file);
  const { sweepSeconds: _s, ...data } = rest.data!;
  return { ...rest, data, sweep: sweep!.map(({ encodeMs: _e, decodeMs: _t, ...row }) => row) };
}

const shardsDir = path.join(tmp, 'shards');
const shardFile = (i: number) => path.join(shardsDir, `shard-${i}-of-3.jshard`);

beforeAll(async () => {
  const [one, ...shards] = await Promise.all([
    jaladAsync([...RUN, '--out', path.join(tmp, 'one')]),
    // Shard 1 from its index, 2 as Kubernetes gives it (0-based), 3 as a Slurm array 1-3 gives it.
    jaladAsync([...RUN, '--shard', '1/3', '--out', shardsDir]),
    jaladAsync([...RUN, '--shard', 'auto/3', '--out', shardsDir], { JOB_COMPLETION_INDEX: '1' }),
    jaladAsync([...RUN, '--shard', 'auto/3', '--out', shardsDir], {
      SLURM_ARRAY_TASK_ID: '3',
      SLURM_ARRAY_TASK_MIN: '1',
    }),
  ]);
  for (const r of [one, ...shards]) expect(r).toMatchObject({ code: 0 });
  expect(shards[1].out).toContain('shard 2/3 (index from JOB_COMPLETION_INDEX=1)');
  expect(shards[2].out).toContain('shard 3/3 (index from SLURM_ARRAY_TASK_ID=3 (SLURM_ARRAY_TASK_MIN=1))');
}, 600_000);

describe('jalad merge of 3 shards run as separate processes', () => {
  test('writes what one unsharded run writes: every field of analysis.json (timings aside), the CSV files', () => {
    const merged = jalad([
      'merge',
      shardFile(3),
      shardFile(1),
      shardFile(2),
      '--out',
      path.join(tmp, 'merged'),
    ]);
    expect(merged.code).toBe(0);
    const one = timingsAside(path.join(tmp, 'one', 'analysis.json'));
    expect(timingsAside(path.join(tmp, 'merged', 'analysis.json'))).toEqual(one);
    // The run stopped configurations early, and the merge stopped them at the same sample.
    const stopped = (one.sweep as { stoppedEarly: boolean; samples: number }[]).filter((r) => r.stoppedEarly);
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped.some((r) => r.samples > 320 / 3)).toBe(true);
    // The codec times come from the shard holding sample 0, measured there.
    const mergedRows = readAnalysis(path.join(tmp, 'merged', 'analysis.json')).sweep!;
    for (const r of mergedRows) expect(r.encodeMs).toBeGreaterThan(0);
  });

  test('with the codec times of the one run, the same decisions and report files', async () => {
    const one = readAnalysis(path.join(tmp, 'one', 'analysis.json'));
    const merged = readAnalysis(path.join(tmp, 'merged', 'analysis.json'));
    const timed = {
      ...merged,
      commandLine: one.commandLine,
      sweep: merged.sweep!.map((r, i) => ({
        ...r,
        encodeMs: one.sweep![i].encodeMs,
        decodeMs: one.sweep![i].decodeMs,
      })),
    };
    const model = path.join(D, 'resnet.onnx');
    const redone = await addDecisions(timed, buildDag(readModelFile(model).model, model), {
      maxLossPct: one.maxLossPct,
      rttMs: one.rttMs,
    });
    expect(redone.decisions).toEqual(one.decisions);
    await writeReports(redone, path.join(tmp, 'redone'), { commandLine: one.commandLine, flag: '--out' });
    const csv = fs.readdirSync(path.join(tmp, 'one')).filter((f) => f.endsWith('.csv'));
    expect(csv).toEqual(expect.arrayContaining(['sweep.csv', 'decisions.csv', 'cut-points.csv']));
    for (const f of csv)
      expect(fs.readFileSync(path.join(tmp, 'redone', f), 'utf8')).toBe(
        fs.readFileSync(path.join(tmp, 'one', f), 'utf8'),
      );
    const report = (dir: string) =>
      fs
        .readFileSync(path.join(tmp, dir, 'report.md'), 'utf8')
        .split('\n')
        .filter((l) => !/created|^jalad |the sweep took/.test(l));
    expect(report('redone')).toEqual(report('one'));
  }, 120_000);

  test('a missing shard: exit 2, one line naming the file', () =>
    expectShardError(
      jalad(['merge', shardFile(1), shardFile(3), '--out', path.join(tmp, 'm1')]),
      'shard-2-of-3.jshard',
    ));

  test('a duplicated shard: exit 2, one line naming the file', () => {
    const copy = path.join(tmp, 'copy-of-2.jshard');
    fs.copyFileSync(shardFile(2), copy);
    expectShardError(
      jalad(['merge', shardFile(1), shardFile(2), copy, shardFile(3), '--out', path.join(tmp, 'm2')]),
      copy,
    );
  });

  test('a foreign shard (another run): exit 2, one line naming the file', () => {
    const other = path.join(tmp, 'other');
    const r = jalad([...RUN.map((a) => (a === '2,6' ? '2,8' : a)), '--shard', '2/3', '--out', other]);
    expect(r.code).toBe(0);
    const foreign = path.join(other, 'shard-2-of-3.jshard');
    expectShardError(
      jalad(['merge', shardFile(1), foreign, shardFile(3), '--out', path.join(tmp, 'm3')]),
      foreign,
    );
  }, 120_000);

  test('a file that is not a shard, or a cut-off one: exit 2, one line naming it', () => {
    const cut = path.join(tmp, 'cut.jshard');
    fs.writeFileSync(cut, fs.readFileSync(shardFile(2)).subarray(0, 2000));
    expectShardError(jalad(['merge', shardFile(1), cut, shardFile(3), '--out', path.join(tmp, 'm4')]), cut);
    const notes = path.join(tmp, 'notes.txt');
    fs.writeFileSync(notes, 'hello\n');
    expectShardError(jalad(['merge', notes, '--out', path.join(tmp, 'm5')]), notes);
  });

  test('--shard auto/N without the variables, or out of range: exit 2, one line naming --shard', () => {
    const env = { JOB_COMPLETION_INDEX: '', SLURM_ARRAY_TASK_ID: '' };
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in env)));
    const r = spawnSync(process.execPath, [BIN, ...RUN, '--shard', 'auto/3', '--out', shardsDir], {
      encoding: 'utf8',
      cwd: tmp,
      env: clean,
    });
    expectShardError({ code: r.status, out: r.stdout, err: r.stderr }, 'JOB_COMPLETION_INDEX');
    expectShardError(
      jalad([...RUN, '--shard', 'auto/3', '--out', shardsDir], { JOB_COMPLETION_INDEX: '3' }),
      '--shard',
    );
    expectShardError(jalad([...RUN, '--shard', '4/3', '--out', shardsDir]), '--shard');
    expectShardError(jalad(['analyze', path.join(D, 'resnet.onnx'), '--shard', '1/3']), '--shard');
  });
});
