/**
 * Histograms of quantization codes and their order-0 (empirical Shannon) entropy: the lower bound
 * on the payload of any coder that codes each symbol independently with a fixed model.
 */

/** Read once (see the NOTE on `fround` in normalize.ts: global lookups are slow in vm contexts). */
const log2 = Math.log2;

/**
 * Counts each code value.
 * @param alphabetSize number of possible code values (2^c); codes must be below it.
 * @example codeHistogram(Uint8Array.of(0, 0, 3), 4) -> [2, 0, 0, 1]
 */
export function codeHistogram(codes: Uint8Array, alphabetSize: number): Uint32Array {
  const histogram = new Uint32Array(Math.max(256, alphabetSize));
  const n = codes.length;
  for (let i = 0; i < n; i++) histogram[codes[i]]++;
  return histogram.length === alphabetSize ? histogram : histogram.slice(0, alphabetSize);
}

/**
 * Order-0 entropy of a histogram in bits (total over all symbols, not per symbol):
 * Σ count·log2(n / count).
 * @example entropyBits(Uint32Array.of(2, 2)) === 4  (4 symbols of 1 bit)
 */
export function entropyBits(histogram: ArrayLike<number>): number {
  let n = 0;
  for (let s = 0; s < histogram.length; s++) n += histogram[s];
  if (n === 0) return 0;
  let bits = 0;
  for (let s = 0; s < histogram.length; s++) {
    const count = histogram[s];
    if (count > 0) bits += count * log2(n / count);
  }
  return bits;
}

/**
 * Order-0 entropy of a histogram in bytes (bits / 8, not rounded).
 * @example entropyBytes(Uint32Array.of(8, 8)) === 2
 */
export function entropyBytes(histogram: ArrayLike<number>): number {
  return entropyBits(histogram) / 8;
}
