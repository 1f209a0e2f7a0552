/**
 * The GPU check: run on a machine with a GPU (a few minutes), it exercises every execution provider
 * this machine can use, as a user would (the built CLI in child processes), and prints one report:
 *
 *   1. which devices jalad can use here, and the one-line refusal for each it cannot;
 *   2. per usable device: `jalad profile --device D` (seconds), and `jalad bench --device D` at a
 *      spread of cut points: the per-node prediction against the measured real edge and cloud
 *      models (median |error| per side);
 *   3. per usable GPU: the decision with the cloud on that GPU (`--edge raspberry-pi-4 --cloud
 *      local:D`): the best cut at each bandwidth.
 *
 * It installs nothing. The CUDA provider needs ONNX Runtime's provider library and CUDA 12 with
 * cuDNN 9 on the machine (see docs/devices.md); WebGPU needs a Vulkan driver with a GPU adapter.
 * Models: torchvision ResNet-18 with random weights when PyTorch is there (exported into
 * .cache/standard-models/ by experiments/models/export_standard.py), and the bundled resnet.onnx.
 *
 * Run: npm run check:gpu [-- --runs 20 --cuts 6 model.onnx ...]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { median } from '../src/profiler';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'dist', 'bin', 'jalad.js');
const DEVICES = ['cpu', 'webgpu', 'cuda'];

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly seconds: number;
}

function jalad(...args: string[]): Run {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    maxBuffer: 256 << 20,
    timeout: 600_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr.trim(), seconds: (performance.now() - t0) / 1000 };
}

function models(): string[] {
  const valued = new Set(['--runs', '--cuts']);
  const given = process.argv.slice(2).filter((a, i, all) => a.endsWith('.onnx') && !valued.has(all[i - 1]));
  if (given.length > 0) return given;
  const out = [path.join(ROOT, 'datasets', 'fashion-mnist', 'resnet.onnx')];
  const resnet18 = path.join(ROOT, '.cache', 'standard-models', 'resnet18.onnx');
  if (!fs.existsSync(resnet18) && fs.existsSync('/usr/bin/python3')) {
    const r = spawnSync(
      '/usr/bin/python3',
      [path.join(ROOT, 'experiments', 'models', 'export_standard.py')],
      { encoding: 'utf8', cwd: ROOT },
    );
    if (r.status !== 0)
      console.log(`(ResNet-18 not exported: ${(r.stderr || r.stdout).trim().split('\n').pop()})`);
  }
  if (fs.existsSync(resnet18)) out.push(resnet18);
  else console.log('(no PyTorch here: ResNet-18 left out; the bundled model only)');
  return out;
}

/** `count` cut points spread over the model, by their tensor names. */
function spreadCuts(model: string, count: number): string[][] {
  const r = jalad(
    'analyze',
    model,
    '--no-profile',
    '--json',
    '-q',
    '--out',
    fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-')),
  );
  if (r.code !== 0) throw new Error(`analyze --no-profile ${model}: ${r.err}`);
  const cuts = (JSON.parse(r.out) as { cutPoints: { tensors: string[] }[] }).cutPoints;
  const picked = new Set<number>();
  for (let i = 0; i < count; i++) picked.add(Math.round(((i + 1) * (cuts.length - 1)) / (count + 1)));
  return [...picked].map((i) => cuts[i].tensors);
}

interface BenchPart {
  readonly part: 'edge' | 'cloud';
  readonly errorPct: number;
  readonly measuredMs: number;
  readonly nodes: number;
}

function main(): void {
  const runs = String(argValue('--runs', 20));
  const cutCount = argValue('--cuts', 6);
  if (!fs.existsSync(BIN)) throw new Error('build first: npm run build');
  console.log(
    `jalad GPU check on ${os.hostname()}: ${os.cpus()[0]?.model} x${os.cpus().length}, load ${os.loadavg()[0].toFixed(2)}`,
  );
  const smi = spawnSync(
    'nvidia-smi',
    ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'],
    {
      encoding: 'utf8',
    },
  );
  console.log(`nvidia-smi: ${smi.status === 0 ? smi.stdout.trim() : 'not available'}`);
  const list = models();
  const usable: string[] = [];
  for (const device of DEVICES) {
    const out = path.join(os.tmpdir(), `jalad-gpu-check-${device}.json`);
    const r = jalad('profile', list[0], '--device', device, '--runs', runs, '-q', '--out', out);
    if (r.code === 0) usable.push(device);
    console.log(
      r.code === 0
        ? `${device}: usable (profile of ${path.basename(list[0])} in ${r.seconds.toFixed(1)} s)`
        : `${device}: refused (exit ${r.code}): ${r.err}`,
    );
  }
  for (const model of list) {
    const cuts = spreadCuts(model, cutCount);
    console.log(`\n${path.basename(model)}: bench at ${cuts.length} cut points, ${runs} runs each`);
    console.log(
      'device   profile s   edge median |err|   cloud median |err|   edge ms (median)   cloud ms (median)',
    );
    for (const device of usable) {
      const out = path.join(os.tmpdir(), `jalad-gpu-check-${device}-${path.basename(model)}.json`);
      const p = jalad('profile', model, '--device', device, '--runs', runs, '-q', '--out', out);
      const errs = { edge: [] as number[], cloud: [] as number[] };
      const ms = { edge: [] as number[], cloud: [] as number[] };
      for (const cut of cuts) {
        const b = jalad(
          'bench',
          model,
          '--cut',
          cut.join(','),
          '--device',
          device,
          '--runs',
          runs,
          '--json',
          '-q',
        );
        if (b.code !== 0) {
          console.log(`  ${device} bench ${cut.join(',')}: exit ${b.code}: ${b.err}`);
          continue;
        }
        const result = JSON.parse(b.out) as { parts: BenchPart[] };
        for (const part of result.parts) {
          if (part.nodes === 0) continue;
          errs[part.part].push(Math.abs(part.errorPct));
          ms[part.part].push(part.measuredMs);
        }
      }
      const cells = [
        device.padEnd(8),
        (p.code === 0 ? p.seconds.toFixed(1) : 'failed').padStart(9),
        `${median(errs.edge).toFixed(1).padStart(16)}%`,
        `${median(errs.cloud).toFixed(1).padStart(17)}%`,
        median(ms.edge).toFixed(3).padStart(16),
        median(ms.cloud).toFixed(3).padStart(17),
      ];
      console.log(cells.join('   '));
    }
    for (const device of usable.filter((d) => d !== 'cpu')) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-analyze-'));
      const a = jalad(
        'analyze',
        model,
        '--edge',
        'raspberry-pi-4',
        '--cloud',
        `local:${device}`,
        '--runs',
        runs,
        '--json',
        '-q',
        '--out',
        dir,
      );
      if (a.code !== 0) {
        console.log(`  analyze with the cloud on ${device}: exit ${a.code}: ${a.err}`);
        continue;
      }
      const analysis = JSON.parse(a.out) as {
        latency: { bandwidthMbps: number; bestCut: number; cuts: { cut: number; totalMs: number }[] }[];
        cutPoints: { index: number; tensors: string[] }[];
      };
      console.log(
        `  decision with the edge a modeled raspberry-pi-4 and the cloud this machine's ${device}:`,
      );
      for (const row of analysis.latency) {
        const best = row.cuts.find((c) => c.cut === row.bestCut);
        console.log(
          `    ${String(row.bandwidthMbps).padStart(6)} Mbps: cut ${row.bestCut} ` +
            `(${analysis.cutPoints[row.bestCut]?.tensors.join(',')}), ${best?.totalMs.toFixed(2)} ms`,
        );
      }
    }
  }
}

main();
