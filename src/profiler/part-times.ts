/**
 * Measured time of the real edge and cloud models of every cut point, as deployed:
 * ONNX Runtime with all graph optimisations, fixed threads, batch 1, wall-clock time of
 * `session.run` (what an application sees), median of several runs after warm-up.
 */
import { performance } from 'perf_hooks';
import { encodeModel, extractSplit, valueInfo, type CutCandidate, type Dag, type ModelProto } from '../graph';
import {
  feedsFor,
  inputSpecs,
  openSession,
  runsInRound,
  syntheticFeeds,
  timeRuns,
  type DeviceChoice,
  type Session,
  type TensorInfo,
  type TensorMap,
} from '../runtime';
import type { MeasureOptions } from './node-times';
import { SESSION_BUDGET_BYTES, weightBytes } from './session-budget';
import { median, quantile } from './stats';

/** Measured times of one cut point's two parts. */
export interface PartTime {
  readonly index: number;
  readonly edgeMs: number;
  readonly edgeP90Ms: number;
  readonly cloudMs: number;
  readonly cloudP90Ms: number;
}

/** Part times of every cut point, and the whole model timed in the same rounds. */
export interface PartTimes {
  readonly parts: PartTime[];
  /** Median time of the whole model (optimisations on, unprofiled) over every group's rounds, ms. */
  readonly wholeMs: number;
  /**
   * Largest relative correction of a group's part times for machine-speed drift (0 with one
   * group): see `measurePartTimes`.
   */
  readonly groupDrift: number;
}

/** Sessions of one part and its timing samples. */
interface TimedPart {
  readonly session: Session;
  readonly feeds: TensorMap;
  readonly samples: number[];
}

/** Rounds the runs of each part are spread over (see `measurePartTimes`). */
export const ROUNDS = 5;

/**
 * Untimed runs of each part at the start of every round (at most `--warmup`). After the other
 * sessions of a round have run, a model is slow for a few runs while its weights come back into
 * the caches: the whole MobileNetV2 ran 20%, 8% and 2% over its steady time in the first three
 * runs of a round (after one warm-up run each).
 */
export const ROUND_WARMUP = 3;

/**
 * Which parts of a cut point are timed: both, or one side only. A fast profile of a slow model
 * times one side per sampled cut point, the cheaper one (see measure-profile.ts).
 */
export type PartSides = 'both' | 'edge' | 'cloud';

/** A cut point's parts being timed (a part with no nodes, or a side not asked for, has none). */
interface TimedCut {
  readonly cut: CutCandidate;
  edge?: TimedPart;
  cloud?: TimedPart;
}

/** A cut point's part models, ready to encode and open, and the weight bytes they hold. */
interface PreparedCut {
  readonly cut: CutCandidate;
  readonly edge: ModelProto;
  readonly cloud: ModelProto;
  readonly timeEdge: boolean;
  readonly timeCloud: boolean;
  /** Bytes of initializers of the models whose sessions stay open while the group is timed. */
  readonly heldBytes: number;
}

/**
 * The edge and cloud models of `cut` (weights stay where the model's are: no copy), the crossing
 * tensors typed from the probe.
 */
export function cutParts(
  model: ModelProto,
  dag: Dag,
  cut: CutCandidate,
  info: ReadonlyMap<string, TensorInfo>,
): { readonly edge: ModelProto; readonly cloud: ModelProto } {
  return extractSplit(
    model,
    dag,
    { edgeNodes: cut.edgeNodes, cloudNodes: cut.cloudNodes, crossing: cut.tensors },
    (t) => valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims),
  );
}

/** Extracts the parts of `cut`, and which of them `sides` asks to time. */
function prepareCut(
  model: ModelProto,
  dag: Dag,
  info: ReadonlyMap<string, TensorInfo>,
  cut: CutCandidate,
  sides: PartSides,
): PreparedCut {
  const split = cutParts(model, dag, cut, info);
  // A part with no nodes does not run at all: it costs nothing.
  const timeEdge = sides !== 'cloud' && cut.edgeNodes.length > 0;
  const timeCloud = sides !== 'edge' && cut.cloudNodes.length > 0;
  return {
    cut,
    edge: split.edge,
    cloud: split.cloud,
    timeEdge,
    timeCloud,
    heldBytes: (timeEdge ? weightBytes(split.edge) : 0) + (timeCloud ? weightBytes(split.cloud) : 0),
  };
}

/**
 * Opens the timed parts of a prepared cut into `entry` (as each opens, so that the caller releases
 * whatever opened if a later one fails). The cloud model's feeds are what the edge sends, except
 * where only the cloud model is timed and every tensor it receives is float32: then they are
 * synthetic (seeded uniform values of the probed shapes), because computing them would cost an
 * edge model of most of the network (encoding it and building its session took 2-3 s per late cut
 * point of ResNet-50 at load 10), and the float kernels of a CNN's cloud part (convolutions, GEMMs,
 * pooling) take the same time whatever the values. Other tensors (indices, shapes) come from an
 * edge model built without optimisation and run once.
 */
async function openParts(
  entry: TimedCut,
  prepared: PreparedCut,
  feeds: TensorMap,
  threads: number,
  device?: DeviceChoice,
): Promise<void> {
  const { timeEdge, timeCloud } = prepared;
  let sent: TensorMap = {};
  const crossing = new Set(prepared.cut.tensors.map((t) => t.name));
  // The tensors the edge computes (a model input crossing the cut comes from `feeds`).
  const received = inputSpecs(prepared.cloud).filter(
    (spec) => crossing.has(spec.name) && !(spec.name in feeds),
  );
  const edgeComputes = prepared.cut.edgeNodes.length > 0;
  if (edgeComputes && !timeEdge && timeCloud && received.every((spec) => spec.elemType === FLOAT32)) {
    sent = syntheticFeeds(received, 1, SYNTHETIC_CUT_SEED);
  } else {
    const optimization = timeEdge ? 'all' : 'disabled';
    const edgeSession = await openSession(encodeModel(prepared.edge), { optimization, threads, device });
    const edgeFeeds = feedsFor(edgeSession, feeds);
    if (timeCloud) sent = await edgeSession.run(edgeFeeds);
    if (timeEdge) entry.edge = { session: edgeSession, feeds: edgeFeeds, samples: [] };
    else await edgeSession.release();
  }
  if (timeCloud) {
    const cloudSession = await openSession(encodeModel(prepared.cloud), {
      optimization: 'all',
      threads,
      device,
    });
    entry.cloud = {
      session: cloudSession,
      feeds: feedsFor(cloudSession, { ...feeds, ...sent }),
      samples: [],
    };
  }
}

/** ONNX's element type of float32. */
const FLOAT32 = 1;

/** Seed of the synthetic cut tensors fed to a cloud model timed alone (see `openParts`). */
const SYNTHETIC_CUT_SEED = 7;

/**
 * Measures the edge and the cloud model of every cut point, and the whole model.
 *
 * NOTE: on a shared machine the speed drifts by tens of percent over seconds. Timing one part
 * after another would give each part the speed of its own moment, and compare predictions
 * calibrated at one moment with measurements from others. So every part of a group (and the
 * whole model, the calibration target of the per-node times) is timed in ROUNDS (5) rounds of
 * back-to-back runs: each median mixes the same moments. Each part's runs in a round follow
 * ROUND_WARMUP (3) untimed ones, so it is timed warm, as an edge device running only its part
 * runs it. With one warm-up run per round the transient stayed in: the whole MobileNetV2 (14 MB of
 * weights) came out about 5% slow, so the node times calibrated to it were too, and its
 * small early parts (whose weights stay in cache) were predicted 10-20% slow; measured with three,
 * its node sums were within 5% of warm edge models at cut points 20-50.
 * NOTE: when the cut points take several groups (a large model, or many cut points), the groups
 * are timed seconds apart, and the speed of the machine was measured to differ by 8-11% between
 * them (MobileNetV2, 3 groups). The whole model is timed in every group's rounds too, as a probe
 * of the machine's speed: each group's part times are multiplied by (median of the whole model
 * over all groups) / (its median in that group's rounds), so all parts are on the speed scale the
 * node times are calibrated to. With one group the factor is exactly 1.
 * NOTE: with `extra.oneModel` (a large model, see session-budget.ts) the whole model is not open
 * beside the parts: it is opened, timed (warm-up, then `runs` runs) and closed just before each
 * group's parts are opened, and those runs are the group's probe. Its runs and the parts' are then
 * seconds apart rather than in the same rounds.
 * Groups are filled in order while the models their sessions hold fit `extra.budgetBytes` (at
 * least one cut point each).
 * @param info types and shapes of the crossing tensors (from probeTensors)
 * @param extra.whole an open, warmed-up session of the whole optimised model on `options.device`,
 *   used as the whole model (not released here); opened (and released) here when not given
 * @param extra.sides the parts timed per cut point index (default both)
 * @param extra.budgetBytes bytes of model the sessions of one group may hold (SESSION_BUDGET_BYTES)
 * @param extra.oneModel time the whole model alone before each group instead of beside it
 * @param extra.firstProbeMs one model at a time: runs of the whole optimised model timed just before
 *   (the optimised trace's session once its profiler stopped), taken as the first group's probe
 *   instead of opening the whole model once more. Why: every whole ResNet-50 session costs 0.5 s to
 *   build and 145 MB; its memory, once freed, is kept by the C allocator, and the parts were opened on top of it.
 */
export async function measurePartTimes(
  model: ModelProto,
  dag: Dag,
  cuts: readonly CutCandidate[],
  info: ReadonlyMap<string, TensorInfo>,
  options: MeasureOptions,
  extra: PartExtras = {},
): Promise<PartTimes> {
  return partTimesOfGroups(await measurePartGroups(model, dag, cuts, info, options, extra));
}

/** What `measurePartTimes` takes beyond the model and the cut points. */
export interface PartExtras {
  readonly whole?: Session;
  readonly sides?: ReadonlyMap<number, PartSides>;
  readonly budgetBytes?: number;
  readonly oneModel?: boolean;
  readonly firstProbeMs?: readonly number[];
  /**
   * One model at a time: how a group's probe of the whole model is timed, instead of opening it
   * whole (a model profiled by halves, see trace-halves.ts).
   */
  readonly probe?: () => Promise<number[]>;
}

/** The whole model: an open session timed in the groups' rounds, or (one model at a time) how to time it alone. */
type Whole =
  { readonly session: Session; readonly feeds: TensorMap } | { readonly alone: () => Promise<number[]> };

/**
 * `measurePartTimes` before the groups are put on one speed: the samples of each group. The auto
 * mode times fast's sample first and measures what that cost before it decides whether to time
 * every cut point (partTimesOfGroups then puts the groups on one speed).
 */
export async function measurePartGroups(
  model: ModelProto,
  dag: Dag,
  cuts: readonly CutCandidate[],
  info: ReadonlyMap<string, TensorInfo>,
  options: MeasureOptions,
  extra: PartExtras = {},
): Promise<GroupSamples[]> {
  const feeds = syntheticFeeds(
    inputSpecs(model),
    1,
    options.seed ?? 1,
    options.inputShapes,
    options.inputValues,
  );
  const budget = extra.budgetBytes ?? SESSION_BUDGET_BYTES;
  const started = performance.now();
  const own = !extra.whole && !extra.oneModel;
  const whole: Whole =
    extra.whole || own
      ? {
          session:
            extra.whole ??
            (await openSession(model, {
              optimization: 'all',
              threads: options.threads,
              device: options.device,
            })),
          feeds,
        }
      : { alone: extra.probe ?? (() => timeWholeAlone(model, feeds, options)) };
  const groups: GroupSamples[] = [];
  const prepare = (i: number) =>
    i < cuts.length
      ? prepareCut(model, dag, info, cuts[i], extra.sides?.get(cuts[i].index) ?? 'both')
      : undefined;
  try {
    if (own && 'session' in whole) await timeRuns(whole.session, feeds, options.warmup, 0);
    let i = 0;
    let next = prepare(i++);
    while (next) {
      const before = i - 1;
      // One model at a time: the whole model's runs, before any part of the group is open.
      const given = groups.length === 0 ? extra.firstProbeMs : undefined;
      const probe = 'alone' in whole ? (given ?? (await whole.alone())) : undefined;
      const timed: TimedCut[] = [];
      try {
        for (
          let held = 0;
          next && (timed.length === 0 || held + next.heldBytes <= budget);
          next = prepare(i++)
        ) {
          const entry: TimedCut = { cut: next.cut };
          timed.push(entry);
          held += next.heldBytes;
          await openParts(entry, next, feeds, options.threads, options.device);
          for (const part of [entry.edge, entry.cloud])
            if (part) await timeRuns(part.session, part.feeds, options.warmup, 0);
        }
        const onRound = (r: number, rounds: number) => {
          const done = (before + (timed.length * (r + 1)) / rounds) / cuts.length;
          const leftS = (((performance.now() - started) / done) * (1 - done)) / 1000;
          options.progress?.(
            `timing the real edge and cloud models of ${cuts.length} cut points: ` +
              `${(done * 100).toFixed(0)}%, about ${leftS.toFixed(0)} s left`,
          );
        };
        groups.push(await timeGroup('session' in whole ? whole : probe!, timed, options, onRound));
      } finally {
        for (const { edge, cloud } of timed) {
          await edge?.session.release();
          await cloud?.session.release();
        }
      }
    }
  } finally {
    if (own && 'session' in whole) await whole.session.release();
  }
  return groups;
}

/** Opens the whole optimised model, times it (warm-up, then `runs` runs) and closes it. */
async function timeWholeAlone(
  model: ModelProto,
  feeds: TensorMap,
  options: MeasureOptions,
): Promise<number[]> {
  const session = await openSession(model, {
    optimization: 'all',
    threads: options.threads,
    device: options.device,
  });
  try {
    return await timeRuns(session, feedsFor(session, feeds), options.warmup, options.runs);
  } finally {
    await session.release();
  }
}

/**
 * Times the open parts of one group in ROUNDS rounds, with the whole model when its session is
 * given (see `measurePartTimes`), else `whole` is its samples, timed alone before. A side not timed
 * (no nodes, or not asked for) reads as [0].
 */
async function timeGroup(
  whole: { readonly session: Session; readonly feeds: TensorMap } | readonly number[],
  timed: readonly TimedCut[],
  options: MeasureOptions,
  onRound: (round: number, rounds: number) => void,
): Promise<GroupSamples> {
  const rounds = Math.min(ROUNDS, options.runs);
  const roundWarmup = Math.min(options.roundWarmup ?? ROUND_WARMUP, options.warmup);
  const open = 'session' in whole ? whole : undefined;
  const groupWhole: number[] = open ? [] : [...(whole as readonly number[])];
  for (let r = 0; r < rounds; r++) {
    const runs = runsInRound(options.runs, rounds, r);
    if (open) groupWhole.push(...(await timeRuns(open.session, open.feeds, roundWarmup, runs)));
    for (const { edge, cloud } of timed) {
      for (const part of [edge, cloud])
        if (part) part.samples.push(...(await timeRuns(part.session, part.feeds, roundWarmup, runs)));
    }
    onRound(r, rounds);
  }
  return {
    whole: groupWhole,
    parts: timed.map(({ cut, edge, cloud }) => ({
      index: cut.index,
      edge: edge?.samples ?? [0],
      cloud: cloud?.samples ?? [0],
    })),
  };
}

/** The timing samples (ms) of one group of cut points: the whole model's and each part's. */
export interface GroupSamples {
  readonly whole: readonly number[];
  readonly parts: ReadonlyArray<{
    readonly index: number;
    readonly edge: readonly number[];
    readonly cloud: readonly number[];
  }>;
}

/**
 * Medians and p90s of every part, each group's rescaled by (median of the whole model over all
 * groups) / (its median in that group): all on one machine speed (see `measurePartTimes`).
 */
export function partTimesOfGroups(groups: readonly GroupSamples[]): PartTimes {
  const wholeMs = median(groups.flatMap((g) => g.whole));
  const out: PartTime[] = [];
  let groupDrift = 0;
  for (const g of groups) {
    const factor = groups.length === 1 ? 1 : wholeMs / median(g.whole);
    groupDrift = Math.max(groupDrift, Math.abs(factor - 1));
    for (const { index, edge, cloud } of g.parts) {
      out.push({
        index,
        edgeMs: median(edge) * factor,
        edgeP90Ms: quantile(edge, 0.9) * factor,
        cloudMs: median(cloud) * factor,
        cloudP90Ms: quantile(cloud, 0.9) * factor,
      });
    }
  }
  return { parts: out, wholeMs, groupDrift };
}
