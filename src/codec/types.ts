/**
 * Types shared by the in-layer compression codec (JALAD normalization + entropy coding).
 *
 * Reference: Li et al., "JALAD: Joint Accuracy- and Latency-Aware Deep Structure Decoupling for
 * Edge-Cloud Execution", ICPADS 2018 (arXiv 1812.10027), section "In-layer compression";
 * and docs/method.md#jalad-normalization.
 */

/** Quantization bit width c: codes take values 0 .. 2^c − 1. */
export type BitWidth = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/**
 * What a tensor is sent as: a JALAD bit width (1..8), IEEE half precision ('f16', round to nearest
 * even), raw float32 ('f32') or raw bfloat16 ('bf16': the top 16 bits of each float32, for values
 * that are bfloat16 widened to float32; exact, and refused for any other value). 'f16' and 'f32'
 * exist for comparison, as in the paper's tables; 'bf16' sends a bfloat16 tensor at its own size.
 */
export type Precision = BitWidth | 'f16' | 'f32' | 'bf16';

/**
 * An entropy coder for quantization codes.
 * - 'context': adaptive binary arithmetic coding with probabilities conditioned on the code's
 *   already coded neighbours (left, above, the previous channel); see context-coder.ts;
 * - 'huffman': canonical Huffman, length-limited to 15 bits (what the JALAD paper uses);
 * - 'rans': static range asymmetric numeral system, 32-bit state, byte-wise renormalisation;
 * - 'raw': bit packing, c bits per code, no table.
 */
export type Coder = 'context' | 'huffman' | 'rans' | 'raw';

/** A coder request: a specific coder, or 'auto' (the smaller of 'rans' and 'raw', see `encodeTensor`). */
export type CoderChoice = Coder | 'auto';

/** The coders whose sizes the accuracy sweep reports: the default, canonical Huffman (the paper's), raw packing. */
export type SizeCoder = 'auto' | 'huffman' | 'raw';

/**
 * The coder recorded in a byte stream: the one actually used. 'constant' means the payload is empty
 * because every code is 0 (hi == lo, or an empty tensor); float formats record 'raw'.
 */
export type StoredCoder = Coder | 'constant';

/** Quantization codes of one sample with the range that maps them back to values. */
export interface QuantizedTensor {
  /** Bit width c the codes were made with. */
  readonly bits: BitWidth;
  /** One code per element, each in 0 .. 2^c − 1. */
  readonly codes: Uint8Array;
  /** min(x) as a float32 value. */
  readonly lo: number;
  /** max(x) as a float32 value. */
  readonly hi: number;
}
