import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { listImageFolder, loadDataset, resolveDataOptions } from '../../src/data';
import { TempDir, caught, jpegBytes, pngBytes, rgbaImage, tempDir } from './fixtures';

const dir: TempDir = tempDir(); // created at collection time: test tables below write files
afterAll(() => dir.remove());

const W = 4;
const H = 3;
const ramp = rgbaImage(W, H, (x, y) => [x * 40, y * 50, 7]);
const withAlpha = (() => {
  const px = rgbaImage(W, H, () => [10, 20, 30]);
  for (let i = 3; i < px.length; i += 4) px[i] = i % 255; // alpha must be ignored
  return px;
})();
const png = pngBytes(W, H, ramp);
const jpg = jpegBytes(
  W,
  H,
  rgbaImage(W, H, () => [200, 100, 50]),
);
const grayPng = pngBytes(
  W,
  H,
  rgbaImage(W, H, () => [123, 123, 123]),
  0,
);

/** Write a folder of files under a fresh name; returns its path. */
let serial = 0;
function folder(files: Record<string, Buffer | string>): string {
  const root = `f${serial++}`;
  dir.mkdir(root);
  for (const [rel, bytes] of Object.entries(files)) {
    if (rel.endsWith('/')) dir.mkdir(path.join(root, rel));
    else dir.write(path.join(root, rel), bytes);
  }
  return path.join(dir.root, root);
}

const classFolder = folder({
  'cat/a.png': png,
  'cat/b.png': pngBytes(W, H, withAlpha, 6),
  'dog/c.jpg': jpg,
  'dog/sub/d.PNG': grayPng,
  'dog/notes.txt': 'not an image',
  'dog/.hidden.png': 'ignored',
  'emu/': '',
});

describe('loadDataset(folder of images)', () => {
  // malformed input first
  const broken = Buffer.from('\x89PNG\r\n\x1a\n definitely not a png', 'latin1');
  type Named = 'data' | 'labels';
  const bad: [
    string,
    string,
    () => [string, string | undefined],
    Parameters<typeof loadDataset>[2],
    Named,
  ][] = [
    [
      'an undecodable image (onBadImage stop)',
      'BAD_DATA',
      () => [folder({ 'a/1.png': png, 'a/2.png': broken }), undefined],
      {},
      'data',
    ],
    [
      'a truncated JPEG',
      'BAD_DATA',
      () => [folder({ 'a/1.jpg': jpg.subarray(0, jpg.length - 20) }), undefined],
      {},
      'data',
    ],
    ['an empty folder', 'BAD_DATA', () => [folder({ 'x/': '' }), undefined], {}, 'data'],
    [
      'a folder without images',
      'BAD_DATA',
      () => [folder({ 'readme.txt': 'hi', 'a/': '' }), undefined],
      {},
      'data',
    ],
    [
      'images beside class folders',
      'BAD_DATA',
      () => [folder({ 'top.png': png, 'a/1.png': png }), undefined],
      {},
      'data',
    ],
    [
      'images of different sizes',
      'BAD_DATA',
      () => [
        folder({
          'a/1.png': png,
          'a/2.png': pngBytes(
            2,
            2,
            rgbaImage(2, 2, () => [1, 2, 3]),
          ),
        }),
        undefined,
      ],
      {},
      'data',
    ],
    [
      'more class folders than numClasses',
      'BAD_DATA',
      () => [folder({ 'a/1.png': png, 'b/1.png': png, 'c/1.png': png }), undefined],
      { numClasses: 2 },
      'data',
    ],
    [
      'a class folder outside classNames',
      'BAD_DATA',
      () => [folder({ 'a/1.png': png, 'z/1.png': png }), undefined],
      { classNames: ['a', 'b'] },
      'data',
    ],
    [
      'a crop larger than the images',
      'BAD_OPTION',
      () => [folder({ 'a/1.png': png }), undefined],
      { crop: 5 },
      'data',
    ],
    [
      'a single image file as --data',
      'BAD_PATH',
      () => [dir.write('single.png', png), undefined],
      {},
      'data',
    ],
    [
      'plain labels of the wrong count',
      'BAD_DATA',
      () => [folder({ '1.png': png, '2.png': png }), dir.write(`l${serial++}.txt`, '0\n1\n2\n')],
      {},
      'labels',
    ],
    [
      'a table naming a missing image',
      'BAD_DATA',
      () => [folder({ '1.png': png }), dir.write(`t${serial++}.csv`, 'file,label\n1.png,0\n2.png,1\n')],
      {},
      'labels',
    ],
    [
      'a table naming a directory',
      'BAD_PATH',
      () => [
        folder({ '1.png': png, 'sub/': '' }),
        dir.write(`t${serial++}.csv`, 'file,label\n1.png,0\nsub,1\n'),
      ],
      {},
      'labels',
    ],
    [
      'a table naming a path outside the folder',
      'BAD_DATA',
      () => [folder({ '1.png': png }), dir.write(`t${serial++}.csv`, 'file,label\n1.png,0\n../x.png,1\n')],
      {},
      'labels',
    ],
    [
      'a table without file,label header',
      'BAD_DATA',
      () => [folder({ '1.png': png }), dir.write(`t${serial++}.csv`, 'name,class\n1.png,0\n')],
      {},
      'labels',
    ],
    [
      'a table with a ragged row',
      'BAD_DATA',
      () => [folder({ '1.png': png }), dir.write(`t${serial++}.csv`, 'file,label\n1.png,0,extra\n')],
      {},
      'labels',
    ],
    [
      'a table listing a file twice',
      'BAD_DATA',
      () => [folder({ '1.png': png }), dir.write(`t${serial++}.csv`, 'file,label\n1.png,0\n1.png,1\n')],
      {},
      'labels',
    ],
    [
      'a table class name outside classNames',
      'BAD_DATA',
      () => [folder({ '1.png': png }), dir.write(`t${serial++}.csv`, 'file,label\n1.png,zebra\n')],
      { classNames: ['cat', 'dog'] },
      'labels',
    ],
    [
      'a table label out of range',
      'BAD_DATA',
      () => [folder({ '1.png': png }), dir.write(`t${serial++}.csv`, 'file,label\n1.png,12\n')],
      { numClasses: 10 },
      'labels',
    ],
  ];
  test.each(bad)('%s: InputError %s naming the file', async (_, code, make, options, named) => {
    const [data, labels] = make();
    const err = await caught(() => loadDataset(data, labels, options));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe(code);
    expect(err.message).toContain(named === 'labels' ? `--labels ${labels}` : `--data ${data}`);
    expect(err.message).not.toContain('\n');
  });

  test('the undecodable image is named in the message', async () => {
    const err = await caught(() => loadDataset(folder({ 'a/1.png': png, 'a/2.png': broken })));
    expect(err.message).toContain('a/2.png');
  });

  test('onBadImage skip: drops the image, keeps labels aligned, and warns naming it', async () => {
    const f = folder({ 'a/1.png': png, 'a/2.png': broken, 'b/3.png': grayPng });
    const ds = await loadDataset(f, undefined, { onBadImage: 'skip' });
    expect(ds.samples).toBe(2);
    expect(ds.data).toHaveLength(2 * 3 * H * W);
    expect(Array.from(ds.labels ?? [])).toEqual([0, 1]);
    expect(Array.from(ds.indices)).toEqual([0, 2]);
    expect(ds.warnings).toHaveLength(1);
    expect(ds.warnings[0]).toContain('a/2.png');
  });

  test('class folders: torchvision order and class indices, PNG exact, JPEG close, alpha ignored', async () => {
    const progress: number[] = [];
    const ds = await loadDataset(classFolder, undefined, { onProgress: (done) => progress.push(done) });
    expect(ds.format).toBe('images');
    expect(ds.classNames).toEqual(['cat', 'dog', 'emu']);
    expect(Array.from(ds.labels ?? [])).toEqual([0, 0, 1, 1]);
    expect(ds.shape).toEqual([3, H, W]);
    expect(ds.samples).toBe(4);
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(ds.warnings.some((w) => w.includes('"emu" has no images'))).toBe(true);
    const plane = H * W;
    const sample = (s: number, c: number, y: number, x: number): number =>
      ds.data[s * 3 * plane + c * plane + y * W + x];
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        expect(sample(0, 0, y, x)).toBe(Math.fround((x * 40) / 255));
        expect(sample(0, 1, y, x)).toBe(Math.fround((y * 50) / 255));
        expect(sample(1, 2, y, x)).toBe(Math.fround(30 / 255));
        // JPEG at quality 100 on a flat color: within 2 levels
        expect(Math.abs(sample(2, 0, y, x) * 255 - 200)).toBeLessThanOrEqual(2);
        for (let c = 0; c < 3; c++) expect(sample(3, c, y, x)).toBe(Math.fround(123 / 255));
      }
    }
  });

  test('channels 1, NHWC, mean/std, resize and crop on images', async () => {
    const ds = await loadDataset(classFolder, undefined, {
      channels: 1,
      layout: 'NHWC',
      mean: [0.5],
      std: [0.25],
      resize: [6, 8],
      crop: [4, 4],
    });
    expect(ds.shape).toEqual([4, 4, 1]);
    // the gray image is constant: resize and crop keep 123/255
    const gray = ds.data.subarray(3 * 16, 4 * 16);
    for (const v of gray) expect(v).toBeCloseTo((123 / 255 - 0.5) / 0.25, 5);
  });

  test('images of different sizes load with a fixed resize', async () => {
    const f = folder({
      'a/1.png': png,
      'a/2.png': pngBytes(
        2,
        2,
        rgbaImage(2, 2, () => [255, 255, 255]),
      ),
    });
    const ds = await loadDataset(f, undefined, { resize: [5, 5] });
    expect(ds.shape).toEqual([3, 5, 5]);
    for (const v of ds.data.subarray(75)) expect(v).toBeCloseTo(1, 6);
  });

  test('a flat folder is unlabeled; a plain labels file labels it in name order', async () => {
    const f = folder({ 'b.png': png, 'a.jpg': jpg, 'c.png': grayPng });
    const unlabeled = await loadDataset(f);
    expect(unlabeled.labels).toBeUndefined();
    expect(unlabeled.samples).toBe(3);
    const labeled = await loadDataset(f, dir.write(`l${serial++}.txt`, '2\n0\n1\n'));
    expect(Array.from(labeled.labels ?? [])).toEqual([2, 0, 1]);
    expect(Math.abs(labeled.data[0] * 255 - 200)).toBeLessThanOrEqual(2); // a.jpg comes first
  });

  test.each([
    ['class names', 'file,label\n"b.png",dog\nsub/c.png,cat\na.jpg,dog\n', ['cat', 'dog'], [1, 1, 0]],
    ['integers', 'File, Label\nb.png,4\nsub/c.png,0\na.jpg,7\n', undefined, [7, 4, 0]],
  ])('a file,label table with %s', async (_, csv, classNames, labels) => {
    const f = folder({ 'b.png': png, 'a.jpg': jpg, 'sub/c.png': grayPng, 'unlisted.png': png });
    const ds = await loadDataset(f, dir.write(`t${serial++}.csv`, csv));
    expect(ds.classNames).toEqual(classNames);
    expect(Array.from(ds.labels ?? [])).toEqual(labels); // rows sorted by path: a.jpg, b.png, sub/c.png
    expect(ds.warnings.some((w) => w.includes('1 image(s)'))).toBe(true);
  });

  test('a fixed classNames option sets the mapping', async () => {
    const f = folder({ 'dog/1.png': png, 'cat/2.png': png });
    const ds = await loadDataset(f, undefined, { classNames: ['dog', 'cat', 'emu'] });
    expect(ds.classNames).toEqual(['dog', 'cat', 'emu']);
    expect(Array.from(ds.labels ?? [])).toEqual([1, 0]); // listing order: cat/2.png, dog/1.png
  });

  test('maxSamples takes a stratified subset before decoding', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) files[`a/${i}.png`] = png;
    for (let i = 0; i < 3; i++) files[`b/${i}.png`] = grayPng;
    const ds = await loadDataset(folder(files), undefined, { maxSamples: 3, seed: 3 });
    expect(ds.samples).toBe(3);
    expect(Array.from(ds.labels ?? []).sort()).toEqual([0, 0, 1]);
  });

  test('listImageFolder on a file: InputError BAD_PATH', () => {
    const file = dir.write('plain.bin', 'x');
    expect(() =>
      listImageFolder(file, undefined, resolveDataOptions(), `--data ${file}`, '--labels'),
    ).toThrow(InputError);
    try {
      listImageFolder(file, undefined, resolveDataOptions(), `--data ${file}`, '--labels');
    } catch (e) {
      expect((e as InputError).code).toBe('BAD_PATH');
      expect((e as Error).message).toContain(file);
    }
  });
});
