/**
 * jalad's in-layer compression codec: JALAD normalization (per-sample min/max quantization to
 * c bits), entropy coding (rANS, canonical Huffman, raw bit packing) and the byte format of a
 * transmitted tensor (format version 2 adds the context coder). Pure functions on typed arrays; no ONNX
 * Runtime. Other folders import only from here.
 */
export type {
  BitWidth,
  Coder,
  CoderChoice,
  Precision,
  QuantizedTensor,
  SizeCoder,
  StoredCoder,
} from './types';
export { BIT_WIDTHS, CODER_CHOICES, isBitWidth } from './precision';
export { dequantize, quantizationStep, quantize, tensorRange } from './normalize';
export { roundHalfEven } from '../core/round-half-even';
export type { QuantizeOptions, TensorRange } from './normalize';
export { codeHistogram, entropyBits, entropyBytes } from './entropy';
export { packBits, packedSizeBytes, unpackBits } from './bit-pack';
export {
  canonicalCodes,
  HUFFMAN_MAX_LENGTH_BITS,
  huffmanCodeLengths,
  huffmanDecode,
  huffmanEncode,
  planHuffman,
} from './huffman';
export type { HuffmanPlan } from './huffman';
export { frequenciesFromLevels, planRans, RANS_SCALE_BITS, ransDecode, ransEncode } from './rans';
export type { RansPlan } from './rans';
export { float32ToHalfBits, halfBitsToFloat32 } from './half';
export { crc32 } from './crc32';
export { contextDecode, contextEncode } from './context-coder';
export {
  decodeBatch,
  decodeTensor,
  ENCODE_DEFAULTS,
  encodeBatch,
  encodeCodes,
  encodeTensor,
  readTensorHeader,
  TENSOR_FORMAT_VERSION,
} from './tensor-format';
export type {
  DecodedBatch,
  DecodedTensor,
  DecodeOptions,
  EncodeOptions,
  TensorHeader,
} from './tensor-format';
export { compressBatch, encodedSizes } from './compress-batch';
