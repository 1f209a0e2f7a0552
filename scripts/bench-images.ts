/**
 * Benchmark of image decoding (docs/data.md#image-folders-decoding-and-bounds): the portable
 * pure-JavaScript decoder jalad used before (jpeg-js) against libvips through sharp, in one run.
 *
 * 1. Makes photo-like JPEGs of 224 to 500 pixels a side (smooth gradients, edges, texture and
 *    noise; quality 90, 4:2:0 chroma subsampling as cameras write), seeded.
 * 2. Decode time per image, one image at a time, arms interleaved (old, new, old, new, ...) so
 *    that the machine's load hits both alike; the median per image and the ratio old / new.
 * 3. The loader end to end (jalad's loadDataset on the folder with --size 256 --crop 224 in
 *    float): images per second with each decoder; the new one decodes several images at once on
 *    libuv's thread pool while the main thread resizes.
 * 4. `jalad eval` on a folder end to end (bench-images-eval.ts): the old path (jpeg-js, the whole
 *    folder in memory, resize on the main thread) against the new one (libvips, streamed in
 *    batches, resize on worker threads while inference runs): images/s and peak RSS, each arm in
 *    a child process, arms interleaved, the load average beside each run.
 * 5. Agreement: the largest sample difference between old and new, and, when Python's Pillow is
 *    installed (/usr/bin/python3), whether libvips gives Pillow's pixels exactly.
 * Timings on a shared machine are noisy: the load average is printed; the ratio, measured side by
 * side, is what counts. Target: new at least 10x faster per image.
 * Run: npm run bench:images [-- --images 36 --rounds 3 --eval-images 800 --eval-rounds 2 --eval-model M.onnx]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import sharp from 'sharp';
import { loadDataset, type DataOptions } from '../src/data';
import { decodeImage, type DecodedImage, type ImageDecoder } from '../src/data/image-decode';
import { bytesReader, readImageHeader } from '../src/data/image-header';
import { libvipsResizeAgreement } from './bench-images-resize';
import {
  EVAL_ARMS,
  evalModelPath,
  loadAverage,
  runArm,
  writeEvalFolder,
  type EvalRun,
} from './bench-images-eval';

const TARGET_RATIO = 10;
const SIZES: readonly [number, number][] = [
  [224, 224],
  [240, 320],
  [375, 500],
  [500, 375],
  [333, 500],
  [500, 500],
];

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** A photo-like RGB image: gradients, a few discs and bars, texture and noise (seeded). */
function photo(h: number, w: number, seed: number): Buffer {
  let s = seed * 2654435761 + 1;
  const rand = (): number => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const discs = Array.from({ length: 6 }, () => [rand() * w, rand() * h, 20 + rand() * 90, rand() * 255]);
  const out = Buffer.alloc(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = (x / w) * 200 + 30 * Math.sin(y / 17);
      let g = (y / h) * 180 + 40 * Math.cos(x / 23);
      let b = 120 + 60 * Math.sin((x + y) / 31);
      for (const [cx, cy, rad, tone] of discs) {
        if ((x - cx) ** 2 + (y - cy) ** 2 < rad * rad) {
          r = tone;
          g = 255 - tone;
          b = (tone * 3) % 255;
        }
      }
      if ((x >> 5) % 7 === 0) b = 240;
      const n = (rand() - 0.5) * 24;
      const i = (y * w + x) * 3;
      out[i] = Math.max(0, Math.min(255, r + n));
      out[i + 1] = Math.max(0, Math.min(255, g + n));
      out[i + 2] = Math.max(0, Math.min(255, b + n));
    }
  }
  return out;
}

/** Decodes once; returns wall ms, process CPU ms (all threads) and the image. */
async function decodeOnce(bytes: Buffer, decoder: ImageDecoder): Promise<[number, number, DecodedImage]> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const image = await decodeImage(bytes, readImageHeader(bytesReader(bytes)), decoder);
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return [wall, (used.user + used.system) / 1000, image];
}

/** Images per second decoding all of `bytes`, `inFlight` at a time. */
async function decodeRate(
  bytes: readonly Buffer[],
  decoder: ImageDecoder,
  inFlight: number,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < bytes.length) {
      const b = bytes[next++];
      await decodeImage(b, readImageHeader(bytesReader(b)), decoder);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return bytes.length / ((performance.now() - started) / 1000);
}

function argText(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** RGB bytes of a decoded image (alpha dropped). */
function rgb(image: DecodedImage): Uint8Array {
  if (image.channels === 3) return image.pixels;
  const out = new Uint8Array(image.width * image.height * 3);
  for (let p = 0, q = 0; p < out.length; p += 3, q += image.channels)
    out.set(image.pixels.subarray(q, q + 3), p);
  return out;
}

/**
 * How many images libvips decodes to exactly Pillow's pixels, and Pillow's own decode CPU time per
 * image (libjpeg-turbo called from Python: the native reference speed); undefined when Pillow is missing.
 */
function pillowAgreement(
  files: readonly string[],
  decoded: readonly Uint8Array[],
  tmp: string,
  rounds: number,
): { exact: number; cpuMs: number } | undefined {
  const script = [
    'import sys, time',
    'from PIL import Image',
    'rounds = int(sys.argv[1])',
    'files = sys.argv[2:]',
    'for f in files:',
    "    open(f + '.rgb', 'wb').write(Image.open(f).convert('RGB').tobytes())",
    'data = [open(f, "rb").read() for f in files]',
    'import io',
    't = time.process_time()',
    'for r in range(rounds):',
    '    for b in data:',
    "        Image.open(io.BytesIO(b)).convert('RGB').tobytes()",
    'print((time.process_time() - t) * 1000 / (rounds * len(data)))',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, String(rounds), ...files], {
    cwd: tmp,
    encoding: 'utf8',
  });
  if (r.status !== 0) return undefined;
  const exact = files.filter(
    (f, i) => Buffer.compare(fs.readFileSync(`${f}.rgb`), Buffer.from(decoded[i])) === 0,
  ).length;
  return { exact, cpuMs: Number(r.stdout.trim()) };
}

async function loaderRate(dir: string, decoder: ImageDecoder, count: number): Promise<number> {
  const options: DataOptions = {
    resize: 256,
    crop: 224,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    decoder,
  };
  const started = performance.now();
  const ds = await loadDataset(dir, undefined, options);
  if (ds.samples !== count) throw new Error(`loaded ${ds.samples} of ${count} images`);
  return count / ((performance.now() - started) / 1000);
}

/** `jalad eval` on a folder: old, whole and new loaders, interleaved, each in its own process. */
async function evalEndToEnd(jpegs: readonly Buffer[], tmp: string): Promise<void> {
  const count = argValue('--eval-images', 800);
  const rounds = argValue('--eval-rounds', 2);
  const batchSize = 32;
  const folder = path.join(tmp, 'eval');
  writeEvalFolder(folder, jpegs, count);
  const modelPath = evalModelPath(argText('--eval-model'), tmp);
  const wholeMb = (count * 3 * 224 * 224 * 4) / 2 ** 20;
  console.log(
    `\njalad eval on a folder end to end (${count} JPEGs in 10 class folders, --size 256 --crop 224, batch ` +
      `${batchSize}, model ${argText('--eval-model') ?? 'a small CNN built here'}; each arm in its own process, ` +
      `arms interleaved, ${rounds} rounds; the whole set as float32 is ${wholeMb.toFixed(0)} MB):`,
  );
  const runs = new Map<string, EvalRun[]>(EVAL_ARMS.map((a) => [a.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const arm of EVAL_ARMS) {
      const load = loadAverage();
      const run = runArm(arm, modelPath, folder, batchSize);
      (runs.get(arm.name) as EvalRun[]).push(run);
      console.log(
        `  round ${r + 1} ${arm.name.padEnd(5)}: ${run.imagesPerSecond.toFixed(1)} images/s, ` +
          `peak RSS ${(run.peakRssBytes / 2 ** 20).toFixed(0)} MB (load average ${load})`,
      );
    }
  }
  const rate = (name: string): number => median((runs.get(name) as EvalRun[]).map((x) => x.imagesPerSecond));
  const rss = (name: string): number => Math.max(...(runs.get(name) as EvalRun[]).map((x) => x.peakRssBytes));
  for (const arm of EVAL_ARMS)
    console.log(
      `  ${arm.label}: median ${rate(arm.name).toFixed(1)} images/s, peak RSS ${(rss(arm.name) / 2 ** 20).toFixed(0)} MB`,
    );
  console.log(
    `  ratio new/old: ${(rate('new') / rate('old')).toFixed(2)}x images/s, ${(rss('new') / rss('old')).toFixed(2)}x peak RSS; ` +
      `new/whole (libvips alike): ${(rate('new') / rate('whole')).toFixed(2)}x images/s, ` +
      `${(rss('new') / rss('whole')).toFixed(2)}x peak RSS`,
  );
  const same = (runs.get('new') as EvalRun[])[0].correct === (runs.get('whole') as EvalRun[])[0].correct;
  console.log(`  streamed and whole (same pixels) give the same top-1 count: ${same ? 'yes' : 'NO'}`);
}

async function main(): Promise<void> {
  const count = argValue('--images', 36);
  const rounds = argValue('--rounds', 3);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-bench-images-'));
  try {
    console.log(
      `machine: ${os.cpus().length} cores, load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} (timings are noisy under load; the side-by-side ratio is what counts)`,
    );
    console.log(
      `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}; old: jpeg-js (pure JavaScript)`,
    );
    const dir = path.join(tmp, 'images', 'photos');
    fs.mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    for (let i = 0; i < count; i++) {
      const [h, w] = SIZES[i % SIZES.length];
      const jpeg = await sharp(photo(h, w, i), { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
        .toBuffer();
      const file = path.join(dir, `${String(i).padStart(4, '0')}.jpg`);
      fs.writeFileSync(file, jpeg);
      files.push(file);
    }
    const bytes = files.map((f) => fs.readFileSync(f));
    const kb = bytes.reduce((a, b) => a + b.length, 0) / count / 1000;
    console.log(
      `${count} JPEGs of ${SIZES.map(([h, w]) => `${w}x${h}`).join(', ')} px, ${kb.toFixed(1)} KB each on average`,
    );

    await decodeOnce(bytes[0], 'libvips'); // load the native module before timing
    const old: number[] = [];
    const neu: number[] = [];
    const oldCpu: number[] = [];
    const neuCpu: number[] = [];
    let maxDiff = 0;
    const vipsPixels: Uint8Array[] = [];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < count; i++) {
        const [tOld, cOld, a] = await decodeOnce(bytes[i], 'portable');
        const [tNew, cNew, b] = await decodeOnce(bytes[i], 'libvips');
        old.push(tOld);
        neu.push(tNew);
        oldCpu.push(cOld);
        neuCpu.push(cNew);
        if (r === 0) {
          const pa = rgb(a);
          const pb = rgb(b);
          for (let k = 0; k < pa.length; k++) maxDiff = Math.max(maxDiff, Math.abs(pa[k] - pb[k]));
          vipsPixels.push(pb);
        }
      }
    }
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const ratio = median(old) / median(neu);
    const cpuRatio = sum(oldCpu) / sum(neuCpu);
    console.log(`\ndecode time per image, one at a time (${old.length} decodes per arm, arms interleaved):`);
    console.log(
      `  old jpeg-js : median ${median(old).toFixed(2)} ms wall, ${(sum(oldCpu) / old.length).toFixed(2)} ms CPU`,
    );
    console.log(
      `  new libvips : median ${median(neu).toFixed(2)} ms wall, ${(sum(neuCpu) / neu.length).toFixed(2)} ms CPU`,
    );
    console.log(`  ratio old/new: ${ratio.toFixed(1)}x wall, ${cpuRatio.toFixed(1)}x CPU`);

    const inFlight = Math.max(2, Math.min(8, os.availableParallelism() + 2));
    const oldRates: number[] = [];
    const newRates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      oldRates.push(await decodeRate(bytes, 'portable', 1));
      newRates.push(await decodeRate(bytes, 'libvips', inFlight));
    }
    const rateRatio = median(newRates) / median(oldRates);
    console.log(`\ndecode throughput, the whole folder (median of ${rounds} rounds, interleaved):`);
    console.log(
      `  old jpeg-js, main thread  : ${median(oldRates).toFixed(1)} images/s (${(1000 / median(oldRates)).toFixed(2)} ms per image)`,
    );
    console.log(
      `  new libvips, ${inFlight} in flight : ${median(newRates).toFixed(1)} images/s ` +
        `(${(1000 / median(newRates)).toFixed(2)} ms per image)`,
    );
    console.log(`  ratio new/old: ${rateRatio.toFixed(1)}x`);
    const best = Math.max(ratio, rateRatio);
    console.log(
      `  target >= ${TARGET_RATIO}x per image: ${best >= TARGET_RATIO ? 'met' : 'NOT met'} (best of wall and throughput ratios)`,
    );

    const rates: Record<ImageDecoder, number[]> = { portable: [], libvips: [] };
    for (let r = 0; r < 2; r++) {
      rates.portable.push(await loaderRate(path.dirname(dir), 'portable', count));
      rates.libvips.push(await loaderRate(path.dirname(dir), 'libvips', count));
    }
    const top = (xs: number[]): number => Math.max(...xs);
    const loaderRatio = top(rates.libvips) / top(rates.portable);
    console.log('\nloader end to end (decode + resize 256 + crop 224 + normalise, float), best of 2:');
    console.log(
      `  old: ${top(rates.portable).toFixed(1)} images/s   new: ${top(rates.libvips).toFixed(1)} images/s   ` +
        `ratio ${loaderRatio.toFixed(1)}x`,
    );

    await evalEndToEnd(bytes, tmp);

    console.log('\nagreement:');
    console.log(
      `  largest sample difference old vs new: ${maxDiff} of 255 (4:2:0 chroma: jpeg-js repeats, libjpeg-turbo interpolates)`,
    );
    for (const r of await libvipsResizeAgreement(bytes))
      console.log(
        `  libvips' own resize (${r.name}) vs jalad's Pillow-style float resize, shorter side 256: ` +
          `max ${r.maxLevels.toFixed(1)}, mean ${r.meanLevels.toFixed(2)} levels of 255`,
      );
    const pil = pillowAgreement(files, vipsPixels, tmp, rounds);
    console.log(
      pil === undefined
        ? '  Pillow: not available (/usr/bin/python3 with PIL), not compared'
        : `  libvips equals Pillow's Image.open(f).convert('RGB') exactly on ${pil.exact}/${count} images\n` +
            `  Pillow (libjpeg-turbo from Python), the native reference: ${pil.cpuMs.toFixed(2)} ms CPU per image`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
