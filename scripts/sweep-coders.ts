/**
 * The sweep's cost with each entropy coder, for `npm run bench:sweep -- --coders auto,context`:
 * the same sweep (`runSweep`, as `jalad analyze --data --coder X` runs it) on each bundled model,
 * once per coder and round, the coders interleaved (a, b, a, b, ...) so that the machine's load
 * weighs on each alike; prints the seconds of each run, the ratio of the summed seconds to the first
 * coder's, and each coder's mean encoded bytes and codec ms over the rows.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Dataset } from '../src/data';
import { buildDag, cutPoints, readModelFile } from '../src/graph';
import type { BitWidth, CoderChoice } from '../src/codec';
import { runSweep, type SweepResult } from '../src/sweep';
import { inputSpecs, probeTensors } from '../src/runtime';
import { DEFAULT_BATCH_SIZE } from '../src/core/defaults';

/** What one coder's runs gave on one model. */
interface CoderRuns {
  seconds: number[];
  last?: SweepResult;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * Times the sweep of `name` with each coder, `rounds` times interleaved; returns whether every
 * coder's accuracy columns agree (they must: the coder changes sizes and times, not the codes).
 */
export async function benchCoders(
  dir: string,
  name: string,
  dataset: Dataset,
  bits: readonly BitWidth[],
  coders: readonly CoderChoice[],
  options: { readonly sizeSamples: number; readonly rounds: number },
): Promise<boolean> {
  const loaded = readModelFile(`${dir}/${name}.onnx`);
  const dag = buildDag(loaded.model, name);
  const cuts = cutPoints(dag);
  const info = await probeTensors(loaded.model, [
    ...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name))),
  ]);
  const inputs = {
    model: loaded.model,
    modelBytes: loaded.sessionBytes,
    dag,
    tensors: info,
    dataset,
    input: inputSpecs(loaded.model)[0],
  };
  const runs = new Map<CoderChoice, CoderRuns>(coders.map((c) => [c, { seconds: [] }]));
  for (let round = 0; round < options.rounds; round++)
    for (const coder of coders) {
      const t0 = performance.now();
      const result = await runSweep(inputs, cuts, {
        bits,
        batchSize: DEFAULT_BATCH_SIZE,
        sizeSamples: options.sizeSamples,
        optimization: 'all',
        coder,
      });
      runs.get(coder)!.seconds.push((performance.now() - t0) / 1000);
      runs.get(coder)!.last = result;
    }
  const base = runs.get(coders[0])!;
  const baseSum = base.seconds.reduce((a, b) => a + b, 0);
  const accuracy = (r: SweepResult) =>
    JSON.stringify(r.rows.map((x) => [x.cut, x.bits, x.accuracy, x.agreement]));
  let same = true;
  for (const coder of coders) {
    const r = runs.get(coder)!;
    const sum = r.seconds.reduce((a, b) => a + b, 0);
    const rows = r.last!.rows;
    if (accuracy(r.last!) !== accuracy(base.last!)) same = false;
    process.stdout.write(
      `${name.padEnd(10)} ${coder.padEnd(8)} ${r.seconds
        .map((s) => s.toFixed(1))
        .join(' / ')
        .padStart(20)} s ` +
        `${(sum / baseSum).toFixed(3).padStart(7)}x ` +
        `${mean(rows.map((x) => x.bytesMean))
          .toFixed(0)
          .padStart(9)} B ` +
        `${mean(rows.map((x) => x.encodeMs))
          .toFixed(3)
          .padStart(8)} ms ` +
        `${mean(rows.map((x) => x.decodeMs))
          .toFixed(3)
          .padStart(8)} ms\n`,
    );
  }
  return same;
}

/** The header of the coder comparison. */
export function codersHeader(samples: number, bits: readonly number[], coders: readonly string[]): string {
  return (
    `sweep time by coder (${coders.join(' vs ')}, interleaved; ${samples} test images, bits ${bits.join(',')}, ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; wall clock)\n` +
    'model      coder     seconds (each round)       ratio  mean size  encode/sample decode/sample\n'
  );
}
