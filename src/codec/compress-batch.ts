/** Compressing a batch of one tensor sample by sample, as the edge would before sending it. */
import { roundTripInto, tensorRange } from './normalize';
import { encodedSizesByCoder } from './tensor-format';
import type { BitWidth, CoderChoice } from './types';

/**
 * The range of every sample of a batch, [lo0, hi0, lo1, hi1, ...]: the same at every bit width,
 * so the sweep computes it once per batch and tensor.
 * @throws JaladError NON_FINITE naming the tensor and sample for NaN or ±Infinity.
 */
export function batchRanges(data: Float32Array, count: number, name: string): Float64Array {
  const per = data.length / count;
  const ranges = new Float64Array(2 * count);
  for (let i = 0; i < count; i++) {
    const { lo, hi } = tensorRange(data.subarray(i * per, (i + 1) * per), {
      name: count > 1 ? `${name}[${i}]` : name,
    });
    ranges[2 * i] = lo;
    ranges[2 * i + 1] = hi;
  }
  return ranges;
}

/**
 * Quantizes every sample of a batch at `bits` (JALAD normalization, per sample) and returns
 * the decoded batch: exactly what the cloud reconstructs from the bytes.
 * @param data `count` samples, contiguous
 * @param name tensor name for the non-finite error
 * @param ranges from `batchRanges` (computed when omitted)
 * @param out receives the decoded batch (a new array by default; the sweep reuses one per tensor,
 *   sparing a multi-megabyte allocation and its page faults per configuration and batch)
 */
export function compressBatch(
  data: Float32Array,
  count: number,
  bits: BitWidth,
  name: string,
  ranges = batchRanges(data, count, name),
  out: Float32Array<ArrayBuffer> = new Float32Array(data.length),
): Float32Array<ArrayBuffer> {
  const per = data.length / count;
  for (let i = 0; i < count; i++) {
    roundTripInto(
      data.subarray(i * per, (i + 1) * per),
      ranges[2 * i],
      ranges[2 * i + 1],
      bits,
      out.subarray(i * per, (i + 1) * per),
      name,
    );
  }
  return out;
}

/**
 * Encoded size in bytes of each of the first `limit` samples of a batch, with each of `coders`
 * (real encodings: header, entropy-coded codes and checksum; each sample quantized once for all
 * coders). `coders` holds 'auto', 'huffman' and 'raw', and at most one other coder.
 * @param ranges from `batchRanges` (each sample's own is computed when omitted)
 */
export function encodedSizes(
  data: Float32Array,
  count: number,
  bits: BitWidth,
  name: string,
  sampleShape: readonly number[],
  limit: number,
  ranges?: Float64Array,
  coders: readonly CoderChoice[] = ['auto', 'huffman', 'raw'],
): Record<string, number[]> {
  const per = data.length / count;
  const extra = coders.find((c) => c !== 'auto' && c !== 'huffman' && c !== 'raw');
  const sizes: Record<string, number[]> = Object.fromEntries(coders.map((c) => [c, []]));
  for (let i = 0; i < Math.min(count, limit); i++) {
    const range = ranges ? { lo: ranges[2 * i], hi: ranges[2 * i + 1] } : undefined;
    const bytes: Partial<Record<CoderChoice, number>> = encodedSizesByCoder(
      data.subarray(i * per, (i + 1) * per),
      sampleShape,
      { bits, name, range, ...(extra ? { extra } : {}) },
    );
    for (const c of coders) sizes[c].push(bytes[c]!);
  }
  return sizes;
}
