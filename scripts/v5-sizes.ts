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
import { fitToModelInput, loadDataset } from '../src/data';
import { buildDag, cutPoints, readModelFile, type ModelProto } from '../src/graph';
import { createTensor, openSession } from '../src/runtime';

const DIR = 'datasets/fashion-mnist';
const CACHE = '/tmp/v5-peers.json';

export async function tensors(
  minBytes: number,
): Promise<{ name: string; shape: number[]; samples: Float32Array[] }[]> {
  const meta = JSON.parse(readFileSync(`${DIR}/models.json`, 'utf8')) as {
    preprocessing: { scale: number; mean: number[]; std: number[] };
  };
  const images = await loadDataset(`${DIR}/t10k-images-idx3-ubyte.gz`, undefined, meta.preprocessing);
  const out: { name: string; shape: number[]; samples: Float32Array[] }[] = [];
  for (const model of ['vgg', 'resnet', 'inception']) {
    const loaded = readModelFile(`${DIR}/${model}.onnx`);
    const g = loaded.model.graph ?? {};
    const inputName = g.input?.[0]?.name ?? 'input';
    const cuts = cutPoints(buildDag(loaded.model, model)).map((c) => c.tensors[0].name);
    const capture: ModelProto = {
      ...loaded.model,
      graph: { ...g, output: cuts.filter((t) => t !== inputName).map((t) => ({ name: t })) },
    };
    const dataset = fitToModelInput(images, [1, 1, 28, 28], inputName);
    const session = await openSession(capture, {});
    const found = cuts.map((_t, index) => ({
      name: `${model} cut ${index}`,
      shape: [] as number[],
      samples: [] as Float32Array[],
    }));
    for (let k = 0; k < 20; k++) {
      const image = new Float32Array(dataset.data.subarray(k * 784, (k + 1) * 784));
      const feed = createTensor('float32', image, [1, 1, 28, 28]);
      const result = await session.run({ [inputName]: feed });
      cuts.forEach((t, index) => {
        const v = t === inputName ? feed : result[t];
        found[index].shape = v.dims.slice(1);
        found[index].samples.push(new Float32Array(v.data as Float32Array));
      });
    }
    await session.release();
    out.push(...found.filter((t) => t.samples[0].length * 4 >= minBytes));
  }
  return out;
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
