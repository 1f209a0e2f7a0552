/**
 * Benchmark: how well per-node profiles predict the real edge model of each cut point.
 * For every model: measure this machine (jalad profile), predict each cut point's edge
 * time from the per-node times, and compare with the measured time of the real edge
 * model. Prints the median and worst relative error per model and the profiling time.
 *
 * Models: the bundled Fashion-MNIST models, the zoo of graph kinds is too small to time,
 * and standard architectures (random weights) exported by
 * experiments/models/export_standard.py into .cache/standard-models/ when PyTorch is there.
 * With --repeat R (default 3) the whole measurement (profile and real edge models) is taken R
 * times and, per cut point, the medians of the R predictions and of the R measurements are
 * compared: on a shared machine one measurement of a sub-millisecond model can be off by tens of
 * percent, and repeating is the honest way to see the predictor's own error.
 * Predictions include a boundary cost (layout conversion of the cut tensor), fitted to the
 * measured parts of the other cut points of the same profile (leave-one-out; see
 * src/profiler/boundary-cost.ts).
 * Run: npm run bench:latency [-- --runs 20 --threads 1 --repeat 3 --detail model.onnx ...]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { buildDag, cutPoints, readModelFile } from '../src/graph';
import {
  crossingSizes,
  fitPartModel,
  measureProfile,
  median,
  partPoints,
  predictPartMs,
} from '../src/profiler';
import { probeTensors } from '../src/runtime';

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function models(): string[] {
  const valued = new Set(['--runs', '--repeat', '--threads']);
  const given = process.argv.slice(2).filter((a, i, all) => a.endsWith('.onnx') && !valued.has(all[i - 1]));
  if (given.length > 0) return given;
  const dirs = ['datasets/fashion-mnist', '.cache/standard-models'];
  return dirs
    .filter((d) => fs.existsSync(d))
    .flatMap((d) =>
      fs
        .readdirSync(d)
        .filter((f) => f.endsWith('.onnx'))
        .sort()
        .map((f) => path.join(d, f)),
    );
}

async function main(): Promise<void> {
  const runs = argValue('--runs', 20);
  const repeat = argValue('--repeat', 3);
  const threads = argValue('--threads', 1);
  const list = models();
  if (list.length === 0) {
    console.log('no models found');
    return;
  }
  console.log(
    `edge-time prediction vs the real edge model, per cut point (threads ${threads}, ${runs} runs, medians of ${repeat} repeats)`,
  );
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} on ${os.cpus().length} cores (a busy machine makes every timing noisy)`,
  );
  console.log('model                          cuts  median err  worst err (cut)              profile s');
  const medians: number[] = [];
  for (const file of list) {
    const loaded = readModelFile(file);
    const dag = buildDag(loaded.model, file);
    const cuts = cutPoints(dag);
    const t0 = performance.now();
    const predicted: number[][] = cuts.map(() => []);
    const measured: number[][] = cuts.map(() => []);
    const info = await probeTensors(loaded.model, [
      ...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name))),
    ]);
    const crossingOf = (c: (typeof cuts)[number]) => crossingSizes(c.tensors, info);
    for (let r = 0; r < repeat; r++) {
      const profile = await measureProfile(loaded, { threads, runs, warmup: 5 });
      // The boundary costs are fitted to the profile's own cut points, so each cut point's
      // prediction uses a fit without it (leave-one-out): none predicts itself.
      for (const c of cuts) {
        if (c.edgeNodes.length === 0) continue;
        const others = cuts.filter((o) => o.index !== c.index);
        const fit = fitPartModel(
          partPoints(dag, others, profile.cutPoints!, profile.nodes, profile.runOverheadMs, info),
        );
        predicted[c.index].push(
          predictPartMs(
            { nodes: profile.nodes, runOverheadMs: profile.runOverheadMs, boundary: fit },
            dag,
            c.edgeNodes,
            crossingOf(c),
            'edge',
          ),
        );
        measured[c.index].push(profile.cutPoints![c.index].edgeMs);
      }
    }
    const seconds = (performance.now() - t0) / 1000 / repeat;
    const errors: { err: number; cut: string }[] = [];
    for (const c of cuts) {
      const m = median(measured[c.index]);
      if (c.edgeNodes.length === 0 || m <= 0) continue;
      errors.push({ err: Math.abs(median(predicted[c.index]) - m) / m, cut: c.tensors[0].name });
    }
    if (process.argv.includes('--detail')) {
      for (const c of cuts) {
        if (c.edgeNodes.length === 0) continue;
        const m = median(measured[c.index]);
        const p = median(predicted[c.index]);
        console.log(
          `  cut ${String(c.index).padStart(2)} ${c.op.padEnd(18)} edge nodes ${String(c.edgeNodes.length).padStart(3)}  ` +
            `predicted ${p.toFixed(3).padStart(8)}  measured ${m.toFixed(3).padStart(8)}  ` +
            `diff ${(m - p).toFixed(3).padStart(7)} ms  ${(((p - m) / m) * 100).toFixed(1).padStart(6)}%`,
        );
      }
    }
    errors.sort((a, b) => a.err - b.err);
    const med = errors[Math.floor((errors.length - 1) / 2)].err;
    const worst = errors[errors.length - 1];
    medians.push(med);
    console.log(
      (
        `${path.basename(file).padEnd(30)} ${String(errors.length).padStart(4)}  ` +
        `${(med * 100).toFixed(1).padStart(9)}%  ${(worst.err * 100).toFixed(1).padStart(8)}% (${worst.cut.slice(-24)})`
      ).padEnd(88) + seconds.toFixed(1).padStart(6),
    );
  }
  const ok = medians.filter((m) => m <= 0.1).length;
  console.log(
    `${ok} of ${medians.length} models within 10% (median over cut points); load average at end: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
