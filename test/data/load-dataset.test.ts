import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { fitToModelInput, loadDataset, readFileBytes } from '../../src/data';
import { TempDir, caught, gzip, idxBytes, npyBytes, tempDir } from './fixtures';

let dir: TempDir;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.remove());

describe('loadDataset(dataPath, labelsPath, options)', () => {
  test.each([
    ['a missing path', 'BAD_PATH', () => path.join(dir.root, 'missing-idx3-ubyte.gz')],
    ['a file of unknown format', 'BAD_DATA', () => dir.write('mystery.bin', 'hello world, not data')],
    ['an empty file', 'BAD_DATA', () => dir.write('empty.dat', '')],
    [
      'a .npy with zero samples',
      'BAD_DATA',
      () => dir.write('zero.npy', npyBytes(1, '<f4', [0, 3], Buffer.alloc(0))),
    ],
    [
      'a .npy with empty samples',
      'BAD_DATA',
      () => dir.write('hollow.npy', npyBytes(1, '<f4', [4, 0], Buffer.alloc(0))),
    ],
    ['a .npy scalar', 'BAD_DATA', () => dir.write('scalar.npy', npyBytes(1, '<f4', [], Buffer.alloc(4)))],
    [
      'a single JPEG instead of a folder',
      'BAD_PATH',
      () => dir.write('photo.JPG', Buffer.from([0xff, 0xd8, 0xff])),
    ],
  ])('%s: InputError %s naming the file', async (_, code, make) => {
    const p = make();
    const err = await caught(() => loadDataset(p));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe(code);
    expect(err.message).toContain(`--data ${p}`);
    expect(err.message).not.toContain('\n');
  });

  test('an unknown option value is BAD_OPTION before any file is read', async () => {
    const err = await caught(() =>
      loadDataset(path.join(dir.root, 'missing'), undefined, { onBadImage: 'ignore' as 'skip' }),
    );
    expect(err.code).toBe('BAD_OPTION');
  });

  test('the result is plain data: samples, shape, data, labels, indices, source', async () => {
    const data = dir.write('d-idx3-ubyte', idxBytes('ubyte', [4, 2, 3], new Uint8Array(24).fill(51)));
    const labels = dir.write('l-idx1-ubyte', idxBytes('ubyte', [4], [3, 1, 3, 1]));
    const ds = await loadDataset(data, labels);
    expect(ds).toMatchObject({
      samples: 4,
      shape: [2, 3],
      source: data,
      labelsSource: labels,
      format: 'idx',
      layout: 'NCHW',
      warnings: [],
    });
    expect(ds.data).toBeInstanceOf(Float32Array);
    expect(ds.data).toHaveLength(24);
    expect(Array.from(ds.indices)).toEqual([0, 1, 2, 3]);
    expect(ds.data[0]).toBeCloseTo(0.2, 6);
  });
});

// The real Fashion-MNIST test set (Debian dataset-fashion-mnist, or a copy under datasets/).
const FASHION_DIRS = [
  '/usr/share/datasets/fashion-mnist',
  path.join(__dirname, '../../datasets/fashion-mnist'),
];
const fashion = FASHION_DIRS.find((d) => fs.existsSync(path.join(d, 't10k-images-idx3-ubyte.gz')));
const describeFashion = fashion === undefined ? describe.skip : describe;

describeFashion(`Fashion-MNIST t10k (${fashion ?? 'not installed'})`, () => {
  const images = path.join(fashion ?? '', 't10k-images-idx3-ubyte.gz');
  const labels = path.join(fashion ?? '', 't10k-labels-idx1-ubyte.gz');

  test('10000 samples of 28x28 in [0, 1], 1000 per class, first label 9 (ankle boot)', async () => {
    const ds = await loadDataset(images, labels, { numClasses: 10 });
    expect(ds.samples).toBe(10000);
    expect(ds.shape).toEqual([28, 28]);
    expect(ds.data).toHaveLength(10000 * 784);
    expect(ds.labels?.[0]).toBe(9);
    const hist = new Array(10).fill(0);
    ds.labels?.forEach((l) => hist[l]++);
    expect(hist).toEqual(new Array(10).fill(1000));
    // NOTE: a local typed array and an indexed loop: for-of, or ds.data[i] through the object,
    // is ~50x slower inside jest's vm realm
    const data = ds.data;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < lo) lo = data[i];
      if (data[i] > hi) hi = data[i];
    }
    expect([lo, hi]).toEqual([0, 1]);

    const fitted = fitToModelInput(ds, ['batch', 1, 28, 28]);
    expect(fitted.shape).toEqual([1, 28, 28]);
    expect(fitted.data).toBe(ds.data);
    expect(() => fitToModelInput(ds, ['batch', 3, 32, 32])).toThrow(InputError);
  });

  test('a stratified 1000-sample subset has 100 per class and is reproducible', async () => {
    const a = await loadDataset(images, labels, { maxSamples: 1000, seed: 1 });
    const b = await loadDataset(images, labels, { maxSamples: 1000, seed: 1 });
    expect(a.samples).toBe(1000);
    const hist = new Array(10).fill(0);
    a.labels?.forEach((l) => hist[l]++);
    expect(hist).toEqual(new Array(10).fill(100));
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(
      Buffer.compare(
        Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength),
        Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
      ),
    ).toBe(0);
  });
});

describe('gzip bombs are bounded', () => {
  test('a gzipped file unpacking past the limit stops at the limit with one line', () => {
    const bombDir = tempDir('jalad-gzip-bomb-');
    try {
      const file = bombDir.write('bomb.idx.gz', gzip(Buffer.alloc(4 * 2 ** 20)));
      expect(() => readFileBytes(file, `--data ${file}`, 2 ** 20)).toThrow(
        new InputError(
          'BAD_DATA',
          `--data ${file}: unpacks to more than 1048576 bytes, the limit of a data file`,
        ),
      );
      expect(readFileBytes(file, `--data ${file}`, 4 * 2 ** 20).bytes.length).toBe(4 * 2 ** 20);
    } finally {
      bombDir.remove();
    }
  });
});
