/**
 * The streaming image loader against the in-memory one: same samples (bit for bit), labels,
 * order, skips and errors, with images prepared on worker threads in bounded batches.
 */
import { InputError, JaladError } from '../../src/core/errors';
import { loadDataset, resolveDataOptions, type DataOptions } from '../../src/data';
import { openImageStream, type ImageBatch } from '../../src/data/image-stream';
import { TempDir, caught, jpegBytes, pngBytes, rgbaImage, seededBytes, tempDir } from './fixtures';

const dir: TempDir = tempDir('jalad-stream-');
afterAll(() => dir.remove());

/** A textured image of w × h pixels (seeded noise over a ramp, so resizing has work to do). */
function photo(w: number, h: number, seed: number): Uint8Array {
  const noise = seededBytes(w * h, seed);
  return rgbaImage(w, h, (x, y) => {
    const n = noise[y * w + x] >> 2;
    return [(x * 7 + n) & 255, (y * 5 + 2 * n) & 255, (x + y + seed * 30) & 255];
  });
}

// 11 images in three classes, sizes 40x30 to 64x64, JPEG and PNG.
const SIZES: [number, number][] = [
  [40, 30],
  [30, 40],
  [64, 48],
  [50, 50],
  [33, 61],
];
for (let i = 0; i < 11; i++) {
  const [w, h] = SIZES[i % SIZES.length];
  const px = photo(w, h, i + 1);
  const name = `set/class${i % 3}/${String(i).padStart(2, '0')}`;
  if (i % 4 === 3) dir.write(`${name}.png`, pngBytes(w, h, px));
  else dir.write(`${name}.jpg`, jpegBytes(w, h, px, 90));
}
const SET = `${dir.root}/set`;

async function collect(
  folder: string,
  options: DataOptions,
  batchSize: number,
): Promise<{ batches: ImageBatch[]; warnings: string[] }> {
  const stream = openImageStream(folder, undefined, resolveDataOptions(options), { batchSize, workers: 2 });
  const batches: ImageBatch[] = [];
  for await (const b of stream.batches()) batches.push(b);
  return { batches, warnings: stream.warnings };
}

function concat(batches: readonly ImageBatch[]): Float32Array {
  const out = new Float32Array(batches.reduce((n, b) => n + b.data.length, 0));
  let at = 0;
  for (const b of batches) {
    out.set(b.data, at);
    at += b.data.length;
  }
  return out;
}

describe('streaming image folders', () => {
  test.each([
    [
      'resize 24 + crop 20, NCHW, ImageNet mean/std',
      { resize: 24, crop: 20, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      4,
    ],
    [
      'resize 16x16, gray, NHWC',
      { resize: [16, 16] as [number, number], channels: 1 as const, layout: 'NHWC' as const },
      3,
    ],
    ['portable decoder, crop 28', { resize: 32, crop: 28, decoder: 'portable' as const }, 64],
  ])('%s: the same samples, labels and order as the in-memory loader', async (_, options, batchSize) => {
    const whole = await loadDataset(SET, undefined, options);
    const { batches } = await collect(SET, options, batchSize);
    expect(batches.map((b) => b.count)).toEqual(
      Array.from({ length: Math.ceil(11 / batchSize) }, (_, k) => Math.min(batchSize, 11 - k * batchSize)),
    );
    expect(batches.map((b) => b.start)).toEqual(batches.map((_, k) => k * batchSize));
    for (const b of batches) expect(b.shape).toEqual(whole.shape);
    expect(concat(batches)).toEqual(whole.data); // bit for bit: the same arithmetic on a worker
    expect(batches.flatMap((b) => Array.from(b.labels ?? []))).toEqual(Array.from(whole.labels ?? []));
    expect(batches.flatMap((b) => Array.from(b.indices))).toEqual(Array.from(whole.indices));
  });

  test('a subset (maxSamples, seed) streams the images the in-memory loader chooses', async () => {
    const options = { resize: 20, crop: 16, maxSamples: 5, seed: 3 };
    const whole = await loadDataset(SET, undefined, options);
    const { batches } = await collect(SET, options, 2);
    expect(batches.flatMap((b) => Array.from(b.indices))).toEqual(Array.from(whole.indices));
    expect(concat(batches)).toEqual(whole.data);
  });

  const broken = Buffer.concat([jpegBytes(40, 30, photo(40, 30, 99), 90).subarray(0, 300)]);
  const badDir = (() => {
    for (let i = 0; i < 6; i++)
      dir.write(`bad/c${i % 2}/${i}.jpg`, i === 3 ? broken : jpegBytes(40, 30, photo(40, 30, i + 20), 90));
    return `${dir.root}/bad`;
  })();

  test('stop: the batches before the bad image come first, then its one-line error', async () => {
    const stream = openImageStream(badDir, undefined, resolveDataOptions({ resize: 16, crop: 16 }), {
      batchSize: 2,
      workers: 1,
    });
    const got: number[] = [];
    const err = await caught(async () => {
      for await (const b of stream.batches()) got.push(b.count);
    });
    // order: c0/0, c0/2, c0/4, c1/1, c1/3 (bad), c1/5
    expect(got).toEqual([2, 2]);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('c1/3.jpg');
    expect(err.message).not.toContain('\n');
    const inMemory = await caught(() => loadDataset(badDir, undefined, { resize: 16, crop: 16 }));
    // The same error up to libvips's own reason: on this truncated JPEG it has said "premature end
    // of JPEG image" in one decode and "Bogus Huffman table definition" in another of the same bytes.
    const ours = (m: string) => m.replace(/ \(.*\)$/, '');
    expect(ours(err.message)).toBe(ours(inMemory.message));
    expect(ours(err.message)).toMatch(/image c1\/3\.jpg: cannot read or decode$/);
  });

  test('skip: the same kept samples and warning as the in-memory loader', async () => {
    const options = { resize: 16, crop: 16, onBadImage: 'skip' as const };
    const whole = await loadDataset(badDir, undefined, options);
    const { batches, warnings } = await collect(badDir, options, 2);
    expect(batches.map((b) => b.count)).toEqual([2, 2, 1]);
    expect(concat(batches)).toEqual(whole.data);
    expect(batches.flatMap((b) => Array.from(b.indices))).toEqual(Array.from(whole.indices));
    expect(warnings).toEqual(whole.warnings);
    expect(warnings.some((w) => w.includes('c1/3.jpg'))).toBe(true);
  });

  test("a crop larger than an image: the in-memory loader's error, in order", async () => {
    const options = { crop: 35 };
    const a = await caught(() => collect(SET, options, 4));
    const b = await caught(() => loadDataset(SET, undefined, options));
    expect(a.message).toBe(b.message);
  });

  test('leaving the iteration early ends the worker threads (the test would hang otherwise)', async () => {
    const stream = openImageStream(SET, undefined, resolveDataOptions({ resize: 16, crop: 16 }), {
      batchSize: 1,
      workers: 2,
    });
    for await (const b of stream.batches()) {
      expect(b.count).toBe(1);
      break;
    }
  });
});

describe('an image folder loaded whole is refused over the in-memory bound, before decoding', () => {
  // six 40x30 images; the second does not decode, so any decoding would stop on it first
  for (let i = 0; i < 6; i++)
    dir.write(
      `big/c0/${i}.jpg`,
      i === 1 ? Buffer.from('not a jpeg') : jpegBytes(40, 30, photo(40, 30, i), 90),
    );
  const BIG = `${dir.root}/big`;
  const sampleBytes = 3 * 16 * 16 * 4;

  test('one line naming the size, the bound and the --samples that fits; nothing decoded', async () => {
    const progress: number[] = [];
    const err = await caught(() =>
      loadDataset(BIG, undefined, {
        resize: 16,
        crop: 16,
        maxDataBytes: 4 * sampleBytes + 100,
        onProgress: (done) => progress.push(done),
      }),
    );
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('6 images of 3x16x16 float32');
    expect(err.message).toContain('pass --samples 4 or fewer');
    expect(err.message).not.toContain('\n');
    expect(progress).toEqual([]);
  });

  test('at the bound it loads (and reaches the bad image); a stream is not bounded by it', async () => {
    const opts = { resize: 16, crop: 16, maxDataBytes: 6 * sampleBytes };
    const err = await caught(() => loadDataset(BIG, undefined, opts));
    expect(err.message).toContain('1.jpg: cannot read or decode');
    const { batches } = await collect(BIG, { ...opts, maxDataBytes: sampleBytes, onBadImage: 'skip' }, 2);
    expect(batches.reduce((n, b) => n + b.count, 0)).toBe(5);
  });
});

describe('a worker thread that dies is a fault, not a bad image', () => {
  test('the stream stops with a JaladError even under skip, and does not hang', async () => {
    const entry = dir.write('dying-worker.js', 'process.exit(3);\n');
    const stream = openImageStream(SET, undefined, resolveDataOptions({ resize: 16, onBadImage: 'skip' }), {
      batchSize: 4,
      workers: 1,
      workerEntry: entry,
    });
    const err = await caught(async () => {
      for await (const b of stream.batches()) expect(b).toBeUndefined();
    });
    expect(err).toBeInstanceOf(JaladError);
    expect(err).not.toBeInstanceOf(InputError);
    expect(err.message).toBe('an image worker thread exited (code 3)');
    expect(stream.warnings.some((w) => w.includes('skipped'))).toBe(false);
  });
});
