/**
 * Benchmark: how well per-node profiles predict the real edge model of each cut point, for the
 * default profile (auto) beside the fast and the thorough one, measured in the same run with the
 * arms interleaved (see scripts/latency-error.ts). Prints which models it covered, the median and
 * worst relative error per model and mode, the profiling time per mode, and the load.
 *
 * Models: the bundled Fashion-MNIST models, and the standard architectures (random weights)
 * exported by experiments/models/export_standard.py into .cache/standard-models/ when PyTorch is
 * there (the run says how to add them when they are missing).
 * With --repeat R (default 3) every profile is taken R times per mode and, per cut point, the
 * medians of the R predictions and of the R measurements are compared: on a shared machine one
 * measurement of a sub-millisecond model can be off by tens of percent.
 * --one-model / --shared-sessions force how many sessions a profile keeps open (default: by the model's
 * weight bytes, see src/profiler/session-budget.ts), to compare the two ways of timing on the same models;
 * --halves / --whole force the optimised trace and the whole model's probes by two halves or whole
 * (default: by halves over 64 MB of weights, see src/profiler/trace-halves.ts).
 * Run: npm run bench:latency [-- --runs 20 --threads 1 --repeat 3 --detail --one-model --halves model.onnx ...]
 */
import * as os from 'os';
import * as path from 'path';
import {
  latencyError,
  latencyErrorHeader,
  latencyErrorRow,
  latencyErrorVerdict,
  latencyModels,
  STANDARD_MODELS_HINT,
  type LatencyError,
} from './latency-error';

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const load = () =>
  `${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} on ${os.cpus().length} cores`;

async function main(): Promise<void> {
  const runs = argValue('--runs', 20);
  const repeat = argValue('--repeat', 3);
  const threads = argValue('--threads', 1);
  const oneModel = process.argv.includes('--one-model')
    ? true
    : process.argv.includes('--shared-sessions')
      ? false
      : undefined;
  const halves = process.argv.includes('--halves')
    ? true
    : process.argv.includes('--whole')
      ? false
      : undefined;
  const valued = new Set(['--runs', '--repeat', '--threads']);
  const given = process.argv.slice(2).filter((a, i, all) => a.endsWith('.onnx') && !valued.has(all[i - 1]));
  const list = given.length > 0 ? given : latencyModels();
  if (list.length === 0) {
    console.log(`no models found; ${STANDARD_MODELS_HINT}`);
    return;
  }
  console.log(`models (${list.length}): ${list.join(', ')}`);
  if (given.length === 0 && !list.some((f) => f.startsWith('.cache/standard-models')))
    console.log(STANDARD_MODELS_HINT);
  console.log(
    `edge-time prediction vs the real edge model, per cut point (threads ${threads}, ${runs} runs, medians of ${repeat} repeats, ` +
      `auto (the default), fast and thorough profiles interleaved; sessions: ` +
      `${oneModel === undefined ? 'by model size' : oneModel ? 'one model at a time' : 'shared'}; ` +
      `${halves === undefined ? 'traced whole or by halves by model size' : halves ? 'traced by halves' : 'traced whole'})`,
  );
  console.log(`load average at start: ${load()} (a busy machine makes every timing noisy)`);
  console.log(latencyErrorHeader());
  const errors: LatencyError[] = [];
  for (const file of list) {
    const e = await latencyError(file, { runs, threads, repeat, oneModel, halves });
    errors.push(e);
    if (process.argv.includes('--detail'))
      for (const d of e.detail)
        console.log(
          `  cut ${String(d.index).padStart(3)} ${d.op.padEnd(18)} measured ${d.measuredMs.thorough.toFixed(3).padStart(8)}  ` +
            `predicted: auto ${d.predictedMs.auto.toFixed(3).padStart(8)} (vs ${d.measuredMs.auto.toFixed(3)})  ` +
            `fast ${d.predictedMs.fast.toFixed(3).padStart(8)}  thorough ${d.predictedMs.thorough.toFixed(3).padStart(8)} ms`,
        );
    console.log(latencyErrorRow(e));
  }
  console.log(`${latencyErrorVerdict(errors)}; load average at end: ${load()}`);
  console.log(`covered: ${errors.map((e) => path.basename(e.model)).join(', ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
