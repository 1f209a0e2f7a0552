import { centerCropOffsets, resizeBilinear, resizedSize } from '../../src/data';

describe('resizeBilinear(src, h, w, c, outH, outW)', () => {
  const TOL = 6;
  test.each([
    // upscaling is plain bilinear on half-pixel centers, edges clamped
    ['1x2 -> 1x4', [0, 1], 1, 2, 1, 1, 4, [0, 0.25, 0.75, 1]],
    // downscaling by 2 widens the triangle filter to 2 input pixels (Pillow BILINEAR):
    // output 0 centers at 1.0: taps 0, 1, 2 at distances 0.5, 0.5, 1.5 (of 2) -> weights 3/7, 3/7, 1/7
    ['1x4 -> 1x2', [0, 1, 2, 3], 1, 4, 1, 1, 2, [5 / 7, 16 / 7]],
    ['4x1 -> 2x1 (vertical)', [0, 1, 2, 3], 4, 1, 1, 2, 1, [5 / 7, 16 / 7]],
    ['same size is identity', [5, 6, 7, 8], 2, 2, 1, 2, 2, [5, 6, 7, 8]],
    ['2 channels stay apart', [0, 10, 1, 11], 1, 2, 2, 1, 4, [0, 10, 0.25, 10.25, 0.75, 10.75, 1, 11]],
  ])('%s', (_, src, h, w, c, outH, outW, expected) => {
    const out = resizeBilinear(Float32Array.from(src), h, w, c, outH, outW);
    expect(out).toHaveLength(expected.length);
    Array.from(out).forEach((v, i) => expect(v).toBeCloseTo(expected[i], TOL));
  });

  test('a constant image stays constant at any scale', () => {
    const src = new Float32Array(7 * 9 * 3).fill(0.37);
    for (const [oh, ow] of [
      [3, 4],
      [14, 18],
      [1, 1],
      [7, 20],
    ]) {
      for (const v of resizeBilinear(src, 7, 9, 3, oh, ow)) expect(v).toBeCloseTo(0.37, 6);
    }
  });
});

describe('resizedSize(h, w, spec) and centerCropOffsets(h, w, ch, cw)', () => {
  test.each([
    [375, 500, 256, [256, 341]],
    [500, 375, 256, [341, 256]],
    [300, 300, 224, [224, 224]],
    [10, 20, [7, 3] as [number, number], [7, 3]],
  ])('resizedSize(%i, %i, %j) = %j', (h, w, spec, expected) => {
    expect(resizedSize(h, w, spec)).toEqual(expected);
  });

  test.each([
    [256, 341, 224, 224, [16, 58]],
    [5, 5, 4, 4, [0, 0]], // (5 - 4) / 2 = 0.5 rounds to even 0
    [7, 7, 4, 4, [2, 2]], // 1.5 -> 2
    [9, 9, 4, 4, [2, 2]], // 2.5 -> 2
    [4, 4, 4, 4, [0, 0]],
  ])('centerCropOffsets(%i, %i, %i, %i) = %j (Python round half to even)', (h, w, ch, cw, expected) => {
    expect(centerCropOffsets(h, w, ch, cw)).toEqual(expected);
  });
});
