/**
 * The end-to-end part of bench:images: `jalad eval` on a folder of JPEGs (resize 256, crop 224,
 * ImageNet mean/std) through three loaders, each run in a child process of its own so that its
 * peak resident memory is its own:
 *   old   jpeg-js, the whole folder in memory before inference, resize on the main thread
 *   whole libvips, the whole folder in memory (jalad before streaming)
 *   new   libvips, streamed in batches, read/decode/resize on worker threads during inference
 * Arms run interleaved (old, whole, new, old, ...); images/s counts from the command's start (listing,
 * decoding, inference: everything `eval` does) to its result.
 * The model is a small CNN built here (three strided convolutions, global pooling, 10 classes), so
 * inference costs about as much as loading; `--eval-model PATH` takes another [N, 3, 224, 224] one.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { DataType, encodeModel, floatTensor, model, node, valueInfo } from '../src/graph';
import { evaluateModel } from '../src/pipeline/evaluate';
import type { ImageDecoder } from '../src/data/image-decode';
import { peakRssKb } from './bench-env';

/** One loader the benchmark compares. */
export interface EvalArm {
  readonly name: 'old' | 'whole' | 'new';
  readonly decoder: ImageDecoder;
  readonly inMemory: boolean;
  readonly label: string;
}

export const EVAL_ARMS: readonly EvalArm[] = [
  {
    name: 'old',
    decoder: 'portable',
    inMemory: true,
    label: 'old: jpeg-js, whole folder in memory, main-thread resize',
  },
  {
    name: 'whole',
    decoder: 'libvips',
    inMemory: true,
    label: 'libvips, whole folder in memory, main-thread resize',
  },
  { name: 'new', decoder: 'libvips', inMemory: false, label: 'new: libvips, streamed, worker-thread resize' },
];

/** What one run of an arm measured. */
export interface EvalRun {
  readonly imagesPerSecond: number;
  readonly peakRssBytes: number;
  readonly samples: number;
  readonly correct: number;
}

/** Seeded weights in [-a, a]. */
function weights(n: number, seed: number, a: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32 - 0.5) * 2 * a;
  });
}

/** A small CNN for [N, 3, 224, 224] inputs: three strided 3x3..7x7 convolutions, pooling, 10 classes. */
export function benchModelBytes(): Uint8Array {
  const convs: [number, number, number][] = [
    [3, 16, 7],
    [16, 32, 3],
    [32, 64, 3],
  ];
  const nodes = [];
  const inits = [];
  let x = 'x';
  convs.forEach(([cin, cout, k], i) => {
    inits.push(
      floatTensor(`w${i}`, [cout, cin, k, k], weights(cout * cin * k * k, i + 1, 1 / Math.sqrt(cin * k * k))),
    );
    nodes.push(
      node('Conv', [x, `w${i}`], [`c${i}`], { strides: [2, 2], pads: [k >> 1, k >> 1, k >> 1, k >> 1] }),
    );
    nodes.push(node('Relu', [`c${i}`], [`r${i}`]));
    x = `r${i}`;
  });
  inits.push(floatTensor('fc', [64, 10], weights(640, 9, 0.125)));
  nodes.push(node('GlobalAveragePool', [x], ['pool']));
  nodes.push(node('Flatten', ['pool'], ['flat']));
  nodes.push(node('MatMul', ['flat', 'fc'], ['logits']));
  return encodeModel(
    model({
      nodes,
      inputs: [valueInfo('x', DataType.FLOAT, ['batch', 3, 224, 224])],
      outputs: [valueInfo('logits', DataType.FLOAT, ['batch', 10])],
      initializers: inits,
    }),
  );
}

/** Writes `count` JPEGs (the given ones in turn) into 10 class folders under `root`. */
export function writeEvalFolder(root: string, jpegs: readonly Buffer[], count: number): void {
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `class${i % 10}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${String(i).padStart(5, '0')}.jpg`), jpegs[i % jpegs.length]);
  }
}

/** Runs one arm in a child process (this file) and reads what it measured. */
export function runArm(arm: EvalArm, modelPath: string, folder: string, batchSize: number): EvalRun {
  const r = spawnSync(
    process.execPath,
    [
      __filename,
      '--arm',
      arm.name,
      '--model',
      modelPath,
      '--data',
      folder,
      '--batch-size',
      String(batchSize),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(`arm ${arm.name} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as EvalRun;
}

/** The child: one `eval` of the folder with one arm's loader; prints its EvalRun as JSON. */
async function child(argv: readonly string[]): Promise<void> {
  const arg = (name: string): string => argv[argv.indexOf(name) + 1];
  const arm = EVAL_ARMS.find((a) => a.name === arg('--arm'));
  if (arm === undefined) throw new Error(`unknown arm ${arg('--arm')}`);
  const started = performance.now();
  const { report } = await evaluateModel(
    arg('--model'),
    {
      data: arg('--data'),
      options: {
        resize: 256,
        crop: 224,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
        decoder: arm.decoder,
      },
    },
    { batchSize: Number(arg('--batch-size')), inMemory: arm.inMemory },
  );
  const seconds = (performance.now() - started) / 1000;
  const run: EvalRun = {
    imagesPerSecond: report.samples / seconds,
    peakRssBytes: peakRssKb() * 1024,
    samples: report.samples,
    correct: report.top1?.correct ?? -1,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

/** A temporary model file for the comparison, unless one is given. */
export function evalModelPath(given: string | undefined, tmp: string): string {
  if (given !== undefined) return given;
  const file = path.join(tmp, 'bench-cnn.onnx');
  fs.writeFileSync(file, benchModelBytes());
  return file;
}

/** The load average, for the line beside each figure. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

if (require.main === module) {
  child(process.argv).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
