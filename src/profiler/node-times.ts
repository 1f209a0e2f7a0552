/**
 * Per-node execution time on this machine, from ONNX Runtime's own profiler (Chrome
 * trace events, whole microseconds per kernel). Nodes are renamed to their unique DAG
 * names in the profiled copy, so trace events map back without ambiguity.
 */
import { encodeModel, type Dag, type ModelProto } from '../graph';
import {
  inputSpecs,
  openSession,
  openTracedSession,
  runsInRound,
  syntheticFeeds,
  timeRuns,
  type DeviceChoice,
  type InputValues,
  type Session,
  type TensorMap,
  type TraceEvent,
} from '../runtime';
import { ROUND_WARMUP, ROUNDS } from './part-times';
import type { RequestedProfileMode } from './profile-mode';
import { median, quantile } from './stats';

/** Time of one node. */
export interface NodeTime {
  readonly name: string;
  readonly op: string;
  /** Median over the measured runs, ms. */
  readonly ms: number;
  /** 90th percentile, ms. */
  readonly p90Ms: number;
  /** Median with ORT's optimisations off (one kernel per node), ms. */
  readonly unfusedMs: number;
  /**
   * `ms` apportioned to the measured edge parts, ms; predicts edge parts when present
   * (apportion-parts.ts). Absent when the profile timed no edge parts to apportion to.
   */
  readonly edgeMs?: number;
  /** `ms` apportioned to the measured cloud parts, ms; predicts cloud parts when present. */
  readonly cloudMs?: number;
}

/** How to measure. */
export interface MeasureOptions {
  /** Intra-op threads (fixed, recorded). */
  readonly threads: number;
  /** Measured runs (after warm-up). */
  readonly runs: number;
  /** Runs discarded before measuring (caches, allocator, lazy init). */
  readonly warmup: number;
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
  /** Real input values (`--inputs`): timings are taken on them instead of synthetic values. */
  readonly inputValues?: InputValues;
  /** The user's model file, named by load and run failures (exit 2). */
  readonly source?: string;
  readonly seed?: number;
  readonly progress?: (message: string) => void;
  /** Cost of a session.run that computes nothing, ms (see measureRunOverhead); calibrates node times. */
  readonly runOverheadMs?: number;
  /**
   * Where the whole model, the parts and the run overhead are timed (default: the CPU). Node
   * kernels are always traced on the CPU: a GPU provider's trace does not time its kernels (they
   * run asynchronously), so a GPU profile apportions its measured whole-model time to the nodes in
   * the shares of the CPU trace (see measure-profile.ts).
   */
  readonly device?: DeviceChoice;
  /** What a measured profile times (profile-mode.ts; default DEFAULT_PROFILE_MODE, auto). */
  readonly mode?: RequestedProfileMode;
  /** The auto mode's budget, ms (default AUTO_THOROUGH_BUDGET_MS; a library option, for tests). */
  readonly autoBudgetMs?: number;
  /** Untimed runs at the start of every round (default ROUND_WARMUP, at most `warmup`; see part-times.ts). */
  readonly roundWarmup?: number;
  /**
   * At most one model's weights in open sessions at once (true), or the whole model open beside the
   * traced session and the parts (false); default by the model's weight bytes (session-budget.ts).
   */
  readonly oneModel?: boolean;
  /**
   * Traced and timed as two halves, the whole optimised model never open (true), or whole (false);
   * default by the model's weight bytes (session-budget.ts, trace-halves.ts).
   */
  readonly halves?: boolean;
}

/** Per-node times plus the run-level figures of the same runs. */
export interface NodeTimes {
  readonly nodes: readonly NodeTime[];
  /** Median time of a whole run inside ORT while profiling, ms (trace event "model_run"). */
  readonly runMs: number;
  /** Median wall time of a whole run without the profiler, ms. */
  readonly unprofiledRunMs: number;
  /** What the profiler adds to each kernel, ms, estimated and subtracted (0 if none). */
  readonly profilerOverheadMs: number;
  /**
   * Factor the trace's kernel times were scaled by for the machine's speed: `unprofiledRunMs`
   * over the unprofiled time in the trace's rounds (both less the run overhead); 1 when equal.
   */
  readonly traceSpeedFactor: number;
}

/** A profiled session's trace, and the same model's time without the profiler in the same rounds. */
export interface Traced {
  readonly events: TraceEvent[];
  /** Which of the profiled session's runs (in order) were measured rather than warm-ups. */
  readonly measured: readonly boolean[];
  /** Median time of the unprofiled model timed in the same rounds, ms (when asked for). */
  readonly unprofiledMs?: number;
  /** With 'after': the traced session's own runs once its profiler stopped, ms each. */
  readonly afterRunsMs?: readonly number[];
  /** The outputs of the last traced run (what a model cut after this one receives). */
  readonly outputs: TensorMap;
}

/**
 * How the optimised trace's model is timed without the profiler: not at all (false), by a session
 * of its own opened here (true) or given (a Session), alternating rounds with the traced one; or
 * ('after') by the traced session itself once its profiler has stopped (ORT records nothing after
 * `endProfiling`: on the bundled ResNet its runs took 0.16 ms against 0.43 profiled and 0.18 in a
 * twin session), which opens no second copy of the model.
 */
export type Unprofiled = boolean | Session | 'after';

/**
 * Runs the model under ORT's profiler and returns the trace events. With `unprofiled`, the same
 * model is also timed without the profiler (see `traceNodeKernels` and `Unprofiled`).
 */
export async function traceRuns(
  model: ModelProto,
  optimization: 'disabled' | 'all',
  options: MeasureOptions,
  unprofiled: Unprofiled = false,
  encoded?: Uint8Array,
  given?: TensorMap,
): Promise<Traced> {
  const bytes = encoded ?? encodeModel(model);
  // A session the caller passes stays open (it times the whole model again, see measure-profile.ts).
  const own = unprofiled === true;
  let plain: Session | undefined = typeof unprofiled === 'object' ? unprofiled : undefined;
  try {
    if (own) plain = await openSession(bytes, { optimization, threads: options.threads });
    const session = await openTracedSession(bytes, { optimization, threads: options.threads });
    const feeds =
      given ??
      syntheticFeeds(inputSpecs(model), 1, options.seed ?? 1, options.inputShapes, options.inputValues);
    const measured: boolean[] = [];
    const unprofiledSamples: number[] = [];
    let outputs: TensorMap = {};
    const traced = async (warmup: number, runs: number) => {
      for (let i = 0; i < warmup + runs; i++) {
        outputs = await session.run(feeds);
        measured.push(i >= warmup);
      }
    };
    let events: TraceEvent[];
    try {
      if (!plain) {
        await traced(options.warmup, options.runs);
      } else {
        await timeRuns(plain, feeds, options.warmup, 0);
        const rounds = Math.min(ROUNDS, options.runs);
        const warmup = Math.min(options.roundWarmup ?? ROUND_WARMUP, options.warmup);
        for (let r = 0; r < rounds; r++) {
          const runs = runsInRound(options.runs, rounds, r);
          await traced(r === 0 ? options.warmup : warmup, runs);
          unprofiledSamples.push(...(await timeRuns(plain, feeds, warmup, runs)));
        }
      }
      events = session.endProfiling();
      if (unprofiled === 'after')
        unprofiledSamples.push(
          ...(await timeRuns(
            session,
            feeds,
            Math.min(options.roundWarmup ?? ROUND_WARMUP, options.warmup),
            options.runs,
          )),
        );
    } finally {
      await session.release();
    }
    const timedPlain = plain !== undefined || unprofiled === 'after';
    return {
      events,
      measured,
      outputs,
      ...(timedPlain ? { unprofiledMs: median(unprofiledSamples) } : {}),
      ...(unprofiled === 'after' ? { afterRunsMs: unprofiledSamples } : {}),
    };
  } finally {
    if (own) await plain?.release();
  }
}

/**
 * Kernel durations (ms) of the measured runs, by kernel name, in execution order. A kernel
 * belongs to the run whose `model_run` event spans its start.
 */
export function kernelSamples({ events, measured }: Pick<Traced, 'events' | 'measured'>): KernelSamples {
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
  const windows = runs
    .filter((_, i) => measured[i])
    .map((r) => [r.ts ?? 0, (r.ts ?? 0) + (r.dur ?? 0)] as const);
  const samples = new Map<string, number[]>();
  const order: string[] = [];
  const kernels = events
    .filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time'))
    .sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
  let w = 0;
  for (const e of kernels) {
    const ts = e.ts ?? 0;
    while (w < windows.length && windows[w][1] < ts) w++;
    if (w === windows.length) break;
    if (ts < windows[w][0]) continue;
    const name = e.name!.slice(0, -'_kernel_time'.length);
    let list = samples.get(name);
    if (!list) {
      list = [];
      samples.set(name, list);
      order.push(name);
    }
    list.push((e.dur ?? 0) / 1000);
  }
  return { order, samples, runMs: median(windows.map(([a, b]) => (b - a) / 1000)) };
}

/**
 * Measures every node of the model at batch 1, as deployed (all ORT optimisations).
 *
 * ORT fuses nodes (Conv+Relu, Conv+Add+Relu) and changes layouts (NCHWc) at its
 * default level, so its kernels are not the model's nodes. Two traces are taken:
 * 1. optimisations off: one kernel per node; gives each node's relative weight;
 * 2. optimisations on: the real kernels. Each is anchored to a node (by name, or by the
 *    tensor an NCHWc kernel is named after); nodes with no kernel of their own were fused
 *    into the first anchored kernel that reads their result. A kernel's time is shared
 *    among its group in proportion to the unoptimised times; layout reorders with no
 *    anchor go to the next anchored kernel.
 * Per-node times then add up to what the optimised model really spends.
 */
export async function measureNodeTimes(
  model: ModelProto,
  dag: Dag,
  options: MeasureOptions,
): Promise<NodeTimes> {
  const { device, ...onCpu } = options;
  const traces = await traceNodeKernels(model, dag, onCpu);
  if (!device || device.kind === 'cpu')
    return nodeTimesFromTraces(traces, dag, traces.unprofiledMs, options.runOverheadMs ?? 0);
  // On a GPU the CPU trace gives the nodes' shares; the whole model timed on the device gives
  // the total they are scaled to (apportioned, see MeasureOptions.device).
  return nodeTimesFromTraces(traces, dag, await wholeModelMs(model, options), options.runOverheadMs ?? 0);
}

/** Median time of the whole (optimised) model on `options.device`, ms. */
async function wholeModelMs(model: ModelProto, options: MeasureOptions): Promise<number> {
  const session = await openSession(encodeModel(model), {
    optimization: 'all',
    threads: options.threads,
    device: options.device,
    source: options.source,
  });
  try {
    const feeds = syntheticFeeds(
      inputSpecs(model),
      1,
      options.seed ?? 1,
      options.inputShapes,
      options.inputValues,
    );
    return median(await timeRuns(session, feeds, options.warmup, options.runs));
  } finally {
    await session.release();
  }
}

/** The two kernel traces of a model (see `measureNodeTimes`), before calibration. */
export interface KernelTraces {
  /** The traced copy of the model: nodes renamed to their DAG names. */
  readonly model: ModelProto;
  readonly plain: KernelSamples;
  readonly fused: KernelSamples;
  /** Median time of the optimised model without the profiler, timed in the fused trace's rounds, ms. */
  readonly unprofiledMs: number;
}

/** Kernel durations of a trace's measured runs, by kernel name, and the median run time. */
export interface KernelSamples {
  readonly order: string[];
  readonly samples: Map<string, number[]>;
  readonly runMs: number;
}

/**
 * Traces the model with optimisations off, then on.
 * NOTE: the profiler's own cost per kernel is found by comparing the traced kernels with the same
 * model run without the profiler (see `calibration`), so that run must be timed at the same
 * moments: on a shared machine the speed moves by tens of percent within seconds, and a trace
 * taken at a slow moment made the profiler look costlier per kernel, shrinking small kernels
 * against large ones. The optimised trace therefore runs in the part timings' rounds
 * (ROUNDS, ROUND_WARMUP untimed runs before each), alternating with an unprofiled session. Not run
 * by run: a session's first runs after another session's are slower (5-20% measured), and the
 * profiler's event writing would make every unprofiled run such a first run.
 */
export async function traceNodeKernels(
  model: ModelProto,
  dag: Dag,
  options: MeasureOptions,
): Promise<KernelTraces> {
  const copy = tracedCopy(model, dag);
  const plain = await tracePlainKernels(copy, options);
  return { ...(await traceFusedKernels(copy, options)), plain };
}

/** A copy of the model whose nodes carry their unique DAG names, so trace events map back to them. */
export function tracedCopy(model: ModelProto, dag: Dag): ModelProto {
  const g = model.graph ?? {};
  const renamed = (g.node ?? []).slice();
  for (const n of dag.nodes) renamed[n.protoIndex] = { ...renamed[n.protoIndex], name: n.name };
  return { ...model, graph: { ...g, node: renamed } };
}

/**
 * The optimisations-off trace of a `tracedCopy`: one kernel per node (see `traceNodeKernels`).
 * @param encoded the copy already encoded (encoded here when not given: 100 MB take a second)
 */
export async function tracePlainKernels(
  copy: ModelProto,
  options: MeasureOptions,
  encoded?: Uint8Array,
): Promise<KernelSamples> {
  options.progress?.(`per-node profile, optimisations off (${options.warmup + options.runs} runs)`);
  return kernelSamples(await traceRuns(copy, 'disabled', options, false, encoded));
}

/**
 * The optimisations-on trace of a `tracedCopy`, timed in rounds with the unprofiled model (see
 * `traceNodeKernels`).
 * @param unprofiled an open session of the optimised model (CPU) to time without the profiler; left
 *   open for the caller. Opened and released here when not given; 'after': the traced session itself,
 *   timed once its profiler has stopped (one model open at a time, see session-budget.ts); those
 *   runs are returned too (`afterRunsMs`): the first group of parts takes them as its probe of the
 *   whole model instead of opening it once more (see measurePartGroups).
 * @param encoded the copy already encoded (encoded here when not given)
 */
export async function traceFusedKernels(
  copy: ModelProto,
  options: MeasureOptions,
  unprofiled?: Session | 'after',
  encoded?: Uint8Array,
): Promise<Omit<KernelTraces, 'plain'> & { readonly afterRunsMs?: readonly number[] }> {
  options.progress?.(
    `per-node profile, optimisations on (${options.runs} runs with and ${options.runs} without the profiler)`,
  );
  const traced = await traceRuns(copy, 'all', options, unprofiled ?? true, encoded);
  return {
    model: copy,
    fused: kernelSamples(traced),
    unprofiledMs: traced.unprofiledMs!,
    ...(traced.afterRunsMs ? { afterRunsMs: traced.afterRunsMs } : {}),
  };
}

/**
 * Kernel time per anchor node (already corrected). Unanchored kernels are ORT's layout conversions:
 * a ReorderOutput turns the previous kernel's blocked output back into NCHW, so it belongs to that
 * kernel (an edge model cut after it pays it too: measured 40 µs of a 100 µs stem on the bundled
 * Inception); a ReorderInput prepares the next kernel's input and is carried forward to it.
 */
function anchorTimes(
  order: readonly string[],
  kernelMs: readonly number[],
  kernelP90: readonly number[],
  anchorOf: (kernel: string) => number | undefined,
  dag: Dag,
  corrected: (ms: number) => number,
): { anchorMs: Map<number, number>; anchorP90: Map<number, number> } {
  const anchorMs = new Map<number, number>();
  const anchorP90 = new Map<number, number>();
  let carried = 0;
  let lastAnchor: number | undefined;
  order.forEach((k, i) => {
    const a = anchorOf(k);
    if (a === undefined || dag.isStatic[a]) {
      if (k.startsWith('ReorderOutput') && lastAnchor !== undefined) {
        anchorMs.set(lastAnchor, anchorMs.get(lastAnchor)! + corrected(kernelMs[i]));
        anchorP90.set(lastAnchor, anchorP90.get(lastAnchor)! + corrected(kernelP90[i]));
      } else {
        carried += corrected(kernelMs[i]);
      }
      return;
    }
    anchorMs.set(a, (anchorMs.get(a) ?? 0) + corrected(kernelMs[i]) + carried);
    anchorP90.set(a, (anchorP90.get(a) ?? 0) + corrected(kernelP90[i]) + carried);
    carried = 0;
    lastAnchor = a;
  });
  if (carried > 0 && lastAnchor !== undefined) anchorMs.set(lastAnchor, anchorMs.get(lastAnchor)! + carried);
  return { anchorMs, anchorP90 };
}

/**
 * The anchor that absorbed every dynamic node (-1 for none, and for static nodes): itself, or the
 * first anchored node (execution order) among its consumers' descendants.
 */
function anchorGroups(dag: Dag, anchorMs: ReadonlyMap<number, number>): number[] {
  const groupOf = new Array<number>(dag.nodes.length).fill(-1);
  for (let i = dag.nodes.length - 1; i >= 0; i--) {
    if (dag.isStatic[i]) continue;
    if (anchorMs.has(i)) {
      groupOf[i] = i;
      continue;
    }
    let best = -1;
    for (const o of dag.nodes[i].outputs)
      for (const c of dag.consumers.get(o) ?? []) {
        const gc = groupOf[c];
        if (gc >= 0 && (best < 0 || gc < best)) best = gc;
      }
    groupOf[i] = best;
  }
  return groupOf;
}

/**
 * Per-node times from kernel traces, calibrated in two steps: the profiler's cost per kernel is
 * subtracted so that the kernels add up to the model timed without the profiler in the trace's own
 * rounds (`traces.unprofiledMs`); then all are scaled so that they add up to `unprofiledRunMs`
 * minus the run overhead: the whole model's time measured alongside the parts the node times will
 * be compared with (see measure-profile.ts), which may be at another speed of the machine.
 */
export function nodeTimesFromTraces(
  traces: KernelTraces,
  dag: Dag,
  unprofiledRunMs: number,
  runOverheadMs: number,
): NodeTimes {
  const { plain, fused } = traces;
  const unfusedMs = dag.nodes.map((n) => median(plain.samples.get(n.name) ?? [0]));
  const byName = new Map(dag.nodes.map((n) => [n.name, n.index]));
  const anchorOf = (kernel: string): number | undefined =>
    byName.get(kernel) ??
    (kernel.endsWith('_nchwc') ? dag.producer.get(kernel.slice(0, -'_nchwc'.length)) : undefined);

  const kernelMs = fused.order.map((k) => median(fused.samples.get(k)!));
  const kernelP90 = fused.order.map((k) => quantile(fused.samples.get(k)!, 0.9));
  const traceTarget = traces.unprofiledMs - runOverheadMs;
  const { deltaMs, scale } = calibration(kernelMs, traceTarget);
  const speed =
    traceTarget > 0 && unprofiledRunMs - runOverheadMs > 0
      ? (unprofiledRunMs - runOverheadMs) / traceTarget
      : 1;
  const corrected = (ms: number) => Math.max(0, ms - deltaMs) * scale * speed;

  const { anchorMs, anchorP90 } = anchorTimes(fused.order, kernelMs, kernelP90, anchorOf, dag, corrected);
  const groupOf = anchorGroups(dag, anchorMs);
  const groupWeight = new Map<number, number>();
  const groupSize = new Map<number, number>();
  for (let i = 0; i < dag.nodes.length; i++)
    if (groupOf[i] >= 0) {
      groupWeight.set(groupOf[i], (groupWeight.get(groupOf[i]) ?? 0) + unfusedMs[i]);
      groupSize.set(groupOf[i], (groupSize.get(groupOf[i]) ?? 0) + 1);
    }
  const nodes = dag.nodes.map((n, i) => {
    const a = groupOf[i];
    if (a < 0) return { name: n.name, op: n.opType, ms: 0, p90Ms: 0, unfusedMs: unfusedMs[i] };
    const w = groupWeight.get(a)! > 0 ? unfusedMs[i] / groupWeight.get(a)! : 1 / groupSize.get(a)!;
    return {
      name: n.name,
      op: n.opType,
      ms: anchorMs.get(a)! * w,
      p90Ms: (anchorP90.get(a) ?? anchorMs.get(a)!) * w,
      unfusedMs: unfusedMs[i],
    };
  });
  return { nodes, runMs: fused.runMs, unprofiledRunMs, profilerOverheadMs: deltaMs, traceSpeedFactor: speed };
}

/**
 * The per-kernel profiler cost δ (ms) such that Σ max(0, k − δ) equals `targetMs`, found by
 * bisection; when the kernels already sum to less than the target (time spent between
 * kernels), δ = 0 and they are scaled up instead.
 * @example calibration([1, 2, 3], 4.5) // { deltaMs: 0.5, scale: 1 }
 */
export function calibration(
  kernelMs: readonly number[],
  targetMs: number,
): { deltaMs: number; scale: number } {
  const sum = kernelMs.reduce((a, b) => a + b, 0);
  if (!(targetMs > 0) || sum <= 0) return { deltaMs: 0, scale: 1 };
  if (sum <= targetMs) return { deltaMs: 0, scale: targetMs / sum };
  let lo = 0;
  // NOTE: reduce, not Math.max(...kernelMs): a model of 120,000 nodes overflows the argument stack.
  let hi = kernelMs.reduce((a, b) => Math.max(a, b), 0);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    const s = kernelMs.reduce((a, k) => a + Math.max(0, k - mid), 0);
    if (s > targetMs) lo = mid;
    else hi = mid;
  }
  return { deltaMs: (lo + hi) / 2, scale: 1 };
}
