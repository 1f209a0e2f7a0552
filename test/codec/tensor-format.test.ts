import { InputError, JaladError } from '../../src/core/errors';
import {
  BIT_WIDTHS,
  codeHistogram,
  crc32,
  decodeBatch,
  decodeTensor,
  dequantize,
  encodeBatch,
  encodeCodes,
  encodeTensor,
  entropyBytes,
  float32ToHalfBits,
  halfBitsToFloat32,
  packedSizeBytes,
  quantize,
  readTensorHeader,
  TENSOR_FORMAT_VERSION,
} from '../../src/codec';
import type { CoderChoice, EncodeOptions, Precision } from '../../src/codec';
import { firstDifference, prng, randomShape, reluMap, sparseLcg, uniform } from './fixtures';
import { encodedSizesByCoder } from '../../src/codec/tensor-format';
import { contextEncode as contextEncodeV2 } from '../../src/codec/context-coder-v2';

const { abs } = Math;

const PRECISIONS: readonly Precision[] = [...BIT_WIDTHS, 'f16', 'f32'];
const CODERS: readonly CoderChoice[] = ['auto', 'context', 'rans', 'huffman', 'raw'];

function expectBadOption(run: () => unknown): void {
  expect(run).toThrow(InputError);
  expect(run).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
}

function expectBadData(run: () => unknown): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InputError);
  expect(error).toMatchObject({ code: 'BAD_DATA' });
}

/** Checks one encode/decode round trip against the codec's definitions. */
function checkRoundTrip(x: Float32Array, shape: number[], options: EncodeOptions): Uint8Array {
  const stream = encodeTensor(x, shape, options);
  const decoded = decodeTensor(stream);
  const header = readTensorHeader(stream);
  expect(decoded.shape).toEqual(shape);
  expect(decoded.bits).toBe(options.bits);
  expect(decoded.sizeBytes).toBe(stream.length);
  expect(header.totalBytes).toBe(stream.length);
  if (options.bits === 'f32') {
    expect(firstDifference(decoded.values, x)).toBe(-1);
    expect(decoded.codes).toBeNull();
  } else if (options.bits === 'f16') {
    expect(
      firstDifference(
        decoded.values,
        Float32Array.from(x, (v) => halfBitsToFloat32(float32ToHalfBits(v))),
      ),
    ).toBe(-1);
    expect(decoded.codes).toBeNull();
  } else if (options.bits === 'bf16') {
    expect(firstDifference(decoded.values, x)).toBe(-1);
    expect(header.payloadBytes).toBe(2 * x.length);
    expect(decoded.codes).toBeNull();
  } else {
    const q = quantize(x, options.bits);
    expect(decoded.lo).toBe(q.lo);
    expect(decoded.hi).toBe(q.hi);
    expect(firstDifference(decoded.codes ?? [], q.codes)).toBe(-1);
    expect(firstDifference(decoded.values, dequantize(q))).toBe(-1);
    const step = (q.hi - q.lo) / (2 ** options.bits - 1);
    const tolerance = step / 2 + 2 ** -20 * (abs(q.lo) + abs(q.hi));
    for (let i = 0; i < x.length; i++) {
      if (!(abs(decoded.values[i] - x[i]) <= tolerance))
        throw new Error(`element ${i} is off by more than half a step`);
    }
    // The coder recorded is the requested one, or the raw fallback, or constant.
    const requested = options.coder ?? 'auto';
    const allowed =
      requested === 'auto'
        ? ['rans', 'raw', 'constant']
        : requested === 'context'
          ? ['context', 'rans', 'raw', 'constant']
          : [requested, 'raw', 'constant'];
    expect(allowed).toContain(decoded.coder);
    if (decoded.coder !== 'constant')
      expect(stream.length - header.payloadBytes - header.headerBytes).toBe(4);
    expect(header.payloadBytes).toBeLessThanOrEqual(packedSizeBytes(x.length, options.bits));
  }
  return stream;
}

describe('encodeTensor(values, shape, options)', () => {
  it.each([
    ['bits 9', () => encodeTensor(new Float32Array(2), [2], { bits: 9 as Precision })],
    ['bits 0', () => encodeTensor(new Float32Array(2), [2], { bits: 0 as Precision })],
    ["bits 'f64'", () => encodeTensor(new Float32Array(2), [2], { bits: 'f64' as Precision })],
    ["coder 'lz4'", () => encodeTensor(new Float32Array(2), [2], { bits: 8, coder: 'lz4' as CoderChoice })],
    ['a number[]', () => encodeTensor([1, 2] as unknown as Float32Array, [2], { bits: 8 })],
    ['a Float64Array', () => encodeTensor(new Float64Array(2) as unknown as Float32Array, [2], { bits: 8 })],
    ['a shape that does not fit', () => encodeTensor(new Float32Array(5), [2, 3], { bits: 8 })],
    ['a negative dim', () => encodeTensor(new Float32Array(0), [-1, 0], { bits: 8 })],
    ['a fractional dim', () => encodeTensor(new Float32Array(3), [1.5, 2], { bits: 8 })],
    [
      'a shape that is not an array',
      () => encodeTensor(new Float32Array(3), 3 as unknown as number[], { bits: 8 }),
    ],
  ])('rejects %s with InputError BAD_OPTION', (_name, run) => {
    expectBadOption(run);
  });

  it.each(PRECISIONS)(
    'rejects NaN and ±Infinity at %p with JaladError NON_FINITE naming the tensor',
    (bits) => {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const x = uniform(300, -1, 1, 1);
        x[299] = bad;
        let error: unknown;
        try {
          encodeTensor(x, [3, 100], { bits, name: 'layer3.relu' });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(JaladError);
        expect(error).toMatchObject({ code: 'NON_FINITE' });
        expect((error as Error).message).toContain('"layer3.relu"');
      }
    },
  );

  describe.each(PRECISIONS)('at precision %p', (bits) => {
    it.each(CODERS)('round-trips 12 random shapes and values with coder %p', (coder) => {
      const random = prng(typeof bits === 'number' ? bits : bits === 'f16' ? 16 : 32);
      for (let trial = 0; trial < 12; trial++) {
        const shape = randomShape(random, 2500);
        const n = shape.reduce((a, b) => a * b, 1);
        const x =
          trial % 2 === 0 ? reluMap(1, 1, n, trial) : uniform(n, -5 * random(), 5 * random() + 0.01, trial);
        checkRoundTrip(x, shape, { bits, coder });
      }
    });

    it.each([
      ['all-equal', [10, 10], () => new Float32Array(100).fill(-3.25)],
      ['all-zero', [4, 25, 10], () => new Float32Array(1000)],
      ['single element', [1, 1, 1], () => Float32Array.of(0.7)],
      ['scalar (rank 0)', [], () => Float32Array.of(-2)],
      ['empty [0]', [0], () => new Float32Array(0)],
      ['empty [2, 0, 3]', [2, 0, 3], () => new Float32Array(0)],
      ['two values', [2], () => Float32Array.of(1, 2)],
      [
        'sparse post-ReLU (97% zeros)',
        [8, 20, 20],
        () => reluMap(8, 20, 20, 5).map((v, i) => (i % 31 === 0 ? v + 1 : 0)),
      ],
    ] as Array<[string, number[], () => Float32Array]>)('handles %s %j', (_name, shape, make) => {
      for (const coder of CODERS) checkRoundTrip(make(), shape, { bits, coder });
    });
  });

  it('sends an all-equal or empty tensor as a header only (coder "constant"), whatever its size', () => {
    for (const x of [new Float32Array(100_000).fill(1.5), new Float32Array(100_000), new Float32Array(0)]) {
      const shape = x.length === 0 ? [0, 7] : [100, 1000];
      const stream = encodeTensor(x, shape, { bits: 8, coder: 'rans' });
      expect(readTensorHeader(stream)).toMatchObject({ coder: 'constant', payloadBytes: 0 });
      expect(stream.length).toBeLessThanOrEqual(32);
    }
  });

  it('falls back to raw packing, and records it, when a table costs more than it saves', () => {
    for (const coder of ['rans', 'huffman', 'auto'] as const) {
      const stream = encodeTensor(Float32Array.of(0, 1, 2, 3, 4), [5], { bits: 4, coder });
      expect(readTensorHeader(stream).coder).toBe('raw');
      expect(
        firstDifference(decodeTensor(stream).codes ?? [], quantize(Float32Array.of(0, 1, 2, 3, 4), 4).codes),
      ).toBe(-1);
    }
  });

  it("'auto' is never larger than raw or rANS, nor than Huffman by more than 1%", () => {
    const x = reluMap(16, 16, 16, 9);
    for (const bits of BIT_WIDTHS) {
      const size = (coder: CoderChoice): number => encodeTensor(x, [16, 16, 16], { bits, coder }).length;
      const auto = size('auto');
      expect(readTensorHeader(encodeTensor(x, [16, 16, 16], { bits })).coder).toBe('rans');
      expect(auto).toBeLessThanOrEqual(size('raw'));
      expect(auto).toBeLessThanOrEqual(size('rans'));
      expect(auto).toBeLessThanOrEqual(size('huffman') * 1.01);
    }
  });

  it("'context' is never larger than raw or rANS: it falls back per stream, and says so in the header", () => {
    // A map without spatial structure (rANS wins: the fallback), smooth ones (context wins) and
    // tiny or flat ones (raw wins), around the context encoder's early stop and the estimate's slack.
    const rough = reluMap(16, 16, 16, 9);
    const smooth = (c: number, h: number, w: number): Float32Array =>
      Float32Array.from({ length: c * h * w }, (_, i) => Math.max(0, Math.sin(i / 40) + (i % w) / 20));
    const chosen = new Set<string>();
    for (const [x, shape] of [
      [rough, [16, 16, 16]],
      [smooth(16, 16, 16), [16, 16, 16]],
      [smooth(1, 3, 7), [1, 3, 7]],
      [uniform(300, -1, 1, 5), [3, 10, 10]],
    ] as Array<[Float32Array, number[]]>)
      for (const bits of BIT_WIDTHS) {
        const size = (coder: CoderChoice): number => encodeTensor(x, shape, { bits, coder }).length;
        const stream = encodeTensor(x, shape, { bits, coder: 'context' });
        chosen.add(readTensorHeader(stream).coder);
        expect(stream.length).toBeLessThanOrEqual(size('raw'));
        expect(stream.length).toBeLessThanOrEqual(size('rans'));
        expect(firstDifference(decodeTensor(stream).codes ?? [], quantize(x, bits).codes)).toBe(-1);
      }
    expect([...chosen].sort()).toEqual(['context', 'rans', 'raw']);
  });

  it.each([4, 6, 8] as const)(
    'stays within 3%% of the order-0 entropy + 64 bytes (whole stream) at %i bits on 16 KB+ post-ReLU maps',
    (bits) => {
      for (const [c, h, w, seed] of [
        [16, 16, 16, 31],
        [32, 16, 16, 32],
        [64, 28, 28, 33],
      ]) {
        const x = reluMap(c, h, w, seed);
        const bound = entropyBytes(codeHistogram(quantize(x, bits).codes, 2 ** bits));
        expect(encodeTensor(x, [c, h, w], { bits }).length).toBeLessThanOrEqual(1.03 * bound + 64);
      }
    },
  );

  it('returns streams of their own: later encodes (which reuse scratch memory) do not change them', () => {
    const a = reluMap(8, 9, 9, 5);
    const b = reluMap(16, 20, 20, 6);
    for (const bits of [3, 8] as const) {
      const first = encodeTensor(a, [8, 9, 9], { bits });
      const copy = first.slice();
      encodeTensor(b, [16, 20, 20], { bits });
      encodeTensor(b, [16, 20, 20], { bits: 5, coder: 'rans' });
      expect(firstDifference(first, copy)).toBe(-1);
      expect(firstDifference(decodeTensor(first).codes as Uint8Array, quantize(a, bits).codes)).toBe(-1);
    }
  });

  it('encodedSizesByCoder gives the length of encodeTensor with each coder', () => {
    const tensors: Array<[Float32Array, number[]]> = [
      [reluMap(8, 9, 9, 7), [8, 9, 9]],
      [uniform(3000, -1, 1, 8), [3000]],
      [new Float32Array(50).fill(1), [5, 10]],
      [Float32Array.of(1, 2), [2]],
    ];
    for (const [values, shape] of tensors) {
      for (const bits of BIT_WIDTHS) {
        const sizes = encodedSizesByCoder(values, shape, { bits });
        for (const coder of ['auto', 'huffman', 'raw'] as const) {
          expect({ bits, coder, bytes: sizes[coder] }).toEqual({
            bits,
            coder,
            bytes: encodeTensor(values, shape, { bits, coder }).length,
          });
        }
      }
    }
  });

  it('the sweep sizes and the deployed edge encode with the context version encodeTensor writes', () => {
    // 24x28x28 = 18,816 codes: version 5 at 6 and 8 bits, version 4 at 2 and 4.
    const shape = [24, 28, 28];
    const values = Float32Array.from({ length: 24 * 28 * 28 }, (_, i) =>
      Math.max(0, Math.sin(i / 40) + (i % 28) / 20),
    );
    for (const bits of [2, 4, 6, 8] as const) {
      const stream = encodeTensor(values, shape, { bits, coder: 'context' });
      expect(stream[2]).toBe(bits >= 6 ? 5 : 4);
      const sizes = encodedSizesByCoder(values, shape, { bits, extra: 'context' });
      expect({ bits, bytes: sizes.context }).toEqual({ bits, bytes: stream.length });
      const q = quantize(values, bits);
      const fromCodes = encodeCodes(q.codes, shape, { bits, lo: q.lo, hi: q.hi, coder: 'context' });
      expect(firstDifference(fromCodes, stream)).toBe(-1);
    }
  });

  it('round-trips a very large tensor (4M elements) with the default coder', () => {
    const n = 4 * 1024 * 1024;
    const x = sparseLcg(n, 12345);
    const stream = encodeTensor(x, [4, 1024, 1024], { bits: 6 });
    const decoded = decodeTensor(stream);
    expect(['context', 'rans']).toContain(decoded.coder);
    expect(firstDifference(decoded.codes ?? [], quantize(x, 6).codes)).toBe(-1);
    expect(stream.length).toBeLessThan(packedSizeBytes(n, 6) / 2);
  });
});

/** n random float32 values that are bfloat16 values widened (low 16 bits 0): signs, zeros, tiny and huge ones. */
function bfloat16Values(n: number, seed: number): Float32Array {
  const random = prng(seed);
  const words = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let top = Math.floor(random() * 0x10000);
    if ((top & 0x7f80) === 0x7f80) top &= 0xbfff; // an exponent of all ones is Inf/NaN: keep it finite
    words[i] = (i % 17 === 0 ? (i % 2) << 15 : top) << 16;
  }
  return new Float32Array(words.buffer);
}

describe("precision 'bf16' (raw bfloat16)", () => {
  it('round-trips widened bfloat16 values bit for bit at 2 bytes per element', () => {
    for (const [n, seed] of [
      [1, 1],
      [37, 2],
      [4096, 3],
    ]) {
      const x = bfloat16Values(n, seed);
      const stream = checkRoundTrip(x, [n], { bits: 'bf16', name: 'h' });
      const header = readTensorHeader(stream);
      expect(stream[3]).toBe(0xbf);
      expect(stream[2]).toBe(1);
      expect(header.coder).toBe('raw');
      const back = new Uint32Array(decodeTensor(stream).values.buffer);
      expect(firstDifference(back, new Uint32Array(x.buffer))).toBe(-1);
      // The same values sent as 'f32' take twice the payload.
      expect(readTensorHeader(encodeTensor(x, [n], { bits: 'f32' })).payloadBytes).toBe(4 * n);
      expect(header.payloadBytes).toBe(2 * n);
    }
  });

  it('refuses a value that is not a widened bfloat16, naming the tensor and the element', () => {
    const x = bfloat16Values(10, 4);
    x[7] = 1 / 3;
    let error: unknown;
    try {
      encodeTensor(x, [10], { bits: 'bf16', name: 'h' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'BAD_DATA' });
    expect((error as Error).message).toMatch(/"h".*element 7 .*not a bfloat16 value/);
  });

  it('refuses NaN and ±Infinity as the other precisions do', () => {
    const x = bfloat16Values(4, 5);
    x[2] = Infinity;
    expect(() => encodeTensor(x, [4], { bits: 'bf16', name: 'h' })).toThrow(JaladError);
  });
});

describe('decodeTensor(bytes)', () => {
  const random = prng(77);
  const x = reluMap(4, 9, 9, 77);
  const streams: Array<[string, Uint8Array]> = [
    ['context', encodeTensor(x, [4, 9, 9], { bits: 6, coder: 'context' })],
    ['rans', encodeTensor(x, [4, 9, 9], { bits: 6, coder: 'rans' })],
    ['huffman', encodeTensor(x, [4, 9, 9], { bits: 6, coder: 'huffman' })],
    ['raw', encodeTensor(x, [4, 9, 9], { bits: 3, coder: 'raw' })],
    ['constant', encodeTensor(new Float32Array(324).fill(2), [4, 9, 9], { bits: 8 })],
    ['f16', encodeTensor(x.subarray(0, 40), [40], { bits: 'f16' })],
    ['f32', encodeTensor(x.subarray(0, 40), [40], { bits: 'f32' })],
    ['bf16', encodeTensor(bfloat16Values(40, 5), [40], { bits: 'bf16' })],
  ];

  it('rejects something that is not a Uint8Array with InputError BAD_OPTION', () => {
    expectBadOption(() => decodeTensor([1, 2, 3] as unknown as Uint8Array));
  });

  it.each(streams)('rejects every truncation of a %s stream with InputError BAD_DATA', (_name, stream) => {
    for (let length = 0; length < stream.length; length++)
      expectBadData(() => decodeTensor(stream.subarray(0, length)));
  });

  it.each(streams)(
    'rejects a bit flip in every byte of a %s stream with InputError BAD_DATA',
    (_name, stream) => {
      for (let at = 0; at < stream.length; at++) {
        const damaged = stream.slice();
        damaged[at] ^= 1 << Math.floor(random() * 8);
        expectBadData(() => decodeTensor(damaged));
      }
    },
  );

  it.each(streams)('rejects trailing bytes after a %s stream', (_name, stream) => {
    const longer = new Uint8Array(stream.length + 1);
    longer.set(stream);
    expectBadData(() => decodeTensor(longer));
  });

  it('names the tensor, says what is wrong, and reads a stream inside a larger buffer', () => {
    const stream = streams[0][1];
    expect(() => decodeTensor(stream.subarray(0, 10), { name: 'pool2' })).toThrow(
      /tensor "pool2".*truncated/,
    );
    const damaged = stream.slice();
    damaged[0] = 0;
    expect(() => decodeTensor(damaged)).toThrow(/not a jalad tensor stream/);
    const framed = new Uint8Array(stream.length + 9);
    framed.set(stream, 5);
    expect(decodeTensor(framed.subarray(5, 5 + stream.length)).shape).toEqual([4, 9, 9]);
  });
});

/** A stream (version 1 unless given) with arbitrary header fields and a valid checksum (to test the field checks). */
function craftStream(fields: {
  version?: number;
  bits?: number;
  coder?: number;
  dtype?: number;
  dims?: number[];
  count?: number;
  lo?: number;
  hi?: number;
  payload?: number[];
}): Uint8Array {
  const { bits = 8, coder = 0, dtype = 1, dims = [4], lo = 0, hi = 1, payload = [1, 2, 3, 4] } = fields;
  const count = fields.count ?? dims.reduce((a, b) => a * b, 1);
  const bytes: number[] = [0x4a, 0x51, fields.version ?? 1, bits, coder, dtype, dims.length];
  const varint = (value: number): void => {
    let v = value;
    while (v >= 128) {
      bytes.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
  };
  dims.forEach(varint);
  varint(count);
  bytes.push(...new Uint8Array(Float32Array.of(lo, hi).buffer));
  varint(payload.length);
  bytes.push(...payload);
  const out = new Uint8Array(bytes.length + 4);
  out.set(bytes);
  new DataView(out.buffer).setUint32(bytes.length, crc32(out.subarray(0, bytes.length)), true);
  return out;
}

describe('readTensorHeader(bytes)', () => {
  it('accepts a crafted raw stream, and rejects checksum-valid streams with inconsistent fields', () => {
    expect(Array.from(decodeTensor(craftStream({})).codes ?? [])).toEqual([1, 2, 3, 4]);
    expectBadData(() => readTensorHeader(craftStream({ bits: 9 })));
    expectBadData(() => readTensorHeader(craftStream({ coder: 7 })));
    // Format versions: 1 to 6 are read; the context coder (4) only in versions 2 to 6, the others only in 1.
    expect(Array.from(decodeTensor(craftStream({ version: 1 })).codes ?? [])).toEqual([1, 2, 3, 4]);
    expectBadData(() => readTensorHeader(craftStream({ version: 0 })));
    expectBadData(() => readTensorHeader(craftStream({ version: 7 })));
    expectBadData(() => readTensorHeader(craftStream({ version: 7, coder: 4, payload: [0, 0, 0, 0] })));
    expectBadData(() => readTensorHeader(craftStream({ version: 6 })));
    expectBadData(() => readTensorHeader(craftStream({ version: 5 })));
    expectBadData(() => readTensorHeader(craftStream({ version: 4 })));
    expectBadData(() => readTensorHeader(craftStream({ version: 3 })));
    expectBadData(() => readTensorHeader(craftStream({ version: 2 })));
    expectBadData(() => readTensorHeader(craftStream({ version: 1, coder: 4, payload: [0, 0, 0, 0] })));
    // A checksum-valid context payload that does not end where the codes do.
    expectBadData(() => decodeTensor(craftStream({ version: 2, coder: 4, payload: [0, 0, 0, 0, 0, 0, 0] })));
    expectBadData(() => decodeTensor(craftStream({ version: 3, coder: 4, payload: [0, 0, 0, 0, 0, 0, 0] })));
    expectBadData(() => decodeTensor(craftStream({ version: 4, coder: 4, payload: [0, 0, 0, 0, 0, 0, 0] })));
    expectBadData(() => decodeTensor(craftStream({ version: 5, coder: 4, payload: [0, 0, 0, 0, 0, 0, 0] })));
    expectBadData(() => decodeTensor(craftStream({ version: 6, coder: 4, payload: [0, 0, 0, 0, 0, 0, 0] })));
    expectBadData(() => readTensorHeader(craftStream({ dtype: 10 })));
    expectBadData(() => readTensorHeader(craftStream({ count: 5 })));
    expectBadData(() => readTensorHeader(craftStream({ lo: 2, hi: 1 })));
    expectBadData(() => readTensorHeader(craftStream({ lo: NaN })));
    expectBadData(() => readTensorHeader(craftStream({ payload: [1, 2, 3] })));
    expectBadData(() => readTensorHeader(craftStream({ coder: 3, lo: 0, hi: 1, payload: [] })));
    expectBadData(() => readTensorHeader(craftStream({ coder: 0, lo: 1, hi: 1 })));
    expectBadData(() =>
      readTensorHeader(craftStream({ bits: 16, coder: 2, payload: [0, 0, 0, 0, 0, 0, 0, 0] })),
    );
    // A constant tensor of 2^32 elements would be a 16 GB allocation: refused, not attempted.
    expectBadData(() => decodeTensor(craftStream({ coder: 3, dims: [2 ** 32], lo: 1, hi: 1, payload: [] })));
  });

  it('reports the fields of the format', () => {
    const x = reluMap(16, 14, 14, 3);
    const stream = encodeTensor(x, [16, 14, 14], { bits: 4, coder: 'rans' });
    const q = quantize(x, 4);
    const header = readTensorHeader(stream);
    // A smooth map, where the context coder beats rANS (on reluMap's noise it falls back to rANS).
    const smooth = Float32Array.from({ length: 16 * 14 * 14 }, (_, i) => Math.max(0, Math.sin(i / 30)));
    expect(readTensorHeader(encodeTensor(smooth, [16, 14, 14], { bits: 4, coder: 'context' }))).toMatchObject(
      {
        // A small 4-bit sample: version 4 (6 below 16 K codes at 7-8 bits; 5 from 16 K codes at 6 bits or more).
        formatVersion: 4,
        coder: 'context',
      },
    );
    expect(TENSOR_FORMAT_VERSION).toBe(6);
    expect(header).toMatchObject({
      formatVersion: 1,
      bits: 4,
      coder: 'rans',
      dtype: 'float32',
      shape: [16, 14, 14],
      count: 16 * 14 * 14,
      lo: q.lo,
      hi: q.hi,
      totalBytes: stream.length,
    });
    expect(header.headerBytes + header.payloadBytes + 4).toBe(stream.length);
    expect(header.headerBytes).toBeLessThanOrEqual(28);
  });
});

describe('encodeBatch(values, shape, options) / decodeBatch(streams)', () => {
  it('rejects a rank-0 shape and an empty list of streams', () => {
    expectBadOption(() => encodeBatch(Float32Array.of(1), [], { bits: 8 }));
    expectBadOption(() => decodeBatch([]));
  });

  it('names the sample that holds NaN', () => {
    const x = reluMap(6, 4, 4, 1);
    x[3 * 16 + 5] = NaN;
    expect(() => encodeBatch(x, [6, 4, 4], { bits: 8, name: 'conv2' })).toThrow(/"conv2\[3\]"/);
  });

  it.each(PRECISIONS)('encodes each sample on its own range and stacks them back at %p', (bits) => {
    const samples = 5;
    const x = reluMap(samples * 3, 7, 7, 2);
    for (let i = 0; i < 3 * 49; i++) x[2 * 147 + i] *= 100; // sample 2 has a much larger range
    const streams = encodeBatch(x, [samples, 3, 7, 7], { bits });
    expect(streams.length).toBe(samples);
    const batch = decodeBatch(streams);
    expect(batch.shape).toEqual([samples, 3, 7, 7]);
    expect(batch.sizeBytes).toEqual(streams.map((s) => s.length));
    for (let i = 0; i < samples; i++) {
      const sample = x.subarray(i * 147, (i + 1) * 147);
      const alone = decodeTensor(encodeTensor(sample, [3, 7, 7], { bits }));
      expect(firstDifference(batch.values.subarray(i * 147, (i + 1) * 147), alone.values)).toBe(-1);
      if (typeof bits === 'number')
        expect(firstDifference(batch.codes?.subarray(i * 147, (i + 1) * 147) ?? [], alone.codes ?? [])).toBe(
          -1,
        );
    }
  });

  it('rejects samples of different shapes or precisions', () => {
    const a = encodeTensor(new Float32Array(4), [4], { bits: 8 });
    const b = encodeTensor(new Float32Array(4), [2, 2], { bits: 8 });
    const c = encodeTensor(new Float32Array(4), [4], { bits: 4 });
    expectBadData(() => decodeBatch([a, b]));
    expectBadData(() => decodeBatch([a, c]));
  });

  it('handles a batch of zero samples and empty samples', () => {
    expect(encodeBatch(new Float32Array(0), [0, 3], { bits: 8 })).toEqual([]);
    const streams = encodeBatch(new Float32Array(0), [2, 0], { bits: 8 });
    expect(decodeBatch(streams).shape).toEqual([2, 0]);
  });
});

describe('version-2 context streams (the first context coder)', () => {
  it.each(BIT_WIDTHS)('still decode, bit for bit, at %i bits', (bits) => {
    for (const [shape, x] of [
      [[6, 11, 9], reluMap(6, 11, 9, bits)],
      [[37], reluMap(1, 1, 37, bits + 50)],
      [[2, 3, 5, 7], uniform(210, -2, 3, bits)],
    ] as Array<[number[], Float32Array]>) {
      const q = quantize(x, bits);
      if (q.lo === q.hi) continue;
      const stream = craftStream({
        version: 2,
        bits,
        coder: 4,
        dims: shape,
        lo: q.lo,
        hi: q.hi,
        payload: Array.from(contextEncodeV2(q.codes, shape, bits)),
      });
      const decoded = decodeTensor(stream);
      expect(decoded.coder).toBe('context');
      expect(firstDifference(decoded.codes ?? [], q.codes)).toBe(-1);
      // The same payload read as version 3 is another coder's: rejected (or, by chance, other codes).
      expectReadAsVersion3Differs(stream, q.codes);
    }
  });
});

describe('context payload versions 3 to 6', () => {
  /** A smooth map, where the context coder beats rANS. */
  const smooth = (n: number, seed: number): Float32Array =>
    Float32Array.from({ length: n }, (_, i) =>
      Math.max(0, Math.sin(i / (20 + seed)) + 0.3 * Math.sin(i / 3)),
    );

  it.each(BIT_WIDTHS)(
    'writes version 6 by default on samples under 8 K codes at 7-8 bits (else 4) and versions 3 to 6 on request, all decoded at %i bits',
    (bits) => {
      for (const shape of [[8, 9, 11], [24, 7, 7], [300]]) {
        const x = smooth(
          shape.reduce((a, b) => a * b, 1),
          bits,
        );
        const q = quantize(x, bits);
        const byDefault = encodeTensor(x, shape, { bits, coder: 'context' });
        const v3 = encodeTensor(x, shape, { bits, coder: 'context', contextVersion: 3 });
        const v4 = encodeTensor(x, shape, { bits, coder: 'context', contextVersion: 4 });
        const v5 = encodeTensor(x, shape, { bits, coder: 'context', contextVersion: 5 });
        const v6 = encodeTensor(x, shape, { bits, coder: 'context', contextVersion: 6 });
        expect(byDefault).toEqual(bits >= 7 ? v6 : v4);
        for (const [stream, version] of [
          [v4, 4],
          [v3, 3],
          [v5, 5],
          [v6, 6],
        ] as const) {
          const header = readTensorHeader(stream);
          // The fallback to rANS or raw writes version 1, as before.
          expect(header.formatVersion).toBe(header.coder === 'context' ? version : 1);
          expect(firstDifference(decodeTensor(stream).codes ?? [], q.codes)).toBe(-1);
        }
      }
    },
  );

  it('reads a payload only as the version its header names (the other start is another coder)', () => {
    const x = smooth(16 * 14 * 14, 1);
    const q = quantize(x, 6);
    const v4 = encodeTensor(x, [16, 14, 14], { bits: 6, coder: 'context' });
    expect(readTensorHeader(v4).coder).toBe('context');
    expectReadAsVersion3Differs(v4, q.codes);
  });

  it('writes version 5 by default on samples of 16 K codes or more at 6 bits or more, 6 on ones under 8 K codes at 7-8 bits', () => {
    const shape = [24, 28, 28];
    const x = smooth(24 * 28 * 28, 2).map((v) => v + 0.5);
    for (const [bits, sample, expected] of [
      [8, x, 5],
      [6, x, 5],
      [5, x, 4],
      [4, x, 4],
      [8, x.subarray(0, 16383), 4],
      [8, x.subarray(0, 8192), 4],
      [8, x.subarray(0, 8191), 6],
      [7, x.subarray(0, 8191), 6],
      [6, x.subarray(0, 8191), 4],
      [2, x.subarray(0, 8191), 4],
    ] as const) {
      const dims = sample.length === x.length ? shape : [sample.length];
      const stream = encodeTensor(sample, dims, { bits, coder: 'context' });
      const header = readTensorHeader(stream);
      expect({ bits, n: sample.length, coder: header.coder, version: header.formatVersion }).toEqual({
        bits,
        n: sample.length,
        coder: 'context',
        version: expected,
      });
      expect(firstDifference(decodeTensor(stream).codes ?? [], quantize(sample, bits).codes)).toBe(-1);
      const forced = encodeTensor(sample, dims, {
        bits,
        coder: 'context',
        contextVersion: expected === 5 ? 4 : 5,
      });
      expect(readTensorHeader(forced).formatVersion).toBe(expected === 5 ? 4 : 5);
    }
  });

  it('rejects a contextVersion other than 3, 4, 5 or 6 with BAD_OPTION', () => {
    for (const contextVersion of [2, 7, '4', null]) {
      expect(() =>
        encodeTensor(smooth(50, 0), [50], { bits: 4, coder: 'context', contextVersion } as never),
      ).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    }
  });
});

/**
 * The context payload of `stream` relabelled as version 3 (checksum made good again) is another
 * coder's: decoding it is refused with an InputError or, by chance, gives other codes.
 */
function expectReadAsVersion3Differs(stream: Uint8Array, codes: Uint8Array): void {
  const as3 = stream.slice();
  as3[2] = 3;
  new DataView(as3.buffer).setUint32(as3.length - 4, crc32(as3.subarray(0, as3.length - 4)), true);
  let other: Uint8Array | null = null;
  try {
    other = decodeTensor(as3).codes;
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
  }
  if (other !== null) expect(firstDifference(other, codes)).not.toBe(-1);
}
