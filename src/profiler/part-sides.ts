/**
 * Which part of each sampled cut point a slow model's fast profile times (it times one of the two,
 * see profile-mode.ts): the part whose session is cheaper to hold, unless it is much slower to run.
 */
import type { CutCandidate, Dag, ModelProto } from '../graph';
import type { PartSides } from './part-times';
import { tensorBytes } from './session-budget';

/**
 * The lighter part (fewer weight bytes) is timed unless it runs more than this many times longer
 * than the other part by the node times; then the faster one is.
 */
export const LIGHTER_SIDE_MAX_SLOWDOWN = 3;

/**
 * The part to time of each cut point: the one holding fewer weight bytes (what the sessions of a
 * group of parts hold at once), unless by `nodeMs` it runs over LIGHTER_SIDE_MAX_SLOWDOWN times
 * longer than the other. Why weights first: by time alone, ResNet-50's parts in the middle of the
 * network run about as long as each other, and the cloud part of its cut point 19 (90 of its 102 MB)
 * was picked: that session alone took 147 MiB, the sample's parts then took two groups (each timing
 * the whole model once more), and `analyze` peaked above one whole model's session.
 * @param nodeMs a time per node of `dag` (the optimisations-off trace's medians)
 */
export function cheaperSides(
  model: ModelProto,
  dag: Dag,
  cuts: readonly CutCandidate[],
  nodeMs: readonly number[],
): Map<number, PartSides> {
  const total = nodeMs.reduce((a, b) => a + b, 0);
  const heldBytes = heldWeightBytes(model, dag);
  return new Map(
    cuts.map((c) => {
      const edgeMs = c.edgeNodes.reduce((t, i) => t + nodeMs[i], 0);
      const ms = { edge: edgeMs, cloud: total - edgeMs };
      const lighter: PartSides = heldBytes(c.edgeNodes) <= heldBytes(c.cloudNodes) ? 'edge' : 'cloud';
      const other: PartSides = lighter === 'edge' ? 'cloud' : 'edge';
      return [c.index, ms[lighter] <= LIGHTER_SIDE_MAX_SLOWDOWN * ms[other] ? lighter : other];
    }),
  );
}

/**
 * The weight bytes the session of a part made of `nodes` holds: each initializer its nodes read,
 * once (a weight read by several nodes of a part is held once).
 */
export function heldWeightBytes(model: ModelProto, dag: Dag): (nodes: readonly number[]) => number {
  const bytesOf = new Map((model.graph?.initializer ?? []).map((t) => [t.name, tensorBytes(t)]));
  return (nodes) =>
    [...new Set(nodes.flatMap((i) => dag.nodes[i].inputs.filter((x) => bytesOf.has(x))))].reduce(
      (sum, x) => sum + bytesOf.get(x)!,
      0,
    );
}
