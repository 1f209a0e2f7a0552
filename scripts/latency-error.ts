/**
 * How well a profile predicts the real edge model of each cut point, for the default (auto), the
 * fast and the thorough mode side by side (shared by bench:latency and bench:resnet).
 *
 * For every model, each repeat measures one profile per mode, the order rotated between repeats
 * (auto, fast, thorough; fast, thorough, auto; ...: arms interleaved, so that none always runs at the
 * machine's quieter moment). Per cut point, the median over repeats of each mode's predictions is
 * compared with the median of the measured times of the real edge model it is judged against:
 * - thorough: node times plus a boundary cost fitted to the other cut points' measured parts
 *   (leave-one-out: no cut point predicts itself), against its own profile's measured part;
 * - fast: exactly what `jalad analyze` predicts with `--profile fast` (node times plus the boundary
 *   cost fitted on its own sample of cut points), against the thorough profile of the same repeat
 *   (fast does not time every part). A second figure scales each fast prediction to the speed of that
 *   thorough profile (see `fastSameSpeedErr`): what is left is the method's error, not the machine's
 *   change of speed between two moments;
 * - auto: judged as the mode it chose in that repeat (its own profile says which): as thorough
 *   (leave-one-out against its own measured parts) when it timed every part, as fast otherwise.
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { buildDag, cutPoints, readModelFile, type CutCandidate, type Dag } from '../src/graph';
import {
  apportionToParts,
  crossingSizes,
  fitPartModel,
  measureProfile,
  median,
  partPoints,
  predictPartMs,
  type DeviceProfile,
  type ProfileMode,
  type RequestedProfileMode,
} from '../src/profiler';
import { probeTensors, type TensorInfo } from '../src/runtime';

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

/** The modes compared: the default (auto) and the two it chooses between. */
export const LATENCY_ARMS: readonly RequestedProfileMode[] = ['auto', 'fast', 'thorough'];

/** One model's figures. */
export interface LatencyError {
  readonly model: string;
  /** Cut points with an edge part (the ones compared). */
  readonly cuts: number;
  /** Median over cut points of |predicted − measured| / measured, per mode. */
  readonly medianErr: Record<RequestedProfileMode, number>;
  /**
   * Fast's median error once the machine's speed at its own moment is taken out: each fast
   * prediction scaled by (whole-model time of the thorough profile of the same repeat) / (that of
   * the fast profile). A diagnostic: on a busy machine the speed moves by tens of percent between
   * two profiles taken seconds apart, and thorough is compared with its own moment's measurements.
   */
  readonly fastSameSpeedErr: number;
  /** The worst cut point per mode: its error and tensor. */
  readonly worst: Record<RequestedProfileMode, { readonly err: number; readonly cut: string }>;
  /** Mean seconds one profile took, per mode. */
  readonly seconds: Record<RequestedProfileMode, number>;
  /** What auto chose in each repeat (the mode that made its figures). */
  readonly autoChose: readonly ProfileMode[];
  /** Per cut point: each mode's measured and predicted edge ms (medians over repeats). */
  readonly detail: readonly {
    readonly index: number;
    readonly op: string;
    readonly cut: string;
    /** The real edge model's time each mode is judged against (see the file header), ms. */
    readonly measuredMs: Record<RequestedProfileMode, number>;
    readonly predictedMs: Record<RequestedProfileMode, number>;
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

/** Per mode and cut point, the predictions and the measurements they are judged against, over repeats. */
type Samples = Record<RequestedProfileMode, { predicted: number[]; measured: number[] }[]>;

/**
 * One profile's leave-one-out prediction of a cut point's edge part (node times plus a boundary
 * fitted to the other cut points' measured parts) and its own measurement of it.
 */
function leaveOneOut(
  profile: DeviceProfile,
  model: {
    readonly dag: Dag;
    readonly cuts: readonly CutCandidate[];
    readonly info: Map<string, TensorInfo>;
  },
  c: CutCandidate,
): { predicted: number; measured: number } {
  const { dag, cuts, info } = model;
  const others = cuts.filter((o) => o.index !== c.index);
  const otherParts = profile.cutPoints!.filter((p) => p.index !== c.index);
  const boundary = fitPartModel(
    partPoints(dag, others, otherParts, profile.nodes, profile.runOverheadMs, info),
  );
  // The profile's own apportioned tables include this cut point's part: re-apportion without it.
  const nodes = apportionToParts(profile.nodes, dag, others, otherParts, { ...profile, boundary }, info);
  return {
    predicted: predictPartMs(
      { ...profile, boundary, nodes },
      dag,
      c.edgeNodes,
      crossingSizes(c.tensors, info),
      'edge',
    ),
    measured: profile.cutPoints!.find((p) => p.index === c.index)!.edgeMs,
  };
}

/** Measures one model: `repeat` profiles per mode, interleaved. */
export async function latencyError(
  file: string,
  settings: {
    readonly runs: number;
    readonly threads: number;
    readonly repeat: number;
    /** Forces one model open at a time (true) or shared sessions (false); default by the model's size. */
    readonly oneModel?: boolean;
    /** Forces tracing and timing by halves (true) or whole (false); default by the model's size. */
    readonly halves?: boolean;
  },
): Promise<LatencyError> {
  const loaded = readModelFile(file);
  const dag = buildDag(loaded.model, file);
  const cuts = cutPoints(dag);
  const info = await probeTensors(loaded.model, [
    ...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name))),
  ]);
  const model = { dag, cuts, info };
  const empty = () => cuts.map(() => ({ predicted: [] as number[], measured: [] as number[] }));
  const samples: Samples = { auto: empty(), fast: empty(), thorough: empty() };
  const sameSpeed: number[][] = cuts.map(() => []);
  const seconds: Record<RequestedProfileMode, number> = { auto: 0, fast: 0, thorough: 0 };
  const autoChose: ProfileMode[] = [];
  for (let r = 0; r < settings.repeat; r++) {
    const order = LATENCY_ARMS.map((_, k) => LATENCY_ARMS[(k + r) % LATENCY_ARMS.length]);
    const profiles: Partial<Record<RequestedProfileMode, DeviceProfile>> = {};
    for (const mode of order) {
      const t0 = performance.now();
      profiles[mode] = await measureProfile(loaded, {
        threads: settings.threads,
        runs: settings.runs,
        warmup: 5,
        mode,
        oneModel: settings.oneModel,
        halves: settings.halves,
      });
      seconds[mode] += (performance.now() - t0) / 1000 / settings.repeat;
    }
    const thorough = profiles.thorough!;
    autoChose.push(profiles.auto!.mode!);
    for (const c of cuts) {
      if (c.edgeNodes.length === 0) continue;
      const truth = thorough.cutPoints!.find((p) => p.index === c.index)!.edgeMs;
      const asFast = (p: DeviceProfile) =>
        predictPartMs(p, dag, c.edgeNodes, crossingSizes(c.tensors, info), 'edge');
      const add = (mode: RequestedProfileMode, x: { predicted: number; measured: number }) => {
        samples[mode][c.index].predicted.push(x.predicted);
        samples[mode][c.index].measured.push(x.measured);
      };
      add('thorough', leaveOneOut(thorough, model, c));
      const fast = asFast(profiles.fast!);
      add('fast', { predicted: fast, measured: truth });
      sameSpeed[c.index].push((fast * wholeModelMs(thorough)) / wholeModelMs(profiles.fast!));
      const auto = profiles.auto!;
      add(
        'auto',
        auto.mode === 'thorough' ? leaveOneOut(auto, model, c) : { predicted: asFast(auto), measured: truth },
      );
    }
  }
  const detail = cuts
    .filter((c) => c.edgeNodes.length > 0 && median(samples.thorough[c.index].measured) > 0)
    .map((c) => {
      const per = (key: 'predicted' | 'measured') =>
        Object.fromEntries(LATENCY_ARMS.map((m) => [m, median(samples[m][c.index][key])])) as Record<
          RequestedProfileMode,
          number
        >;
      return {
        index: c.index,
        op: c.op,
        cut: c.tensors[0].name,
        measuredMs: per('measured'),
        predictedMs: per('predicted'),
        fastSameSpeedMs: median(sameSpeed[c.index]),
      };
    });
  const summary = (mode: RequestedProfileMode) => {
    const errs = detail
      .map((d) => ({
        err: Math.abs(d.predictedMs[mode] - d.measuredMs[mode]) / d.measuredMs[mode],
        cut: d.cut,
      }))
      .sort((a, b) => a.err - b.err);
    return { median: errs[Math.floor((errs.length - 1) / 2)].err, worst: errs[errs.length - 1] };
  };
  const by = Object.fromEntries(LATENCY_ARMS.map((m) => [m, summary(m)])) as Record<
    RequestedProfileMode,
    ReturnType<typeof summary>
  >;
  const sameSpeedErrs = detail
    .map((d) => Math.abs(d.fastSameSpeedMs - d.measuredMs.fast) / d.measuredMs.fast)
    .sort((a, b) => a - b);
  return {
    model: file,
    cuts: detail.length,
    medianErr: { auto: by.auto.median, fast: by.fast.median, thorough: by.thorough.median },
    fastSameSpeedErr: sameSpeedErrs[Math.floor((sameSpeedErrs.length - 1) / 2)],
    worst: { auto: by.auto.worst, fast: by.fast.worst, thorough: by.thorough.worst },
    seconds,
    autoChose,
    detail,
  };
}

/** The table header (error % per mode, profile seconds per mode, what auto chose). */
export function latencyErrorHeader(): string {
  return (
    'model                        cuts   auto median  worst   fast median  worst   thorough median  worst' +
    '   profile s auto / fast / thorough   fast at same speed   auto chose'
  );
}

/** One row of the table. */
export function latencyErrorRow(e: LatencyError): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const s = (m: RequestedProfileMode) => e.seconds[m].toFixed(1);
  return (
    `${path.basename(e.model).padEnd(28)} ${String(e.cuts).padStart(4)}  ` +
    `${pct(e.medianErr.auto).padStart(11)} ${pct(e.worst.auto.err).padStart(6)}  ` +
    `${pct(e.medianErr.fast).padStart(11)} ${pct(e.worst.fast.err).padStart(6)}  ` +
    `${pct(e.medianErr.thorough).padStart(15)} ${pct(e.worst.thorough.err).padStart(6)}   ` +
    `${`${s('auto')} / ${s('fast')} / ${s('thorough')}`.padEnd(33)}` +
    `${pct(e.fastSameSpeedErr).padStart(12)}          ${e.autoChose.join(',')}`
  );
}

/** "N of M models within 10%" for each mode. */
export function latencyErrorVerdict(errors: readonly LatencyError[]): string {
  const within = (mode: RequestedProfileMode) => errors.filter((e) => e.medianErr[mode] <= 0.1).length;
  const sameSpeed = errors.filter((e) => e.fastSameSpeedErr <= 0.1).length;
  const n = errors.length;
  return (
    `within 10% (median over cut points): auto (the default) ${within('auto')} of ${n} models, ` +
    `fast ${within('fast')} of ${n}, thorough ${within('thorough')} of ${n} (fast at the same speed: ${sameSpeed} of ${n})`
  );
}
