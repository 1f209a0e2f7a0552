import { codeHistogram, entropyBits, entropyBytes } from '../../src/codec';

describe('codeHistogram(codes, alphabetSize)', () => {
  it('counts each code into an array of the alphabet size', () => {
    expect(Array.from(codeHistogram(Uint8Array.of(0, 0, 3), 4))).toEqual([2, 0, 0, 1]);
    expect(codeHistogram(new Uint8Array(0), 256).length).toBe(256);
  });
});

describe('entropyBits(histogram) / entropyBytes(histogram)', () => {
  it.each([
    [[2, 2], 4],
    [[8, 0, 0], 0],
    [[1, 1, 1, 1], 8],
    [[], 0],
    [[0, 0], 0],
  ])('entropyBits(%j) === %p', (histogram, bits) => {
    expect(entropyBits(histogram)).toBeCloseTo(bits, 12);
  });

  it('is n·H(p) for a skewed histogram', () => {
    // p = (3/4, 1/4): H = 0.811278... bits per symbol
    expect(entropyBits([300, 100])).toBeCloseTo(400 * 0.8112781244591328, 9);
    expect(entropyBytes([300, 100])).toBeCloseTo((400 * 0.8112781244591328) / 8, 9);
  });
});
