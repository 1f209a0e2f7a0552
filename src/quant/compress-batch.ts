/** Compressing a batch of one tensor sample by sample, as the edge would before sending it. */
import { dequantizeInto, quantizeInto, tensorRange } from './normalize';
import { encodeTensor } from './tensor-format';
import type { BitWidth, CoderChoice } from './types';

/**
 * Quantizes every sample of a batch at `bits` (JALAD normalization, per sample) and returns
 * the decoded batch: exactly what the cloud reconstructs from the bytes.
 * @param data `count` samples, contiguous
 * @param name tensor name for the non-finite error
 */
export function compressBatch(data: Float32Array, count: number, bits: BitWidth, name: string): Float32Array {
  const per = data.length / count;
  const out = new Float32Array(data.length);
  const codes = new Uint8Array(per);
  const histogram = new Uint32Array(256);
  for (let i = 0; i < count; i++) {
    const x = data.subarray(i * per, (i + 1) * per);
    const { lo, hi } = tensorRange(x, { name });
    quantizeInto(x, lo, hi, bits, codes, histogram, name);
    dequantizeInto(codes, lo, hi, bits, out.subarray(i * per, (i + 1) * per));
  }
  return out;
}

/**
 * Encoded size in bytes of each of the first `limit` samples of a batch, for one coder
 * (real encodings: header, entropy-coded codes and checksum).
 */
export function encodedSizes(data: Float32Array, count: number, bits: BitWidth, name: string, sampleShape: readonly number[], coder: CoderChoice, limit: number): number[] {
  const per = data.length / count;
  const sizes: number[] = [];
  for (let i = 0; i < Math.min(count, limit); i++) sizes.push(encodeTensor(data.subarray(i * per, (i + 1) * per), sampleShape, { bits, coder, name }).length);
  return sizes;
}
