/**
 * Benchmark: how long `jalad analyze` takes on real-size models, and how much memory, with the
 * default profile (auto: it says which mode it chose) and with --profile fast (and thorough when
 * asked: minutes per model), and how well each mode predicts.
 *
 * Exports torchvision ResNet-18/50/101 with random weights (opset 13, input 1x3x224x224) with
 * /usr/bin/python3 (Debian python3-torch and python3-torchvision) into .cache/resnets/ (outside
 * git; kept between runs), then runs `jalad analyze MODEL --profile MODE` as a child process per
 * model and mode, the modes interleaved (auto, fast; then fast, auto with --repeat 2 ...), and
 * prints wall seconds, peak RSS (MB and as a ratio to the file's size), seconds per node and the
 * mode that made the figures (analysis.json's profiles.edge.mode; "auto->fast" when auto chose it).
 * Mode `none` runs `--no-profile` (structure and sizes only; its target is 1.5x the file in peak RSS).
 * Every run gets the environment the `jalad` launcher sets on its first line (glibc's mmap threshold,
 * see bin/jalad.ts), as `npx jalad` would; a mode with `-bare` (e.g. `auto-bare`) runs that mode without
 * it, as `node dist/bin/jalad.js` would (see docs/profiler.md, "Memory").
 * Run, e.g.: npm run bench:resnet -- --modes none,auto,auto-bare --no-latency
 * Then, unless --no-latency, the prediction error of both modes on bench:latency's models
 * (scripts/latency-error.ts). The load average is printed at the start and the end of every part.
 *
 * Then (unless --check-cuts 0) the default profile's prediction error on these models themselves
 * against their real edge models at --check-cuts (8) cut points (scripts/large-model-check.ts).
 * Run: npm run bench:resnet [-- --models resnet18,resnet50 --modes none,auto,fast,thorough --repeat 1
 *      --check-cuts 8 --latency-repeat 1 --no-latency]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import {
  latencyError,
  latencyErrorHeader,
  latencyErrorRow,
  latencyErrorVerdict,
  latencyModels,
  STANDARD_MODELS_HINT,
} from './latency-error';
import { arg, launcherEnv, launcherText, loadText } from './bench-env';
import { largeModelCheck } from './large-model-check';

const PYTHON = '/usr/bin/python3';
const CACHE = path.join('.cache', 'resnets');
const ROOT = path.join(__dirname, '..', '..');
const JALAD = path.join(__dirname, '..', 'bin', 'jalad.js');
const RSS_HOOK = path.join(__dirname, 'rss-on-exit.js');
/** What the launcher sets (every mode but `-bare`). */
const LAUNCHER_ENV = launcherEnv(JALAD);

/** Exports the missing models; false (with the reason printed) when PyTorch is not there. */
function exportModels(names: readonly string[]): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log(
      `skipped: ${PYTHON} with torch and torchvision is not available (apt-get install python3-torch python3-torchvision)` +
        (probe.error ? `: ${probe.error.message}` : `: ${probe.stderr.trim().split('\n').pop()}`),
    );
    return false;
  }
  const missing = names.filter((n) => !fs.existsSync(path.join(CACHE, `${n}.onnx`)));
  if (missing.length === 0) return true;
  console.log(`exporting ${missing.join(', ')} with ${PYTHON} into ${CACHE}/ ...`);
  const r = spawnSync(
    PYTHON,
    [path.join(ROOT, 'experiments', 'models', 'export_resnets.py'), CACHE, ...missing],
    {
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) {
    console.log(`skipped: the export failed (exit ${r.status})`);
    return false;
  }
  return true;
}

/** One `jalad analyze` run as a child process: wall seconds, peak RSS in MB, node count. */
function analyzeOnce(
  model: string,
  mode: string,
): { seconds: number; peakMb: number; nodes: number; made: string } {
  const bare = mode.endsWith('-bare');
  const profile = bare ? mode.slice(0, -'-bare'.length) : mode;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-bench-resnet-'));
  const rssFile = path.join(out, 'rss');
  try {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        '--require',
        RSS_HOOK,
        JALAD,
        'analyze',
        model,
        ...(profile === 'none' ? ['--no-profile'] : ['--profile', profile]),
        '--out',
        path.join(out, 'a'),
        '-q',
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          JALAD_RSS_FILE: rssFile,
          ...(bare ? {} : LAUNCHER_ENV),
        },
        maxBuffer: 1 << 26,
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0)
      throw new Error(`jalad analyze ${model} --profile ${mode} failed (${r.status}): ${r.stderr}`);
    const analysis = JSON.parse(fs.readFileSync(path.join(out, 'a', 'analysis.json'), 'utf8'));
    const edge = analysis.profiles?.edge ?? {};
    return {
      seconds,
      peakMb: (Number(fs.readFileSync(rssFile, 'utf8')) * 1024) / 1e6,
      nodes: analysis.model.nodes,
      made: edge.auto ? `auto->${edge.mode}` : String(edge.mode ?? '-'),
    };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const names = arg('--models', 'resnet18,resnet50,resnet101').split(',');
  const modes = arg('--modes', 'none,auto,fast').split(',');
  const repeat = Number(arg('--repeat', '1'));
  console.log(
    `bench:resnet, ${loadText()} at start; the launcher's environment: ${launcherText(LAUNCHER_ENV)}`,
  );
  if (exportModels(names)) {
    console.log(
      'model        MB  nodes  --profile  made by        analyze s  s/node  peak MB  peak/file   (each row one run; modes interleaved)',
    );
    for (let r = 0; r < repeat; r++)
      for (const name of names) {
        const file = path.join(CACHE, `${name}.onnx`);
        const mb = fs.statSync(file).size / 1e6;
        const order = r % 2 === 0 ? modes : [...modes].reverse();
        for (const mode of order) {
          const m = analyzeOnce(file, mode);
          console.log(
            `${name.padEnd(10)} ${mb.toFixed(0).padStart(4)} ${String(m.nodes).padStart(6)}  ${mode.padEnd(9)} ${m.made.padEnd(14)}` +
              `${m.seconds.toFixed(1).padStart(9)} ${(m.seconds / m.nodes).toFixed(3).padStart(7)} ` +
              `${m.peakMb.toFixed(0).padStart(8)} ${(m.peakMb / mb).toFixed(2).padStart(9)}x   ${loadText()}`,
          );
        }
      }
    console.log(
      'targets (default profiles, --profile auto): ResNet-50 <= 30 s and <= 3x its file in peak RSS; ResNet-101 <= 60 s; ' +
        's/node about constant; none (--no-profile): <= 1.5x its file in peak RSS',
    );
  }
  const checkCuts = Number(arg('--check-cuts', '8'));
  if (checkCuts > 0 && fs.existsSync(CACHE)) {
    console.log(
      `\nprediction error of the default profile on these models: the real edge models of ${checkCuts} evenly spaced cut points ` +
        `timed directly (1 thread, 20 runs), a model profiled by halves also traced whole; ${loadText()}`,
    );
    for (const name of names) {
      const file = path.join(CACHE, `${name}.onnx`);
      if (!fs.existsSync(file)) continue;
      const { arms, cuts } = await largeModelCheck(file, checkCuts);
      for (const a of arms)
        console.log(
          `${name.padEnd(10)} ${a.label.padEnd(20)} ${cuts} cut points: median ${(a.medianErr * 100).toFixed(1)}%, ` +
            `worst ${(a.worstErr * 100).toFixed(1)}%; profile ${a.seconds.toFixed(1)} s (${a.mode})   ${loadText()}`,
        );
    }
  }
  if (process.argv.includes('--no-latency')) return;
  const list = latencyModels();
  console.log(`\nprediction error on bench:latency's models (${list.length}): ${list.join(', ')}`);
  if (!list.some((f) => f.startsWith('.cache/standard-models'))) console.log(STANDARD_MODELS_HINT);
  const latencyRepeat = Number(arg('--latency-repeat', '1'));
  console.log(
    `${loadText()}; 20 runs, 1 thread, ${latencyRepeat} repeat(s) per mode (auto, fast, thorough), interleaved`,
  );
  console.log(latencyErrorHeader());
  const errors = [];
  for (const f of list) {
    const e = await latencyError(f, { runs: 20, threads: 1, repeat: latencyRepeat });
    errors.push(e);
    console.log(latencyErrorRow(e));
  }
  console.log(
    `${latencyErrorVerdict(errors)} (target: the default within 10% on at least 7 of 8); ${loadText()} at end`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
