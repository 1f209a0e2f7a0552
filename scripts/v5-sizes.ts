/**
 * Payload sizes of the context coder's version 5 against version 4 on the bundled cut tensors
 * (20 test images) at bit widths 2, 4, 6, 8; with the whole stream's ratio to the smaller of
 * deflate-9 and brotli-11 (zstd-19 left out here). Run: node .build/scripts/v5-sizes.js [--min-kb K]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants as zlibConstants, deflateSync } from 'node:zlib';
import { contextEncode } from '../src/codec/context-coder';
import { CDF_RATES, contextDecodeV5Js, contextEncodeV5Js, v5Start } from '../src/codec/context-coder-v5';
import { quantize } from '../src/codec/normalize';
import { encodeTensor } from '../src/codec/tensor-format';
import type { BitWidth } from '../src/codec/types';
import { bundledTensors, type BundledTensor } from './bundled-cut-tensors';

const CACHE = '/tmp/v5-peers.json';

/** The bundled cut tensors of `minBytes` or more per sample, 20 images each. */
export async function tensors(minBytes: number): Promise<BundledTensor[]> {
  return (await bundledTensors(20)).filter((t) => t.samples[0].length * 4 >= minBytes);
}

async function main(): Promise<void> {
  // Experiment knobs: V5_RATES=a,b,c,... (rate per use count from 0; the last repeats), V5_USES=n.
  if (process.env.V5_RATES) {
    const r = process.env.V5_RATES.split(',').map(Number);
    for (let n = 0; n < CDF_RATES.length; n++) CDF_RATES[n] = r[Math.min(n, r.length - 1)];
  }
  if (process.env.V5_USES)
    for (const b of [1, 2, 3, 4, 5, 6, 7, 8] as BitWidth[]) v5Start(b).uses.fill(Number(process.env.V5_USES));
  const at = process.argv.indexOf('--min-kb');
  const minKb = at > 0 ? Number(process.argv[at + 1]) : 16;
  const peers: Record<string, number> = existsSync(CACHE) ? JSON.parse(readFileSync(CACHE, 'utf8')) : {};
  const sums = new Map<number, [number, number]>();
  for (const t of await tensors(minKb * 1024)) {
    for (const bits of [2, 4, 6, 8] as BitWidth[]) {
      let p4 = 0;
      let p5 = 0;
      let s4 = 0;
      const key = `${t.name} ${bits}`;
      let peer = peers[key] ?? 0;
      const fresh = peer === 0;
      for (const x of t.samples) {
        const q = quantize(x, bits);
        const a = contextEncode(q.codes, t.shape, bits).length;
        const payload = contextEncodeV5Js(q.codes, t.shape, bits)!;
        const back = contextDecodeV5Js(payload, q.codes.length, t.shape, bits);
        if (!Buffer.from(back).equals(Buffer.from(q.codes))) throw new Error(`${key}: round trip`);
        p4 += a;
        p5 += payload.length;
        const stream = encodeTensor(x, t.shape, { bits, coder: 'context' }).length;
        s4 += stream;
        if (fresh) {
          const framing = stream - a; // header + checksum (context-coded streams)
          const br = brotliCompressSync(q.codes, {
            params: {
              [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
              [zlibConstants.BROTLI_PARAM_SIZE_HINT]: q.codes.length,
            },
          }).length;
          peer += framing + Math.min(br, deflateSync(q.codes, { level: 9 }).length);
        }
      }
      if (fresh) peers[key] = peer;
      const sum = sums.get(bits) ?? [0, 0];
      sums.set(bits, [sum[0] + p4, sum[1] + p5]);
      const s5 = s4 - p4 + p5;
      process.stdout.write(
        `${key} ${t.shape.join('x')} v4 ${(p4 / 20).toFixed(0)} v5 ${(p5 / 20).toFixed(0)} ` +
          `v5/v4 ${(p5 / p4).toFixed(4)} peer v4 ${(s4 / peer).toFixed(3)} v5 ${(s5 / peer).toFixed(3)}${s5 / peer > 0.9 ? ' MISS' : ''}\n`,
      );
    }
  }
  writeFileSync(CACHE, JSON.stringify(peers));
  for (const [bits, [a, b]] of sums) process.stdout.write(`c=${bits}: total v5/v4 ${(b / a).toFixed(4)}\n`);
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
