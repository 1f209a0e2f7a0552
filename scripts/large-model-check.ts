/**
 * How well the default profile predicts the real edge model of a large model (bench:resnet's
 * ResNets at 224 px), where bench:latency's thorough truth would take many minutes: the real edge
 * models of a few evenly spaced cut points are timed directly, as deployed (all optimisations, the
 * profile's threads, warm-up then runs, median), and compared with the predictions of the default
 * profile and, for a model profiled by halves, of the same profile traced whole (`halves: false`).
 * Arms in the order A, truth, B, truth, and the two truths' median per cut point, so that a drift of
 * the machine's speed weighs on both arms alike.
 */
import { performance } from 'perf_hooks';
import { buildDag, cutPoints, readModelInFile, type CutCandidate } from '../src/graph';
import {
  crossingSizes,
  cutParts,
  HALVES_FROM_BYTES,
  measureProfile,
  median,
  predictPartMs,
  weightBytes,
  type DeviceProfile,
} from '../src/profiler';
import {
  feedsFor,
  inputSpecs,
  openSession,
  probeTensors,
  syntheticFeeds,
  timeRuns,
  type TensorInfo,
} from '../src/runtime';

const RUNS = 20;
const WARMUP = 5;
const THREADS = 1;

/** `k` cut points with an edge part, evenly spaced along the model. */
function spaced(cuts: readonly CutCandidate[], k: number): CutCandidate[] {
  const withEdge = cuts.filter((c) => c.edgeNodes.length > 0);
  if (withEdge.length <= k) return withEdge;
  return Array.from({ length: k }, (_, i) => withEdge[Math.round(((i + 0.5) * withEdge.length) / k - 0.5)]);
}

/** The real edge model of each cut point, timed as deployed: median ms. */
async function timeEdges(
  loaded: ReturnType<typeof readModelInFile>,
  dag: ReturnType<typeof buildDag>,
  cuts: readonly CutCandidate[],
  info: ReadonlyMap<string, TensorInfo>,
): Promise<number[]> {
  const feeds = syntheticFeeds(inputSpecs(loaded.model), 1, 1);
  const out: number[] = [];
  for (const c of cuts) {
    const { edge } = cutParts(loaded.model, dag, c, info);
    const session = await openSession(edge, { optimization: 'all', threads: THREADS });
    try {
      out.push(median(await timeRuns(session, feedsFor(session, feeds), WARMUP, RUNS)));
    } finally {
      await session.release();
    }
  }
  return out;
}

/** One arm's result: its median and worst error over the cut points, and its profiling seconds. */
export interface CheckArm {
  readonly label: string;
  readonly medianErr: number;
  readonly worstErr: number;
  readonly seconds: number;
  readonly mode: string;
}

/** The check of one model: the arms (default first) and the cut points compared. */
export async function largeModelCheck(file: string, k: number): Promise<{ arms: CheckArm[]; cuts: number }> {
  const loaded = readModelInFile(file);
  const dag = buildDag(loaded.model, file);
  const all = cutPoints(dag);
  const cuts = spaced(all, k);
  const info = await probeTensors(loaded.model, [
    ...new Set(all.flatMap((c) => c.tensors.map((t) => t.name))),
  ]);
  const byHalves = weightBytes(loaded.model) > HALVES_FROM_BYTES;
  const arms = byHalves
    ? [
        { label: 'default (by halves)', halves: undefined },
        { label: 'traced whole', halves: false },
      ]
    : [{ label: 'default (whole)', halves: undefined }];
  const profiles: { profile: DeviceProfile; seconds: number }[] = [];
  const truths: number[][] = [];
  for (const arm of arms) {
    const t0 = performance.now();
    const profile = await measureProfile(loaded, {
      threads: THREADS,
      runs: RUNS,
      warmup: WARMUP,
      halves: arm.halves,
    });
    profiles.push({ profile, seconds: (performance.now() - t0) / 1000 });
    truths.push(await timeEdges(loaded, dag, cuts, info));
  }
  const truth = cuts.map((_, i) => median(truths.map((t) => t[i])));
  const result = profiles.map(({ profile, seconds }, a) => {
    const errs = cuts
      .map((c, i) => {
        const predicted = predictPartMs(profile, dag, c.edgeNodes, crossingSizes(c.tensors, info), 'edge');
        return Math.abs(predicted - truth[i]) / truth[i];
      })
      .sort((x, y) => x - y);
    return {
      label: arms[a].label,
      medianErr: errs[Math.floor((errs.length - 1) / 2)],
      worstErr: errs[errs.length - 1],
      seconds,
      mode: String(profile.mode),
    };
  });
  return { arms: result, cuts: cuts.length };
}
