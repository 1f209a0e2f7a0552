/**
 * Benchmark: analyze and split a model with ~100 MB of float32 weights. Each command runs as the
 * built CLI in its own child process (so one command's memory is not another's): `analyze
 * --no-profile`, `analyze` with the default profiles, and `split --cut` at the middle cut point.
 * Prints each one's wall time, CPU time, peak resident memory and that memory as a ratio to the
 * model file (targets: 1.5x for `--no-profile`, 3x for a profiled analysis), the machine's load
 * before and after, and whether initializer bytes stay views of the file buffer (no needless copies).
 *
 * Run: npm run bench:large [-- --timeout 600]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { DataType, encodeModel, model, node, readModelFile, valueInfo, type TensorProto } from '../src/graph';
import { launcherEnv, readUsage, usageEnv, USAGE_HOOK } from './bench-env';

/** A float32 initializer of small deterministic values (content does not matter for timing). */
function weight(name: string, dims: number[]): TensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 2654435761) % 1000) / 1e6 - 5e-4;
  return { name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(data.buffer) };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-large-'));
  const widths = [1024, 4096, 4096, 1024, 10];
  const nodes = [];
  const inits: TensorProto[] = [];
  let x = 'input';
  for (let i = 0; i + 1 < widths.length; i++) {
    inits.push(weight(`W${i}`, [widths[i + 1], widths[i]]), weight(`b${i}`, [widths[i + 1]]));
    nodes.push(node('Gemm', [x, `W${i}`, `b${i}`], [`fc${i}`], { transB: 1 }));
    x = `fc${i}`;
    if (i + 2 < widths.length) {
      nodes.push(node('Relu', [x], [`relu${i}`]));
      x = `relu${i}`;
    }
  }
  const file = path.join(dir, 'large.onnx');
  fs.writeFileSync(
    file,
    encodeModel(
      model({
        nodes,
        initializers: inits,
        inputs: [valueInfo('input', DataType.FLOAT, ['batch', 1024])],
        outputs: [valueInfo(x, DataType.FLOAT, ['batch', 10])],
      }),
    ),
  );
  const fileBytes = fs.statSync(file).size;
  const loaded = readModelFile(file);
  const views = (loaded.model.graph?.initializer ?? []).every(
    (t) => t.rawData?.buffer === loaded.bytes.buffer,
  );
  const timeoutS = Number(flag('--timeout') ?? 600);
  const load = () => os.loadavg()[0].toFixed(1);
  console.log(
    `model: ${(fileBytes / 1e6).toFixed(1)} MB on disk, ${nodes.length} nodes; ` +
      `${os.cpus().length} cores, load ${load()} at the start; timeout ${timeoutS} s per command`,
  );
  console.log(`initializer bytes are views of the file buffer: ${views ? 'yes' : 'NO'}`);
  const jalad = path.resolve('dist/bin/jalad.js');
  const cut = nodes[Math.floor(nodes.length / 2)].output![0];
  const commands: { label: string; args: string[]; targetRatio?: number }[] = [
    {
      label: 'analyze --no-profile',
      args: ['analyze', file, '--no-profile', '--out', path.join(dir, 'a')],
      targetRatio: 1.5,
    },
    {
      label: 'analyze (default profiles)',
      args: ['analyze', file, '--out', path.join(dir, 'b')],
      targetRatio: 3,
    },
    { label: `split --cut ${cut}`, args: ['split', file, '--cut', cut, '--out', path.join(dir, 'c')] },
  ];
  console.log(['command'.padEnd(28), 'wall s', ' cpu s', 'peak MB', 'x file', 'result'].join('  '));
  for (const c of commands) {
    const o = runChild(jalad, c.args, dir, timeoutS);
    const ratio = o.peakBytes !== undefined ? o.peakBytes / fileBytes : undefined;
    const verdict =
      c.targetRatio === undefined || ratio === undefined
        ? ''
        : ratio <= c.targetRatio
          ? `; <= ${c.targetRatio}x ok`
          : `; OVER ${c.targetRatio}x`;
    console.log(
      [
        c.label.padEnd(28),
        o.seconds.toFixed(1).padStart(6),
        (o.cpuSeconds?.toFixed(1) ?? '-').padStart(6),
        (o.peakBytes !== undefined ? (o.peakBytes / 1e6).toFixed(0) : '-').padStart(7),
        (ratio?.toFixed(2) ?? '-').padStart(6),
        o.status + verdict,
      ].join('  '),
    );
  }
  if (fs.existsSync(path.join(dir, 'c', 'split.json'))) {
    const split = JSON.parse(fs.readFileSync(path.join(dir, 'c', 'split.json'), 'utf8')) as {
      maxAbsDiff?: number;
    };
    const sizes = ['edge.onnx', 'cloud.onnx'].map((f) => fs.statSync(path.join(dir, 'c', f)).size / 1e6);
    console.log(
      `split parts: edge ${sizes[0].toFixed(1)} MB + cloud ${sizes[1].toFixed(1)} MB; max |diff| ${split.maxAbsDiff}`,
    );
  }
  console.log(`load ${load()} at the end`);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** What one child command measured. */
interface Outcome {
  readonly seconds: number;
  readonly cpuSeconds?: number;
  readonly peakBytes?: number;
  readonly status: string;
}

/** Runs the CLI with `args` in a child process, bounded by `timeoutS`. */
function runChild(jalad: string, args: readonly string[], dir: string, timeoutS: number): Outcome {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', USAGE_HOOK, jalad, ...args, '--quiet'], {
    env: { ...process.env, ...launcherEnv(jalad), ...usageEnv(dir) },
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 1 << 26,
    encoding: 'utf8',
  });
  const seconds = (performance.now() - t0) / 1000;
  const { peakBytes, cpuSeconds } = readUsage(dir);
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT')
    return { seconds, status: `timed out after ${timeoutS} s` };
  if (r.status !== 0)
    return {
      seconds,
      cpuSeconds,
      peakBytes,
      status: `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n')[0]}`,
    };
  return { seconds, cpuSeconds, peakBytes, status: 'ok' };
}

/** The value after `--name` on the command line. */
function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
