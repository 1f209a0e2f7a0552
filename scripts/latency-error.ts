/**
 * How well a profile predicts the real edge model of each cut point, for the fast and the thorough
 * mode side by side (shared by bench:latency and bench:resnet).
 *
 * For every model, each repeat measures a thorough and a fast profile, in alternating order
 * (fast, thorough, thorough, fast, ...: arms interleaved, so that neither always runs at the
 * machine's quieter moment). The measured time of every cut point's real edge model comes from the
 * thorough profile (it times all of them); per cut point, the median over repeats of the measured
 * times is compared with the median of each mode's predictions:
 * - thorough: node times plus a boundary cost fitted to the other cut points' measured parts
 *   (leave-one-out: no cut point predicts itself);
 * - fast: exactly what `jalad analyze` predicts with `--profile fast` (node times plus the boundary
 *   cost fitted on its own sample of cut points). A second figure scales each fast prediction to
 *   the speed of the thorough profile of the same repeat (see `fastSameSpeedErr`): what is left
 *   is the method's error, not the machine's change of speed between two moments.
 */
import * as fs from 'fs';
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
  type ProfileMode,
} from '../src/profiler';
import { probeTensors } from '../src/runtime';

/** Folders searched for bench:latency's models, and how the standard ones get there. */
export const LATENCY_MODEL_DIRS = ['datasets/fashion-mnist', '.cache/standard-models'] as const;
export const STANDARD_MODELS_HINT =
  'add the standard ones (ResNet-18, MobileNetV2, GoogLeNet, DenseNet-121, ShuffleNetV2 at 112 px, random weights) with ' +
  '/usr/bin/python3 experiments/models/export_standard.py (Debian python3-torch, python3-torchvision): they go to .cache/standard-models';

/** The .onnx files of LATENCY_MODEL_DIRS, sorted per folder. */
export function latencyModels(): string[] {
  return LATENCY_MODEL_DIRS.filter((d) => fs.existsSync(d)).flatMap((d) =>
    fs
      .readdirSync(d)
      .filter((f) => f.endsWith('.onnx'))
      .sort()
      .map((f) => path.join(d, f)),
  );
}

/** One model's figures. */
export interface LatencyError {
  readonly model: string;
  /** Cut points with an edge part (the ones compared). */
  readonly cuts: number;
  /** Median over cut points of |predicted − measured| / measured, per mode. */
  readonly medianErr: Record<ProfileMode, number>;
  /**
   * Fast's median error once the machine's speed at its own moment is taken out: each fast
   * prediction scaled by (whole-model time of the thorough profile of the same repeat) / (that of
   * the fast profile). A diagnostic: on a busy machine the speed moves by tens of percent between
   * two profiles taken seconds apart, and thorough is compared with its own moment's measurements.
   */
  readonly fastSameSpeedErr: number;
  /** The worst cut point per mode: its error and tensor. */
  readonly worst: Record<ProfileMode, { readonly err: number; readonly cut: string }>;
  /** Mean seconds one profile took, per mode. */
  readonly seconds: Record<ProfileMode, number>;
  /** Per cut point: measured, and each mode's predicted edge ms (medians over repeats). */
  readonly detail: readonly {
    readonly index: number;
    readonly op: string;
    readonly cut: string;
    readonly measuredMs: number;
    readonly predictedMs: Record<ProfileMode, number>;
    /** Fast's prediction at the thorough profile's speed (see fastSameSpeedErr), ms. */
    readonly fastSameSpeedMs: number;
  }[];
}

/** Time of one run of the whole model by a profile's own calibration (overhead + node times), ms. */
function wholeModelMs(profile: {
  readonly runOverheadMs: number;
  readonly nodes: readonly { readonly ms: number }[];
}) {
  return profile.runOverheadMs + profile.nodes.reduce((t, n) => t + n.ms, 0);
}

/** Measures one model: `repeat` thorough and `repeat` fast profiles, interleaved. */
export async function latencyError(
  file: string,
  settings: { readonly runs: number; readonly threads: number; readonly repeat: number },
): Promise<LatencyError> {
  const loaded = readModelFile(file);
  const dag = buildDag(loaded.model, file);
  const cuts = cutPoints(dag);
  const info = await probeTensors(loaded.model, [
    ...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name))),
  ]);
  const predicted: Record<ProfileMode, number[][]> = {
    fast: cuts.map(() => []),
    thorough: cuts.map(() => []),
  };
  const measured: number[][] = cuts.map(() => []);
  const sameSpeed: number[][] = cuts.map(() => []);
  const seconds: Record<ProfileMode, number> = { fast: 0, thorough: 0 };
  for (let r = 0; r < settings.repeat; r++) {
    const order: ProfileMode[] = r % 2 === 0 ? ['fast', 'thorough'] : ['thorough', 'fast'];
    const wholeMs: Partial<Record<ProfileMode, number>> = {};
    for (const mode of order) {
      const t0 = performance.now();
      const profile = await measureProfile(loaded, {
        threads: settings.threads,
        runs: settings.runs,
        warmup: 5,
        mode,
      });
      seconds[mode] += (performance.now() - t0) / 1000 / settings.repeat;
      wholeMs[mode] = wholeModelMs(profile);
      for (const c of cuts) {
        if (c.edgeNodes.length === 0) continue;
        const crossing = crossingSizes(c.tensors, info);
        if (mode === 'fast') {
          predicted.fast[c.index].push(predictPartMs(profile, dag, c.edgeNodes, crossing, 'edge'));
          continue;
        }
        const others = cuts.filter((o) => o.index !== c.index);
        const fit = fitPartModel(
          partPoints(dag, others, profile.cutPoints!, profile.nodes, profile.runOverheadMs, info),
        );
        predicted.thorough[c.index].push(
          predictPartMs({ ...profile, boundary: fit }, dag, c.edgeNodes, crossing, 'edge'),
        );
        measured[c.index].push(profile.cutPoints!.find((p) => p.index === c.index)!.edgeMs);
      }
    }
    const speed = wholeMs.thorough! / wholeMs.fast!;
    for (const c of cuts) {
      const n = predicted.fast[c.index].length;
      if (n > 0) sameSpeed[c.index].push(predicted.fast[c.index][n - 1] * speed);
    }
  }
  const detail = cuts
    .filter((c) => c.edgeNodes.length > 0 && median(measured[c.index]) > 0)
    .map((c) => ({
      index: c.index,
      op: c.op,
      cut: c.tensors[0].name,
      measuredMs: median(measured[c.index]),
      predictedMs: { fast: median(predicted.fast[c.index]), thorough: median(predicted.thorough[c.index]) },
      fastSameSpeedMs: median(sameSpeed[c.index]),
    }));
  const summary = (mode: ProfileMode) => {
    const errs = detail
      .map((d) => ({ err: Math.abs(d.predictedMs[mode] - d.measuredMs) / d.measuredMs, cut: d.cut }))
      .sort((a, b) => a.err - b.err);
    return { median: errs[Math.floor((errs.length - 1) / 2)].err, worst: errs[errs.length - 1] };
  };
  const fast = summary('fast');
  const thorough = summary('thorough');
  const sameSpeedErrs = detail
    .map((d) => Math.abs(d.fastSameSpeedMs - d.measuredMs) / d.measuredMs)
    .sort((a, b) => a - b);
  return {
    model: file,
    cuts: detail.length,
    medianErr: { fast: fast.median, thorough: thorough.median },
    fastSameSpeedErr: sameSpeedErrs[Math.floor((sameSpeedErrs.length - 1) / 2)],
    worst: { fast: fast.worst, thorough: thorough.worst },
    seconds,
    detail,
  };
}

/** The table header and one row per model (error % per mode, profile seconds per mode). */
export function latencyErrorHeader(): string {
  return (
    'model                        cuts   fast median  worst   thorough median  worst   profile s fast / thorough' +
    '   fast at same speed'
  );
}

/** One row of the table. */
export function latencyErrorRow(e: LatencyError): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return (
    `${path.basename(e.model).padEnd(28)} ${String(e.cuts).padStart(4)}  ` +
    `${pct(e.medianErr.fast).padStart(11)} ${pct(e.worst.fast.err).padStart(6)}  ` +
    `${pct(e.medianErr.thorough).padStart(15)} ${pct(e.worst.thorough.err).padStart(6)}   ` +
    `${e.seconds.fast.toFixed(1).padStart(6)} / ${e.seconds.thorough.toFixed(1).padEnd(6)}` +
    `${pct(e.fastSameSpeedErr).padStart(12)}`
  );
}

/** "N of M models within 10%" for each mode. */
export function latencyErrorVerdict(errors: readonly LatencyError[]): string {
  const within = (mode: ProfileMode) => errors.filter((e) => e.medianErr[mode] <= 0.1).length;
  const sameSpeed = errors.filter((e) => e.fastSameSpeedErr <= 0.1).length;
  return (
    `within 10% (median over cut points): fast ${within('fast')} of ${errors.length} models, ` +
    `thorough ${within('thorough')} of ${errors.length} (fast at the same speed: ${sameSpeed} of ${errors.length})`
  );
}
