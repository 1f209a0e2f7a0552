/**
 * The context decoders alone (payload to codes and values, no header or checksum), version 4 and
 * version 5 alternated, on the bundled cut tensors of >= 64 KB: ns per code by CPU time (medians).
 * Run: node .build/scripts/v5-time.js [--bits 6,8] [--rounds N]
 */
import { loadavg } from 'node:os';
import { contextDecodeValues, contextEncode } from '../src/codec/context-coder';
import { contextDecodeV5Values, contextEncodeV5 } from '../src/codec/context-coder-v5';
import { quantize } from '../src/codec/normalize';
import type { BitWidth } from '../src/codec/types';
import { tensors } from './v5-sizes';
import { processCpuMs } from './bench-env';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
}

async function main(): Promise<void> {
  const bitsList = option('--bits', '6,8').split(',').map(Number) as BitWidth[];
  const rounds = Number(option('--rounds', '9'));
  process.stdout.write(
    `load ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}\n`,
  );
  for (const t of await tensors(64 * 1024)) {
    for (const bits of bitsList) {
      const qs = t.samples.map((x) => quantize(x, bits));
      const p4 = qs.map((q) => contextEncode(q.codes, t.shape, bits));
      const p5 = qs.map((q) => contextEncodeV5(q.codes, t.shape, bits)!);
      const n = qs[0].codes.length;
      const arms = [
        (): void =>
          p4.forEach((p, i) =>
            contextDecodeValues(p, n, t.shape, bits, { start: 0, end: p.length, lo: qs[i].lo, hi: qs[i].hi }),
          ),
        (): void =>
          p5.forEach((p, i) =>
            contextDecodeV5Values(p, n, t.shape, bits, {
              start: 0,
              end: p.length,
              lo: qs[i].lo,
              hi: qs[i].hi,
            }),
          ),
      ];
      const ns: number[][] = [[], []];
      for (let r = 0; r < rounds; r++)
        arms.forEach((arm, k) => {
          const start = processCpuMs();
          for (let rep = 0; rep < 3; rep++) arm();
          ns[k].push(((processCpuMs() - start) * 1e6) / (3 * qs.length * n));
        });
      const med = ns.map((v) => [...v].sort((a, b) => a - b)[v.length >> 1]);
      process.stdout.write(
        `${t.name} ${t.shape.join('x')} c=${bits}: v4 ${med[0].toFixed(1)} ns/code (${((4 / med[0]) * 1000).toFixed(0)} MB/s), ` +
          `v5 ${med[1].toFixed(1)} (${((4 / med[1]) * 1000).toFixed(0)} MB/s), v5/v4 time ${(med[1] / med[0]).toFixed(2)}\n`,
      );
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
