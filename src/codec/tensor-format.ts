/**
 * The byte format of one transmitted tensor sample: header, entropy-coded JALAD codes, checksum.
 *
 * Layout (versions 1 to 6; integers little-endian, varint = unsigned LEB128):
 *   offset 0  2 bytes  magic "JQ" (0x4a 0x51)
 *          2  1 byte   format version: 4, 5 or 6 when the coder is 'context' (the context payload's
 *                      version, see `defaultContextVersion`; 2 and 3: earlier versions, still read,
 *                      3 still written on request), else 1
 *          3  1 byte   precision: 1..8 = bit width c; 16 = IEEE half ('f16'); 32 = float32 ('f32');
 *                      191 (0xBF) = bfloat16 ('bf16', since this build)
 *          4  1 byte   coder actually used: 0 raw, 1 huffman, 2 rans, 3 constant (empty payload),
 *                      4 context (versions 2 to 6 only)
 *          5  1 byte   dtype of the source tensor, ONNX TensorProto numbering: 1 = FLOAT
 *          6  1 byte   rank r
 *          7  r varints  dims
 *             varint   element count (the product of dims; checked)
 *             4 bytes  lo = min(x), float32
 *             4 bytes  hi = max(x), float32
 *             varint   payload length in bytes
 *             payload  coder-specific (see bit-pack.ts, huffman.ts, rans.ts, context-coder.ts); for 'f16' and
 *                      'bf16' 2 bytes and for 'f32' 4 bytes per element, little-endian; a 'bf16' element is
 *                      the top 16 bits of its float32 value
 *             4 bytes  CRC-32 (zlib's) of every preceding byte
 * A 3-D sample costs 26-28 bytes besides its payload. The checksum and the explicit payload length
 * turn any corruption or truncation into an InputError BAD_DATA instead of wrong values.
 *
 * An empty tensor (a 0 dim) is valid: lo = hi = 0, coder 'constant', no payload; it decodes to an
 * empty array with its shape, so a batch or a cut with no elements never needs a special case.
 *
 * Versions 2 to 6 differ from version 1 only by coder id 4, 'context': version 2 holds the first
 * context coder's payload (context-coder-v2.ts, decoded still), versions 3 and 4 the current one
 * (context-coder.ts; version 4 starts its contexts from a trained table, version 3 at 1/2),
 * version 5 its multi-symbol form (context-coder-v5.ts) and version 6 its context-mixing form for
 * small samples (context-coder-v6.ts, in WebAssembly: context-v6-wasm.ts).
 * Streams of the other coders are still written as version 1, byte for byte as before, so a
 * version-1 reader decodes them.
 * Precision 'bf16' is written as version 1 too (same layout): a reader older than it refuses such a
 * stream with "unknown precision 191", and every older stream decodes as before.
 *
 * 'bf16' carries a float32 tensor whose values are bfloat16 widened to float32 (what a split sends
 * where the model computes in bfloat16: ONNX Runtime for Node hands such tensors over as float32).
 * Dropping the low 16 bits is then exact; `encodeTensor` refuses a value whose low 16 bits are not
 * 0 (InputError BAD_DATA naming the tensor and element) rather than round it silently.
 *
 * The coder: 'auto' (the default) picks the smaller of 'rans' and 'raw' from the code histogram
 * (the context coder is not the default: even in WebAssembly it decodes dense 6-8-bit maps below
 * its 150 MB/s target, and the latency model charges that time, issue #18); 'context' falls back per stream to 'rans' or
 * 'raw' when either is at least as small (`contextPayload`), so it is never larger than rANS; an
 * explicit 'rans' or 'huffman'
 * falls back to 'raw' when that is smaller (tiny tensors), and any coder becomes 'constant' when
 * all codes are 0 (hi == lo).
 * NOTE: 'auto' leaves Huffman out, by measurement (`scripts/bench-codec.ts`, synthetic and real
 * VGG feature maps, 1..8 bits): rANS was smaller in most cases, up to 4x at 1-2 bits (Huffman
 * pays at least 1 bit per code), while Huffman was at most 15 bytes (1.7%) smaller, at 3-8 bits on
 * real 6-50 KB maps where rANS's two 4-byte states show. Planning both would add a Huffman plan
 * (tens of µs at 8 bits) to every encode to save at most 15 bytes (20 µs at 5.85 Mbps).
 */
import { InputError } from '../core/errors';
import { packBitsInto, packedSizeBytes, unpackBits } from './bit-pack';
import { contextDecodeValues, contextEncodeWithin, type ContextVersion } from './context-coder';
import { contextDecode as contextDecodeV2 } from './context-coder-v2';
import { contextDecodeV5Values, contextEncodeV5 } from './context-coder-v5';
import { contextDecodeV6Values, contextEncodeV6Within } from './context-v6-wasm';
import { crc32 } from './crc32';
import { decodeHalf, encodeHalfInto } from './half';
import { huffmanDecode, huffmanEncode, planHuffman } from './huffman';
import { dequantizeInto, quantizeInto, tensorRange, type TensorRange } from './normalize';
import { assertBitWidth, assertCoderChoice, assertPrecision, describeValue, isBitWidth } from './precision';
import { planRansScratch, ransDecode, ransEncodeScratch, writeRansPayload } from './rans';
import type { RansPayload, RansPlan } from './rans';
import type { BitWidth, CoderChoice, Precision, SizeCoder, StoredCoder } from './types';

/** Options of `encodeTensor` and `encodeBatch`. */
export interface EncodeOptions {
  /** Precision: a bit width 1..8, or 'f16' / 'f32' for comparison. */
  readonly bits: Precision;
  /** Entropy coder; default 'auto'. */
  readonly coder?: CoderChoice;
  /** Tensor name for error messages; default "tensor". */
  readonly name?: string;
  /**
   * The context coder's payload version when the coder is 'context': by default 5 (the residual's
   * length as one multi-symbol decision, context-coder-v5.ts) on samples of 16 K codes or more at
   * 6 bits or more, 6 (context mixing, context-coder-v6.ts) on samples of fewer than 16 K codes at
   * 7 or 8 bits, else 4 (trained binary starting probabilities); 4 or 3 (every context starting
   * at 1/2) for readers older than version 5 or 4; 5 or 6 everywhere.
   */
  readonly contextVersion?: StreamContextVersion;
}

/** Options of `decodeTensor` and `decodeBatch`. */
export interface DecodeOptions {
  /** Tensor name for error messages; default "tensor". */
  readonly name?: string;
}

/** Defaults of the optional `EncodeOptions` fields. */
export const ENCODE_DEFAULTS = { coder: 'auto', name: 'tensor' } as const satisfies Partial<EncodeOptions>;

/**
 * The newest format version, written in byte 2 of streams that need it (those of the 'context'
 * coder); other streams carry version 1, which this build reads as well.
 */
export const TENSOR_FORMAT_VERSION = 6;

/**
 * The context payload versions an encode can write (context-coder.ts: 3 and 4; context-coder-v5.ts:
 * 5; context-coder-v6.ts: 6).
 */
export type StreamContextVersion = ContextVersion | 5 | 6;

/** The context payload version of `encodePayload` and `writeHeader` when none is passed. */
const DEFAULT_CONTEXT_VERSION: StreamContextVersion = 4;
/** Version 5 is written (unless `contextVersion` says otherwise) from this bit width ... */
const V5_MIN_BITS = 6;
/** ... on samples of at least this many codes (the speed targets start at 64 KB of float32). */
const V5_MIN_CODES = 16384;
/** Version 6 is written on samples of fewer than V6_MAX_CODES codes from this bit width. */
const V6_MIN_BITS = 7;
/**
 * ... and fewer than this many codes (32 KB of float32). Why 8,192 and not 16,384: at every size
 * below 16,384 it made the default sweep with the context coder 1.16-1.21x the one with 'auto'
 * (quiet run, session 11: vgg 1.21x, inception 1.20x, over the 1.2x target), most of it on the
 * 16x28x28 maps (12,544 codes), where version 4 is already 0.75-0.81x the best general compressor
 * at 8 bits; the maps where version 4 misses 0.9x are all below 6,300 codes (14x14 and 7x7 planes),
 * where a context model's learning cost weighs most and version 6's time per sample is smallest.
 */
const V6_MAX_CODES = 8192;

/**
 * The context payload version written when `contextVersion` is not given: 5 on samples of 16 K
 * codes or more at 6 bits or more, where its decoder is faster than version 4's (1.03-1.3x) and its
 * payloads as small (within 0.1%; 0.2-0.6% smaller at 8 bits); 4 at 2-5 bits there (version 5 is
 * 0.5-1% larger and no faster). On samples of fewer than 16 K codes (below 64 KB of float32, where
 * the speed targets do not apply) 6 at 7 and 8 bits on samples below 8 K codes: smaller than version 4 on every bundled small
 * map there (and on all but one at 2-6 bits, equal on that one), but even in WebAssembly about 4x
 * slower, which at all bit widths made the sweep with the context coder up to 1.5x the one with
 * 'auto' (docs/benchmarks.md, session 11); at 7-8 bits it is where issue #18's size target needs it.
 */
function defaultContextVersion(bits: BitWidth, count: number): StreamContextVersion {
  if (count < V5_MIN_CODES) return bits >= V6_MIN_BITS && count < V6_MAX_CODES ? 6 : 4;
  return bits >= V5_MIN_BITS ? 5 : 4;
}

/** The parsed header of a tensor stream. */
export interface TensorHeader {
  readonly formatVersion: number;
  readonly bits: Precision;
  readonly coder: StoredCoder;
  /** The source tensor's element type (only float32 exists in version 1). */
  readonly dtype: 'float32';
  readonly shape: readonly number[];
  /** Number of elements (product of the shape). */
  readonly count: number;
  readonly lo: number;
  readonly hi: number;
  /** Bytes before the payload. */
  readonly headerBytes: number;
  readonly payloadBytes: number;
  /** Header + payload + 4 checksum bytes: the size of the whole stream. */
  readonly totalBytes: number;
}

/** One decoded sample. */
export interface DecodedTensor {
  readonly bits: Precision;
  /** The coder the stream was written with. */
  readonly coder: StoredCoder;
  readonly shape: readonly number[];
  readonly lo: number;
  readonly hi: number;
  /** Dequantized values (for 'f16' and 'bf16' the 16-bit values widened to float32; for 'f32' the originals). */
  readonly values: Float32Array;
  /** The quantization codes; null for the float precisions. */
  readonly codes: Uint8Array | null;
  /** Size of the stream in bytes. */
  readonly sizeBytes: number;
}

/** A decoded batch: samples stacked along a new first axis. */
export interface DecodedBatch {
  readonly bits: Precision;
  /** [N, ...sample shape]. */
  readonly shape: readonly number[];
  readonly values: Float32Array;
  /** All samples' codes, concatenated; null for 'f16' and 'f32'. */
  readonly codes: Uint8Array | null;
  /** Size of each sample's stream in bytes. */
  readonly sizeBytes: readonly number[];
}

const MAGIC_0 = 0x4a;
const MAGIC_1 = 0x51;
const DTYPE_FLOAT = 1;
/** Byte 3 of a 'bf16' stream. */
const BF16_PRECISION = 0xbf;
const STORED_CODERS: readonly StoredCoder[] = ['raw', 'huffman', 'rans', 'constant', 'context'];
const CRC_BYTES = 4;
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
/** Largest element count a stream may announce (a typed array's practical limit). */
const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * Encodes one sample: JALAD normalization to `options.bits`, entropy coding, header and checksum.
 * @param values the sample's elements, flattened, float32.
 * @param shape the sample's dims; their product must equal `values.length` (an empty tensor, with
 *   a 0 dim, is allowed and encodes as a header only).
 * @throws InputError BAD_OPTION for bad options, a non-Float32Array or a shape that does not fit;
 *   JaladError NON_FINITE for NaN or ±Infinity, naming the tensor.
 * @example encodeTensor(x, [16, 14, 14], { bits: 4 }).length  // bytes sent for this sample
 */
export function encodeTensor(
  values: Float32Array,
  shape: readonly number[],
  options: EncodeOptions,
): Uint8Array {
  const name = options.name ?? ENCODE_DEFAULTS.name;
  const where = `encodeTensor: tensor "${name}"`;
  const bits = assertPrecision(options.bits, where);
  const choice = assertCoderChoice(options.coder ?? ENCODE_DEFAULTS.coder, where);
  assertFloat32Array(values, where);
  const dims = checkShape(shape, values.length, where);
  const { lo, hi } = tensorRange(values, { name });
  const n = values.length;

  if (bits === 'f32' || bits === 'f16' || bits === 'bf16') {
    const payloadBytes = n * (bits === 'f32' ? 4 : 2);
    const header = writeHeader(bits, 'raw', dims, n, lo, hi, payloadBytes);
    const out = new Uint8Array(header.length + payloadBytes + CRC_BYTES);
    out.set(header);
    if (bits === 'f16') encodeHalfInto(values, out, header.length);
    else if (bits === 'bf16') writeBfloat16Into(values, out, header.length, name);
    else writeFloat32Into(values, out, header.length);
    return sealed(out);
  }

  const { codes, histogram } = quantizeToScratch(values, lo, hi, bits, name);
  const version =
    options.contextVersion === undefined
      ? defaultContextVersion(bits, n)
      : assertContextVersion(options.contextVersion, where);
  const { coder, payload } = encodePayload(codes, histogram, bits, choice, dims, version);
  const payloadBytes = payloadLength(coder, payload, n, bits);
  const header = writeHeader(bits, coder, dims, n, lo, hi, payloadBytes, version);
  // The one allocation of the hot path: everything before it lives in scratch memory.
  const out = new Uint8Array(header.length + payloadBytes + CRC_BYTES);
  out.set(header);
  if (coder === 'raw') packBitsInto(codes, bits, out, header.length);
  else if (payload instanceof Uint8Array) out.set(payload, header.length);
  else if (payload !== null) writeRansPayload(payload, out, header.length);
  return sealed(out);
}

/**
 * Encodes one sample whose codes are already computed: by a deployed edge model that ends in the
 * quantizer (`<t>.code`, `<t>.lo`, `<t>.hi`), so the codes sent are exactly the model's. Same
 * stream as `encodeTensor` would write for values that quantize to these codes with this range.
 * @param codes one code per element, each < 2^bits.
 * @param options.lo / options.hi the sample's range as the quantizer computed it (float32 values).
 * @throws InputError BAD_OPTION for a bad bit width or shape, or a code out of range.
 * @example encodeCodes(Uint8Array.of(0, 3, 1), [3], { bits: 2, lo: -1, hi: 2 })
 */
export function encodeCodes(
  codes: Uint8Array,
  shape: readonly number[],
  options: {
    readonly bits: BitWidth;
    readonly lo: number;
    readonly hi: number;
    readonly coder?: CoderChoice;
    readonly name?: string;
  },
): Uint8Array {
  const name = options.name ?? ENCODE_DEFAULTS.name;
  const where = `encodeCodes: tensor "${name}"`;
  const bits = assertBitWidth(options.bits, where);
  const choice = assertCoderChoice(options.coder ?? ENCODE_DEFAULTS.coder, where);
  if (!(codes instanceof Uint8Array))
    throw new InputError(
      'BAD_OPTION',
      `${where}: expected the codes as a Uint8Array; got ${describeValue(codes)}`,
    );
  const dims = checkShape(shape, codes.length, where);
  const n = codes.length;
  const histogram = HISTOGRAMS[bits].fill(0);
  const levels = 1 << bits;
  for (let i = 0; i < n; i++) {
    const code = codes[i];
    if (code >= levels)
      throw new InputError('BAD_OPTION', `${where}: code ${code} at element ${i} does not fit ${bits} bits`);
    histogram[code]++;
  }
  // All-zero codes with lo != hi are legal here (they never come from `quantize`), and
  // 'constant' would claim every element equals lo: send them packed instead.
  const allZero = n > 0 && histogram[0] === n;
  // The same payload version as encodeTensor would write for these codes.
  const version = defaultContextVersion(bits, n);
  const { coder, payload } =
    allZero && Math.fround(options.lo) !== Math.fround(options.hi)
      ? { coder: 'raw' as const, payload: null }
      : encodePayload(codes, histogram, bits, choice, dims, version);
  const payloadBytes = payloadLength(coder, payload, n, bits);
  const header = writeHeader(
    bits,
    coder,
    dims,
    n,
    Math.fround(options.lo),
    Math.fround(options.hi),
    payloadBytes,
    version,
  );
  const out = new Uint8Array(header.length + payloadBytes + CRC_BYTES);
  out.set(header);
  if (coder === 'raw') packBitsInto(codes, bits, out, header.length);
  else if (payload instanceof Uint8Array) out.set(payload, header.length);
  else if (payload !== null) writeRansPayload(payload, out, header.length);
  return sealed(out);
}

/**
 * The size in bytes of `encodeTensor(values, shape, { bits, coder })` for each of the sweep's
 * coders, quantizing once. The context and rANS payloads are really encoded (rANS's plan only
 * estimates its size).
 * The Huffman and raw payloads are not: their lengths are fixed before a bit is written
 * (`huffmanEncode` fills exactly `plan.sizeBytes` bytes, raw packing ⌈n·c/8⌉), and so are the
 * header's and checksum's. A test checks every size against `encodeTensor(...).length`.
 * @param options.range the sample's range when the caller has it (`tensorRange`'s result; the
 *   sign of a zero end does not change a size)
 * @throws as `encodeTensor`.
 */
export function encodedSizesByCoder(
  values: Float32Array,
  shape: readonly number[],
  options: {
    readonly bits: BitWidth;
    readonly name?: string;
    readonly range?: TensorRange;
    /** Another coder to measure as well (`--coder`), e.g. 'context'. */
    readonly extra?: CoderChoice;
  },
): Record<SizeCoder, number> & Partial<Record<CoderChoice, number>> {
  const name = options.name ?? ENCODE_DEFAULTS.name;
  const where = `encodeTensor: tensor "${name}"`;
  const bits = assertBitWidth(options.bits, where);
  assertFloat32Array(values, where);
  const dims = checkShape(shape, values.length, where);
  const { lo, hi } = options.range ?? tensorRange(values, { name });
  const n = values.length;
  const { codes, histogram } = quantizeToScratch(values, lo, hi, bits, name);
  // The payload version encodeTensor writes for this sample, so the sizes are those it sends.
  const version = defaultContextVersion(bits, n);
  const size = (choice: CoderChoice): number => {
    const { coder, payload } =
      choice === 'huffman'
        ? huffmanPayloadSize(histogram, bits, n)
        : encodePayload(codes, histogram, bits, choice, dims, version);
    const payloadBytes = payloadLength(coder, payload, n, bits);
    return writeHeader(bits, coder, dims, n, lo, hi, payloadBytes, version).length + payloadBytes + CRC_BYTES;
  };
  const sizes = { auto: size('auto'), huffman: size('huffman'), raw: size('raw') };
  const extra = options.extra;
  return extra === undefined || extra in sizes ? sizes : { ...sizes, [extra]: size(extra) };
}

/**
 * Scratch memory of `encodeTensor`: the codes of the tensor being encoded and one histogram per
 * bit width, reused by every call (JavaScript encodes one tensor at a time per thread).
 * NOTE: V8 allocates a typed array of more than 64 bytes outside its heap, at 1-2 µs each; a
 * small tensor's whole encoding takes a few tens of µs, so each avoided allocation shows.
 */
let codesScratch = new Uint8Array(64 * 1024);
const HISTOGRAMS: readonly Uint32Array[] = Array.from({ length: 9 }, (_, bits) => new Uint32Array(1 << bits));

/** The context payload version an encode asked for; BAD_OPTION for anything else. */
function assertContextVersion(version: unknown, where: string): StreamContextVersion {
  if (version === undefined) return DEFAULT_CONTEXT_VERSION;
  if (version === 3 || version === 4 || version === 5 || version === 6) return version;
  throw new InputError(
    'BAD_OPTION',
    `${where}: contextVersion must be 3, 4, 5 or 6; got ${describeValue(version)}`,
  );
}

/** Quantizes one sample into the scratch codes and this bit width's (zeroed) scratch histogram. */
function quantizeToScratch(
  values: Float32Array,
  lo: number,
  hi: number,
  bits: BitWidth,
  name: string,
): { codes: Uint8Array; histogram: Uint32Array } {
  const codes = scratchCodes(values.length);
  const histogram = HISTOGRAMS[bits].fill(0);
  quantizeInto(values, lo, hi, bits, codes, histogram, name);
  return { codes, histogram };
}

/** Bytes of the payload `encodePayload` chose (a null payload is raw-packed in place). */
function payloadLength(
  coder: StoredCoder,
  payload: { readonly length: number } | null,
  n: number,
  bits: BitWidth,
): number {
  return coder === 'constant' ? 0 : payload === null ? packedSizeBytes(n, bits) : payload.length;
}

/** A view of `n` scratch bytes for codes, growing the scratch when needed. */
function scratchCodes(n: number): Uint8Array {
  if (codesScratch.length < n) codesScratch = new Uint8Array(n + (n >> 2));
  return codesScratch.subarray(0, n);
}

/**
 * `encodePayload(codes, histogram, bits, 'huffman')` without writing the payload: the coder it
 * picks and a stand-in payload of the same length (see encodedSizesByCoder).
 */
function huffmanPayloadSize(
  histogram: Uint32Array,
  bits: BitWidth,
  n: number,
): { coder: StoredCoder; payload: { readonly length: number } | null } {
  if (n === 0 || histogram[0] === n) return { coder: 'constant', payload: null };
  const plan = planHuffman(histogram, bits);
  return plan.sizeBytes < packedSizeBytes(n, bits)
    ? { coder: 'huffman', payload: { length: plan.sizeBytes } }
    : { coder: 'raw', payload: null };
}

/**
 * Picks the coder for a histogram and codes the payload (null payload: raw-pack in place; a
 * RansPayload lives in scratch memory and must be copied out before the next encode).
 */
function encodePayload(
  codes: Uint8Array,
  histogram: Uint32Array,
  bits: BitWidth,
  choice: CoderChoice,
  shape: readonly number[],
  version: StreamContextVersion = DEFAULT_CONTEXT_VERSION,
): { coder: StoredCoder; payload: Uint8Array | RansPayload | null } {
  const n = codes.length;
  if (n === 0 || histogram[0] === n) return { coder: 'constant', payload: null };
  const rawBytes = packedSizeBytes(n, bits);
  if (choice === 'raw') return { coder: 'raw', payload: null };
  if (choice === 'context') return contextPayload(codes, histogram, bits, shape, version);
  if (choice === 'huffman') {
    const plan = planHuffman(histogram, bits);
    return plan.sizeBytes < rawBytes
      ? { coder: 'huffman', payload: huffmanEncode(codes, bits, plan) }
      : { coder: 'raw', payload: null };
  }
  // 'rans' or 'auto'
  const plan = planRansScratch(histogram, bits);
  if (plan.sizeBytes >= rawBytes) return { coder: 'raw', payload: null };
  const payload = ransEncodeScratch(codes, plan);
  // The plan's size is an estimate (within a few bytes); never send more than raw packing.
  return payload.length < rawBytes ? { coder: 'rans', payload } : { coder: 'raw', payload: null };
}

/**
 * Bytes by which an rANS payload of n codes may fall short of its plan's estimate (`sizeBytes`):
 * twice the bound the rANS tests check (2 + n/4096). A context payload at least this much below
 * the estimate is kept without encoding rANS; closer to it, rANS is encoded and the two compared.
 */
function ransSlackBytes(n: number): number {
  return 4 + Math.ceil(n / 2048);
}

/**
 * 'context': the context coder, unless rANS or raw packing is at least as small (a per-stream
 * fallback: the header's coder id says which), so a stream is never larger than rANS's.
 * The context coder gives up as soon as it passes the rANS estimate (plus slack), or a quarter of
 * the way once it is behind rANS's cost of the same codes (plus slack): on maps without spatial
 * structure it then costs a fraction of a full encode.
 */
function contextPayload(
  codes: Uint8Array,
  histogram: Uint32Array,
  bits: BitWidth,
  shape: readonly number[],
  version: StreamContextVersion,
): { coder: StoredCoder; payload: Uint8Array | RansPayload | null } {
  const rawBytes = packedSizeBytes(codes.length, bits);
  const plan = planRansScratch(histogram, bits);
  const estimate = Math.min(plan.sizeBytes, rawBytes);
  const slack = ransSlackBytes(codes.length);
  const maxBytes = Math.min(rawBytes - 1, estimate + slack);
  const pace = { codeBits: ransCodeBits(plan), marginBytes: slack };
  // Version 6 has no pace: on its small samples a full encode costs little more than giving up.
  const context =
    version === 6
      ? contextEncodeV6Within(codes, shape, bits, maxBytes)
      : version === 5
        ? contextEncodeV5(codes, shape, bits, maxBytes, pace)
        : contextEncodeWithin(codes, shape, bits, maxBytes, pace, version);
  if (context !== null && context.length + slack <= plan.sizeBytes)
    return { coder: 'context', payload: context };
  const rans = plan.sizeBytes < rawBytes ? ransEncodeScratch(codes, plan) : null;
  const best = Math.min(context?.length ?? Infinity, rans?.length ?? Infinity, rawBytes);
  if (context !== null && context.length === best) return { coder: 'context', payload: context };
  if (rans !== null && rans.length === best) return { coder: 'rans', payload: rans };
  return { coder: 'raw', payload: null };
}

const CODE_BITS_SCRATCH = new Float64Array(256);

/** Bits rANS spends on each code value under `plan` (log2(M / f); 0 for absent codes), for the context coder's pace. */
function ransCodeBits(plan: RansPlan): Float64Array {
  const out = CODE_BITS_SCRATCH;
  const { frequencies, scaleBits } = plan;
  for (let s = 0; s < frequencies.length; s++)
    out[s] = frequencies[s] > 0 ? scaleBits - Math.log2(frequencies[s]) : 0;
  return out;
}

/**
 * Reads and checks the header of a tensor stream without decoding the payload.
 * @throws InputError BAD_DATA for a stream that is not a version-1 or -2 tensor stream, is truncated,
 *   has trailing bytes, fails its checksum or has inconsistent fields.
 */
export function readTensorHeader(bytes: Uint8Array, options: DecodeOptions = {}): TensorHeader {
  const where = `decodeTensor: tensor "${options.name ?? ENCODE_DEFAULTS.name}"`;
  if (!ArrayBuffer.isView(bytes) || Object.prototype.toString.call(bytes) !== '[object Uint8Array]') {
    throw new InputError(
      'BAD_OPTION',
      `${where}: expected the stream as a Uint8Array; got ${describeValue(bytes)}`,
    );
  }
  const fail = (what: string): never => {
    throw new InputError('BAD_DATA', `${where}: ${what}`);
  };
  if (bytes.length < 7) fail(`stream truncated: ${bytes.length} bytes is shorter than any header`);
  if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) fail('not a jalad tensor stream (bad magic bytes)');
  if (bytes[2] < 1 || bytes[2] > TENSOR_FORMAT_VERSION)
    fail(`unsupported format version ${bytes[2]} (this build reads 1 to ${TENSOR_FORMAT_VERSION})`);
  let p = 7;
  const varint = (field: string): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (p >= bytes.length) fail(`stream truncated inside the header (${field})`);
      const b = bytes[p++];
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    return fail(`malformed varint (${field})`);
  };
  const rank = bytes[6];
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) shape.push(varint(`dim ${d}`));
  const count = varint('element count');
  if (p + 8 > bytes.length) fail('stream truncated inside the header (lo, hi)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getFloat32(p, true);
  const hi = view.getFloat32(p + 4, true);
  p += 8;
  const payloadBytes = varint('payload length');
  const headerBytes = p;
  const totalBytes = headerBytes + payloadBytes + CRC_BYTES;
  if (bytes.length < totalBytes)
    fail(`stream truncated: header announces ${totalBytes} bytes, got ${bytes.length}`);
  if (bytes.length > totalBytes)
    fail(`${bytes.length - totalBytes} unexpected trailing bytes after the stream`);
  const stored = view.getUint32(totalBytes - CRC_BYTES, true);
  if (crc32(bytes, 0, totalBytes - CRC_BYTES) !== stored) fail('checksum mismatch (corrupted stream)');

  // The checksum matched, so anything odd below was written that way, not damaged in transit.
  const { bits, coder } = checkFields(bytes, { shape, count, lo, hi, payloadBytes }, fail);
  return {
    formatVersion: bytes[2],
    bits,
    coder,
    dtype: 'float32',
    shape,
    count,
    lo,
    hi,
    headerBytes,
    payloadBytes,
    totalBytes,
  };
}

/**
 * The header's fields after its checksum matched: precision, coder, version, dtype, element count,
 * range and payload length agree with each other.
 * @param fail throws the decoder's BAD_DATA error
 */
function checkFields(
  bytes: Uint8Array,
  fields: {
    readonly shape: readonly number[];
    readonly count: number;
    readonly lo: number;
    readonly hi: number;
    readonly payloadBytes: number;
  },
  fail: (what: string) => never,
): { bits: Precision; coder: StoredCoder } {
  const { shape, count, lo, hi, payloadBytes } = fields;
  const bitsByte = bytes[3];
  const bits: Precision | undefined =
    bitsByte === 16
      ? 'f16'
      : bitsByte === 32
        ? 'f32'
        : bitsByte === BF16_PRECISION
          ? 'bf16'
          : isBitWidth(bitsByte)
            ? bitsByte
            : undefined;
  if (bits === undefined) return fail(`unknown precision ${bitsByte}`);
  const coder = STORED_CODERS[bytes[4]];
  if (coder === undefined) return fail(`unknown coder id ${bytes[4]}`);
  if ((coder === 'context') !== bytes[2] >= 2)
    fail(
      `coder ${coder} in a version-${bytes[2]} stream (the context coder, and only it, is version 2 to 6)`,
    );
  if (bytes[5] !== DTYPE_FLOAT) fail(`unsupported dtype ${bytes[5]} (only 1 = float32)`);
  let product = 1;
  for (const dim of shape) product *= dim;
  if (product !== count) fail(`element count ${count} is not the product of the shape [${shape.join(', ')}]`);
  if (count > MAX_ELEMENTS)
    fail(`element count ${count} is above the ${MAX_ELEMENTS} this decoder allocates`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo <= hi))
    fail(`invalid range lo = ${lo}, hi = ${hi}`);
  const expected = expectedPayloadBytes(bits, coder, count);
  if (expected !== undefined && expected !== payloadBytes) {
    fail(
      `payload of ${payloadBytes} bytes; ${count} elements at ${bits} with coder ${coder} take ${expected}`,
    );
  }
  if (typeof bits === 'string' && coder !== 'raw')
    fail(`precision ${bits} must use the raw coder, not ${coder}`);
  if (coder === 'constant' && count > 0 && lo !== hi) fail('constant coder with lo != hi');
  if (typeof bits === 'number' && coder !== 'constant' && count > 0 && lo === hi)
    fail(`coder ${coder} with lo == hi`);
  return { bits, coder };
}

function expectedPayloadBytes(bits: Precision, coder: StoredCoder, count: number): number | undefined {
  if (bits === 'f32') return 4 * count;
  if (bits === 'f16' || bits === 'bf16') return 2 * count;
  if (coder === 'constant') return 0;
  if (coder === 'raw') return packedSizeBytes(count, bits);
  return undefined;
}

/**
 * Decodes one sample's stream: checks header and checksum, entropy-decodes the codes and
 * dequantizes them (x̂ = lo + code·(hi − lo)/(2^c − 1) in float32).
 * @throws InputError BAD_DATA for a corrupted, truncated or malformed stream; BAD_OPTION when
 *   `bytes` is not a Uint8Array.
 */
export function decodeTensor(bytes: Uint8Array, options: DecodeOptions = {}): DecodedTensor {
  const header = readTensorHeader(bytes, options);
  const { bits, coder, count, lo, hi, shape, headerBytes, totalBytes } = header;
  const start = headerBytes;
  const end = start + header.payloadBytes;
  if (bits === 'f32' || bits === 'f16' || bits === 'bf16') {
    const values =
      bits === 'f16'
        ? decodeHalf(bytes, start, count)
        : bits === 'bf16'
          ? readBfloat16(bytes, start, count)
          : readFloat32(bytes, start, count);
    return { bits, coder, shape, lo, hi, values, codes: null, sizeBytes: totalBytes };
  }
  let codes: Uint8Array;
  let values: Float32Array | undefined;
  try {
    if (coder === 'constant') codes = new Uint8Array(count);
    else if (coder === 'raw') codes = unpackBits(bytes, count, bits, start, end);
    else if (coder === 'huffman') codes = huffmanDecode(bytes, count, bits, start, end);
    else if (coder === 'context' && header.formatVersion === 2)
      codes = contextDecodeV2(bytes, count, shape, bits, start, end);
    else if (coder === 'context' && header.formatVersion === 5)
      ({ codes, values } = contextDecodeV5Values(bytes, count, shape, bits, { start, end, lo, hi }));
    else if (coder === 'context' && header.formatVersion === 6)
      ({ codes, values } = contextDecodeV6Values(bytes, count, shape, bits, { start, end, lo, hi }));
    else if (coder === 'context') {
      const version = header.formatVersion === 3 ? 3 : 4;
      ({ codes, values } = contextDecodeValues(bytes, count, shape, bits, { start, end, lo, hi }, version));
    } else codes = ransDecode(bytes, count, bits, start, end);
  } catch (error) {
    if (error instanceof InputError) {
      throw new InputError(
        error.code,
        `decodeTensor: tensor "${options.name ?? ENCODE_DEFAULTS.name}": ${error.message}`,
      );
    }
    throw error;
  }
  if (values === undefined) {
    values = new Float32Array(count);
    dequantizeInto(codes, lo, hi, bits, values);
  }
  return { bits, coder, shape, lo, hi, values, codes, sizeBytes: totalBytes };
}

/**
 * Encodes a batch tensor [N, ...] sample by sample (JALAD normalizes each sample separately).
 * Sample i is named `${name}[i]` in errors.
 * @returns one stream per sample.
 * @throws as `encodeTensor`; InputError BAD_OPTION for a rank-0 shape.
 */
export function encodeBatch(
  values: Float32Array,
  shape: readonly number[],
  options: EncodeOptions,
): Uint8Array[] {
  const name = options.name ?? ENCODE_DEFAULTS.name;
  const where = `encodeBatch: tensor "${name}"`;
  assertFloat32Array(values, where);
  const dims = checkShape(shape, values.length, where);
  if (dims.length === 0)
    throw new InputError('BAD_OPTION', `${where}: a batch needs a leading batch dim; got shape []`);
  const samples = dims[0];
  const sampleShape = dims.slice(1);
  const per = sampleShape.reduce((a, b) => a * b, 1);
  const streams: Uint8Array[] = [];
  for (let i = 0; i < samples; i++) {
    streams.push(
      encodeTensor(values.subarray(i * per, (i + 1) * per), sampleShape, {
        ...options,
        name: `${name}[${i}]`,
      }),
    );
  }
  return streams;
}

/**
 * Decodes per-sample streams (from `encodeBatch`) and stacks them into one [N, ...] tensor.
 * @throws InputError BAD_DATA as `decodeTensor`, or when the samples differ in shape or precision.
 */
export function decodeBatch(streams: readonly Uint8Array[], options: DecodeOptions = {}): DecodedBatch {
  const name = options.name ?? ENCODE_DEFAULTS.name;
  if (!Array.isArray(streams) || streams.length === 0) {
    throw new InputError(
      'BAD_OPTION',
      `decodeBatch: tensor "${name}": expected a non-empty array of streams; got ${describeValue(streams)}`,
    );
  }
  const decoded = streams.map((s, i) => decodeTensor(s, { name: `${name}[${i}]` }));
  const first = decoded[0];
  const per = first.values.length;
  for (let i = 1; i < decoded.length; i++) {
    const d = decoded[i];
    if (
      d.bits !== first.bits ||
      d.shape.length !== first.shape.length ||
      d.shape.some((v, j) => v !== first.shape[j])
    ) {
      throw new InputError(
        'BAD_DATA',
        `decodeBatch: tensor "${name}[${i}]" is [${d.shape.join(', ')}] at ${d.bits}, ` +
          `sample 0 is [${first.shape.join(', ')}] at ${first.bits}`,
      );
    }
  }
  const values = new Float32Array(per * decoded.length);
  const codes = first.codes === null ? null : new Uint8Array(per * decoded.length);
  decoded.forEach((d, i) => {
    values.set(d.values, i * per);
    if (codes !== null && d.codes !== null) codes.set(d.codes, i * per);
  });
  return {
    bits: first.bits,
    shape: [decoded.length, ...first.shape],
    values,
    codes,
    sizeBytes: decoded.map((d) => d.sizeBytes),
  };
}

function assertFloat32Array(values: unknown, where: string): asserts values is Float32Array {
  // NOTE: compared by tag, not instanceof, so arrays from another realm (jest, worker) pass.
  if (!ArrayBuffer.isView(values) || Object.prototype.toString.call(values) !== '[object Float32Array]') {
    throw new InputError(
      'BAD_OPTION',
      `${where}: values must be a Float32Array; got ${describeValue(values)}`,
    );
  }
}

function checkShape(shape: readonly number[], length: number, where: string): number[] {
  if (!Array.isArray(shape))
    throw new InputError(
      'BAD_OPTION',
      `${where}: shape must be an array of dims; got ${describeValue(shape)}`,
    );
  if (shape.length > 255) throw new InputError('BAD_OPTION', `${where}: rank ${shape.length} is above 255`);
  let product = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new InputError('BAD_OPTION', `${where}: dims must be integers >= 0; got [${shape.join(', ')}]`);
    }
    product *= dim;
  }
  if (product !== length) {
    throw new InputError(
      'BAD_OPTION',
      `${where}: shape [${shape.join(', ')}] holds ${product} elements but values has ${length}`,
    );
  }
  return [...shape];
}

function writeHeader(
  bits: Precision,
  coder: StoredCoder,
  dims: readonly number[],
  count: number,
  lo: number,
  hi: number,
  payloadBytes: number,
  contextVersion: StreamContextVersion = DEFAULT_CONTEXT_VERSION,
): Uint8Array {
  const out = new Uint8Array(7 + 8 * (dims.length + 2) + 8);
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = coder === 'context' ? contextVersion : 1;
  out[3] = bits === 'f16' ? 16 : bits === 'f32' ? 32 : bits === 'bf16' ? BF16_PRECISION : bits;
  out[4] = STORED_CODERS.indexOf(coder);
  out[5] = DTYPE_FLOAT;
  out[6] = dims.length;
  let p = 7;
  const varint = (value: number): void => {
    let v = value;
    while (v >= 128) {
      out[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    out[p++] = v;
  };
  for (const dim of dims) varint(dim);
  varint(count);
  const view = new DataView(out.buffer);
  view.setFloat32(p, lo, true);
  view.setFloat32(p + 4, hi, true);
  p += 8;
  varint(payloadBytes);
  return out.slice(0, p);
}

/** Writes the CRC-32 of everything but the last 4 bytes into the last 4 bytes. */
function sealed(out: Uint8Array): Uint8Array {
  const end = out.length - CRC_BYTES;
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(end, crc32(out, 0, end), true);
  return out;
}

function writeFloat32Into(values: Float32Array, out: Uint8Array, offset: number): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < values.length; i++) view.setFloat32(offset + 4 * i, values[i], true);
}

/**
 * Writes the top 16 bits of each float32 value, little-endian (bfloat16).
 * @throws InputError BAD_DATA for a value whose low 16 bits are not 0 (not a widened bfloat16)
 */
function writeBfloat16Into(values: Float32Array, out: Uint8Array, offset: number, name: string): void {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if ((w & 0xffff) !== 0)
      throw new InputError(
        'BAD_DATA',
        `encodeTensor: tensor "${name}": element ${i} (${values[i]}) is not a bfloat16 value (its low 16 bits are not 0); send it as 'f32'`,
      );
    out[offset + 2 * i] = (w >>> 16) & 0xff;
    out[offset + 2 * i + 1] = w >>> 24;
  }
}

/** bfloat16 values (2 bytes each, little-endian) widened to float32 exactly. */
function readBfloat16(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++)
    words[i] = ((bytes[offset + 2 * i] | (bytes[offset + 2 * i + 1] << 8)) << 16) >>> 0;
  return out;
}

function readFloat32(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + 4 * count));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true);
  return out;
}
