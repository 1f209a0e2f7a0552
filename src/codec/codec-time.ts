/**
 * The codec's own time on one sample, as the latency model counts it: quantize + encode on the
 * edge (`encodeTensor`: range, JALAD normalization, entropy coding, header, checksum) and decode +
 * dequantize in the cloud (`decodeTensor`: checksum, entropy decoding, dequantization).
 */
import { performance } from 'perf_hooks';
import { decodeTensor, encodeTensor } from './tensor-format';
import type { BitWidth, CoderChoice } from './types';

/** Measured codec times of one sample, ms, with the stream's size. */
export interface CodecTime {
  readonly encodeMs: number;
  readonly decodeMs: number;
  readonly bytes: number;
}

/**
 * Times one encode and one decode of a sample with the wall clock of this thread.
 * @param values the sample's elements, float32
 * @param shape the sample's dims
 * @throws as `encodeTensor`
 */
export function timeCodec(
  values: Float32Array,
  shape: readonly number[],
  bits: BitWidth,
  coder: CoderChoice,
  name: string,
): CodecTime {
  const t0 = performance.now();
  const stream = encodeTensor(values, shape, { bits, coder, name });
  const t1 = performance.now();
  decodeTensor(stream, { name });
  const t2 = performance.now();
  return { encodeMs: t1 - t0, decodeMs: t2 - t1, bytes: stream.length };
}
