/**
 * Side-by-side timing of the context coder in two builds of jalad: this checkout's and another
 * commit's, alternated row by row in one process so that both meet the same load (the machine this
 * project is measured on is shared, and load changes within minutes).
 *
 * Run (from the repository root, after `npm run build:all`):
 *   node .build/scripts/ab-codec.js OTHER_BUILD [--rounds N] [--bits 2,4,6,8] [--min-kb K] [--version V]
 * where OTHER_BUILD is the output of `tsc -p tsconfig.build.json --outDir OTHER_BUILD` in a copy of
 * another commit, e.g.
 *   git archive REV src tsconfig.json tsconfig.build.json package.json | tar -x -C /tmp/old
 *   ln -s "$PWD/node_modules" /tmp/old/node_modules
 *   (cd /tmp/old && npx tsc -p tsconfig.build.json --outDir out)   # OTHER_BUILD = /tmp/old/out
 *
 * Inputs: the cut tensors of the three bundled models of at least K KB of float32 (default 48),
 * for the first 20 test images (--version: the context payload version both builds write). For
 * each tensor and bit width: both builds' streams must be identical and decode to identical codes and values; then whole `encodeTensor` and
 * `decodeTensor` (coder `context`) of the 20 samples, each arm 3 times per round, the four arms in
 * turn for N rounds (default 11); the median MB/s of float32 input per second of CPU time (the
 * process's: an arm lasts tens of ms, too short for the thread's tick-granular clock).
 *
 * Or, in this build only, two context payload versions against each other (their streams differ;
 * each decodes to the quantized codes, checked), with the mean stream bytes of each:
 *   node .build/scripts/ab-codec.js --versions 4,5 [--rounds N] [--bits 2,4,6,8] [--min-kb K]
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import * as here from '../src/codec/tensor-format';
import type { StreamContextVersion } from '../src/codec/tensor-format';
import { quantize } from '../src/codec/normalize';
import type { BitWidth } from '../src/codec/types';
import { bundledTensors, type BundledTensor } from './bundled-cut-tensors';
import { processCpuMs } from './bench-env';

type Codec = Pick<typeof here, 'encodeTensor' | 'decodeTensor'>;

const IMAGES = 20;

function option(argv: readonly string[], name: string, fallback: string): string {
  const at = argv.indexOf(name);
  return at >= 0 && at + 1 < argv.length ? argv[at + 1] : fallback;
}

/** The bundled cut tensors of `minBytes` or more per sample, feature maps only (the input left out). */
async function cutTensors(minBytes: number): Promise<BundledTensor[]> {
  return (await bundledTensors(IMAGES)).filter(
    (t) => !t.input && t.samples[0].length * 4 >= minBytes && t.shape.length >= 3,
  );
}

function same(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function median(values: number[]): number {
  return [...values].sort((x, y) => x - y)[values.length >> 1];
}

async function main(argv: readonly string[]): Promise<void> {
  const versions = option(argv, '--versions', '')
    .split(',')
    .filter(Boolean)
    .map(Number) as StreamContextVersion[];
  if ((argv.length === 0 || argv[0].startsWith('--')) && versions.length !== 2)
    throw new Error('usage: ab-codec.js OTHER_BUILD|--versions A,B [--rounds N] [--bits LIST] [--min-kb K]');
  const other =
    versions.length === 2 ? here : (require(resolve(argv[0], 'src/codec/tensor-format')) as Codec);
  const rounds = Number(option(argv, '--rounds', '11'));
  const bitsList = option(argv, '--bits', '2,4,6,8').split(',').map(Number) as BitWidth[];
  const tensors = await cutTensors(Number(option(argv, '--min-kb', '48')) * 1024);
  process.stdout.write(
    `load average at start ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}\n`,
  );
  process.stdout.write('tensor | shape | c | encode MB/s other -> here | decode MB/s other -> here\n');
  for (const t of tensors) {
    for (const bits of bitsList) {
      const single = option(argv, '--version', '');
      const options = {
        bits,
        coder: 'context' as const,
        ...(single === '' ? {} : { contextVersion: Number(single) as StreamContextVersion }),
      };
      const [optionsOther, optionsHere] =
        versions.length === 2
          ? versions.map((contextVersion) => ({ ...options, contextVersion }))
          : [options, options];
      const streams = t.samples.map((x) => here.encodeTensor(x, t.shape, optionsHere));
      const streamsOther =
        versions.length === 2 ? t.samples.map((x) => here.encodeTensor(x, t.shape, optionsOther)) : streams;
      streams.forEach((s, i) => {
        if (versions.length === 2) {
          const codes = quantize(t.samples[i], bits).codes;
          if (
            !same(here.decodeTensor(s).codes!, codes) ||
            !same(here.decodeTensor(streamsOther[i]).codes!, codes)
          )
            throw new Error(`${t.name} c=${bits}: a stream does not decode to the codes`);
          return;
        }
        if (!same(s, other.encodeTensor(t.samples[i], t.shape, options)))
          throw new Error(`${t.name} c=${bits}: streams differ`);
        const [a, b] = [here.decodeTensor(s), other.decodeTensor(s)];
        if (!same(a.values, b.values) || !same(a.codes!, b.codes!))
          throw new Error(`${t.name} c=${bits}: decodes differ`);
      });
      const arms = [
        (): void => t.samples.forEach((x) => other.encodeTensor(x, t.shape, optionsOther)),
        (): void => streamsOther.forEach((s) => other.decodeTensor(s)),
        (): void => t.samples.forEach((x) => here.encodeTensor(x, t.shape, optionsHere)),
        (): void => streams.forEach((s) => here.decodeTensor(s)),
      ];
      for (const arm of arms) for (let w = 0; w < 5; w++) arm();
      const rates = arms.map(() => [] as number[]);
      for (let r = 0; r < rounds; r++) {
        arms.forEach((arm, k) => {
          const start = processCpuMs();
          for (let rep = 0; rep < 3; rep++) arm();
          const usedUs = (processCpuMs() - start) * 1000;
          rates[k].push((3 * t.samples.length * t.samples[0].length * 4) / usedUs);
        });
      }
      const [encOther, decOther, encHere, decHere] = rates.map(median);
      const pair = (a: number, b: number): string =>
        `${a.toFixed(0)} -> ${b.toFixed(0)} (${(b / a).toFixed(2)}x)`;
      const bytes = (list: Uint8Array[]): string =>
        (list.reduce((a, s) => a + s.length, 0) / list.length).toFixed(0);
      const sizes = versions.length === 2 ? ` | bytes ${bytes(streamsOther)} -> ${bytes(streams)}` : '';
      process.stdout.write(
        `${t.name} | ${t.shape.join('x')} | ${bits} | ${pair(encOther, encHere)} | ${pair(decOther, decHere)}${sizes}\n`,
      );
    }
  }
  process.stdout.write(
    `load average at end ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}\n`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
