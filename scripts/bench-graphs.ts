/**
 * Benchmark: `jalad analyze --no-profile` on large graphs built in code: long chains, a DAG with
 * many branches and skip connections, and one node reading very many graph inputs. Each case runs
 * the real CLI in a child process (so a crash, a heap overflow or a timeout is measured, not
 * suffered) and prints its wall time, its peak resident memory and the cut points it found,
 * beside the targets: a 200,000-node chain and a 20,000-node DAG in under 30 s and 2 GB, a node
 * with 100,000 inputs in under 10 s, and a 20,000-long chain with a Shape -> Reshape every 10th node
 * (meta-chain-20000) in under 30 s. Writing each model (protobuf encoding) is timed too. A
 * second row per case ("structure") times, in a child process too, what analysis does besides
 * asking ONNX Runtime for the tensors' shapes: reading the model, the DAG, the cut points and the
 * sums over their sides.
 *
 * A model with 100 MB of weights, and with --resnet50 torchvision's ResNet-50 exported with random
 * weights (Debian's PyTorch; the run says so when it is missing), check structure-only memory:
 * peak resident memory at most 1.5x the file ("x file" column).
 *
 * Run: npm run bench:graphs [-- --quick] [-- --timeout 120] [-- --case chain-5000,inputs-1000]
 *   [-- --resnet50] [-- --jalad path/to/bin/jalad.js] (another build instead of dist/)
 *   [-- --baseline path/to/bin/jalad.js] (an older build, e.g. main's copied aside: each case runs
 *   it first, then this one: before/after in one run)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { launcherEnv, readUsage, usageEnv, USAGE_HOOK } from './bench-env';
import { performance } from 'perf_hooks';
import {
  buildDag,
  cutPoints,
  DataType,
  edgeSums,
  encodeModel,
  model,
  node,
  readModelFile,
  valueInfo,
  type NodeProto,
  type TensorProto,
} from '../src/graph';

/** One benchmark model: how to build it, and the target it must meet (if any). */
interface GraphCase {
  readonly name: string;
  readonly nodes: number;
  readonly build: () => Uint8Array;
  readonly targetSeconds?: number;
  readonly targetBytes?: number;
  /** Peak resident memory at most this many times the model file's size. */
  readonly targetFileRatio?: number;
}

/** The encoded model of `nodes` from the graph input x (float32 [1, 4]) to the tensor `output`. */
function xToOutput(nodes: NodeProto[], output: string): Uint8Array {
  return encodeModel(
    model({
      nodes,
      inputs: [valueInfo('x', DataType.FLOAT, [1, 4])],
      outputs: [valueInfo(output, DataType.FLOAT, [1, 4])],
    }),
  );
}

/**
 * x -> Relu -> Neg -> ... : every intermediate tensor is a cut point. The shape probe works these
 * operators out without ONNX Runtime; `ops` Softplus/Softsign (which it leaves to the runtime) make
 * a chain probed in ONNX Runtime sessions of a segment each.
 */
function chainModel(length: number, ops: readonly [string, string] = ['Relu', 'Neg']): Uint8Array {
  const nodes: NodeProto[] = [];
  let x = 'x';
  for (let i = 0; i < length; i++) {
    nodes.push(node(ops[i % 2], [x], [`t${i}`]));
    x = `t${i}`;
  }
  return xToOutput(nodes, x);
}

/**
 * A Relu/Neg chain with a Shape -> Reshape every 10th node: shape metadata computed at run time,
 * which cut points must send beside their tensor when the cloud reads it (found by growing one
 * edge side, meta-cut-points.ts).
 */
function metaChainModel(length: number): Uint8Array {
  const nodes: NodeProto[] = [];
  let x = 'x';
  for (let i = 0; i < length; i++) {
    if (i % 10 === 9) {
      nodes.push(node('Shape', [x], [`s${i}`]));
      nodes.push(node('Reshape', [x, `s${i}`], [`t${i}`]));
    } else nodes.push(node(i % 2 === 0 ? 'Relu' : 'Neg', [x], [`t${i}`]));
    x = `t${i}`;
  }
  return xToOutput(nodes, x);
}

/**
 * Blocks of three parallel branches (Relu, Neg, Abs) joined by a Sum, with a skip connection
 * every fourth block from the previous block's output: cut points only at the block outputs
 * that no skip crosses; every other tensor is inside a branch. With `shapes`, each block's output is
 * reshaped to the shape of its first branch (shape metadata crossing the cuts inside the block).
 */
function branchyModel(targetNodes: number, shapes = false): Uint8Array {
  const nodes: NodeProto[] = [];
  let x = 'x';
  let previous = 'x';
  for (let b = 0; nodes.length < targetNodes; b++) {
    const branches = ['Relu', 'Neg', 'Abs'].map((op, k) => {
      nodes.push(node(op, [x], [`b${b}_${k}`]));
      return `b${b}_${k}`;
    });
    const skip = b % 4 === 3 ? [previous] : [];
    nodes.push(node('Sum', [...branches, ...skip], [`s${b}`]));
    previous = x;
    x = `s${b}`;
    if (shapes) {
      // The block output reshaped to the shape of its first branch.
      nodes.push(node('Shape', [branches[0]], [`m${b}`]));
      nodes.push(node('Reshape', [x, `m${b}`], [`r${b}`]));
      x = `r${b}`;
    }
  }
  return xToOutput(nodes, x);
}

/** One Concat reading `count` graph inputs, then a Relu. */
function wideInputModel(count: number): Uint8Array {
  const names = Array.from({ length: count }, (_, i) => `in${i}`);
  return encodeModel(
    model({
      nodes: [node('Concat', names, ['joined'], { axis: 1 }), node('Relu', ['joined'], ['y'])],
      inputs: names.map((n) => valueInfo(n, DataType.FLOAT, [1, 1])),
      outputs: [valueInfo('y', DataType.FLOAT, [1, count])],
    }),
  );
}

/**
 * Four Gemm layers with about 100 MB of float32 weights (1024 -> 4096 -> 4096 -> 1024 -> 10): the
 * memory of structure-only analysis as a ratio to the file.
 */
function weightsModel(): Uint8Array {
  const widths = [1024, 4096, 4096, 1024, 10];
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  let x = 'input';
  for (let i = 0; i + 1 < widths.length; i++) {
    const n = widths[i] * widths[i + 1];
    const w = new Float32Array(n);
    for (let k = 0; k < n; k++) w[k] = ((k * 2654435761) % 1000) / 1e6 - 5e-4;
    initializers.push(
      {
        name: `W${i}`,
        dims: [widths[i + 1], widths[i]],
        dataType: DataType.FLOAT,
        rawData: new Uint8Array(w.buffer),
      },
      {
        name: `b${i}`,
        dims: [widths[i + 1]],
        dataType: DataType.FLOAT,
        rawData: new Uint8Array(widths[i + 1] * 4),
      },
    );
    nodes.push(node('Gemm', [x, `W${i}`, `b${i}`], [`fc${i}`], { transB: 1 }));
    x = `fc${i}`;
    if (i + 2 < widths.length) {
      nodes.push(node('Relu', [x], [`relu${i}`]));
      x = `relu${i}`;
    }
  }
  return encodeModel(
    model({
      nodes,
      initializers,
      inputs: [valueInfo('input', DataType.FLOAT, ['batch', 1024])],
      outputs: [valueInfo(x, DataType.FLOAT, ['batch', 10])],
    }),
  );
}

/** Python that exports torchvision's ResNet-50 with random weights (opset 13, 1x3x224x224) to argv[1]. */
const EXPORT_RESNET50 = `
import sys, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet50(weights=None).eval()
torch.onnx.export(m, torch.randn(1, 3, 224, 224), sys.argv[1], opset_version=13, input_names=['input'], output_names=['logits'])
`;

/** ResNet-50 exported by Debian's PyTorch into `dir`, or why not. */
function exportResnet50(dir: string): { file?: string; why?: string } {
  const file = path.join(dir, 'resnet50.onnx');
  const r = spawnSync('/usr/bin/python3', ['-c', EXPORT_RESNET50, file], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status === 0 && fs.existsSync(file)) return { file };
  const line = (r.stderr ?? String(r.error ?? '')).trim().split('\n').pop() ?? '';
  return {
    why: `no ResNet-50: /usr/bin/python3 with torch and torchvision could not export it (${line.slice(0, 120)})`,
  };
}

const GB = 1e9;

const CASES: readonly GraphCase[] = [
  { name: 'chain-5000', nodes: 5000, build: () => chainModel(5000) },
  { name: 'chain-20000', nodes: 20_000, build: () => chainModel(20_000) },
  {
    name: 'chain-200000',
    nodes: 200_000,
    build: () => chainModel(200_000),
    targetSeconds: 30,
    targetBytes: 2 * GB,
  },
  {
    name: 'chain-ort-200000',
    nodes: 200_000,
    build: () => chainModel(200_000, ['Softplus', 'Softsign']),
    targetSeconds: 30,
    targetBytes: 2 * GB,
  },
  {
    name: 'branchy-20000',
    nodes: 20_000,
    build: () => branchyModel(20_000),
    targetSeconds: 30,
    targetBytes: 2 * GB,
  },
  { name: 'meta-chain-4000', nodes: 4400, build: () => metaChainModel(4000) },
  {
    name: 'meta-chain-20000',
    nodes: 22_000,
    build: () => metaChainModel(20_000),
    targetSeconds: 30,
    targetBytes: 2 * GB,
  },
  {
    name: 'meta-branchy-20000',
    nodes: 20_000,
    build: () => branchyModel(20_000, true),
    targetSeconds: 30,
    targetBytes: 2 * GB,
  },
  { name: 'inputs-1000', nodes: 2, build: () => wideInputModel(1000) },
  { name: 'inputs-3000', nodes: 2, build: () => wideInputModel(3000) },
  { name: 'inputs-100000', nodes: 2, build: () => wideInputModel(100_000), targetSeconds: 10 },
  { name: 'weights-100mb', nodes: 7, build: weightsModel, targetFileRatio: 1.5 },
];

const QUICK = new Set(['chain-5000', 'branchy-20000', 'inputs-3000', 'weights-100mb']);

interface Outcome {
  readonly seconds: number;
  readonly cpuSeconds?: number;
  readonly peakBytes?: number;
  readonly status: string;
  readonly cutPoints?: number;
}

/** Runs `jalad analyze --no-profile` on one model in a child process. */
function analyzeInChild(jalad: string, file: string, dir: string, timeoutS: number): Outcome {
  const out = path.join(dir, 'out');
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--require', USAGE_HOOK, jalad, 'analyze', file, '--no-profile', '--quiet', '--out', out],
    {
      env: { ...process.env, ...launcherEnv(jalad), ...usageEnv(dir) },
      timeout: timeoutS * 1000,
      killSignal: 'SIGKILL',
      maxBuffer: 1 << 30,
      encoding: 'utf8',
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  const { peakBytes, cpuSeconds } = readUsage(dir);
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT')
    return { seconds, status: `timed out after ${timeoutS} s` };
  if (r.status !== 0) {
    const lines = (r.stderr ?? '').trim().split('\n');
    const line = lines.find((l) => /error/i.test(l)) ?? lines[0] ?? '';
    const why = /heap out of memory/i.test(r.stderr ?? '') ? 'V8 heap out of memory' : line.slice(0, 100);
    return { seconds, cpuSeconds, peakBytes, status: `exit ${r.status ?? r.signal}: ${why}` };
  }
  const analysisFile = path.join(out, 'analysis.json');
  const cutPoints = (JSON.parse(fs.readFileSync(analysisFile, 'utf8')) as { cutPoints: unknown[] }).cutPoints
    .length;
  fs.rmSync(out, { recursive: true, force: true });
  return { seconds, cpuSeconds, peakBytes, status: 'ok', cutPoints };
}

/**
 * The child's side of the structure-only run: read the model, build the DAG, list the cut points
 * and sum a value over every cut point's sides (what analysis does besides asking ONNX Runtime
 * for shapes); prints the cut point count.
 */
function structureOnly(file: string): void {
  const dag = buildDag(readModelFile(file).model, file);
  const cuts = cutPoints(dag);
  edgeSums(
    cuts,
    dag.nodes.map(() => 1),
  );
  process.stdout.write(JSON.stringify({ cutPoints: cuts.length }));
}

/** Runs `structureOnly` on one model in a child process. */
function structureInChild(script: string, file: string, dir: string, timeoutS: number): Outcome {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', USAGE_HOOK, script, '--structure-only', file], {
    env: { ...process.env, ...usageEnv(dir) },
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',
    encoding: 'utf8',
  });
  const seconds = (performance.now() - t0) / 1000;
  const { peakBytes, cpuSeconds } = readUsage(dir);
  if (r.status !== 0)
    return { seconds, cpuSeconds, peakBytes, status: `failed: ${(r.stderr ?? '').slice(0, 100)}` };
  const { cutPoints: n } = JSON.parse(r.stdout) as { cutPoints: number };
  return { seconds, cpuSeconds, peakBytes, status: 'ok', cutPoints: n };
}

/** The targets a run met or missed, as words. */
function checks(c: GraphCase, o: Outcome, fileBytes: number): string[] {
  if (o.status !== 'ok') return [];
  const out: string[] = [];
  if (c.targetSeconds !== undefined)
    out.push(o.seconds < c.targetSeconds ? `< ${c.targetSeconds} s ok` : `OVER ${c.targetSeconds} s`);
  if (c.targetBytes !== undefined && o.peakBytes !== undefined)
    out.push(o.peakBytes < c.targetBytes ? `< ${c.targetBytes / GB} GB ok` : `OVER ${c.targetBytes / GB} GB`);
  if (c.targetFileRatio !== undefined && o.peakBytes !== undefined)
    out.push(
      o.peakBytes <= c.targetFileRatio * fileBytes
        ? `<= ${c.targetFileRatio}x file ok`
        : `OVER ${c.targetFileRatio}x file`,
    );
  return out;
}

/** One row of the table. */
function row(
  label: string,
  nodes: string,
  encode: string,
  fileBytes: number,
  o: Outcome,
  notes: string[],
): string {
  const ratio = o.peakBytes !== undefined && fileBytes > 0 ? (o.peakBytes / fileBytes).toFixed(2) : '-';
  return [
    label.padEnd(17),
    nodes.padStart(7),
    encode.padStart(8),
    (fileBytes > 0 ? (fileBytes / 1e6).toFixed(1) : '').padStart(6),
    o.seconds.toFixed(2).padStart(9),
    (o.cpuSeconds !== undefined ? o.cpuSeconds.toFixed(2) : '?').padStart(6),
    (o.peakBytes !== undefined ? (o.peakBytes / 1e6).toFixed(0) : '?').padStart(8),
    ratio.padStart(6),
    String(o.cutPoints ?? '-').padStart(7),
    ` ${[o.status, ...notes].join('; ')}`,
  ].join(' ');
}

/** The builds to compare: `--baseline PATH` (e.g. main's, copied aside) first, then this one (or `--jalad PATH`). */
function builds(flag: (name: string) => string | undefined): { label: string; jalad: string }[] {
  const current = path.resolve(flag('--jalad') ?? 'dist/bin/jalad.js');
  const baseline = flag('--baseline');
  return [
    ...(baseline ? [{ label: 'before', jalad: path.resolve(baseline) }] : []),
    { label: baseline ? 'after' : 'analyze', jalad: current },
  ];
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--structure-only') {
    structureOnly(args[1]);
    return;
  }
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const timeoutS = Number(flag('--timeout') ?? 120);
  const runs = builds(flag);
  const only = flag('--case')?.split(',');
  const cases = CASES.filter((c) =>
    only ? only.includes(c.name) : !args.includes('--quick') || QUICK.has(c.name),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-graphs-'));
  const machine = `${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}; timeout ${timeoutS} s`;
  const which = runs.map((r) => `${r.label} = ${path.relative(process.cwd(), r.jalad)}`).join(', ');
  console.log(`analyze --no-profile on built graphs: ${which} (${machine})`);
  const head = ['case'.padEnd(17), 'nodes'.padStart(7), 'encode s'.padStart(8), 'MB'.padStart(6)];
  const tail = ['analyze s', ' cpu s', ' peak MB', 'x file', '   cuts', ' result'];
  console.log([...head, ...tail].join(' '));
  let failed = 0;
  const measure = (c: GraphCase, file: string, nodes: string, encode: string) => {
    const fileBytes = fs.statSync(file).size;
    for (const r of runs) {
      const o = analyzeInChild(r.jalad, file, dir, timeoutS);
      const notes = r.label === 'before' ? [] : checks(c, o, fileBytes);
      const missed =
        r.label !== 'before' &&
        (((c.targetSeconds !== undefined || c.targetFileRatio !== undefined) && o.status !== 'ok') ||
          notes.some((x) => x.startsWith('OVER')));
      if (missed) failed++;
      console.log(row(runs.length > 1 ? `${c.name} ${r.label}` : c.name, nodes, encode, fileBytes, o, notes));
    }
    const st = structureInChild(__filename, file, dir, timeoutS);
    console.log(row('  structure', '', '', 0, st, []));
  };
  try {
    for (const c of cases) {
      const t0 = performance.now();
      const bytes = c.build();
      const encodeS = (performance.now() - t0) / 1000;
      const file = path.join(dir, `${c.name}.onnx`);
      fs.writeFileSync(file, bytes);
      measure(c, file, String(c.nodes), encodeS.toFixed(2));
      fs.rmSync(file, { force: true });
    }
    if (args.includes('--resnet50')) {
      const exported = exportResnet50(dir);
      if (exported.file)
        measure(
          { name: 'resnet50', nodes: 0, build: () => new Uint8Array(), targetFileRatio: 1.5 },
          exported.file,
          '',
          '',
        );
      else console.log(exported.why);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(failed === 0 ? 'every target met' : `${failed} case(s) missed their target`);
  if (failed > 0) process.exitCode = 1;
}

main();
