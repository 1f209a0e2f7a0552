/**
 * The sweep's cost with each coder the way a user meets it, for
 * `npm run bench:sweep -- --default-sweep [--coders auto,context] [--models vgg,resnet,inception] [--rounds 2]`:
 * `jalad analyze MODEL --data <all 10,000 test images> --labels ... --coder X` as a child process
 * (this build's .build/bin/jalad.js), every other option at its default (bits 2,4,6,8, 500 size
 * samples, max loss 1 point, one sweep worker per core, the profile); the coders interleaved
 * (a, b, a, b, ...) per model so that the machine's load weighs on each alike, the load average
 * printed before each run. Prints each run's wall-clock seconds of the whole command and the
 * sweep's own seconds (analysis.json's data.sweepSeconds), and per coder the ratio of the summed
 * seconds to the first coder's, and of each round's run to the first coder's run of that round
 * (the load changes between rounds more than within one).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

/** One `jalad analyze` run: its wall-clock seconds, the sweep's seconds, the load before it. */
interface AnalyzeRun {
  readonly seconds: number;
  readonly sweepSeconds: number;
  readonly load: number;
}

const JALAD = resolve('.build/bin/jalad.js');

/** Runs `jalad analyze` on one bundled model with one coder; throws with its stderr on failure. */
function analyzeOnce(dir: string, name: string, coder: string): AnalyzeRun {
  const out = mkdtempSync(join(tmpdir(), 'jalad-default-sweep-'));
  const meta = JSON.parse(readFileSync(`${dir}/models.json`, 'utf8')) as {
    preprocessing: { scale: number; mean: number[]; std: number[] };
  };
  const { scale, mean, std } = meta.preprocessing;
  const load = loadavg()[0];
  try {
    const t0 = performance.now();
    const child = spawnSync(
      process.execPath,
      [
        JALAD,
        'analyze',
        `${dir}/${name}.onnx`,
        '--data',
        `${dir}/t10k-images-idx3-ubyte.gz`,
        '--labels',
        `${dir}/t10k-labels-idx1-ubyte.gz`,
        '--scale',
        String(scale),
        '--mean',
        mean.join(','),
        '--std',
        std.join(','),
        '--coder',
        coder,
        '--out',
        out,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const seconds = (performance.now() - t0) / 1000;
    if (child.status !== 0)
      throw new Error(
        `jalad analyze ${name} --coder ${coder} failed: ${child.stderr.trim().split('\n').pop()}`,
      );
    const analysis = JSON.parse(readFileSync(join(out, 'analysis.json'), 'utf8')) as {
      data?: { sweepSeconds: number };
    };
    return { seconds, sweepSeconds: analysis.data?.sweepSeconds ?? NaN, load };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Times `jalad analyze` per model with each coder, interleaved, and prints the ratios. */
export function benchDefaultSweep(
  dir: string,
  models: readonly string[],
  coders: readonly string[],
  rounds: number,
): void {
  process.stdout.write(
    `jalad analyze --data <10,000 test images> --coder ${coders.join(' vs ')}, defaults otherwise ` +
      `(bits 2,4,6,8, 500 size samples); interleaved, ${rounds} rounds; wall clock; node ${process.version}\n` +
      'model      coder     analyze s (each run)     sweep s (each run)       load (1 min, each run)    analyze  sweep\n',
  );
  for (const name of models) {
    const runs = new Map<string, AnalyzeRun[]>(coders.map((c) => [c, []]));
    for (let round = 0; round < rounds; round++)
      for (const coder of coders) runs.get(coder)!.push(analyzeOnce(dir, name, coder));
    const base = runs.get(coders[0])!;
    for (const coder of coders) {
      const r = runs.get(coder)!;
      const list = (f: (x: AnalyzeRun) => number, digits: number): string =>
        r.map((x) => f(x).toFixed(digits)).join(' / ');
      process.stdout.write(
        `${name.padEnd(10)} ${coder.padEnd(8)} ${list((x) => x.seconds, 1).padEnd(24)} ` +
          `${list((x) => x.sweepSeconds, 1).padEnd(24)} ${list((x) => x.load, 2).padEnd(25)} ` +
          `${(sum(r.map((x) => x.seconds)) / sum(base.map((x) => x.seconds))).toFixed(3).padStart(6)}x ` +
          `${(sum(r.map((x) => x.sweepSeconds)) / sum(base.map((x) => x.sweepSeconds))).toFixed(3).padStart(6)}x ` +
          `(analyze per round ${r.map((x, k) => (x.seconds / base[k].seconds).toFixed(2)).join(' / ')})\n`,
      );
    }
  }
  process.stdout.write(
    `load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
}
