/**
 * Benchmark of the in-layer compression codec (src/quant): encoded sizes per coder against the
 * order-0 entropy bound and general-purpose compressors, and encode/decode throughput.
 *
 * Run: npm run bench:codec [-- --quick] [-- --json] [-- --no-bundled] [-- FILE.f32[:DxDxD] ...]
 * (builds into .build/ and runs from the repository root, where the bundled models are).
 *
 * Inputs: the real tensor of every cut point of the three bundled Fashion-MNIST models for one test
 * image (captured with ONNX Runtime; `--no-bundled` leaves them out), seeded synthetic
 * post-ReLU-like feature maps (about 60% zeros, per-channel scales drawn from a log-normal, so the
 * positive tail is skewed, up to 256x56x56), plus any raw little-endian float32 files given on the
 * command line (one sample each; the shape after ':' is optional). `--quick` times fewer samples
 * and, for the bundled models, only 2, 4 and 8 bits.
 *
 * Throughput targets are checked on inputs of at least 4 KB (1,024 elements): below that a tensor
 * is encoded in a few µs, fixed costs (header, checksum, the 2^c-entry table) dominate and MB/s
 * stops describing the coder; those rows print their time per tensor instead.
 *
 * Columns: bytes of the whole stream (header, table, payload, checksum) for 'rans', 'huffman' and
 * 'raw'; deflate (level 9) and brotli (quality 11) applied to the code bytes (one byte per code, as
 * a general-purpose baseline, no header); H = order-0 entropy of the codes in bytes; "auto" = the
 * default coder's stream, its overhead over H in %, whether it meets bytes <= 1.03·H + 64, and its
 * encode/decode throughput in MB (10^6 bytes) of float32 input per second on one thread: the median
 * over timed runs after a warm-up, by wall clock and by the process's CPU time (the two differ when
 * other processes share the cores; the load average is printed). Timings are measured, never
 * estimated.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { brotliCompressSync, constants as zlibConstants, deflateSync } from 'node:zlib';
// NOTE: the codec's own files, not src/quant/index.ts (which also exports the accuracy sweep).
import { codeHistogram, entropyBytes } from '../src/codec/entropy';
import { quantize } from '../src/codec/normalize';
import { decodeTensor, encodeTensor, readTensorHeader } from '../src/codec/tensor-format';
import type { BitWidth } from '../src/codec/types';
import { mulberry32 } from '../src/core/random';
import { fitToModelInput, loadDataset } from '../src/data';
import { buildDag, cutPoints, readModelFile, type ModelProto } from '../src/graph';
import { createTensor, openSession } from '../src/runtime';

/** The bundled models and their preprocessing (datasets/fashion-mnist/models.json). */
const BUNDLED_DIR = 'datasets/fashion-mnist';
const BUNDLED_MODELS = ['vgg', 'resnet', 'inception'] as const;
/** Inputs below this size are reported in µs per tensor, not checked against the MB/s target. */
const THROUGHPUT_MIN_BYTES = 4096;

interface BenchTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

interface Row {
  readonly tensor: string;
  readonly shape: string;
  readonly inputBytes: number;
  readonly bits: BitWidth;
  readonly zerosPct: number;
  readonly ransBytes: number;
  readonly huffmanBytes: number;
  readonly rawBytes: number;
  readonly deflateBytes: number;
  readonly brotliBytes: number;
  readonly entropyBytes: number;
  readonly autoBytes: number;
  readonly autoCoder: string;
  readonly autoOverheadPct: number;
  readonly meetsTarget: boolean;
  readonly encodeMBps: number;
  readonly decodeMBps: number;
  readonly encodeCpuMBps: number;
  readonly decodeCpuMBps: number;
  readonly encodeMicroseconds: number;
}

/** Median throughputs of one function, by wall clock and by CPU time. */
interface Throughput {
  readonly wallMBps: number;
  readonly cpuMBps: number;
  /** Median wall-clock time of one call, µs. */
  readonly microseconds: number;
}

const BITS: readonly BitWidth[] = [1, 2, 3, 4, 6, 8];

/** A seeded PRNG in [0, 1) (no Math.random, so runs are reproducible). */
function prng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** A post-ReLU-like map [C, H, W]: relu((g + b_c)·s_c), s_c log-normal, b_c around −0.3. */
function syntheticMap(channels: number, height: number, width: number, seed: number): Float32Array {
  const random = prng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const plane = height * width;
  const x = new Float32Array(channels * plane);
  for (let c = 0; c < channels; c++) {
    const scale = Math.exp(0.5 * gauss());
    const bias = -0.3 + 0.3 * gauss();
    for (let i = 0; i < plane; i++) x[c * plane + i] = Math.max(0, (gauss() + bias) * scale);
  }
  return x;
}

/**
 * The tensor of every cut point of each bundled model for test image 0 (the model input, then each
 * layer's output in execution order), captured in one run of a copy of the model that outputs them.
 */
async function bundledTensors(): Promise<BenchTensor[]> {
  const meta = JSON.parse(readFileSync(`${BUNDLED_DIR}/models.json`, 'utf8')) as {
    preprocessing: { scale: number; mean: number[]; std: number[] };
  };
  const { scale, mean, std } = meta.preprocessing;
  const images = await loadDataset(`${BUNDLED_DIR}/t10k-images-idx3-ubyte.gz`, undefined, {
    scale,
    mean,
    std,
  });
  const out: BenchTensor[] = [];
  for (const name of BUNDLED_MODELS) {
    const loaded = readModelFile(`${BUNDLED_DIR}/${name}.onnx`);
    const dag = buildDag(loaded.model, name);
    const g = loaded.model.graph ?? {};
    const inputName = g.input?.[0]?.name ?? 'input';
    const cuts = cutPoints(dag).map((c) => c.tensors[0].name);
    const capture: ModelProto = {
      ...loaded.model,
      graph: { ...g, output: cuts.filter((t) => t !== inputName).map((t) => ({ name: t })) },
    };
    const dataset = fitToModelInput(images, [1, 1, 28, 28], inputName);
    const first = new Float32Array(dataset.data.subarray(0, 28 * 28));
    const session = await openSession(capture, {});
    try {
      const feed = createTensor('float32', first, [1, 1, 28, 28]);
      const result = await session.run({ [inputName]: feed });
      cuts.forEach((tensor, index) => {
        const value = tensor === inputName ? feed : result[tensor];
        out.push({
          name: `${name} cut ${index}`,
          shape: value.dims.slice(1),
          values: new Float32Array(value.data as Float32Array),
        });
      });
    } finally {
      await session.release();
    }
  }
  return out;
}

function readF32File(arg: string): BenchTensor {
  const [path, shapeText] = arg.split(/:(?=[\dx]+$)/);
  const buffer = readFileSync(path);
  if (buffer.length % 4 !== 0)
    throw new Error(`${path}: ${buffer.length} bytes is not a whole number of float32`);
  const values = new Float32Array(buffer.length / 4);
  new Uint8Array(values.buffer).set(buffer);
  const shape = shapeText ? shapeText.split('x').map(Number) : [values.length];
  const elements = shape.reduce((a, b) => a * b, 1);
  if (elements !== values.length)
    throw new Error(`${path}: shape ${shapeText} holds ${elements} values, the file ${values.length}`);
  return { name: (path.split('/').pop() ?? path).replace(/\.f32$/, ''), shape, values };
}

/** Median throughput in MB/s (10^6 bytes of input per second) of `fn`, after a warm-up. */
function throughput(fn: () => void, inputBytes: number, samples: number): Throughput {
  const warmUntil = performance.now() + 100;
  let calls = 0;
  while (performance.now() < warmUntil || calls < 3) {
    fn();
    calls++;
  }
  // Repeat each timed sample enough to last about 8 ms so the timers' resolution does not matter.
  const t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.max(1, Math.ceil(8 / once));
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let s = 0; s < samples; s++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    for (let r = 0; r < reps; r++) fn();
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpuStart);
    wall.push((inputBytes * reps) / seconds / 1e6);
    cpu.push((inputBytes * reps) / ((used.user + used.system) / 1e6) / 1e6);
  }
  const wallMBps = median(wall);
  return { wallMBps, cpuMBps: median(cpu), microseconds: inputBytes / wallMBps };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function benchTensor(t: BenchTensor, samples: number, bitWidths: readonly BitWidth[]): Row[] {
  const rows: Row[] = [];
  let zeros = 0;
  for (const v of t.values) if (v === 0) zeros++;
  for (const bits of bitWidths) {
    const size = (coder: 'rans' | 'huffman' | 'raw' | 'auto'): number =>
      encodeTensor(t.values, t.shape, { bits, coder }).length;
    const q = quantize(t.values, bits);
    const h = entropyBytes(codeHistogram(q.codes, 1 << bits));
    const auto = encodeTensor(t.values, t.shape, { bits });
    const decoded = decodeTensor(auto);
    for (let i = 0; i < q.codes.length; i++) {
      if (decoded.codes?.[i] !== q.codes[i])
        throw new Error(`${t.name} at ${bits} bits: round trip changed code ${i}`);
    }
    const inputBytes = t.values.byteLength;
    const encode = throughput(() => encodeTensor(t.values, t.shape, { bits }), inputBytes, samples);
    const decode = throughput(() => decodeTensor(auto), inputBytes, samples);
    rows.push({
      tensor: t.name,
      shape: t.shape.join('x'),
      inputBytes,
      bits,
      zerosPct: (100 * zeros) / t.values.length,
      ransBytes: size('rans'),
      huffmanBytes: size('huffman'),
      rawBytes: size('raw'),
      deflateBytes: deflateSync(q.codes, { level: 9 }).length,
      brotliBytes: brotliCompressSync(q.codes, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } })
        .length,
      entropyBytes: h,
      autoBytes: auto.length,
      autoCoder: readTensorHeader(auto).coder,
      autoOverheadPct: h > 0 ? (100 * (auto.length - h)) / h : NaN,
      meetsTarget: auto.length <= 1.03 * h + 64,
      encodeMBps: encode.wallMBps,
      decodeMBps: decode.wallMBps,
      encodeCpuMBps: encode.cpuMBps,
      decodeCpuMBps: decode.cpuMBps,
      encodeMicroseconds: encode.microseconds,
    });
  }
  return rows;
}

function formatTable(rows: readonly Row[]): string {
  const header = [
    'tensor',
    'shape',
    'c',
    'zeros%',
    'rans',
    'huffman',
    'raw',
    'deflate',
    'brotli',
    'H',
    'auto',
    'coder',
    'auto/H-1 %',
    '<=1.03H+64',
    'enc MB/s',
    'dec MB/s',
    'enc cpu',
    'dec cpu',
    'enc µs',
  ];
  const body = rows.map((r) => [
    r.tensor,
    r.shape,
    String(r.bits),
    r.zerosPct.toFixed(1),
    String(r.ransBytes),
    String(r.huffmanBytes),
    String(r.rawBytes),
    String(r.deflateBytes),
    String(r.brotliBytes),
    r.entropyBytes.toFixed(1),
    String(r.autoBytes),
    r.autoCoder,
    Number.isNaN(r.autoOverheadPct) ? '-' : r.autoOverheadPct.toFixed(1),
    r.meetsTarget ? 'yes' : 'no',
    r.encodeMBps.toFixed(0),
    r.decodeMBps.toFixed(0),
    r.encodeCpuMBps.toFixed(0),
    r.decodeCpuMBps.toFixed(0),
    r.encodeMicroseconds.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 || i === 11 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const json = argv.includes('--json');
  let files: BenchTensor[];
  try {
    files = argv.filter((a) => !a.startsWith('--')).map(readF32File);
  } catch (error) {
    // A bad command line (a missing file, a shape that does not fit) gets one line and exit code 2.
    process.stderr.write(`bench-codec: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  const bundled = argv.includes('--no-bundled') ? [] : await bundledTensors();
  const synthetic: BenchTensor[] = [
    { name: 'synthetic', shape: [16, 14, 14], values: syntheticMap(16, 14, 14, 1) },
    { name: 'synthetic', shape: [32, 7, 7], values: syntheticMap(32, 7, 7, 2) },
    { name: 'synthetic', shape: [16, 16, 16], values: syntheticMap(16, 16, 16, 3) },
    { name: 'synthetic', shape: [64, 28, 28], values: syntheticMap(64, 28, 28, 4) },
    { name: 'synthetic', shape: [256, 56, 56], values: syntheticMap(256, 56, 56, 5) },
  ];
  const samples = quick ? 5 : 11;
  const rows = [
    ...bundled.flatMap((t) => benchTensor(t, samples, quick ? [2, 4, 8] : BITS)),
    ...[...synthetic, ...files].flatMap((t) => benchTensor(t, samples, BITS)),
  ];
  if (json) {
    process.stdout.write(`${JSON.stringify({ node: process.version, rows }, null, 2)}\n`);
    return;
  }
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  process.stdout.write(
    `jalad codec benchmark (node ${process.version}, one thread, load average ${load}; sizes in bytes, ` +
      'H = order-0 entropy; MB/s of float32 input, median by wall clock and by CPU time; enc µs per tensor)\n',
  );
  process.stdout.write(`${formatTable(rows)}\n`);
  const quantized = rows.filter((r) => r.bits >= 4 && r.inputBytes >= 16384);
  const met = quantized.filter((r) => r.meetsTarget).length;
  const slowest = (subset: readonly Row[], key: 'encodeMBps' | 'encodeCpuMBps'): string =>
    Math.min(...subset.map((r) => r[key])).toFixed(0);
  const timed = rows.filter((r) => r.inputBytes >= THROUGHPUT_MIN_BYTES);
  const below = timed.filter((r) => r.encodeMBps < 200);
  const small = rows.filter((r) => r.inputBytes < THROUGHPUT_MIN_BYTES);
  const large = rows.filter((r) => r.inputBytes >= 100_000);
  const range = (subset: readonly Row[]): string =>
    subset.length === 0
      ? '-'
      : `${Math.min(...subset.map((r) => r.encodeMicroseconds)).toFixed(1)}-` +
        `${Math.max(...subset.map((r) => r.encodeMicroseconds)).toFixed(1)} µs`;
  process.stdout.write(
    `\ncompression target (c >= 4, input >= 16 KB): ${met}/${quantized.length} rows within 1.03·H + 64 bytes\n` +
      `encode target 200 MB/s on inputs >= 4 KB: ${timed.length - below.length}/${timed.length} rows meet it; slowest ` +
      `${slowest(timed, 'encodeMBps')} MB/s wall clock, ${slowest(timed, 'encodeCpuMBps')} MB/s CPU time; ` +
      `inputs >= 100 KB ${slowest(large, 'encodeMBps')} MB/s\n` +
      (below.length > 0
        ? `  below target: ${below.map((r) => `${r.tensor} ${r.shape} c=${r.bits} ${r.encodeMBps.toFixed(0)}`).join('; ')}\n`
        : '') +
      `inputs < 4 KB (${small.length} rows): ${range(small)} per tensor\n` +
      `load average now ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench-codec: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
