/**
 * Runs jalad as a user would on every model of ONNX's own test suite (Debian `libonnx-testdata`)
 * and classifies what happens.
 *
 * 1. Analyze: `jalad analyze MODEL --no-profile` on every `model.onnx` (with `--inputs` pointing at
 *    its `test_data_set_0/` when it has one, unless `--plain`). Each run ends in one of:
 *    analyzed (exit 0, nothing on stderr), refused (exit 2 with exactly one line on stderr), or bad
 *    (a stack trace, exit 1, another exit code, more than one line, or no answer within the timeout).
 * 2. Split: for every analyzed model with more than one node and a `test_data_set_0/` holding
 *    `output_*.pb`, a split at every cut point with `--inputs` through the function behind `jalad
 *    split --cut` (one child process per model), and a check that the split reproduces the
 *    reference outputs (relative difference <= 1e-4, exact for integers), as split.json records it.
 *
 * Run from the repository root:
 *   npm run check:onnx-tests [-- ROOT] [--jobs N] [--timeout-s S] [--plain] [--no-split]
 *                            [--only SUBSTRING] [--json FILE]
 * ROOT defaults to /usr/share/libonnx-testdata/data (apt-get install libonnx-testdata).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';

/** What one `jalad` run did. */
interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

type Verdict = 'analyzed' | 'refused' | 'bad';

interface ModelOutcome {
  readonly model: string;
  readonly verdict: Verdict;
  /** The one-line reason of a refusal, or what was bad. */
  readonly reason?: string;
  readonly ms: number;
}

interface SplitOutcome {
  readonly model: string;
  readonly cut: number;
  readonly ok: boolean;
  readonly reason?: string;
  readonly referenceRelDiff?: number;
}

interface Args {
  root: string;
  jobs: number;
  timeoutS: number;
  plain: boolean;
  split: boolean;
  only?: string;
  json?: string;
  /** Take every `every`-th model (from `offset`): a systematic sample over all folders. */
  every: number;
  offset: number;
  /** JSON lines of each model's outcome as it comes, so that a cut-short run still counts. */
  log?: string;
}

const DEFAULT_ROOT = '/usr/share/libonnx-testdata/data';

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    root: DEFAULT_ROOT,
    jobs: 2,
    timeoutS: 30,
    plain: false,
    split: true,
    every: 1,
    offset: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--jobs') args.jobs = Math.max(1, Number(value()));
    else if (a === '--timeout-s') args.timeoutS = Number(value());
    else if (a === '--plain') args.plain = true;
    else if (a === '--no-split') args.split = false;
    else if (a === '--only') args.only = value();
    else if (a === '--json') args.json = value();
    else if (a === '--log') args.log = value();
    else if (a === '--every') args.every = Math.max(1, Number(value()));
    else if (a === '--offset') args.offset = Number(value());
    else if (a.startsWith('--')) throw new Error(`unknown flag ${a}`);
    else args.root = a;
  }
  return args;
}

/** Every model.onnx under `root`, sorted. */
function findModels(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'model.onnx') found.push(p);
    }
  };
  walk(root);
  return found.sort();
}

const JALAD = path.join(__dirname, '..', 'bin', 'jalad.js');

/** Runs the CLI with a wall-clock limit; a run past it is killed. */
function runJalad(args: readonly string[], timeoutS: number): Promise<RunResult> {
  return runNode([JALAD, ...args], timeoutS);
}

/** Runs a Node.js script with a wall-clock limit; a run past it is killed. */
function runNode(args: readonly string[], timeoutS: number): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: performance.now() - t0 });
    });
  });
}

/** Runs `work` over `items` with at most `jobs` at a time, in order of start. */
async function pool<T, R>(items: readonly T[], jobs: number, work: (item: T, i: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}

/**
 * The child process of the split pass: `--split-model MODEL DIR CUTS.json` splits MODEL at every
 * cut (a JSON array of tensor lists) with `--inputs DIR`, through the same function as `jalad split
 * --cut` (splitAtCut, files written and removed), and prints one JSON line per cut. One process per
 * model instead of one per cut point: on this 2-core machine the start-up of a process cost more
 * CPU than splitting a small test model.
 */
async function splitModelChild(model: string, dir: string, cutsFile: string): Promise<void> {
  // NOTE: loaded here only: the analyze pass must not pay for ONNX Runtime in the parent.
  const { splitAtCut } = await import('../src/pipeline/split-at-cut');
  const cuts = JSON.parse(fs.readFileSync(cutsFile, 'utf8')) as string[][];
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-onnx-split-'));
  try {
    for (let i = 0; i < cuts.length; i++) {
      try {
        const report = await splitAtCut(model, cuts[i], out, { inputs: dir });
        process.stdout.write(JSON.stringify({ cut: i, reference: report.reference ?? null }) + '\n');
      } catch (err) {
        const e = err as Error & { code?: string };
        process.stdout.write(JSON.stringify({ cut: i, error: `${e.code ?? e.name}: ${e.message}` }) + '\n');
      }
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** exit 0 and a quiet stderr / exit 2 and one line / anything else. */
function classify(r: RunResult): { verdict: Verdict; reason?: string } {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  if (r.timedOut) return { verdict: 'bad', reason: 'no answer within the time limit' };
  if (/\n\s+at .+:\d+:\d+\)?/.test(r.stderr)) return { verdict: 'bad', reason: `stack trace: ${lines[0]}` };
  if (r.code === 0 && lines.length === 0) return { verdict: 'analyzed' };
  if (r.code === 2 && lines.length === 1) return { verdict: 'refused', reason: lines[0] };
  return {
    verdict: 'bad',
    reason: `exit ${r.code}, ${lines.length} line(s) on stderr: ${lines.slice(0, 2).join(' | ').slice(0, 300)}`,
  };
}

function dataSet(model: string): string | undefined {
  const dir = path.join(path.dirname(model), 'test_data_set_0');
  return fs.existsSync(path.join(dir, 'input_0.pb')) || fs.existsSync(path.join(dir, 'output_0.pb'))
    ? dir
    : undefined;
}

/** A short, folder-free reason: the model path is cut so that reasons group. */
function groupReason(reason: string, model: string): string {
  return reason
    .split(model)
    .join('MODEL')
    .split(path.dirname(model))
    .join('DIR')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(args.root)) {
    process.stderr.write(
      `check-onnx-tests: ${args.root}: no such folder (apt-get install libonnx-testdata)\n`,
    );
    process.exitCode = 2;
    return;
  }
  if (!fs.existsSync(JALAD)) throw new Error(`${JALAD} is missing: run npm run build:all first`);
  const models = findModels(args.root)
    .filter((m) => !args.only || m.includes(args.only))
    .filter((_, i) => i % args.every === args.offset % args.every);
  if (args.log) fs.writeFileSync(args.log, '');
  const log = (o: object) => args.log && fs.appendFileSync(args.log, JSON.stringify(o) + '\n');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-onnx-tests-'));
  const rel = (m: string) => path.relative(args.root, m);
  try {
    const t0 = performance.now();
    process.stderr.write(`analyze: ${models.length} models under ${args.root}, ${args.jobs} at a time\n`);
    let done = 0;
    const analyses = new Map<string, { cutPoints: { index: number; tensors: string[] }[]; nodes: number }>();
    const outcomes = await pool(models, args.jobs, async (model, i): Promise<ModelOutcome> => {
      const out = path.join(scratch, `a${i}`);
      const inputs = args.plain ? undefined : dataSet(model);
      const r = await runJalad(
        ['analyze', model, '--no-profile', '--quiet', '--out', out, ...(inputs ? ['--inputs', inputs] : [])],
        args.timeoutS,
      );
      const c = classify(r);
      if (c.verdict === 'analyzed') {
        try {
          const a = JSON.parse(fs.readFileSync(path.join(out, 'analysis.json'), 'utf8'));
          analyses.set(model, { cutPoints: a.cutPoints, nodes: a.model.nodes });
        } catch {
          /* the split pass skips it */
        }
      }
      fs.rmSync(out, { recursive: true, force: true });
      if (++done % 50 === 0 || done === models.length)
        process.stderr.write(`analyze: ${done}/${models.length}\n`);
      const outcome = {
        model: rel(model),
        verdict: c.verdict,
        ...(c.reason ? { reason: c.reason } : {}),
        ms: r.ms,
      };
      log(outcome);
      return outcome;
    });
    const analyzeS = (performance.now() - t0) / 1000;
    const count = (v: Verdict) => outcomes.filter((o) => o.verdict === v).length;

    const splits: SplitOutcome[] = [];
    let splitModels = 0;
    let splitS = 0;
    if (args.split) {
      const t1 = performance.now();
      const jobs: { model: string; dir: string; cuts: string[][] }[] = [];
      for (const model of models) {
        const a = analyses.get(model);
        const dir = dataSet(model);
        if (!a || !dir || a.nodes < 2) continue;
        if (!fs.readdirSync(dir).some((f) => /^output_\d+\.pb$/.test(f))) continue;
        splitModels++;
        jobs.push({ model, dir, cuts: a.cutPoints.map((c) => c.tensors) });
      }
      const cutCount = jobs.reduce((n, j) => n + j.cuts.length, 0);
      process.stderr.write(`split: ${cutCount} cut points of ${splitModels} models\n`);
      let sdone = 0;
      const perModel = await pool(jobs, args.jobs, async (job, i): Promise<SplitOutcome[]> => {
        const cutsFile = path.join(scratch, `cuts${i}.json`);
        fs.writeFileSync(cutsFile, JSON.stringify(job.cuts));
        const r = await runNode(
          [__filename, '--split-model', job.model, job.dir, cutsFile],
          args.timeoutS * Math.max(1, Math.ceil(job.cuts.length / 5)),
        );
        const seen = new Map<number, SplitOutcome>();
        for (const line of r.stdout.split('\n').filter((l) => l.startsWith('{'))) {
          const o = JSON.parse(line) as {
            cut: number;
            error?: string;
            reference?: { maxRelDiff: number; reproduces: boolean; originalMaxRelDiff: number } | null;
          };
          const base = { model: rel(job.model), cut: o.cut };
          seen.set(
            o.cut,
            o.error
              ? { ...base, ok: false, reason: o.error }
              : !o.reference
                ? { ...base, ok: false, reason: 'no reference comparison in split.json' }
                : {
                    ...base,
                    ok: o.reference.reproduces,
                    referenceRelDiff: o.reference.maxRelDiff,
                    ...(o.reference.reproduces
                      ? {}
                      : {
                          reason:
                            `relative difference from output_*.pb ${o.reference.maxRelDiff} (unsplit model: ` +
                            `${o.reference.originalMaxRelDiff})`,
                        }),
                  },
          );
        }
        const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
        const outcome = job.cuts.map(
          (_, c) =>
            seen.get(c) ?? {
              model: rel(job.model),
              cut: c,
              ok: false,
              reason: r.timedOut
                ? 'no answer within the time limit'
                : `no result (exit ${r.code}: ${lines[0] ?? ''})`,
            },
        );
        outcome.forEach((o) => log({ split: o }));
        if (++sdone % 20 === 0 || sdone === jobs.length)
          process.stderr.write(`split: ${sdone}/${jobs.length} models\n`);
        return outcome;
      });
      const results = perModel.flat();
      splits.push(...results);
      splitS = (performance.now() - t1) / 1000;
    }

    const refused = outcomes.filter((o) => o.verdict === 'refused');
    const bad = outcomes.filter((o) => o.verdict === 'bad');
    const groups = new Map<string, string[]>();
    for (const o of [...bad, ...refused]) {
      const key = `${o.verdict}: ${groupReason(o.reason ?? '', path.join(args.root, o.model))}`;
      groups.set(key, [...(groups.get(key) ?? []), o.model]);
    }
    const failedSplits = splits.filter((s) => !s.ok);
    const lines = [
      `models: ${models.length}${args.every > 1 ? ` (every ${args.every}th of the set, from #${args.offset})` : ''}; analyzed ` +
        `${count('analyzed')}, refused ${count('refused')}, bad ${count('bad')} (${analyzeS.toFixed(0)} s, ${args.jobs} at a ` +
        `time${args.plain ? ', no --inputs' : ', --inputs test_data_set_0 where present'})`,
      ...(args.split
        ? [
            `split: ${splits.length} cut points of ${splitModels} models checked against output_*.pb; ` +
              `${splits.length - failedSplits.length} reproduce them, ${failedSplits.length} do not (${splitS.toFixed(0)} s)`,
          ]
        : []),
      '',
      'by reason (count, first models):',
      ...[...groups.entries()]
        .sort((a, b) => b[1].length - a[1].length)
        .map(
          ([k, ms]) =>
            `  ${ms.length}  ${k}\n       ${ms.slice(0, 4).join(', ')}${ms.length > 4 ? ', ...' : ''}`,
        ),
      ...(failedSplits.length > 0 ? ['', 'splits that do not reproduce the reference:'] : []),
      ...failedSplits.slice(0, 50).map((s) => `  ${s.model} #${s.cut}: ${s.reason}`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    if (args.json)
      fs.writeFileSync(
        args.json,
        JSON.stringify({ root: args.root, analyzeS, splitS, outcomes, splits }, null, 2) + '\n',
      );
    if (bad.length > 0 || failedSplits.length > 0) process.exitCode = 1;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

const entry =
  process.argv[2] === '--split-model'
    ? () => splitModelChild(process.argv[3], process.argv[4], process.argv[5])
    : main;
entry().catch((err) => {
  process.stderr.write(`check-onnx-tests: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
