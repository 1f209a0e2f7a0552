/**
 * `jalad profile`: measure this machine for one model: per-node times (ORT's profiler,
 * optimisations off so nodes map one to one), the run overhead, and the real edge and
 * cloud models of every cut point (optimisations on, as deployed).
 */
import { performance } from 'perf_hooks';
import {
  buildDag,
  cutPoints,
  encodeModel,
  readModelFile,
  requireCutPoints,
  type CutCandidate,
  type Dag,
  type LoadedModel,
} from '../graph';
import {
  CPU,
  checkDevice,
  deviceLabel,
  inputSpecs,
  openSession,
  probeTensors,
  syntheticFeeds,
  timeRuns,
  type TensorInfo,
} from '../runtime';
import { loadInputValues } from '../runtime/input-values';
import { JALAD_VERSION } from '../core/version';
import { apportionToParts } from './apportion-parts';
import { crossingBytes, crossingSizes, fitPartModel, partPoints, type BoundaryCost } from './boundary-cost';
import { PROFILE_VERSION, type DeviceProfile } from './device-profile';
import { machineInfo } from './machine';
import {
  nodeTimesFromTraces,
  traceFusedKernels,
  tracePlainKernels,
  tracedCopy,
  type KernelSamples,
  type KernelTraces,
  type MeasureOptions,
  type NodeTime,
} from './node-times';
import {
  measurePartGroups,
  partTimesOfGroups,
  ROUND_WARMUP,
  ROUNDS,
  type PartSides,
  type PartTime,
  type PartTimes,
} from './part-times';
import {
  chooseAutoMode,
  runsOnlyCostMs,
  type AutoChoice,
  type RequestedProfileMode,
  FAST_PLAIN_RUNS,
  fastSampleCount,
  fitsRunBudget,
  timingPlan,
  type ProfileMode,
  type TimingPlan,
} from './profile-mode';
import { sampleCutPoints } from './sample-cuts';
import {
  halfCut,
  modelHalves,
  traceFusedHalves,
  tracePlainHalves,
  timeHalvesAlone,
  type ModelHalves,
} from './trace-halves';
import { HALVES_FROM_BYTES, sessionPlan, weightBytes } from './session-budget';
import { cheaperSides } from './part-sides';
import { DEFAULT_PROFILE_MODE } from '../core/defaults';
import { median } from './stats';

/** Spread (p90 / median − 1) above which a profile carries a note. */
const LARGE_SPREAD = 0.25;

/**
 * The cost of one `session.run` that computes nothing: a model whose only output is its
 * input. Every part that runs pays it once.
 */
export async function measureRunOverhead(
  model: LoadedModel['model'],
  options: MeasureOptions,
): Promise<number> {
  const specs = inputSpecs(model);
  const g = model.graph ?? {};
  const inputs = (g.input ?? []).filter((v) => specs.some((s) => s.name === v.name));
  const passthrough = {
    ...model,
    graph: { name: 'passthrough', input: inputs, output: inputs, node: [], initializer: [] },
  };
  const session = await openSession(passthrough, {
    optimization: 'all',
    threads: options.threads,
    device: options.device,
  });
  try {
    return median(
      await timeRuns(
        session,
        syntheticFeeds(specs, 1, 1, options.inputShapes, options.inputValues),
        options.warmup,
        Math.max(options.runs, 50),
      ),
    );
  } finally {
    await session.release();
  }
}

/** Notes on node and part times that varied by more than LARGE_SPREAD between runs (a busy machine). */
function spreadNotes(nodes: readonly NodeTime[], parts: readonly PartTime[]): string[] {
  const out: string[] = [];
  const noisy = nodes.filter((n) => n.ms > 0.01 && n.p90Ms > n.ms * (1 + LARGE_SPREAD));
  if (noisy.length > 0)
    out.push(
      `${noisy.length} nodes varied by more than ${LARGE_SPREAD * 100}% between runs (p90 vs median), ` +
        `e.g. "${noisy[0].name}"; the machine may be busy: consider more --runs`,
    );
  const noisyParts = parts.filter(
    (p) => p.edgeP90Ms > p.edgeMs * (1 + LARGE_SPREAD) || p.cloudP90Ms > p.cloudMs * (1 + LARGE_SPREAD),
  );
  if (noisyParts.length > 0)
    out.push(
      `${noisyParts.length} of ${parts.length} cut points' part times varied by more than ${LARGE_SPREAD * 100}% between runs`,
    );
  return out;
}

/**
 * Seconds a profile's timed runs will take (progress only): the fused trace with its unprofiled
 * twin, then the whole model and both parts of each timed cut point (together about two models)
 * in every round, each run costing about `modelMs`.
 */
function estimateSeconds(plan: TimingPlan, timedCuts: number, modelMs: number): number {
  const rounds = Math.min(ROUNDS, plan.runs);
  const series = plan.warmup + plan.runs + rounds * plan.roundWarmup;
  return ((2 * series + (1 + timedCuts) * series) * modelMs) / 1000;
}

/** What a profile says about its boundary fit, and in fast mode what it timed. */
function boundaryNotes(
  fit: BoundaryCost,
  points: number,
  timed: number,
  cuts: number,
  runs: number,
  oneSided: boolean,
): string[] {
  const which = timed === cuts ? 'the' : `${timed} of the ${cuts}`;
  const out = [
    `a cut costs ${(fit.edgeOutputMsPerByte * 1e6).toFixed(2)} µs per KB of crossing tensors on the edge side and ` +
      `${(fit.cloudInputMsPerByte * 1e6).toFixed(2)} on the cloud side beyond their nodes (layout conversions, copies): ` +
      `fitted to the ${points} measured parts of ${which} cut points`,
  ];
  if (timed < cuts)
    out.push(
      `fast profile: ${timed} of ${cuts} cut points' real ${oneSided ? 'parts timed (the cheaper part of each)' : 'parts timed'}, ` +
        `${runs} runs per timing; ` +
        `the other cut points are predicted from the node times (--profile thorough times every one)`,
    );
  return out;
}

/**
 * The traced copy of the model (nodes renamed, see node-times.ts), encoded once: the two traces and
 * the whole-model session read the same bytes (encoding ResNet-50 took 1.9-2.4 s at load 12).
 */
/**
 * The two halves of the traced copy when the model is profiled by halves (session-budget.ts decides
 * by its weight bytes unless `options.halves` forces it); undefined when it is traced whole, or when
 * no cut point has nodes on both sides.
 */
function modelHalvesIfHeavy(
  model: LoadedModel['model'],
  copy: LoadedModel['model'],
  dag: Dag,
  cuts: readonly CutCandidate[],
  info: ReadonlyMap<string, TensorInfo>,
  options: MeasureOptions,
): ModelHalves | undefined {
  if (!sessionPlan(weightBytes(model), options.oneModel, options.halves).halves) return undefined;
  const cut = halfCut(copy, dag, cuts);
  return cut ? modelHalves(copy, dag, cut, info) : undefined;
}

/** The optimisations-on trace, of the whole model or of its two halves (trace-halves.ts). */
type FusedTrace = Omit<KernelTraces, 'plain'> & { readonly afterRunsMs?: readonly number[] };

interface EncodedCopy {
  readonly model: LoadedModel['model'];
  /** Dropped (undefined) once both traces have read it: not held while the parts are timed. */
  bytes?: Uint8Array;
}

/** The optimisations-off trace's runs: fast and auto take few (it only weighs nodes that ORT fuses together). */
function plainTraceOptions(requested: RequestedProfileMode, options: MeasureOptions): MeasureOptions {
  return requested === 'thorough'
    ? options
    : { ...options, warmup: Math.min(1, options.warmup), runs: Math.min(FAST_PLAIN_RUNS, options.runs) };
}

/**
 * The mode a profile starts with: the one asked for; for auto, fast (its sample is timed first, see
 * traceAndTimeParts), except for a slow model (`fitsRunBudget`), where fast would time
 * fewer runs and one part per cut point: auto decides there before timing any part, from the runs
 * alone (a lower bound of thorough's cost).
 */
function startMode(
  requested: RequestedProfileMode,
  cuts: number,
  plain: KernelSamples,
  options: MeasureOptions,
  nodes: number,
): { readonly mode: ProfileMode; readonly auto?: AutoChoice; readonly extend: boolean } {
  if (requested !== 'auto') return { mode: requested, extend: false };
  if (fitsRunBudget(options, plain.runMs, nodes)) return { mode: 'fast', extend: true };
  const rounds = Math.min(ROUNDS, options.runs);
  const extraMs = runsOnlyCostMs(cuts, plain.runMs, options, ROUND_WARMUP, rounds);
  const auto = chooseAutoMode(extraMs, 'runs', options.autoBudgetMs);
  options.progress?.(autoNote(auto));
  return { mode: auto.mode, auto, extend: false };
}

/** The profile's note on what `--profile auto` chose, and why. */
function autoNote(auto: AutoChoice): string {
  const what =
    auto.basis === 'sample'
      ? "timing every cut point's real parts was estimated from the sample's cost at"
      : "the model is slow: the runs alone of timing every cut point's real parts would take at least";
  return (
    `--profile auto chose ${auto.mode}: ${what} ${auto.extraS.toFixed(1)} s, ` +
    `${auto.mode === 'thorough' ? 'within' : 'over'} its budget of ${auto.budgetS} s` +
    (auto.mode === 'fast' ? ' (--profile thorough times every one)' : '')
  );
}

/**
 * Decides the runs per timing and the cut points to time, from the optimisations-off trace (its
 * run time sizes the plan: an over-estimate, unfused).
 */
function planTimings(
  plain: KernelSamples,
  model: LoadedModel['model'],
  dag: Dag,
  cuts: readonly CutCandidate[],
  info: ReadonlyMap<string, TensorInfo>,
  options: MeasureOptions,
  mode: ProfileMode,
  label = `${mode} profile`,
): {
  plan: TimingPlan;
  timed: MeasureOptions;
  timedCuts: readonly CutCandidate[];
  sides: ReadonlyMap<number, PartSides>;
} {
  const plan = timingPlan(mode, options, plain.runMs, ROUND_WARMUP, dag.nodes.length);
  const timedCuts =
    mode === 'thorough'
      ? cuts
      : sampleCutPoints(
          cuts,
          (c) => crossingBytes(crossingSizes(c.tensors, info)),
          fastSampleCount(options, plain.runMs, dag.nodes.length),
        );
  const sides =
    mode === 'fast' && !fitsRunBudget(options, plain.runMs, dag.nodes.length)
      ? cheaperSides(
          model,
          dag,
          timedCuts,
          dag.nodes.map((n) => median(plain.samples.get(n.name) ?? [0])),
        )
      : new Map();
  const which = sides.size > 0 ? 'the cheaper real part' : 'the real parts';
  const seconds = estimateSeconds(plan, timedCuts.length * (sides.size > 0 ? 0.5 : 1), plain.runMs);
  options.progress?.(
    `${label}: per-node times from traced runs of the model, ${which} of ${timedCuts.length} of ${cuts.length} ` +
      `cut points; ${plan.runs} runs per timing; about ${seconds.toFixed(0)} s`,
  );
  return { plan, timed: { ...options, ...plan, mode }, timedCuts, sides };
}

/**
 * The optimisations-on trace, then the real parts of `cuts` with the whole model timed alongside.
 * On the CPU both time the whole model through one session: ORT builds a session of a large model
 * with full optimisation in seconds (1-7 s per ResNet-18 session at load 20), and the trace's
 * unprofiled twin is that same model, already warm.
 * With `all` (auto): `cuts` is fast's sample; the seconds it took per cut point, times the cut
 * points in `all`, is auto's estimate of what a thorough timing costs more (sessions and runs as
 * measured now, at this machine's load); within the budget every cut point is timed again, the
 * sample included, exactly as a thorough profile times them: the sample's own timings are dropped.
 * Why not keep them and time only the rest: parts timed in different groups can differ by more
 * than the machine's speed. On the bundled ResNet (load 10) the first edge parts of the sample's
 * group ran 0.16-0.23 ms and those of the rest's group 0.08-0.10 (the slow regime of
 * docs/profiler.md), and the boundary fitted across both groups missed the first cut points by
 * 60-85% where one group's fit (thorough's) missed by 1.5%.
 */
async function traceAndTimeParts(
  model: { readonly model: LoadedModel['model']; readonly copy: EncodedCopy },
  dag: Dag,
  cuts: readonly CutCandidate[],
  info: ReadonlyMap<string, TensorInfo>,
  timed: MeasureOptions,
  more: {
    readonly sides: ReadonlyMap<number, PartSides>;
    readonly all?: readonly CutCandidate[];
    /** The model's two halves when it is profiled by halves (trace-halves.ts). */
    readonly halves?: ModelHalves;
    readonly runOverheadMs: number;
  },
): Promise<{ fused: FusedTrace; auto?: AutoChoice; halvesAt?: CutCandidate } & PartTimes> {
  const onCpu = (timed.device ?? CPU).kind === 'cpu';
  const { copy } = model;
  const { sides, all } = more;
  const { halves } = more;
  const { oneModel, groupBudgetBytes } = sessionPlan(weightBytes(model.model), timed.oneModel, !!halves);
  // NOTE: let, and cleared with copy.bytes: a local holding the 100 MB would keep them alive.
  let bytes: Uint8Array | undefined = halves ? undefined : (copy.bytes ?? encodeModel(copy.model));
  copy.bytes = undefined;
  const whole =
    onCpu && !oneModel && bytes
      ? await openSession(bytes, { optimization: 'all', threads: timed.threads })
      : undefined;
  try {
    const fused = halves
      ? { model: copy.model, ...(await traceFusedHalves(halves, timed, more.runOverheadMs)) }
      : await traceFusedKernels(copy.model, timed, oneModel ? 'after' : whole, bytes);
    bytes = undefined;
    timed.progress?.(
      `timing the real edge and cloud models of ${cuts.length} cut points and the whole model` +
        (halves ? ' (as two halves, one open at a time)' : oneModel ? ' (one model open at a time)' : ''),
    );
    const started = performance.now();
    const probe = halves ? () => timeHalvesAlone(halves, timed, more.runOverheadMs) : undefined;
    const extra = { whole, sides, oneModel, budgetBytes: groupBudgetBytes, ...(probe ? { probe } : {}) };
    // One model at a time: the trace's own unprofiled runs are the first group's whole-model probe.
    // Not on a GPU: the traces run on the CPU, and the probes must time the device the parts run on.
    const first = onCpu && fused.afterRunsMs ? { ...extra, firstProbeMs: fused.afterRunsMs } : extra;
    let groups = await measurePartGroups(model.model, dag, cuts, info, timed, first);
    let auto: AutoChoice | undefined;
    if (all) {
      const perCutMs = (performance.now() - started) / Math.max(1, cuts.length);
      auto = chooseAutoMode(perCutMs * all.length, 'sample', timed.autoBudgetMs);
      timed.progress?.(autoNote(auto));
      if (auto.mode === 'thorough') {
        timed.progress?.(
          `timing the real edge and cloud models of all ${all.length} cut points and the whole model`,
        );
        groups = await measurePartGroups(model.model, dag, all, info, timed, extra);
      }
    }
    const times = partTimesOfGroups(groups);
    const sorted = [...times.parts].sort((x, y) => x.index - y.index);
    return { fused, auto, ...times, parts: sorted, ...(halves ? { halvesAt: halves.cut } : {}) };
  } finally {
    await whole?.release();
  }
}

/**
 * Measures this machine on a model. A fast profile (see profile-mode.ts) times the real parts of
 * a sample of cut points; a thorough one times every cut point's; auto (the default) takes thorough
 * when its estimated cost fits a budget of seconds, else fast.
 * NOTE: over 80 lines: one measurement sequence (overhead, traces, parts, fit) with the note each step adds.
 * @param known the model's DAG and probed tensors when the caller has them (the tensors must include
 *   every cut tensor); else built and probed here
 */
// eslint-disable-next-line max-lines-per-function -- one measurement sequence (overhead, traces, parts, fit), see above
export async function measureProfile(
  loaded: LoadedModel,
  measure: MeasureOptions,
  known: { readonly dag?: Dag; readonly tensors?: ReadonlyMap<string, TensorInfo> } = {},
): Promise<DeviceProfile> {
  const options: MeasureOptions = { source: loaded.path, ...measure };
  // A GPU that cannot be used is refused here, before any work (one line, exit 2).
  const device = await checkDevice(options.device ?? CPU);
  const started = performance.now();
  const progress = options.progress ?? (() => undefined);
  const notes: string[] = [];
  const dag = known.dag ?? buildDag(loaded.model, loaded.path);
  const cuts = requireCutPoints(cutPoints(dag), loaded.path);
  const info =
    known.tensors ??
    (await probeTensors(
      loaded.model,
      [...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name)))],
      options,
    ));
  progress(
    `profiling ${dag.nodes.length} nodes (${options.warmup} warm-up + ${options.runs} runs, ${options.threads} thread(s))`,
  );
  const runOverheadMs = await measureRunOverhead(loaded.model, options);
  const requested: RequestedProfileMode = options.mode ?? DEFAULT_PROFILE_MODE;
  const copyModel = tracedCopy(loaded.model, dag);
  const halves = modelHalvesIfHeavy(loaded.model, copyModel, dag, cuts, info, options);
  // By halves nothing opens the whole copy: it is not encoded.
  const copy: EncodedCopy = { model: copyModel, ...(halves ? {} : { bytes: encodeModel(copyModel) }) };
  const firstPlain = halves
    ? await tracePlainHalves(halves, plainTraceOptions(requested, options))
    : await tracePlainKernels(copy.model, plainTraceOptions(requested, options), copy.bytes);
  const start = startMode(requested, cuts.length, firstPlain, options, dag.nodes.length);
  const label = start.extend ? 'auto profile, starting as fast' : undefined;
  const planned = planTimings(firstPlain, loaded.model, dag, cuts, info, options, start.mode, label);
  const measured = await traceAndTimeParts(
    { model: loaded.model, copy },
    dag,
    planned.timedCuts,
    info,
    planned.timed,
    {
      sides: planned.sides,
      ...(start.extend ? { all: cuts } : {}),
      ...(halves ? { halves } : {}),
      runOverheadMs,
    },
  );
  const { fused, parts, wholeMs, groupDrift } = measured;
  const auto = measured.auto ?? start.auto;
  const mode = auto?.mode ?? start.mode;
  if (auto) notes.push(autoNote(auto));
  if (measured.halvesAt)
    notes.push(
      `traced and timed as two halves split at cut point ${measured.halvesAt.index}, no whole optimised session opened ` +
        `(models over ${HALVES_FROM_BYTES / 1e6} MB of weights); the whole model's time is the halves' added, less one run overhead`,
    );
  const { plan, sides } = planned;
  const timedCuts = mode === 'thorough' ? cuts : planned.timedCuts;
  // NOTE: auto's choosing thorough does not take the optimisations-off trace again with thorough's
  // runs (it took fast's FAST_PLAIN_RUNS): that trace only weighs the nodes ORT fuses together, and
  // one local profile keeps one trace of each kind (local/10 derives from it).
  const plain = firstPlain;
  const traces = { ...fused, plain };
  if (groupDrift > 0.02)
    notes.push(
      `the machine's speed drifted by up to ${(groupDrift * 100).toFixed(0)}% between the groups of cut points timed in turn; ` +
        `their part times were rescaled to one speed by the whole model timed alongside each group`,
    );
  // Calibrated against the whole model timed in the same rounds as the parts (see part-times.ts).
  const nodeTimes = nodeTimesFromTraces(traces, dag, wholeMs, runOverheadMs);
  const speed = nodeTimes.traceSpeedFactor;
  if (Math.abs(speed - 1) > 0.1)
    notes.push(
      `the model ran ${(Math.abs(speed - 1) * 100).toFixed(0)}% ${speed > 1 ? 'faster' : 'slower'} while its nodes were traced ` +
        `than while the cut points were timed ` +
        `(a busy machine); node times were rescaled to the latter`,
    );
  if (nodeTimes.profilerOverheadMs > 0)
    notes.push(
      `ONNX Runtime's profiler added about ${(nodeTimes.profilerOverheadMs * 1000).toFixed(1)} µs per kernel; ` +
        `subtracted so that node times add up to the unprofiled run (${nodeTimes.unprofiledRunMs.toFixed(3)} ms)`,
    );

  // Boundary costs, fitted to the cut points' measured parts (boundary-cost.ts).
  const points = partPoints(dag, cuts, parts, nodeTimes.nodes, runOverheadMs, info);
  const boundary: BoundaryCost = fitPartModel(points);
  const nodes = apportionToParts(nodeTimes.nodes, dag, cuts, parts, { runOverheadMs, boundary }, info);
  const apportioned = (['edge', 'cloud'] as const).filter((side) =>
    nodes.some((n) => n[`${side}Ms`] !== undefined),
  );
  if (apportioned.length > 0)
    notes.push(
      `the ${apportioned.join(' and ')} parts are predicted from node times apportioned to that side's timed parts ` +
        `(edgeMs, cloudMs; the traced times misplace time along the model)`,
    );
  notes.push(
    ...boundaryNotes(boundary, points.length, timedCuts.length, cuts.length, plan.runs, sides.size > 0),
  );

  if (device.kind !== 'cpu')
    notes.push(
      `the edge and cloud parts, the whole model and the run overhead were timed on ${deviceLabel(device)} ` +
        `(${device.name}); ONNX Runtime does not time a GPU provider's kernels one by one, so the per-node times ` +
        `are the CPU trace's shares of the whole model's time on the device (apportioned, not measured per node)`,
    );
  notes.push(...spreadNotes(nodeTimes.nodes, parts));
  notes.push(`profiling took ${((performance.now() - started) / 1000).toFixed(1)} s`);

  return {
    version: PROFILE_VERSION,
    kind: 'measured',
    label: device.kind === 'cpu' ? 'this machine' : `this machine's ${deviceLabel(device)}`,
    jalad: JALAD_VERSION,
    createdAt: new Date().toISOString(),
    model: { path: loaded.path, sha256: loaded.sha256 },
    machine: machineInfo(options.threads),
    device,
    mode,
    ...(auto ? { auto: { budgetS: auto.budgetS, extraS: auto.extraS, basis: auto.basis } } : {}),
    settings: { runs: plan.runs, warmup: plan.warmup, threads: options.threads, batch: 1, mode },
    runOverheadMs,
    boundary,
    nodes,
    cutPoints: parts.map((p) => ({ ...p, tensors: cuts[p.index].tensors.map((t) => t.name) })),
    notes,
  };
}

/** Reads a model and measures this machine on it. */
export async function profileModelFile(
  modelPath: string,
  options: MeasureOptions & { readonly inputs?: string },
): Promise<DeviceProfile> {
  const loaded = readModelFile(modelPath);
  const inputValues = options.inputs ? loadInputValues(options.inputs, loaded.model) : options.inputValues;
  return measureProfile(loaded, { ...options, inputValues, source: modelPath });
}
