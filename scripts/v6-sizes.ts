/**
 * Payload sizes of the context coder's version 6 against version 4 on the bundled cut tensors of
 * >= 16 KB float32 and < 16,384 codes (20 test images), bit widths 2, 4, 6, 8, with the whole
 * stream's ratio to the smallest of deflate-9, brotli-11 and zstd-19 (the bench's peers), and v6's
 * encode/decode time. Run: node .build/scripts/v6-sizes.js
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants as zlibConstants, deflateSync } from 'node:zlib';
import { ZstdCodec, type ZstdSimple } from 'zstd-codec';
import { contextDecode, contextEncode } from '../src/codec/context-coder';
import { contextDecodeV6, contextEncodeV6, V6 } from '../src/codec/context-coder-v6';
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
  let t4 = 0;
  let e6 = 0;
  let d6 = 0;
  let bytes = 0;
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
        let t0 = performance.now();
        const a = contextEncode(q.codes, t.shape, bits, 4);
        contextDecode(a, q.codes.length, t.shape, bits, 0, a.length, 4);
        t4 += performance.now() - t0;
        t0 = performance.now();
        const payload = contextEncodeV6(q.codes, t.shape, bits);
        const t1 = performance.now();
        const back = contextDecodeV6(payload, q.codes.length, t.shape, bits);
        e6 += t1 - t0;
        d6 += performance.now() - t1;
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
  process.stdout.write(
    `${mb.toFixed(1)} MB float32: v4 codes encode+decode ${t4.toFixed(0)} ms; v6 encode ${e6.toFixed(0)} ms ` +
      `(${((mb / e6) * 1000).toFixed(1)} MB/s), decode ${d6.toFixed(0)} ms (${((mb / d6) * 1000).toFixed(1)} MB/s)\n`,
  );
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
