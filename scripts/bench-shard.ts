/**
 * `npm run bench:shard`: the scale-out targets of docs/scale-out.md, measured in one run.
 *
 * 1. Exactness and speed: the bundled ResNet's sweep (the whole 10,000-image test set, bits
 *    2,3,4,5,6,8, --max-loss 1, modeled profiles: a study's grid, as small as one gets) as one
 *    process, then as N shards in N processes side by side, merged; the merged analysis.json
 *    (timings aside) and CSV files compared with the one run's. Every process gets one sweep thread:
 *    N shards stand for N one-core machines, the one process for one. With --repeat R the two arms
 *    alternate R times (one, shards, one, shards, ...). Target: shards + merge within 1.15/N of one
 *    process's time (2 shards: 0.6x); both the strict reading (merge included) and the shards alone
 *    are printed. Each process is pinned to a core of its own (taskset; --no-pin to turn it off).
 * 2. The merge at scale: 100 synthetic shards of a 50-cut, 6-width, 10,000-sample grid (every
 *    sample's sizes recorded, the heaviest case), merged by the CLI in a child process: wall time
 *    and peak memory. Target: under 10 s and under 1 GB.
 *
 * Timings depend on the machine's load: the load average is printed with them.
 *
 * Usage: npm run bench:shard [-- --shards 2] [-- --samples 10000] [-- --bits 2,3,4,5,6,8] [-- --repeat 1]
 *        [-- --part 1|2] [-- --no-pin] [-- --keep]
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { encodeModel, model, node, valueInfo } from '../src/graph';
import { analyzeModel } from '../src/pipeline/analyze';
import { shardFileName } from '../src/pipeline/analyze-shard';
import { encodeShard, shardPlan, type RecordedConfig, type ShardFile, type ShardGrid } from '../src/sweep';
import type { BitWidth } from '../src/codec';
import { median } from '../src/profiler/stats';
import { arg, loadText } from './bench-env';

const JALAD = path.join(__dirname, '..', 'bin', 'jalad.js');
const RSS_HOOK = path.join(__dirname, 'rss-on-exit.js');
const D = path.join(__dirname, '..', '..', 'datasets', 'fashion-mnist');

/** Runs the CLI in a child process; resolves with its wall time (ms) and peak RSS (kB). */
function jalad(
  args: readonly string[],
  cwd: string,
  core?: number,
): Promise<{ ms: number; cpuMs: number; rssKb: number; code: number | null; err: string }> {
  const rssFile = path.join(
    os.tmpdir(),
    `jalad-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  const cpuFile = `${rssFile}-cpu`;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const node = [process.execPath, '--require', RSS_HOOK, JALAD, ...args];
    // Pinned to one core (taskset): each process stands for a one-core machine, its helper threads included.
    const argv = core === undefined ? node : ['taskset', '-c', String(core), ...node];
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env: { ...process.env, JALAD_RSS_FILE: rssFile, JALAD_CPU_FILE: cpuFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      const rssKb = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8')) : NaN;
      const cpuMs = fs.existsSync(cpuFile) ? Number(fs.readFileSync(cpuFile, 'utf8')) : NaN;
      fs.rmSync(rssFile, { force: true });
      fs.rmSync(cpuFile, { force: true });
      resolve({ ms, cpuMs, rssKb, code, err });
    });
  });
}

function must(r: { code: number | null; err: string }, what: string): void {
  if (r.code !== 0)
    throw new Error(`${what} failed (exit ${r.code}): ${r.err.trim().split('\n').slice(0, 8).join('\n')}`);
}

/**
 * analysis.json without what differs between two runs of the same work: the clock, the command
 * line, the codec's measured ms per sweep row and the decisions they feed (docs/scale-out.md#codec-times).
 */
function timingsAside(file: string): string {
  const a = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> & {
    data: Record<string, unknown>;
    sweep: Record<string, unknown>[];
  };
  const { createdAt: _c, commandLine: _l, decisions: _d, ...rest } = a;
  const { sweepSeconds: _s, ...data } = a.data;
  const sweep = a.sweep.map(({ encodeMs: _e, decodeMs: _t, ...row }) => row);
  return JSON.stringify({ ...rest, data, sweep });
}

/** CSV files that carry the codec's measured times or the decisions (compared through analysis.json). */
const TIMED_CSV = new Set(['sweep.csv', 'decisions.csv', 'latency.csv']);

/**
 * The core to pin a process to, or undefined (no pinning): every process of part 1 gets one core
 * when `taskset` exists and the machine has a core per shard, so that one process and each shard
 * run on equal terms (ONNX Runtime's and V8's helper threads otherwise let a lone process use more
 * than one core, which N shards side by side on N cores cannot). --no-pin turns it off.
 */
function pin(core: number): number | undefined {
  const can =
    !process.argv.includes('--no-pin') &&
    spawnSync('taskset', ['-c', '0', 'true']).status === 0 &&
    os.cpus().length >= Number(arg('--shards', '2'));
  return can ? core % os.cpus().length : undefined;
}

/** Part 1: one process against N shards and the merge, on the bundled model. */
async function shardsAgainstOne(
  tmp: string,
  shards: number,
  samples: number,
  bits: string,
  round: number,
): Promise<RoundRatios> {
  const core = (i: number) => pin(i + round - 1);
  const run = [
    'analyze',
    path.join(D, 'resnet.onnx'),
    ...[
      '--data',
      path.join(D, 't10k-images-idx3-ubyte.gz'),
      '--labels',
      path.join(D, 't10k-labels-idx1-ubyte.gz'),
    ],
    ...['--scale', '1/255', '--mean', '0.2860', '--std', '0.3530', '--samples', String(samples)],
    ...['--bits', bits, '--max-loss', '1', '--edge', 'raspberry-pi-4', '--cloud', 'cloud-t4'],
    ...['--sweep-threads', '1', '--quiet'],
  ];
  console.log(
    `\n1.${round} the bundled ResNet, ${samples} samples, bits ${bits}, --max-loss 1; ` +
      `${pin(0) === undefined ? 'processes not pinned' : 'each process pinned to one core (taskset)'}; ${loadText()}`,
  );
  fs.rmSync(path.join(tmp, 'one'), { recursive: true, force: true });
  fs.rmSync(path.join(tmp, 'shards'), { recursive: true, force: true });
  fs.rmSync(path.join(tmp, 'merged'), { recursive: true, force: true });
  const one = await jalad([...run, '--out', path.join(tmp, 'one')], tmp, core(0));
  must(one, 'the unsharded run');
  const t0 = performance.now();
  const runs = await Promise.all(
    Array.from({ length: shards }, (_, i) =>
      jalad([...run, '--shard', `${i + 1}/${shards}`, '--out', path.join(tmp, 'shards')], tmp, core(i)),
    ),
  );
  const shardMs = performance.now() - t0;
  runs.forEach((r, i) => must(r, `shard ${i + 1}`));
  const files = Array.from({ length: shards }, (_, i) =>
    path.join(tmp, 'shards', shardFileName(i + 1, shards)),
  );
  const merge = await jalad(['merge', ...files, '--out', path.join(tmp, 'merged'), '--quiet'], tmp, core(0));
  must(merge, 'the merge');
  const same =
    timingsAside(path.join(tmp, 'one', 'analysis.json')) ===
    timingsAside(path.join(tmp, 'merged', 'analysis.json'));
  const csv = fs.readdirSync(path.join(tmp, 'one')).filter((f) => f.endsWith('.csv') && !TIMED_CSV.has(f));
  const csvSame = csv.every(
    (f) =>
      fs.readFileSync(path.join(tmp, 'one', f), 'utf8') ===
      fs.readFileSync(path.join(tmp, 'merged', f), 'utf8'),
  );
  const target = 1.15 / shards;
  const verdict = (x: number) => `${x.toFixed(2)}x (${x <= target ? 'met' : 'NOT met'})`;
  console.log(
    `   one process:                ${(one.ms / 1000).toFixed(1)} s wall, ${(one.cpuMs / 1000).toFixed(1)} s CPU`,
  );
  const secs = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(1)).join(', ');
  console.log(
    `   ${shards} shards side by side:     ${(shardMs / 1000).toFixed(1)} s wall ` +
      `(each: ${secs(runs.map((r) => r.ms))} s; CPU ${secs(runs.map((r) => r.cpuMs))} s), ` +
      `merge ${(merge.ms / 1000).toFixed(1)} s wall, ${(merge.cpuMs / 1000).toFixed(1)} s CPU`,
  );
  // Each process runs on one thread: on N free cores the shards would take their longest one's CPU time.
  const longestCpu = Math.max(...runs.map((r) => r.cpuMs));
  console.log(
    `   target <= ${target.toFixed(3)}x of one process. wall: shards + merge ${verdict((shardMs + merge.ms) / one.ms)}, ` +
      `shards alone ${verdict(shardMs / one.ms)}; CPU (what N free cores take): longest shard + merge ` +
      `${verdict((longestCpu + merge.cpuMs) / one.cpuMs)}, longest shard alone ${verdict(longestCpu / one.cpuMs)}; ${loadText()}`,
  );
  console.log(
    `   merged tables identical to one run's: analysis.json (timings, codec ms and decisions aside) ${same ? 'yes' : 'NO'}, ` +
      `${csv.length} CSV files ${csvSame ? 'yes' : 'NO'}`,
  );
  return {
    withMerge: (shardMs + merge.ms) / one.ms,
    shardsAlone: shardMs / one.ms,
    identical: same && csvSame,
  };
}

/** The wall-time ratios of one round of part 1 (shards / one process). */
interface RoundRatios {
  readonly withMerge: number;
  readonly shardsAlone: number;
  readonly identical: boolean;
}

/** Part 1's summary over its rounds: the median of each ratio (a single round is its own median). */
function printSummary(rounds: readonly RoundRatios[], shards: number): void {
  const target = 1.15 / shards;
  const line = (name: string, xs: number[]) => {
    const m = median(xs);
    const met = xs.filter((x) => x <= target).length;
    return `${name} median ${m.toFixed(2)}x (${m <= target ? 'met' : 'NOT met'}; ${met} of ${xs.length} rounds within)`;
  };
  console.log(
    `\n1. summary of ${rounds.length} round(s), wall time against one process, target <= ${target.toFixed(3)}x: ` +
      `${line(
        'shards + merge',
        rounds.map((r) => r.withMerge),
      )}; ${line(
        'shards alone',
        rounds.map((r) => r.shardsAlone),
      )}; ` +
      `merged tables identical in ${rounds.filter((r) => r.identical).length} of ${rounds.length}`,
  );
}

/** A chain of `cuts - 1` Relu nodes: `cuts` cut points, a DAG for the merge's decision table. */
function chainModel(cuts: number): Uint8Array {
  const nodes = Array.from({ length: cuts - 1 }, (_, i) =>
    node('Relu', [i === 0 ? 'input' : `t${i}`], [i === cuts - 2 ? 'logits' : `t${i + 1}`]),
  );
  return encodeModel(
    model({
      nodes,
      inputs: [valueInfo('input', 1, ['batch', 10])],
      outputs: [valueInfo('logits', 1, ['batch', 10])],
    }),
  );
}

/** A small seeded generator (mulberry32), so that the synthetic shards are the same every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Part 2: 100 synthetic shards of a 50-cut, 6-width, 10,000-sample grid, merged by the CLI. */
async function mergeAtScale(tmp: string): Promise<void> {
  const cuts = 50;
  const count = 100;
  const bits: BitWidth[] = [2, 3, 4, 5, 6, 8];
  const modelPath = path.join(tmp, 'chain50.onnx');
  fs.writeFileSync(modelPath, chainModel(cuts));
  const base = await analyzeModel(modelPath, { edge: 'raspberry-pi-4', cloud: 'cloud-t4' });
  if (base.cutPoints.length !== cuts)
    throw new Error(`the chain has ${base.cutPoints.length} cut points, not ${cuts}`);
  const { decisions: _d, maxLossPct: _m, ...structure } = base;
  // What a shard's analysis carries about its data (the merge fills in the reference's accuracy).
  const analysis = {
    ...structure,
    data: {
      path: 'synthetic',
      samples: 10_000,
      seed: 0,
      labelled: true,
      referenceAccuracy: 0,
      referenceCorrect: 0,
      sizeSamples: 10_000,
      maxLossPct: 1,
      sweepSeconds: 0,
      options: {},
    },
    bits,
  };
  const grid: ShardGrid = {
    samples: 10_000,
    batchSize: 64,
    sizeSamples: 10_000,
    minToStop: 200,
    maxLossPct: 1,
    bits,
    sweptCuts: analysis.cutPoints.map((c) => c.index),
    coder: 'auto',
  };
  const plan = shardPlan({ ...grid, cuts: analysis.cutPoints, bitWidths: bits.length }, count);
  const rand = random(1);
  // Each configuration is wrong on about `err` of the samples (some over the 1-point budget: they stop early).
  const errOf = (cut: number, b: number) => (b <= 3 ? 0.03 + (cut % 5) * 0.01 : 0.002);
  const refRight = Array.from({ length: grid.samples }, () => (rand() < 0.93 ? 1 : 0));
  const dir = path.join(tmp, 'synthetic');
  fs.mkdirSync(dir);
  const files: string[] = [];
  let bytes = 0;
  const t0 = performance.now();
  plan.forEach((ranges, k) => {
    let from = Infinity;
    let to = 0;
    const configs: RecordedConfig[] = [];
    for (const c of analysis.cutPoints) {
      const r = ranges.get(c.index);
      if (!r) continue;
      from = Math.min(from, r.from);
      to = Math.max(to, r.to);
      for (const b of bits) {
        const n = r.to - r.from;
        // Top-1 scores: 1 when right; agreement when right exactly where the unsplit model is.
        const scores = new Float64Array(n);
        const agrees = new Uint8Array(n);
        for (let s = 0; s < n; s++) {
          const right = refRight[r.from + s] === 1 ? rand() >= errOf(c.index, b) : rand() < 0.1;
          scores[s] = right ? 1 : 0;
          agrees[s] = right === (refRight[r.from + s] === 1) ? 1 : 0;
        }
        const sizeCount = Math.max(0, Math.min(grid.sizeSamples, r.to) - r.from);
        const sizes = new Float64Array(3 * sizeCount).map(() => 100 + Math.floor(rand() * 900));
        // Codec ms of the first 16 samples (the sweep's CODEC_TIME_SAMPLES), in the range holding them.
        const timeCount = Math.max(0, Math.min(16, r.to) - r.from);
        const codecMs = new Float64Array(2 * timeCount).map(() => 0.1 + rand());
        configs.push({
          cut: c.index,
          bits: b,
          elements: 10,
          float32Bytes: 40,
          from: r.from,
          to: r.to,
          stopped: false,
          agrees,
          scores,
          sizes,
          sizeCount,
          codecMs,
          timeCount,
        });
      }
    }
    if (configs.length === 0) from = to = 0;
    const shard: ShardFile = {
      shard: { index: k + 1, count },
      indexFrom: `--shard ${k + 1}/${count}`,
      identity: { synthetic: true, grid, shards: count, decisionMaxLossPct: 1 },
      analysis,
      grid,
      recorded: {
        reference: { from, to },
        referenceScores: Float64Array.from(refRight.slice(from, to)),
        labelled: true,
        configs,
      },
      seconds: 0,
    };
    const file = path.join(dir, shardFileName(k + 1, count));
    const data = encodeShard(shard);
    bytes += data.length;
    fs.writeFileSync(file, data);
    files.push(file);
  });
  console.log(
    `\n2. merge of ${count} synthetic shards: ${cuts} cut points x ${bits.length} widths x ${grid.samples} samples ` +
      `(sizes of every sample), ${(bytes / 1e6).toFixed(1)} MB of shard files written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const merge = await jalad(['merge', ...files, '--out', path.join(tmp, 'merged-synthetic'), '--quiet'], tmp);
  must(merge, 'the synthetic merge');
  const merged = JSON.parse(fs.readFileSync(path.join(tmp, 'merged-synthetic', 'analysis.json'), 'utf8')) as {
    sweep: { stoppedEarly: boolean }[];
  };
  console.log(
    `   merge: ${(merge.ms / 1000).toFixed(2)} s wall, ${(merge.cpuMs / 1000).toFixed(2)} s CPU ` +
      `(target < 10 s: ${merge.ms < 10_000 ? 'met' : 'NOT met'} by wall, ${merge.cpuMs < 10_000 ? 'met' : 'NOT met'} by CPU), ` +
      `peak memory ${(merge.rssKb / 1024).toFixed(0)} MB (target < 1 GB: ${merge.rssKb < 1024 * 1024 ? 'met' : 'NOT met'}); ` +
      `${merged.sweep.length} rows, ${merged.sweep.filter((r) => r.stoppedEarly).length} stopped early; ${loadText()}`,
  );
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-bench-shard-'));
  try {
    const part = arg('--part', 'all');
    if (part !== '2') {
      const shards = Number(arg('--shards', '2'));
      const rounds: RoundRatios[] = [];
      for (let round = 1; round <= Number(arg('--repeat', '1')); round++)
        rounds.push(
          await shardsAgainstOne(
            tmp,
            shards,
            Number(arg('--samples', '10000')),
            arg('--bits', '2,3,4,5,6,8'),
            round,
          ),
        );
      printSummary(rounds, shards);
    }
    if (part !== '1') await mergeAtScale(tmp);
  } finally {
    if (process.argv.includes('--keep')) console.log(`files kept in ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (spawnSync(process.execPath, [JALAD, '--version']).status !== 0) throw new Error(`${JALAD} does not run`);
main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
