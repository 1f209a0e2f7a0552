/**
 * `npm run experiments`: regenerates the paper-style results for every bundled model and
 * writes them to experiments/results/ (Markdown, CSV, HTML per model, and a summary).
 *
 * Setting (stated in every report): edge = a Raspberry Pi 4 (modeled from its public
 * figures: src/profiler/device-presets.ts), cloud = this machine (measured), bandwidths
 * 1.1 / 5.85 / 18.88 Mbps (3G / 4G / WiFi uplinks), RTT 0 ms, accuracy budget 1 point on
 * the 95% upper bound, bit widths 1, 2, 3, 4, 6, 8, the whole Fashion-MNIST test set.
 * `--quick` uses a stratified 300-image subset and writes to --out (default a temp folder),
 * for CI; apart from measured times its tables are deterministic.
 *
 * Sharded (docs/scale-out.md): `-- --shard I/N --out DIR` (or auto/N) runs shard I of every model's
 * sweep into DIR/<model>/shard-I-of-N.jshard; `-- --merge DIR [--out OUT]` merges them into the same
 * results one run writes (the same flags, --quick included, on every shard and the merge).
 *
 * `--coder C` sweeps with another entropy coder than jalad analyze's default (as `jalad analyze
 * --coder`; e.g. `auto`, to compare the speed-ups it gives with the context coder's): use a separate --out.
 *
 * Usage: npm run experiments [-- --quick] [-- --out DIR] [-- --models vgg,resnet] [-- --coder C] [-- --shard I/N | --merge DIR]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import type { Analysis } from '../src/core/analysis';
import type { CutCandidate } from '../src/graph';
import { writeFileAtomic } from '../src/core/atomic-write';
import { DEFAULT_BANDWIDTHS_MBPS, DEFAULT_CODER, DEFAULT_MAX_LOSS_PCT } from '../src/core/defaults';
import { predictedLatencyMs, sweepCodecMs, type LatencyParts } from '../src/core/latency';
import { analyzeModel, type AnalyzeOptions } from '../src/pipeline/analyze';
import { analyzeShard, checkShardOutput, writeShardFile } from '../src/pipeline/analyze-shard';
import { mergeShards } from '../src/pipeline/merge-shards';
import { readAnalysis } from '../src/pipeline/read-analysis';
import { parseShardSpec, resolveShard, type ShardSpec } from '../src/pipeline/shard-index';
import { comparePlans, formatBytes, formatMs, writeReports } from '../src/report';
import { CODER_CHOICES, type CoderChoice } from '../src/codec';

/** The repository root: the nearest folder above this file with a package.json (works from the source and from the build). */
function repoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const ROOT = repoRoot(__dirname);
const DATA = path.join(ROOT, 'datasets', 'fashion-mnist');
const BUDGET_PCT = DEFAULT_MAX_LOSS_PCT;
const BANDWIDTHS = DEFAULT_BANDWIDTHS_MBPS;

/** Options of one experiment run. */
export interface ExperimentOptions {
  readonly quick: boolean;
  readonly out: string;
  readonly models: readonly string[];
  readonly progress?: (message: string) => void;
  /** Run this shard of every model's sweep into `out` instead of the results. */
  readonly shard?: ShardSpec;
  /** Merge the shards in this folder (one subfolder per model) into the results. */
  readonly merge?: string;
  /** The coder whose sizes and codec times the plans use (`--coder`; default as `jalad analyze`: DEFAULT_CODER). */
  readonly coder?: CoderChoice;
}

/** The command line that reproduces a run's setting, written into its reports. */
function commandLineOf(quick: boolean, coder: CoderChoice = DEFAULT_CODER): string {
  const flags = [...(quick ? ['--quick'] : []), ...(coder !== DEFAULT_CODER ? ['--coder', coder] : [])];
  return `npm run experiments${flags.length > 0 ? ` -- ${flags.join(' ')}` : ''}`;
}

/** The bundled text detector (datasets/ocr-text): its name among the experiments' models. */
export const DETECTOR = 'ppocr-det';
const DETECTOR_DIR = path.join(ROOT, 'datasets', 'ocr-text');
/**
 * Images of the detector's sweep: all 200. The per-pixel metric's bound is at least 164.5 / (n + 2)
 * pp even when nothing differs (docs/metrics.md), so a 1 pp budget needs n above 163.
 */
const DETECTOR_IMAGES = 200;
/** The Fashion-MNIST models, then the detector. */
const MODELS = ['vgg', 'resnet', 'inception', DETECTOR];

/** Settings every experiment shares: the edge device, the network, the budget. */
function sharedOptions(quick: boolean, coder: CoderChoice, progress?: (m: string) => void) {
  return {
    coder,
    maxLossPct: BUDGET_PCT,
    edge: 'raspberry-pi-4',
    bandwidthsMbps: BANDWIDTHS,
    rttMs: 0,
    commandLine: commandLineOf(quick, coder),
    ...(progress ? { progress } : {}),
  };
}

/** The detector's images, bit widths and cuts of several tensors (`--quick`: fewer). */
function detectorSweep(quick: boolean) {
  return quick
    ? { samples: 16, bits: [4], dagCuts: 2 }
    : { samples: DETECTOR_IMAGES, bits: [4, 6, 8], dagCuts: 4 };
}

/**
 * The detector's cut points the sweep measures: all but those made by Mul and Add. In this model
 * nearly all of these apply a learned scalar scale or shift (PP-LCNetV3's learnable affine blocks,
 * hard-swish's /6) to the cut point before them, which min/max normalization undoes: they compress
 * as it does. Leaving them out halves the sweep; they can still be sent as float32.
 */
function detectorSwept(cut: CutCandidate): boolean {
  return cut.op !== 'Mul' && cut.op !== 'Add';
}

/**
 * The detector on its rendered images at 160 x 160 (PaddleOCR's normalisation), the loss in the
 * text/background decision of each pixel at DB's threshold 0.3 (`pixel:0.3`), with cuts of several
 * tensors inside its backbone and FPN neck swept too. Both devices are modeled from public figures
 * (edge: Raspberry Pi 4; cloud: a 16-core Xeon server), so the decision does not move with the load
 * of the machine that runs the experiments.
 */
function detectorOptions(quick: boolean, coder: CoderChoice, progress?: (m: string) => void): AnalyzeOptions {
  const sweep = detectorSweep(quick);
  return {
    inputShapes: new Map([['x', [1, 3, 160, 160]]]),
    data: {
      data: path.relative(process.cwd(), path.join(DETECTOR_DIR, 'images')),
      options: {
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
        maxSamples: sweep.samples,
        seed: 0,
      },
    },
    bits: sweep.bits,
    dagCuts: sweep.dagCuts,
    sweepCuts: detectorSwept,
    metric: { kind: 'pixel', threshold: 0.3 },
    sizeSamples: sweep.samples,
    batchSize: 16,
    ...sharedOptions(quick, coder, progress),
    cloud: 'xeon-16-core',
  };
}

/** Analyzes one bundled model in the experiments' setting. */
export async function analyzeBundled(
  model: string,
  quick: boolean,
  progress?: (m: string) => void,
  coder: CoderChoice = DEFAULT_CODER,
): Promise<Analysis> {
  return analyzeModel(bundledPath(model), bundledOptions(model, quick, coder, progress));
}

/** A bundled model's path as the experiments name it (relative: the same on every machine). */
function bundledPath(model: string): string {
  if (model === DETECTOR) return path.relative(process.cwd(), path.join(DETECTOR_DIR, 'ppocr-v4-det.onnx'));
  return path.relative(process.cwd(), path.join(DATA, `${model}.onnx`));
}

/** The experiments' setting of a model: the same for a whole run and for every shard. */
function bundledOptions(
  model: string,
  quick: boolean,
  coder: CoderChoice,
  progress?: (m: string) => void,
): AnalyzeOptions {
  if (model === DETECTOR) return detectorOptions(quick, coder, progress);
  return {
    data: {
      data: path.relative(process.cwd(), path.join(DATA, 't10k-images-idx3-ubyte.gz')),
      labels: path.relative(process.cwd(), path.join(DATA, 't10k-labels-idx1-ubyte.gz')),
      options: {
        scale: 1 / 255,
        mean: [0.286],
        std: [0.353],
        ...(quick ? { maxSamples: 300 } : {}),
        seed: 0,
      },
    },
    bits: [1, 2, 3, 4, 6, 8],
    runs: quick ? 5 : 20,
    warmup: quick ? 2 : 5,
    sizeSamples: quick ? 100 : 500,
    ...sharedOptions(quick, coder, progress),
    cloud: 'local',
  };
}

/** Runs one shard of every model's sweep into `options.out`/<model>/shard-I-of-N.jshard; returns the files. */
export async function runExperimentShard(
  options: ExperimentOptions & { readonly shard: ShardSpec },
): Promise<string[]> {
  const choice = resolveShard(options.shard, process.env);
  options.progress?.(`shard ${choice.index}/${choice.count} (from ${choice.indexFrom})`);
  const files: string[] = [];
  for (const model of options.models) {
    const file = checkShardOutput(path.join(options.out, model), choice.index, choice.count);
    const run = await analyzeShard(
      bundledPath(model),
      bundledOptions(model, options.quick, options.coder ?? DEFAULT_CODER, options.progress),
      choice,
    );
    writeShardFile(file, run.bytes);
    files.push(file);
  }
  return files;
}

/** Merges `folder`/<model>/*.jshard of one model: the analysis one run of it gives. */
async function mergeBundled(
  folder: string,
  model: string,
  quick: boolean,
  coder: CoderChoice,
  progress?: (m: string) => void,
): Promise<Analysis> {
  const dir = path.join(folder, model);
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.jshard'))
        .map((f) => path.join(dir, f))
    : [];
  if (files.length === 0) throw new Error(`${dir}: no shard files (.jshard) of ${model}`);
  return mergeShards(files, {
    commandLine: commandLineOf(quick, coder),
    ...(progress ? { progress } : {}),
  });
}

/** A cut point's name in a table: its first tensor, and how many more cross with it. */
function cutName(a: Analysis, cut: number): string {
  const c = a.cutPoints[cut];
  return `#${cut} ${c.tensors[0]}${c.tensors.length > 1 ? ` +${c.tensors.length - 1}` : ''}`;
}

/** One summary row per model and bandwidth. */
function summaryRows(model: string, a: Analysis): string[] {
  return BANDWIDTHS.map((bw) => {
    const c = comparePlans(a, bw, BUDGET_PCT)!;
    const j = c.jalad;
    const speed = (x: number) => (j ? `${(x / j.totalMs).toFixed(2)}x` : '-');
    const plan = j ? `${cutName(a, j.cut)} @ ${j.bits} bits` : '-';
    return (
      `| ${model} | ${bw} | ${formatMs(c.edgeOnly.totalMs)} | ${formatMs(c.cloudOnly.totalMs)} | ` +
      `${formatMs(c.neurosurgeon.totalMs)} | ${j ? formatMs(j.totalMs) : '-'} | ` +
      `${j ? `${formatMs(j.encodeMs)} + ${formatMs(j.decodeMs)}` : '-'} | ` +
      `${speed(c.edgeOnly.totalMs)} | ${speed(c.cloudOnly.totalMs)} | ${plan} |`
    );
  });
}

/** The decision-table plan at `bw` and its predicted total there, ms. */
function decisionAt(a: Analysis, bw: number) {
  const d = (a.decisions ?? []).find((x) => x.fromMbps <= bw && bw <= x.toMbps);
  return d ? { d, totalMs: d.fixedMs + (d.bytes * 8) / (bw * 1000) } : undefined;
}

/** What a decision sends, for a table: its cut point, or its tensors. */
function planName(a: Analysis, d: NonNullable<Analysis['decisions']>[number]): string {
  if (d.cut >= 0) return cutName(a, d.cut);
  return d.tensors.map((t) => `${t.name} @ ${t.bits}`).join(' + ');
}

/**
 * The decision table's plan at each bandwidth, with its loss bound and speed-ups, and whether it is
 * an interior cut (neither the input nor the outputs); where it is not, the figures that say why.
 */
function decisionSection(model: string, a: Analysis): string[] {
  const last = a.cutPoints.length - 1;
  const lines = [
    `## ${model}: the decision at each uplink`,
    '',
    `The integer program's plan within ${BUDGET_PCT} pp (the decision table of \`${model}/report.md\`), at each bandwidth:`,
    '',
    '| uplink Mbps | plan | bits | sends | loss bound pp | predicted ms | speed-up vs edge-only | speed-up vs cloud-only | interior cut |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const bw of BANDWIDTHS) {
    const at = decisionAt(a, bw);
    const c = comparePlans(a, bw, BUDGET_PCT)!;
    if (!at) {
      lines.push(`| ${bw} | no plan within the budget | | | | | | | |`);
      continue;
    }
    const { d, totalMs } = at;
    const interior = d.cut !== 0 && d.cut !== last;
    lines.push(
      `| ${bw} | ${planName(a, d)} | ${d.bits} | ${formatBytes(Math.round(d.bytes))} | ${d.predictedLossPct.toFixed(2)} | ` +
        `${formatMs(totalMs)} | ${(c.edgeOnly.totalMs / totalMs).toFixed(2)}x | ${(c.cloudOnly.totalMs / totalMs).toFixed(2)}x | ` +
        `${interior ? 'yes' : 'no'} |`,
    );
  }
  lines.push(
    '',
    "Edge-only and cloud-only send the outputs and the inputs as float32 (the paper's baselines); the plan may send them compressed.",
    "The loss bound is the decision's: a swept cut's measured bound, or for a plan that mixes tensors of several swept cuts " +
      'the sum of their shares ([method.md](../../docs/method.md#cuts-of-several-tensors)); `jalad split` measures the plan ' +
      'it writes on the same images and solves again if the measured bound breaks the budget.',
    '',
    ...whyNotInterior(a),
  );
  return lines;
}

/** For each bandwidth whose plan is not an interior cut: the fastest interior swept cut within the budget, with its figures. */
function whyNotInterior(a: Analysis): string[] {
  const last = a.cutPoints.length - 1;
  const lines: string[] = [];
  for (const bw of BANDWIDTHS) {
    const at = decisionAt(a, bw);
    if (!at || (at.d.cut !== 0 && at.d.cut !== last)) continue;
    let best: { row: NonNullable<Analysis['sweep']>[number]; parts: LatencyParts } | undefined;
    for (const row of a.sweep ?? []) {
      const c = a.cutPoints[row.cut];
      if (row.cut === 0 || row.cut === last || row.lossUpperPct > BUDGET_PCT) continue;
      // The decision's own latency model, the codec's encode and decode time included.
      const parts = predictedLatencyMs({
        edgeMs: c.edgeMs ?? 0,
        cloudMs: c.cloudMs ?? 0,
        rttMs: a.rttMs ?? 0,
        bytes: row.bytesMean,
        bandwidthMbps: bw,
        ...sweepCodecMs(row, a.profiles),
      });
      if (!best || parts.totalMs < best.parts.totalMs) best = { row, parts };
    }
    const sends = at.d.cut === 0 ? 'the input' : 'the outputs';
    lines.push(
      `At ${bw} Mbps the plan sends ${sends} (${formatBytes(Math.round(at.d.bytes))} at ${at.d.bits} bits, ${formatMs(at.totalMs)} ms): ` +
        (best
          ? `the fastest interior swept cut within the budget, ${cutName(a, best.row.cut)} at ${best.row.bits} bits, sends ` +
            `${formatBytes(Math.round(best.row.bytesMean))} and takes ${formatMs(best.parts.totalMs)} ms ` +
            `(edge ${formatMs(best.parts.edgeMs)} ms, codec ${formatMs(best.parts.encodeMs + best.parts.decodeMs)} ms).`
          : 'no interior swept cut is within the budget.'),
      '',
    );
  }
  return lines;
}

/** Runs every model and writes the results; returns the analyses by model. */
export async function runExperiments(options: ExperimentOptions): Promise<Record<string, Analysis>> {
  const started = performance.now();
  const results: Record<string, Analysis> = {};
  const rows: string[] = [];
  for (const model of options.models) {
    const t0 = performance.now();
    options.progress?.(`${model}: analyzing`);
    const a = options.merge
      ? await mergeBundled(
          options.merge,
          model,
          options.quick,
          options.coder ?? DEFAULT_CODER,
          options.progress,
        )
      : await analyzeBundled(model, options.quick, options.progress, options.coder);
    results[model] = a;
    const dir = path.join(options.out, model);
    await writeReports(a, dir, { commandLine: commandLineOf(options.quick, options.coder) });
    options.progress?.(`${model}: done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  // Models not run this time keep the results of their earlier run in the same folder.
  const earlier = MODELS.filter(
    (m) => !options.models.includes(m) && fs.existsSync(path.join(options.out, m, 'analysis.json')),
  );
  const shown: Record<string, Analysis> = { ...results };
  for (const m of earlier) shown[m] = readAnalysis(path.join(options.out, m, 'analysis.json'));
  for (const m of MODELS) if (shown[m]) rows.push(...summaryRows(m, shown[m]));
  const a0 = Object.values(results)[0];
  const fashion = Object.entries(shown).find(([m]) => m !== DETECTOR)?.[1];
  const detector = shown[DETECTOR];
  const summary = [
    '# jalad experiments: the bundled models',
    '',
    a0 === undefined
      ? `Tables rebuilt from each model's analysis.json, as earlier runs of \`npm run experiments\` ` +
        `(jalad ${Object.values(shown)[0]?.jalad}) wrote them.`
      : `Generated by \`npm run experiments${options.quick ? ' -- --quick' : ''}\` with jalad ${a0.jalad} ` +
        `in ${((performance.now() - started) / 1000).toFixed(0)} s on ${os.cpus()[0]?.model}` +
        (earlier.length > 0
          ? ` (this run: ${options.models.join(', ')}; ${earlier.join(', ')} from their earlier run, as their analysis.json records).`
          : '.'),
    `Edge: Raspberry Pi 4 (modeled from public figures). RTT 0 ms. Accuracy budget: ${BUDGET_PCT} percentage point ` +
      'on the one-sided 95% upper bound.',
    ...(fashion
      ? [
          `Fashion-MNIST models: cloud = this machine (measured, 1 thread, batch 1); loss in top-1 accuracy on ` +
            `${fashion.data?.samples} test images (seed 0).`,
        ]
      : []),
    ...(detector
      ? [
          `Text detector (${DETECTOR}, [datasets/ocr-text](../../datasets/ocr-text/README.md)): cloud = a 16-core Xeon ` +
            `(modeled from public figures); loss in \`${detector.data?.metric?.name ?? 'agreement'}\` on ` +
            `${detector.data?.samples} rendered images (seed 0); bit widths ${detector.bits?.join(', ')}; ` +
            `${detector.cutPoints.filter((c) => c.op === 'dag').length} cuts of several tensors swept beside the cut points.`,
        ]
      : []),
    'Latency = edge ms + transfer (bytes·8/bandwidth) + cloud ms per image, plus for JALAD the codec (encode on the edge + ' +
      "decode in the cloud, timed here by the sweep and scaled like the nodes' times); " +
      'JALAD = the fastest swept (cut, bit width) within the budget;',
    'Neurosurgeon-style = the fastest cut point sending raw float32 tensors. ' +
      'Per-model details, charts and CSV files are in the folders beside this file.',
    '',
    '| model | uplink Mbps | edge-only ms | cloud-only ms | ' +
      'best raw cut ms | JALAD ms | JALAD codec ms (enc + dec) | speed-up vs edge-only | speed-up vs cloud-only | JALAD plan |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    ...(detector ? decisionSection(DETECTOR, detector) : []),
  ].join('\n');
  writeFileAtomic(path.join(options.out, 'README.md'), summary);
  return results;
}

function parseArgs(argv: readonly string[]): ExperimentOptions {
  const quick = argv.includes('--quick');
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const models = (at('--models') ?? MODELS.join(',')).split(',').filter((m) => MODELS.includes(m));
  const shardText = at('--shard');
  const shard = shardText !== undefined ? parseShardSpec(shardText) : undefined;
  if (shardText !== undefined && shard === undefined)
    throw new Error(`--shard: expected I/N (1 <= I <= N) or auto/N, got "${shardText}"`);
  const merge = at('--merge');
  const coder = at('--coder') ?? DEFAULT_CODER;
  if (!CODER_CHOICES.includes(coder as CoderChoice))
    throw new Error(`--coder: expected one of ${CODER_CHOICES.join(', ')}, got "${coder}"`);
  const out =
    at('--out') ??
    (shard
      ? 'experiments-shards'
      : quick
        ? fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-experiments-'))
        : path.join(ROOT, 'experiments', 'results'));
  return {
    quick,
    out,
    models,
    ...(shard ? { shard } : {}),
    ...(merge ? { merge } : {}),
    coder: coder as CoderChoice,
    progress: (m) => process.stderr.write(`experiments: ${m}\n`),
  };
}

/** Runs what the command line asks: a shard, or the whole experiments (run or merged). */
async function main(options: ExperimentOptions): Promise<void> {
  if (options.shard) {
    const files = await runExperimentShard({ ...options, shard: options.shard });
    process.stdout.write(`shard files written: ${files.join(', ')}\n`);
    return;
  }
  await runExperiments(options);
  process.stdout.write(fs.readFileSync(path.join(options.out, 'README.md'), 'utf8'));
  process.stdout.write(`results written to ${options.out}\n`);
}

if (require.main === module) {
  Promise.resolve()
    .then(() => main(parseArgs(process.argv.slice(2))))
    .catch((err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    });
}
