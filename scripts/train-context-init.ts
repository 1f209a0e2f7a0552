/**
 * Derives the context coder's version-4 starting states (src/codec/context-init-table.ts): for
 * every bit width and context, the probability and adaptation count a context starts from, as
 * CABAC's initialisation tables do for H.264.
 *
 * Run (offline; not part of the build or of CI):
 *   npm run build:all && node .build/scripts/train-context-init.js MODEL.onnx ... [--images N] [--write]
 *   && npx prettier --write src/codec/context-init-table.ts
 * The table in the repository: shufflenet_v2.onnx mobilenet_v2.onnx googlenet.onnx --images 3
 * (about 2 minutes on one core; the run is deterministic and rewrites the same file).
 *
 * Training maps: NOT the bundled Fashion-MNIST models (their cut tensors are bench:codec's rows),
 * but the cut tensors of the ImageNet models given on the command line (the table in the
 * repository: googlenet, mobilenet_v2 and shufflenet_v2 from torchvision, ONNX export), run on
 * seeded synthetic images of the model's input size (piecewise smooth rectangles and blobs plus noise, no dataset),
 * cropped to small maps (16-112 channels, 7-28 rows and columns), since the starting state
 * matters most where a map is too small for the adaptive coder to learn. Each crop is quantized
 * at every bit width 1..8 (min/max per crop, as the codec does per sample).
 *
 * Fit: for each (bit width, context) the first FIT_USES decisions of the context on each map are
 * recorded; the starting state (p, uses) minimising their total adaptive cost (the coder's exact
 * integer update, cost −log2 of each decision's probability) is chosen on a grid. Contexts with
 * too few maps keep version 3's start (p = 1/2, no use). The last model on the command line is
 * held out: the script prints the ideal payload size of its maps with version 3's start and with
 * the table fitted on the others, then fits the written table on all models.
 */
import { writeFileSync } from 'node:fs';
import {
  CONTEXTS,
  DENSE_ZEROS,
  LENGTH_BASE,
  MANTISSA_BASE,
  RESIDUAL_BASE,
  codeContexts,
  contextEncodeFrom,
  foldResidual,
  planes,
  previousPlaneContexts,
} from '../src/codec/context-coder';
import { quantize } from '../src/codec/normalize';
import type { BitWidth } from '../src/codec/types';
import { mulberry32 } from '../src/core/random';
import { buildDag, cutPoints, readModelFile, type ModelProto } from '../src/graph';
import { createTensor, openSession } from '../src/runtime';

/** Decisions per context and map that the fit looks at (the start matters for the first few). */
const FIT_USES = 48;
/** A context keeps p = 1/2, no use, unless this many maps used it. */
const MIN_MAPS = 8;
const ALL_BITS: readonly BitWidth[] = [1, 2, 3, 4, 5, 6, 7, 8];
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

interface Crop {
  readonly model: number;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** Per bit width and context: the decision sequences (one per map, at most FIT_USES). */
type Decisions = Uint8Array[][][];

function uniform(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** A seeded piecewise smooth RGB image, ImageNet-normalised, [3, SIDE, SIDE] (rectangles scale with SIDE). */
function syntheticImage(seed: number, SIDE: number): Float32Array {
  const random = uniform(seed);
  const rgb = new Float32Array(3 * SIDE * SIDE);
  const base = [random(), random(), random()];
  for (let c = 0; c < 3; c++) rgb.fill(base[c], c * SIDE * SIDE, (c + 1) * SIDE * SIDE);
  for (let r = 0; r < 12; r++) {
    const [x0, y0] = [Math.floor(random() * SIDE), Math.floor(random() * SIDE)];
    const [w, h] = [4 + Math.floor((random() * SIDE) / 2), 4 + Math.floor((random() * SIDE) / 2)];
    const color = [random(), random(), random()];
    const blob = random() < 0.5;
    for (let y = y0; y < Math.min(SIDE, y0 + h); y++) {
      for (let x = x0; x < Math.min(SIDE, x0 + w); x++) {
        const dx = (x - x0 - w / 2) / (w / 2);
        const dy = (y - y0 - h / 2) / (h / 2);
        const a = blob ? Math.max(0, 1 - dx * dx - dy * dy) : 1;
        for (let c = 0; c < 3; c++) {
          const k = (c * SIDE + y) * SIDE + x;
          rgb[k] = rgb[k] * (1 - a) + color[c] * a;
        }
      }
    }
  }
  for (let c = 0; c < 3; c++) {
    for (let k = c * SIDE * SIDE; k < (c + 1) * SIDE * SIDE; k++) {
      const v = Math.min(1, Math.max(0, rgb[k] + (random() - 0.5) * 0.06));
      rgb[k] = (v - MEAN[c]) / STD[c];
    }
  }
  return rgb;
}

/** Small crops of one [C, H, W] map: a few channel counts and spatial sizes at seeded offsets. */
function cropsOf(map: Float32Array, dims: readonly number[], model: number, random: () => number): Crop[] {
  if (dims.length !== 3) return [];
  const [c, h, w] = dims;
  const out: Crop[] = [];
  for (const [cc, side] of [
    [16, 28],
    [24, 14],
    [64, 14],
    [112, 7],
    [32, 7],
  ]) {
    const ch = Math.min(c, cc);
    const sh = Math.min(h, side);
    const sw = Math.min(w, side);
    const c0 = Math.floor(random() * (c - ch + 1));
    const y0 = Math.floor(random() * (h - sh + 1));
    const x0 = Math.floor(random() * (w - sw + 1));
    const values = new Float32Array(ch * sh * sw);
    for (let k = 0, i = 0; k < ch; k++)
      for (let y = 0; y < sh; y++)
        for (let x = 0; x < sw; x++) values[i++] = map[((c0 + k) * h + y0 + y) * w + x0 + x];
    out.push({ model, shape: [ch, sh, sw], values });
  }
  return out;
}

/** Every cut tensor's crops for `images` synthetic images through one model. */
async function modelCrops(path: string, model: number, images: number): Promise<Crop[]> {
  const loaded = readModelFile(path);
  const dag = buildDag(loaded.model, `m${model}`);
  const g = loaded.model.graph ?? {};
  const inputName = g.input?.[0]?.name ?? 'input';
  const dims = g.input?.[0]?.type?.tensorType?.shape?.dim ?? [];
  const side = Number(dims[3]?.dimValue ?? 224);
  const cuts = cutPoints(dag)
    .map((c) => c.tensors[0].name)
    .filter((t) => t !== inputName);
  const capture: ModelProto = { ...loaded.model, graph: { ...g, output: cuts.map((t) => ({ name: t })) } };
  const session = await openSession(capture, {});
  const random = uniform(7919 * (model + 1));
  const out: Crop[] = [];
  try {
    for (let k = 0; k < images; k++) {
      const feed = createTensor('float32', syntheticImage(1000 * model + k, side), [1, 3, side, side]);
      const result = await session.run({ [inputName]: feed });
      for (const t of cuts) {
        const value = result[t];
        if (value.type !== 'float32') continue;
        out.push(...cropsOf(value.data as Float32Array, value.dims.slice(1), model, random));
      }
    }
  } finally {
    await session.release();
  }
  return out;
}

/**
 * Calls `decide(ctx, bit)` for every adaptive decision the encoder makes on `codes` (its loop,
 * without the range coder; the plain bits are left out: they have no context).
 * NOTE: a copy of contextEncodeFrom's binarisation (context-coder.ts), kept here rather than
 * behind a callback in the coder so that the coder's hot loop stays as it is, byte for byte and in
 * speed. The binarisation is part of the byte format: changing it is a new format version, and
 * this walk must change with it (the held-out check, payloadBytes, codes real payloads, so a walk that
 * drifted would show as a table that gains nothing, never as wrong bytes).
 */
function walkDecisions(
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  decide: (ctx: number, bit: number) => void,
): void {
  const { c: planeCount, h, w } = planes(shape);
  const area = h * w;
  const max = (1 << bits) - 1;
  let zeros = 0;
  for (const v of codes) if (v === 0) zeros++;
  const dense = zeros * DENSE_ZEROS < codes.length;
  const prev = new Uint8Array(area);
  let i = 0;
  for (let plane = 0; plane < planeCount; plane++) {
    if (plane > 0) previousPlaneContexts(codes, i - area, h, w, prev);
    for (let y = 0, k = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++, k++) {
        const ctx = codeContexts(codes, i, x, y, w, area, plane, prev[k]);
        const v = codes[i];
        const pred = ctx & 255;
        let r: number;
        if (dense) r = foldResidual(v + 1, pred + 1, max + 1);
        else {
          decide((ctx >> 8) & 255, v === 0 ? 0 : 1);
          if (v === 0) continue;
          r = foldResidual(v, pred > 0 ? pred : 1, max);
        }
        decide(RESIDUAL_BASE + ((ctx >> 16) & 255), r === 0 ? 0 : 1);
        if (r === 0) continue;
        const e = 32 - Math.clz32(r);
        const lengthBase = LENGTH_BASE + (ctx >>> 24) * 8;
        for (let bin = 1; bin < bits; bin++) {
          decide(lengthBase + bin, e > bin ? 1 : 0);
          if (e <= bin) break;
        }
        if (e >= 2) {
          const b1 = (r >> (e - 2)) & 1;
          decide(MANTISSA_BASE + e * 4 + 1, b1);
          if (e >= 3) decide(MANTISSA_BASE + e * 4 + 2 + b1, (r >> (e - 3)) & 1);
        }
      }
    }
  }
}

/** The first FIT_USES decisions of each context on each crop, per bit width. */
function recordDecisions(crops: readonly Crop[]): Decisions {
  const out: Decisions = ALL_BITS.map(() => Array.from({ length: CONTEXTS }, () => []));
  const seq = Array.from({ length: CONTEXTS }, () => new Uint8Array(FIT_USES));
  const used = new Int32Array(CONTEXTS);
  for (const crop of crops) {
    for (const bits of ALL_BITS) {
      const { codes } = quantize(crop.values, bits);
      used.fill(0);
      walkDecisions(codes, crop.shape, bits, (ctx, bit) => {
        if (used[ctx] < FIT_USES) seq[ctx][used[ctx]] = bit;
        used[ctx]++;
      });
      for (let ctx = 0; ctx < CONTEXTS; ctx++)
        if (used[ctx] > 0) out[bits - 1][ctx].push(seq[ctx].slice(0, Math.min(used[ctx], FIT_USES)));
    }
  }
  return out;
}

const SHIFTS = Uint8Array.from({ length: 64 }, (_, n) =>
  Math.min(6, Math.max(1, Math.floor(Math.log2(n + 2)))),
);
const COST = Float64Array.from({ length: 65537 }, (_, p) => (p === 0 ? 32 : -Math.log2(p / 65536)));

/** Bits the coder spends on `sequences` starting from probability-of-0 `p0` and use count `u0`. */
function adaptiveCost(sequences: readonly Uint8Array[], p0: number, u0: number): number {
  let total = 0;
  for (const s of sequences) {
    let p = p0;
    let used = u0;
    for (let k = 0; k < s.length; k++) {
      const shift = SHIFTS[used];
      if (s[k] === 0) {
        total += COST[p];
        p += (65536 - p) >> shift;
      } else {
        total += COST[65536 - p];
        p -= p >> shift;
      }
      if (used < 63) used++;
    }
  }
  return total;
}

const P_GRID = Array.from({ length: 31 }, (_, k) => Math.round(65536 / (1 + Math.exp(-(k - 15) * 0.4))));
const U_GRID = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24];

/** The fitted starting state (p << 6 | uses) of every context at one bit width. */
function fitStates(decisions: readonly Uint8Array[][]): Int32Array {
  const states = new Int32Array(CONTEXTS).fill(32768 << 6);
  for (let ctx = 0; ctx < CONTEXTS; ctx++) {
    const seqs = decisions[ctx];
    if (seqs.length < MIN_MAPS) continue;
    let best = adaptiveCost(seqs, 32768, 0);
    for (const p0 of P_GRID) {
      for (const u0 of U_GRID) {
        const cost = adaptiveCost(seqs, p0, u0);
        if (cost < best) {
          best = cost;
          states[ctx] = (p0 << 6) | u0;
        }
      }
    }
  }
  return states;
}

/** Total payload bytes of `crops` at every bit width, coded from `tables` (one per bit width). */
function payloadBytes(crops: readonly Crop[], tables: readonly Int32Array[]): number[] {
  return ALL_BITS.map((bits) => {
    let total = 0;
    for (const crop of crops) {
      const { codes } = quantize(crop.values, bits);
      total += contextEncodeFrom(codes, crop.shape, bits, Infinity, undefined, tables[bits - 1])!.length;
    }
    return total;
  });
}

function tableSource(tables: readonly Int32Array[], models: readonly string[], images: number): string {
  const rows = tables.map((t) => `  [${Array.from(t).join(', ')}],`).join('\n');
  return `/**
 * The context coder's version-4 starting states: per bit width (row 0 = 1 bit) and context, the
 * probability of a 0 (16 bits) << 6 | the use count the context starts with (see context-coder.ts).
 * GENERATED by scripts/train-context-init.ts (do not edit by hand; the byte format depends on
 * every value: a change is a new format version) from the cut tensors of ${models.join(', ')}
 * on ${images} seeded synthetic images each, cropped to small maps; none of them is a bundled model.
 */
import type { BitWidth } from './types';

const TABLES: readonly (readonly number[])[] = [
${rows}
];

const STATES = TABLES.map((row) => Int32Array.from(row));

/** Version 4's starting state of every context at \`bits\` (shared: callers copy it). */
export function trainedStates(bits: BitWidth): Int32Array {
  return STATES[bits - 1];
}
`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const imagesAt = args.indexOf('--images');
  const images = imagesAt >= 0 ? Number(args[imagesAt + 1]) : 4;
  const paths = args.filter((a, k) => a.endsWith('.onnx') && args[k - 1] !== '--images');
  if (paths.length < 2) throw new Error('give at least two ONNX models (the last is held out first)');
  const crops: Crop[] = [];
  for (let m = 0; m < paths.length; m++) crops.push(...(await modelCrops(paths[m], m, images)));
  const held = paths.length - 1;
  const train = crops.filter((c) => c.model !== held);
  const test = crops.filter((c) => c.model === held);
  console.log(`crops: ${train.length} training, ${test.length} held out (${paths[held]})`);
  const uniformTables = ALL_BITS.map(() => new Int32Array(CONTEXTS).fill(32768 << 6));
  const trainDecisions = recordDecisions(train);
  const fitted = trainDecisions.map(fitStates);
  const before = payloadBytes(test, uniformTables);
  const after = payloadBytes(test, fitted);
  ALL_BITS.forEach((bits, k) =>
    console.log(
      `held out, ${bits} bits: ${before[k]} -> ${after[k]} bytes (${(after[k] / before[k]).toFixed(4)}x)`,
    ),
  );
  const all = recordDecisions(crops).map(fitStates);
  if (write) {
    const names = paths.map((p) => (p.split('/').pop() ?? p).replace(/\.onnx$/, ''));
    writeFileSync('src/codec/context-init-table.ts', tableSource(all, names, images));
    console.log('wrote src/codec/context-init-table.ts');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
