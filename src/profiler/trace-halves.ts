/**
 * A model too heavy to open whole within its memory bound is traced and timed as two halves: the
 * edge and cloud parts of the cut point nearest half of its weight bytes (see session-budget.ts,
 * HALVES_FROM_BYTES). Each half's optimised session holds about half of the reordered weights, so
 * the profile never holds a whole optimised copy of the model: on ResNet-50 (102 MB of weights) one
 * whole session took 167 MiB on top of the process, and the `analyze` that opened it peaked at
 * 3.3-3.7x the file.
 *
 * What changes against a whole-model trace: the halves' kernels are traced in two sessions, one after
 * the other, and the whole model's time (the calibration target of the node times, and each group's
 * speed probe) is the two halves' times added, less one run overhead (the whole model pays it once)
 * and with the one cut's boundary (the crossing tensors written and read) inside it. A fused kernel
 * that would have spanned the half cut (ORT fusing the last node of one half with the first of the
 * other) is timed as its two pieces; a real part at any other cut point is built the same way.
 */
import type { CutCandidate, Dag, ModelProto } from '../graph';
import {
  feedsFor,
  inputSpecs,
  openSession,
  syntheticFeeds,
  timeRuns,
  type TensorInfo,
  type TensorMap,
} from '../runtime';
import { kernelSamples, traceRuns, type KernelSamples, type MeasureOptions, type Traced } from './node-times';
import { heldWeightBytes } from './part-sides';
import { cutParts } from './part-times';
import { median } from './stats';

/** The two halves of a model (nodes named as in the model given, see tracedCopy). */
export interface ModelHalves {
  /** The model they are halves of (its inputs are fed to both). */
  readonly model: ModelProto;
  /** The cut point they are split at. */
  readonly cut: CutCandidate;
  readonly edge: ModelProto;
  readonly cloud: ModelProto;
}

/**
 * The cut point whose edge part holds the weight bytes nearest half of the model's (the first of
 * equals); undefined when no cut point leaves nodes on both sides.
 */
export function halfCut(
  model: ModelProto,
  dag: Dag,
  cuts: readonly CutCandidate[],
): CutCandidate | undefined {
  const held = heldWeightBytes(model, dag);
  const total = held(dag.nodes.map((n) => n.index));
  let best: CutCandidate | undefined;
  let bestGap = Infinity;
  for (const c of cuts) {
    if (c.edgeNodes.length === 0 || c.cloudNodes.length === 0) continue;
    const gap = Math.abs(held(c.edgeNodes) - total / 2);
    if (gap < bestGap) [best, bestGap] = [c, gap];
  }
  return best;
}

/** The edge and cloud models of `cut` (weights stay where the model's are: no copy). */
export function modelHalves(
  model: ModelProto,
  dag: Dag,
  cut: CutCandidate,
  info: ReadonlyMap<string, TensorInfo>,
): ModelHalves {
  const { edge, cloud } = cutParts(model, dag, cut, info);
  return { model, cut, edge, cloud };
}

/** The model's inputs as the profile feeds them (synthetic or `--inputs`). */
function modelFeeds(model: ModelProto, options: MeasureOptions): TensorMap {
  return syntheticFeeds(inputSpecs(model), 1, options.seed ?? 1, options.inputShapes, options.inputValues);
}

/** Of `all`, the tensors `model` reads as inputs. */
function inputsOf(model: ModelProto, all: TensorMap): TensorMap {
  const out: TensorMap = {};
  for (const spec of inputSpecs(model)) if (spec.name in all) out[spec.name] = all[spec.name];
  return out;
}

/**
 * Kernel names of the second trace that the first also has (ORT's generated layout nodes, such as
 * ReorderInput, are named per graph) get a suffix so that their samples stay apart; the prefix that
 * tells a reorder's kind is kept.
 */
export function mergeSamples(first: KernelSamples, second: KernelSamples): KernelSamples {
  const samples = new Map(first.samples);
  const order = [...first.order];
  for (const name of second.order) {
    let key = name;
    for (let k = 2; samples.has(key); k++) key = `${name}~${k}`;
    samples.set(key, second.samples.get(name)!);
    order.push(key);
  }
  return { order, samples, runMs: first.runMs + second.runMs };
}

/** Sums of the two halves' runs, run by run, less the run overhead the whole model pays once. */
function addedRuns(edge: readonly number[], cloud: readonly number[], runOverheadMs: number): number[] {
  const n = Math.min(edge.length, cloud.length);
  return Array.from({ length: n }, (_, i) => edge[i] + cloud[i] - runOverheadMs);
}

/** Both halves traced in turn at one optimisation level, the cloud half fed what the edge half computed. */
async function traceBoth(
  halves: ModelHalves,
  optimization: 'disabled' | 'all',
  options: MeasureOptions,
): Promise<readonly [Traced, Traced]> {
  const unprofiled = optimization === 'all' ? 'after' : false;
  const inputs = modelFeeds(halves.model, options);
  const edge = await traceRuns(
    halves.edge,
    optimization,
    options,
    unprofiled,
    undefined,
    inputsOf(halves.edge, inputs),
  );
  const cloudFeeds = inputsOf(halves.cloud, { ...inputs, ...edge.outputs });
  return [edge, await traceRuns(halves.cloud, optimization, options, unprofiled, undefined, cloudFeeds)];
}

/** The optimisations-off trace (one kernel per node) of the model as two halves, one open at a time. */
export async function tracePlainHalves(halves: ModelHalves, options: MeasureOptions): Promise<KernelSamples> {
  options.progress?.(
    `per-node profile, optimisations off, as two halves split at cut point ${halves.cut.index} ` +
      `(${options.warmup + options.runs} runs each)`,
  );
  const [edge, cloud] = await traceBoth(halves, 'disabled', options);
  return mergeSamples(kernelSamples(edge), kernelSamples(cloud));
}

/**
 * The optimisations-on trace of the model as two halves, each traced and then timed without the
 * profiler in its own session (one half open at a time).
 * @returns the merged kernel samples, the whole model's unprofiled time (the halves added, see the
 *   file's note) and those runs one by one (`afterRunsMs`: the first group's probe)
 */
export async function traceFusedHalves(
  halves: ModelHalves,
  options: MeasureOptions,
  runOverheadMs: number,
): Promise<{ fused: KernelSamples; unprofiledMs: number; afterRunsMs: readonly number[] }> {
  options.progress?.(
    `per-node profile, optimisations on, as two halves split at cut point ${halves.cut.index} ` +
      `(${options.runs} runs with and ${options.runs} without the profiler each)`,
  );
  const [edge, cloud] = await traceBoth(halves, 'all', options);
  const afterRunsMs = addedRuns(edge.afterRunsMs ?? [], cloud.afterRunsMs ?? [], runOverheadMs);
  return {
    fused: mergeSamples(kernelSamples(edge), kernelSamples(cloud)),
    unprofiledMs: median(afterRunsMs),
    afterRunsMs,
  };
}

/**
 * The whole model's time as the two halves give it, each opened, timed (warm-up, then `runs` runs)
 * and closed in turn: a group's speed probe when the model is profiled by halves.
 */
export async function timeHalvesAlone(
  halves: ModelHalves,
  options: MeasureOptions,
  runOverheadMs: number,
): Promise<number[]> {
  const inputs = modelFeeds(halves.model, options);
  const open = (model: ModelProto) =>
    openSession(model, { optimization: 'all', threads: options.threads, device: options.device });
  const edgeSession = await open(halves.edge);
  let edgeRuns: number[];
  let sent: TensorMap;
  try {
    const feeds = feedsFor(edgeSession, inputs);
    edgeRuns = await timeRuns(edgeSession, feeds, options.warmup, options.runs);
    sent = await edgeSession.run(feeds);
  } finally {
    await edgeSession.release();
  }
  const cloudSession = await open(halves.cloud);
  try {
    const feeds = feedsFor(cloudSession, { ...inputs, ...sent });
    return addedRuns(
      edgeRuns,
      await timeRuns(cloudSession, feeds, options.warmup, options.runs),
      runOverheadMs,
    );
  } finally {
    await cloudSession.release();
  }
}
