/**
 * docs/formats.md's byte table describes what `encodeTensor` really writes: a reader written from
 * the documentation alone (varint dims, count, lo, hi, payload length, CRC-32 of zlib) parses real
 * streams of every coder, and its version and coder numbers are the documented ones.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { crc32, encodeTensor, quantize, TENSOR_FORMAT_VERSION, type CoderChoice } from '../src/codec';

const DOC = fs.readFileSync(path.join(__dirname, '..', 'docs', 'formats.md'), 'utf8');

/** The documented row of a byte-table field, e.g. the one starting `| 4 | 1 | coder used`. */
function row(offset: string, field: string): string {
  const line = DOC.split('\n').find((l) => l.startsWith(`| ${offset} |`) && l.includes(field));
  if (!line) throw new Error(`docs/formats.md: no byte-table row "${offset}" with "${field}"`);
  return line;
}

const DOC_VERSIONS = /format version: (\d+), or (\d+) with the `context` coder/.exec(
  row('2', 'format version'),
)!;
/** The version of context-coded streams (the newest) and of every other stream. */
const DOC_VERSION = Number(DOC_VERSIONS[2]);
const DOC_OTHER_VERSION = Number(DOC_VERSIONS[1]);
const DOC_CODERS = new Map(
  [...row('4', 'coder used').matchAll(/(\d+) (raw|huffman|rans|constant|context)/g)].map((m) => [
    m[2],
    Number(m[1]),
  ]),
);

/** CRC-32 as zlib computes it (Node's own when it has one; the codec's otherwise). */
function zlibCrc(bytes: Uint8Array): number {
  const own = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  return own ? own(bytes) >>> 0 : crc32(bytes);
}

/** Reads a stream exactly as docs/formats.md lays it out. */
function readAsDocumented(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 7;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[p++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
  };
  const dims = Array.from({ length: bytes[6] }, varint);
  const count = varint();
  const lo = view.getFloat32(p, true);
  const hi = view.getFloat32(p + 4, true);
  p += 8;
  const payloadBytes = varint();
  return {
    magic: String.fromCharCode(bytes[0], bytes[1]),
    version: bytes[2],
    precision: bytes[3],
    coder: bytes[4],
    dtype: bytes[5],
    dims,
    count,
    lo,
    hi,
    payload: bytes.subarray(p, p + payloadBytes),
    end: p + payloadBytes,
    crc: view.getUint32(p + payloadBytes, true),
  };
}

/** A seeded post-ReLU-like sample: mostly zeros, a skewed positive tail. */
function sample(n: number): Float32Array {
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const u = s / 2 ** 32;
    x[i] = u < 0.6 ? 0 : Math.fround(((u - 0.6) * 10) ** 2);
  }
  return x;
}

describe('docs/formats.md, the tensor byte format', () => {
  it('states the version and coder numbers the code writes', () => {
    expect(DOC_VERSION).toBe(TENSOR_FORMAT_VERSION);
    expect([...DOC_CODERS.keys()].sort()).toEqual(['constant', 'context', 'huffman', 'rans', 'raw']);
  });

  it.each([
    ['raw', 4, [16, 14, 14]],
    ['rans', 4, [16, 14, 14]],
    ['huffman', 2, [32, 7, 7]],
    ['auto', 8, [300]],
  ] as [CoderChoice, 1 | 2 | 4 | 8, number[]][])(
    'reads a %s stream at %i bits from the documentation alone',
    (coder, bits, shape) => {
      const x = sample(shape.reduce((a, b) => a * b, 1));
      const bytes = encodeTensor(x, shape, { bits, coder });
      const s = readAsDocumented(bytes);
      expect(s.magic).toBe('JQ');
      expect(s.version).toBe(s.coder === DOC_CODERS.get('context') ? DOC_VERSION : DOC_OTHER_VERSION);
      expect(s.precision).toBe(bits);
      expect([...DOC_CODERS.values()]).toContain(s.coder);
      if (coder !== 'auto') expect(s.coder).toBe(DOC_CODERS.get(coder));
      expect(s.dtype).toBe(1);
      expect(s.dims).toEqual(shape);
      expect(s.count).toBe(x.length);
      expect(s.lo).toBe(Math.min(...x));
      expect(s.hi).toBe(Math.max(...x));
      expect(s.end + 4).toBe(bytes.length);
      expect(s.crc).toBe(zlibCrc(bytes.subarray(0, s.end)));
      if (s.coder === DOC_CODERS.get('raw')) {
        // c bits per code, most significant bit first, the last byte padded with zeros.
        const codes = quantize(x, bits).codes;
        const unpacked = Array.from(codes, (_, i) => {
          let v = 0;
          for (let b = 0; b < bits; b++) {
            const bit = i * bits + b;
            v = (v << 1) | ((s.payload[bit >> 3] >> (7 - (bit & 7))) & 1);
          }
          return v;
        });
        expect(unpacked).toEqual(Array.from(codes));
        expect(s.payload.length).toBe(Math.ceil((codes.length * bits) / 8));
      }
    },
  );

  it('writes a constant tensor as the documented constant coder with no payload', () => {
    const s = readAsDocumented(encodeTensor(new Float32Array(10).fill(2.5), [10], { bits: 4 }));
    expect(s.coder).toBe(DOC_CODERS.get('constant'));
    expect(s.payload.length).toBe(0);
    expect([s.lo, s.hi]).toEqual([2.5, 2.5]);
  });
});
