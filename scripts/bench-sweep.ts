/**
 * Benchmark of the accuracy sweep against a naive sweep, on the bundled Fashion-MNIST models.
 *
 * Run: npm run bench:sweep [-- --samples N] [-- --bits 1,2,3,4,6,8] [-- --models vgg,resnet]
 *      npm run bench:sweep -- --coders auto,context   (the sweep's time with each coder instead: scripts/sweep-coders.ts)
 *      npm run bench:sweep -- --default-sweep [--coders auto,context] [--models ...] [--rounds 2]
 *        (`jalad analyze` on all 10,000 test images with default options, per coder: scripts/sweep-analyze.ts)
 *
 * jalad's sweep (`runSweep`, as `jalad analyze --data` runs it): the unsplit model once per batch
 * for the reference, each cut point's edge model once per batch (for all bit widths), per-sample
 * ranges computed once per tensor and batch, and per cut point and bit width only the cloud model
 * on the decoded tensors; sizes of the first 500 samples with three coders, each sample quantized
 * once.
 * By default its batches run on one worker thread per core, each with single-threaded sessions;
 * the "1 thread" column runs the same sweep in one thread with ORT's default intra-op threads
 * (the configuration of the naive sweep), to show what the method gains without the workers.
 *
 * The naive sweep runs the whole model once per (cut point, bit width, batch): the edge model,
 * then every sample through `encodeTensor` and `decodeTensor` (the default coder, whose sizes it
 * keeps), then the cloud model; Huffman and raw sizes for the first 500 samples only. Sessions are
 * opened once per cut point, which favours it.
 *
 * The two accuracy tables must be identical: for every (cut, bits), the same counts of correct
 * predictions, of agreements with the unsplit model and of samples lost and gained (hence the
 * same loss and 95% bound); any difference is printed and the exit code is 1. Sizes are compared
 * too (rows whose mean and p95 agree with every coder) and their largest difference printed.
 *
 * A third column times the accuracy alone with quantize/dequantize inserted into the whole model's
 * graph (`withQuantDequant`: ReduceMin/ReduceMax/Sub/Div/Mul/Round/Clip in ONNX Runtime), once per
 * (cut, bits, batch). It cannot give sizes, so it is context, not the baseline; its accuracy
 * counts are checked against the sweep as well.
 *
 * All sessions have all graph optimisations and the default threads; batches of 64. Sessions that
 * alternate (the sweep's, the naive edge and cloud) run without thread spinning, single ones with.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fitToModelInput, loadDataset, type Dataset } from '../src/data';
import {
  buildDag,
  cutPoints,
  DataType,
  defaultOpset,
  encodeModel,
  extractSplit,
  readModelFile,
  valueInfo,
  withQuantDequant,
  type ModelProto,
} from '../src/graph';
import { decodeTensor, encodeTensor, type BitWidth, type CoderChoice, type SizeCoder } from '../src/codec';
import { benchCoders, codersHeader } from './sweep-coders';
import { benchDefaultSweep } from './sweep-analyze';
import { runSweep } from '../src/sweep';
import {
  argmax,
  batches,
  createTensor,
  inputSpecs,
  openSession,
  probeTensors,
  type TensorMap,
} from '../src/runtime';
import { DEFAULT_BATCH_SIZE } from '../src/core/defaults';
import { pairedLoss, Z_ONE_SIDED_95 } from '../src/core/stats';
import { p95 } from '../src/core/percentile';

const DIR = 'datasets/fashion-mnist';
const SIZE_SAMPLES = 500;

interface Counts {
  correct: number;
  agree: number;
  lost: number;
  gained: number;
}

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function predictions(model: ModelProto, dataset: Dataset, inputName: string): Promise<Int32Array> {
  const session = await openSession(encodeModel(model), { optimization: 'all' });
  const out = new Int32Array(dataset.samples);
  try {
    for (const b of batches(dataset, DEFAULT_BATCH_SIZE)) {
      const r = (await session.run({ [inputName]: b.tensor }))[session.outputNames[0]];
      const classes = r.dims[1];
      for (let i = 0; i < b.count; i++)
        out[b.start + i] = argmax(r.data as Float32Array, i * classes, classes);
    }
  } finally {
    await session.release();
  }
  return out;
}

function countsOf(predicted: Int32Array, reference: Int32Array, labels: Int32Array): Counts {
  const c: Counts = { correct: 0, agree: 0, lost: 0, gained: 0 };
  for (let i = 0; i < predicted.length; i++) {
    const ok = predicted[i] === labels[i];
    const refOk = reference[i] === labels[i];
    if (ok) c.correct++;
    if (predicted[i] === reference[i]) c.agree++;
    if (refOk && !ok) c.lost++;
    if (!refOk && ok) c.gained++;
  }
  return c;
}

// NOTE: over 80 lines: a benchmark that reads top to bottom (three ways to sweep, timed side by side, then compared).
async function benchModel(name: string, dataset: Dataset, bits: readonly BitWidth[]): Promise<boolean> {
  const loaded = readModelFile(`${DIR}/${name}.onnx`);
  const model = loaded.model;
  const dag = buildDag(model, name);
  const cuts = cutPoints(dag);
  const info = await probeTensors(model, [...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name)))]);
  const input = inputSpecs(model)[0];
  const labels = dataset.labels!;
  const typed = (t: string) => valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims);

  const sweepInputs = { model, modelBytes: loaded.sessionBytes, dag, tensors: info, dataset, input };
  const t0 = performance.now();
  const ours = await runSweep(sweepInputs, cuts, {
    bits,
    batchSize: DEFAULT_BATCH_SIZE,
    sizeSamples: SIZE_SAMPLES,
    optimization: 'all',
  });
  const oursSeconds = (performance.now() - t0) / 1000;
  const t3 = performance.now();
  const oneThread = await runSweep(sweepInputs, cuts, {
    bits,
    batchSize: DEFAULT_BATCH_SIZE,
    sizeSamples: SIZE_SAMPLES,
    optimization: 'all',
    workers: 1,
  });
  const oneThreadSeconds = (performance.now() - t3) / 1000;

  // The naive sweep.
  const t1 = performance.now();
  const reference = await predictions(model, dataset, input.name);
  const naive = new Map<string, { counts: Counts; sizes: Record<SizeCoder, number[]> }>();
  for (const cut of cuts) {
    const split = extractSplit(
      model,
      dag,
      { edgeNodes: cut.edgeNodes, cloudNodes: cut.cloudNodes, crossing: cut.tensors },
      typed,
    );
    const edgeRuns = cut.edgeNodes.length > 0;
    // Without spinning, as the sweep's sessions: two sessions alternate here too.
    const edge = edgeRuns
      ? await openSession(encodeModel(split.edge), { optimization: 'all', spinning: false })
      : undefined;
    const cloud = await openSession(encodeModel(split.cloud), { optimization: 'all', spinning: false });
    try {
      for (const b of bits) {
        const predicted = new Int32Array(dataset.samples);
        const sizes: Record<SizeCoder, number[]> = { auto: [], huffman: [], raw: [] };
        for (const batch of batches(dataset, DEFAULT_BATCH_SIZE)) {
          const sent = edge ? await edge.run({ [input.name]: batch.tensor }) : { [input.name]: batch.tensor };
          const feeds: TensorMap = {};
          for (const t of cut.tensors) {
            const v = sent[t.name];
            const i = info.get(t.name)!;
            if (i.elemType !== DataType.FLOAT || t.kind === 'shape') {
              feeds[t.name] = v;
              continue;
            }
            const data = v.data as Float32Array;
            const per = data.length / batch.count;
            const shape = v.dims.slice(1);
            const decoded = new Float32Array(data.length);
            for (let k = 0; k < batch.count; k++) {
              const sample = data.subarray(k * per, (k + 1) * per);
              const stream = encodeTensor(sample, shape, { bits: b, name: t.name });
              decoded.set(decodeTensor(stream).values, k * per);
              const s = batch.start + k;
              sizes.auto[s] = (sizes.auto[s] ?? 0) + stream.length;
              if (s < SIZE_SAMPLES) {
                for (const coder of ['huffman', 'raw'] as const) {
                  sizes[coder][s] =
                    (sizes[coder][s] ?? 0) +
                    encodeTensor(sample, shape, { bits: b, coder, name: t.name }).length;
                }
              }
            }
            feeds[t.name] = createTensor('float32', decoded, v.dims);
          }
          const out = (await cloud.run(feeds))[cloud.outputNames[0]];
          const classes = out.dims[1];
          for (let k = 0; k < batch.count; k++)
            predicted[batch.start + k] = argmax(out.data as Float32Array, k * classes, classes);
        }
        naive.set(`${cut.index}/${b}`, { counts: countsOf(predicted, reference, labels), sizes });
      }
    } finally {
      await edge?.release();
      await cloud.release();
    }
  }
  const naiveSeconds = (performance.now() - t1) / 1000;

  // Accuracy with Q/DQ in the graph (context).
  const t2 = performance.now();
  const inGraph = new Map<string, Counts>();
  for (const cut of cuts) {
    for (const b of bits) {
      let q = model;
      for (const t of cut.tensors)
        q = withQuantDequant(q, t.name, b, info.get(t.name)!.dims.length, defaultOpset(model));
      inGraph.set(
        `${cut.index}/${b}`,
        countsOf(await predictions(q, dataset, input.name), reference, labels),
      );
    }
  }
  const inGraphSeconds = (performance.now() - t2) / 1000;

  let identical = 0;
  let sameSizeRows = 0;
  let largestSizeDiff = 0;
  const differences: string[] = [];
  const sizeCount = Math.min(SIZE_SAMPLES, dataset.samples);
  for (const row of ours.rows) {
    const key = `${row.cut}/${row.bits}`;
    const { counts, sizes } = naive.get(key)!;
    const loss = pairedLoss({ lost: counts.lost, gained: counts.gained, n: dataset.samples }, Z_ONE_SIDED_95);
    let sameSizes = true;
    for (const coder of ['auto', 'huffman', 'raw'] as const) {
      const stats = sizeStatsOf(sizes[coder].slice(0, sizeCount));
      const mine = row.byCoder[coder];
      if (stats.mean !== mine.bytesMean || stats.p95 !== mine.bytesP95) sameSizes = false;
      largestSizeDiff = Math.max(largestSizeDiff, Math.abs(stats.mean - mine.bytesMean) / stats.mean);
    }
    if (sameSizes) sameSizeRows++;
    const same =
      row.samples === dataset.samples &&
      Math.round(row.accuracy * row.samples) === counts.correct &&
      Math.round(row.agreement * row.samples) === counts.agree &&
      row.lossPct === loss.lossPct &&
      row.lossUpperPct === loss.lossUpperPct;
    if (same) identical++;
    else
      differences.push(
        `cut ${row.cut} at ${row.bits} bits: jalad ${(row.accuracy * 100).toFixed(3)}% agreement ${row.agreement}, naive ` +
          `${((counts.correct / dataset.samples) * 100).toFixed(3)}% agreement ${counts.agree / dataset.samples}`,
      );
    const g = inGraph.get(key)!;
    if (g.correct !== counts.correct || g.agree !== counts.agree)
      differences.push(
        `cut ${row.cut} at ${row.bits} bits: in-graph Q/DQ ${g.correct} correct, codec ${counts.correct}`,
      );
  }
  // The codec's times are wall clock, measured anew by each run: compared without them.
  const untimed = (r: typeof ours) =>
    JSON.stringify(r.rows.map(({ encodeMs: _e, decodeMs: _d, ...rest }) => rest));
  if (untimed(oneThread) !== untimed(ours))
    differences.push('the sweep in one thread gave other rows than on worker threads');
  const configs = cuts.length * bits.length;
  process.stdout.write(
    `${name.padEnd(10)} ${String(cuts.length).padStart(4)} ${String(configs).padStart(7)} ` +
      `${oursSeconds.toFixed(1).padStart(8)} ${naiveSeconds.toFixed(1).padStart(8)} ` +
      `${(naiveSeconds / oursSeconds).toFixed(2).padStart(7)}x ` +
      `${oneThreadSeconds.toFixed(1).padStart(8)} ${(naiveSeconds / oneThreadSeconds).toFixed(2).padStart(7)}x ` +
      `${`${identical}/${ours.rows.length}`.padStart(9)} ${`${sameSizeRows}/${ours.rows.length}`.padStart(9)} ` +
      `${(largestSizeDiff * 100).toFixed(3).padStart(8)}% ` +
      `${inGraphSeconds.toFixed(1).padStart(10)} ${(inGraphSeconds / oursSeconds).toFixed(2).padStart(6)}x\n`,
  );
  for (const d of differences) process.stdout.write(`  differs: ${d}\n`);
  return differences.length === 0;
}

/** Mean and p95 exactly as the sweep computes them (see sizeStats in src/sweep/sweep.ts). */
function sizeStatsOf(sizes: readonly number[]): { mean: number; p95: number } {
  return { mean: sizes.reduce((a, b) => a + b, 0) / sizes.length, p95: p95(sizes) };
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--default-sweep')) {
    // `jalad analyze` as a user runs it, per coder, instead of the comparison with a naive sweep.
    const rounds = Number(flag(argv, '--rounds') ?? 2);
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${rounds}: expected 1 or more`);
    benchDefaultSweep(
      DIR,
      (flag(argv, '--models') ?? 'vgg,resnet,inception').split(','),
      (flag(argv, '--coders') ?? 'auto,context').split(','),
      rounds,
    );
    return;
  }
  const samples = Number(flag(argv, '--samples') ?? 2000);
  const bits = (flag(argv, '--bits') ?? '1,2,3,4,6,8').split(',').map(Number) as BitWidth[];
  const models = (flag(argv, '--models') ?? 'vgg,resnet,inception').split(',');
  if (!Number.isInteger(samples) || samples < 1 || samples > 10_000)
    throw new Error(`--samples ${samples}: expected 1..10000`);
  const meta = JSON.parse(readFileSync(`${DIR}/models.json`, 'utf8')) as {
    preprocessing: { scale: number; mean: number[]; std: number[] };
  };
  const { scale, mean, std } = meta.preprocessing;
  const loaded = await loadDataset(`${DIR}/t10k-images-idx3-ubyte.gz`, `${DIR}/t10k-labels-idx1-ubyte.gz`, {
    scale,
    mean,
    std,
    ...(samples < 10_000 ? { maxSamples: samples } : {}),
  });
  const dataset = fitToModelInput(loaded, [1, 1, 28, 28], 'input');
  const coders = flag(argv, '--coders')?.split(',') as CoderChoice[] | undefined;
  if (coders !== undefined) {
    // The sweep's time with each coder, interleaved, instead of the comparison with a naive sweep.
    process.stdout.write(codersHeader(dataset.samples, bits, coders));
    let same = true;
    for (const name of models)
      same =
        (await benchCoders(DIR, name, dataset, bits, coders, { sizeSamples: SIZE_SAMPLES, rounds: 2 })) &&
        same;
    if (!same) process.stdout.write('  differs: the coders gave different accuracy columns\n');
    if (!same) process.exitCode = 1;
    return;
  }
  process.stdout.write(
    `jalad sweep vs naive sweep (node ${process.version}, ${dataset.samples} test images, bits ${bits.join(',')}, ` +
      `batch ${DEFAULT_BATCH_SIZE}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; seconds of wall clock)\n`,
  );
  process.stdout.write(
    `jalad: ${availableParallelism()} worker threads by default; 1 thread: the same sweep in this thread (as the naive sweep)\n`,
  );
  process.stdout.write(
    'model      cuts configs  jalad s  naive s  speedup 1 thread  speedup  accuracy     sizes  size diff  in-graph s  ratio\n',
  );
  process.stdout.write(
    '                                                            s           identical identical   largest\n',
  );
  let ok = true;
  for (const name of models) ok = (await benchModel(name, dataset, bits)) && ok;
  process.stdout.write(
    `load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  if (!ok) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench-sweep: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
