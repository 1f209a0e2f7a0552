/**
 * Payload sizes of the context coder's version 6 against version 4 on the bundled cut tensors of
 * >= 16 KB float32 and < 16,384 codes (20 test images), bit widths 2, 4, 6, 8, with the whole
 * stream's ratio to the smallest of deflate-9, brotli-11 and zstd-19 (the bench's peers), and the
 * encode/decode speeds (MB/s of float32) of version 4 (WebAssembly) and version 6 in WebAssembly
 * (context-v6-wasm.ts) and in JavaScript (context-coder-v6.ts), interleaved per sample.
 * Run: node .build/scripts/v6-sizes.js   (env: BITS=6,8, NAMES=..., V6='{...}' to try other constants,
 * JS=0 to leave out the slow JavaScript arm)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { brotliCompressSync, constants as zlibConstants, deflateSync } from 'node:zlib';
import { ZstdCodec, type ZstdSimple } from 'zstd-codec';
import { contextDecode, contextEncode } from '../src/codec/context-coder';
import { contextDecodeV6, contextEncodeV6, V6 } from '../src/codec/context-coder-v6';
import { contextDecodeV6Values, contextEncodeV6Within } from '../src/codec/context-v6-wasm';
import { quantize } from '../src/codec/normalize';
import { encodeTensor } from '../src/codec/tensor-format';
import type { BitWidth } from '../src/codec/types';
import { tensors } from './v5-sizes';

const CACHE = '/tmp/v6-peers.json';

async function main(): Promise<void> {
  if (process.env.V6) Object.assign(V6, JSON.parse(process.env.V6));
  const zstd = await new Promise<ZstdSimple>((resolve) => ZstdCodec.run((z) => resolve(new z.Simple())));
  const peers: Record<string, number> = existsSync(CACHE) ? JSON.parse(readFileSync(CACHE, 'utf8')) : {};
  const widths = (process.env.BITS ?? '2,4,6,8').split(',').map(Number) as BitWidth[];
  const withJs = process.env.JS !== '0';
  /** Milliseconds per arm: v4 encode, v4 decode, v6 WebAssembly encode and decode, v6 JavaScript encode and decode. */
  const ms = { e4: 0, d4: 0, e6: 0, d6: 0, e6js: 0, d6js: 0 };
  let bytes = 0;
  const started = Date.now();
  const loadBefore = loadavg()[0];
  for (const t of await tensors(16 * 1024)) {
    if (t.samples[0].length >= 16384) continue;
    if (process.env.NAMES && !process.env.NAMES.split(',').some((n) => t.name === n)) continue;
    for (const bits of widths) {
      let p4 = 0;
      let p6 = 0;
      let s4 = 0;
      const key = `${t.name} ${bits}`;
      let peer = peers[key] ?? 0;
      const fresh = peer === 0;
      for (const x of t.samples) {
        const q = quantize(x, bits);
        const range = { start: 0, end: 0, lo: q.lo, hi: q.hi };
        let t0 = performance.now();
        const a = contextEncode(q.codes, t.shape, bits, 4);
        let t1 = performance.now();
        contextDecode(a, q.codes.length, t.shape, bits, 0, a.length, 4);
        let t2 = performance.now();
        ms.e4 += t1 - t0;
        ms.d4 += t2 - t1;
        t0 = performance.now();
        const payload = contextEncodeV6Within(q.codes, t.shape, bits)!;
        t1 = performance.now();
        const back = contextDecodeV6Values(payload, q.codes.length, t.shape, bits, {
          ...range,
          end: payload.length,
        }).codes;
        t2 = performance.now();
        ms.e6 += t1 - t0;
        ms.d6 += t2 - t1;
        if (withJs) {
          t0 = performance.now();
          const js = contextEncodeV6(q.codes, t.shape, bits);
          t1 = performance.now();
          const backJs = contextDecodeV6(js, q.codes.length, t.shape, bits);
          t2 = performance.now();
          ms.e6js += t1 - t0;
          ms.d6js += t2 - t1;
          if (!Buffer.from(js).equals(Buffer.from(payload)))
            throw new Error(`${key}: JS and WebAssembly differ`);
          if (!Buffer.from(backJs).equals(Buffer.from(q.codes))) throw new Error(`${key}: JS round trip`);
        }
        bytes += x.length * 4;
        if (!Buffer.from(back).equals(Buffer.from(q.codes))) throw new Error(`${key}: round trip`);
        p4 += a.length;
        p6 += payload.length;
        const stream = encodeTensor(x, t.shape, { bits, coder: 'context', contextVersion: 4 }).length;
        s4 += stream;
        if (fresh) {
          const framing = stream - a.length;
          const br = brotliCompressSync(q.codes, {
            params: {
              [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
              [zlibConstants.BROTLI_PARAM_SIZE_HINT]: q.codes.length,
            },
          }).length;
          peer +=
            framing +
            Math.min(br, deflateSync(q.codes, { level: 9 }).length, zstd.compress(q.codes, 19).length);
        }
      }
      if (fresh) peers[key] = peer;
      const s6 = s4 - p4 + p6;
      process.stdout.write(
        `${key.padEnd(20)} ${t.shape.join('x').padEnd(9)} v4 ${(s4 / 20).toFixed(0)} v6 ${(s6 / 20).toFixed(0)} ` +
          `peer ${(peer / 20).toFixed(0)} v4/peer ${(s4 / peer).toFixed(3)} v6/peer ${(s6 / peer).toFixed(3)}` +
          `${s6 / peer > 0.9 ? ' MISS' : ''}${s6 > s4 ? ' WORSE' : ''}\n`,
      );
    }
  }
  writeFileSync(CACHE, JSON.stringify(peers));
  const mb = bytes / 1e6;
  const speed = (t: number): string => ((mb / t) * 1000).toFixed(1);
  process.stdout.write(
    `${mb.toFixed(1)} MB float32 in ${((Date.now() - started) / 1000).toFixed(0)} s, load ${loadBefore.toFixed(2)} -> ` +
      `${loadavg()[0].toFixed(2)}; MB/s encode / decode: v4 WebAssembly ${speed(ms.e4)} / ${speed(ms.d4)}, ` +
      `v6 WebAssembly ${speed(ms.e6)} / ${speed(ms.d6)}` +
      (withJs ? `, v6 JavaScript ${speed(ms.e6js)} / ${speed(ms.d6js)}` : '') +
      '\n',
  );
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
