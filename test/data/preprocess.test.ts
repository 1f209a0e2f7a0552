import { InputError } from '../../src/core/errors';
import { DataOptions, loadDataset } from '../../src/data';
import { TempDir, caught, npyBytes, npyPayload, tempDir } from './fixtures';

const dir: TempDir = tempDir(); // created at collection time: test tables below write files
afterAll(() => dir.remove());

let serial = 0;
function npyFile(descr: '<f4' | '<f8' | '|u1', dims: number[], values: ArrayLike<number>): string {
  return dir.write(`a${serial++}.npy`, npyBytes(1, descr, dims, npyPayload(descr, values)));
}

const TOL = 6; // decimal digits for toBeCloseTo on float32 results

describe('preprocessing through loadDataset(data, undefined, options)', () => {
  test.each([
    ['NaN in float32', '<f4', [0, 1, 2, 3, 4, 5, Number.NaN, 7], 3],
    ['+Infinity in float64', '<f8', [0, 1, Number.POSITIVE_INFINITY, 3, 4, 5, 6, 7], 1],
    ['a float64 value beyond the float32 range', '<f8', [0, 1, 2, 3, 4, 5, 6, 1e300], 3],
  ] as const)(
    '%s: InputError NON_FINITE naming the file and the first bad sample',
    async (_, descr, values, sample) => {
      const file = npyFile(descr, [4, 2], values);
      const err = await caught(() => loadDataset(file));
      expect(err).toBeInstanceOf(InputError);
      expect(err.code).toBe('NON_FINITE');
      expect(err.message).toContain(file);
      expect(err.message).toContain(`sample ${sample}`);
    },
  );

  const rgb2x2 = npyFile('|u1', [1, 2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // HWC
  const badOptions: [string, () => string, DataOptions][] = [
    ['mean with 2 values for 3 channels', () => rgb2x2, { mean: [0.5, 0.5] }],
    ['crop larger than the sample', () => rgb2x2, { crop: [3, 2] }],
    ['resize on non-image samples', () => npyFile('<f4', [2, 4], new Float32Array(8)), { resize: [2, 2] }],
    ['channels on non-image samples', () => npyFile('<f4', [2, 4], new Float32Array(8)), { channels: 1 }],
    ['3 channels from 2', () => npyFile('|u1', [1, 2, 4, 4], new Uint8Array(32)), { channels: 3 }],
    ['std 0', () => rgb2x2, { std: [1, 0, 1] }],
    ['scale 0', () => rgb2x2, { scale: 0 }],
    ['maxSamples 0', () => rgb2x2, { maxSamples: 0 }],
    ['an unknown layout', () => rgb2x2, { layout: 'CHWN' as 'NCHW' }],
  ];
  test.each(badOptions)('%s: InputError BAD_OPTION', async (_, file, options) => {
    const err = await caught(() => loadDataset(file(), undefined, options));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('BAD_OPTION');
  });

  test('HWC uint8 file -> NCHW, scaled by 1/255 then (x - mean[c]) / std[c]', async () => {
    const mean = [0.1, 0.2, 0.3];
    const std = [0.5, 0.25, 2];
    const ds = await loadDataset(rgb2x2, undefined, { mean, std, layout: 'NCHW' });
    expect(ds.shape).toEqual([3, 2, 2]);
    // pixel p, channel c is value 1 + 3p + c in the file
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 4; p++) {
        expect(ds.data[c * 4 + p]).toBeCloseTo(((1 + 3 * p + c) / 255 - mean[c]) / std[c], TOL);
      }
    }
  });

  test('CHW file -> NHWC transposes; an explicit dataLayout overrides detection', async () => {
    const chw = npyFile('<f4', [1, 3, 1, 2], [1, 2, 3, 4, 5, 6]); // c0: 1 2, c1: 3 4, c2: 5 6
    expect(Array.from((await loadDataset(chw, undefined, { layout: 'NHWC' })).data)).toEqual([
      1, 3, 5, 2, 4, 6,
    ]);
    // the same bytes declared HWC: [H=3, W=1, C=2]
    const ds = await loadDataset(chw, undefined, { layout: 'NCHW', dataLayout: 'NHWC' });
    expect(ds.shape).toEqual([2, 3, 1]);
    expect(Array.from(ds.data)).toEqual([1, 3, 5, 2, 4, 6]);
  });

  test('a file already in the output layout is kept (ambiguous [C=3, H=5, W=3])', async () => {
    const values = Array.from({ length: 45 }, (_, i) => i);
    const ds = await loadDataset(npyFile('<f4', [1, 3, 5, 3], values), undefined, { layout: 'NCHW' });
    expect(ds.shape).toEqual([3, 5, 3]);
    expect(Array.from(ds.data)).toEqual(values);
  });

  test.each([
    ['red', [255, 0, 0], 76],
    ['green', [0, 255, 0], 150],
    ['blue', [0, 0, 255], 29],
    ['gray', [77, 77, 77], 77],
  ])('channels 1 from RGB uint8 uses PIL luma: %s %j -> %i', async (_, rgb, gray) => {
    const pixels = [...rgb, ...rgb, ...rgb, ...rgb];
    const ds = await loadDataset(npyFile('|u1', [1, 2, 2, 3], pixels), undefined, { channels: 1, scale: 1 });
    expect(ds.shape).toEqual([1, 2, 2]);
    expect(Array.from(ds.data)).toEqual([gray, gray, gray, gray]);
  });

  test('channels 3 from [N, H, W] replicates; channels 1 adds the channel dim in the layout', async () => {
    const gray = npyFile('|u1', [2, 1, 2], [10, 20, 30, 40]);
    const rgb = await loadDataset(gray, undefined, { channels: 3, scale: 1, layout: 'NHWC' });
    expect(rgb.shape).toEqual([1, 2, 3]);
    expect(Array.from(rgb.data.subarray(0, 6))).toEqual([10, 10, 10, 20, 20, 20]);
    expect((await loadDataset(gray, undefined, { channels: 1 })).shape).toEqual([1, 1, 2]);
    expect((await loadDataset(gray, undefined, { channels: 1, layout: 'NHWC' })).shape).toEqual([1, 2, 1]);
    expect((await loadDataset(gray)).shape).toEqual([1, 2]);
  });

  test('resize then center crop on [N, H, W] data', async () => {
    // a 2x4 ramp per sample, upscaled to 4x8 then cropped to 2x4 in the middle
    const ramp = [0, 1, 2, 3, 0, 1, 2, 3];
    const ds = await loadDataset(npyFile('<f4', [1, 2, 4], ramp), undefined, {
      resize: [4, 8],
      crop: [2, 4],
    });
    expect(ds.shape).toEqual([2, 4]);
    // columns 2..5 of the 8-wide bilinear upscale of 0 1 2 3: centers (x + 0.5) / 2 - 0.5
    const row = [0.75, 1.25, 1.75, 2.25];
    Array.from(ds.data).forEach((v, i) => expect(v).toBeCloseTo(row[i % 4], TOL));
  });

  test('resize to the shorter side keeps the aspect ratio', async () => {
    const ds = await loadDataset(npyFile('|u1', [1, 4, 8], new Uint8Array(32).fill(255)), undefined, {
      resize: 2,
    });
    expect(ds.shape).toEqual([2, 4]);
    Array.from(ds.data).forEach((v) => expect(v).toBeCloseTo(1, TOL));
  });
});
