/**
 * Node times apportioned to the measured parts, one table per side.
 *
 * A part is predicted from the sum of its nodes' times (traced in the whole model, calibrated to the
 * whole model's run) plus the boundary cost. The sum of a prefix is right at the model's end, by
 * calibration, but not in between where ONNX Runtime's trace misplaces time along the model: on
 * MobileNetV2 (fused Conv+Clip, whose unfused elementwise time falls on the early, large maps) the
 * edge parts of the middle cut points were steadily 15-20% faster than their nodes, on ShuffleNetV2
 * early parts were over- and late parts under-predicted by up to 2x. The boundary cost cannot absorb
 * a drift along the model (it is one slope per byte), and a common scale of the node times was
 * tried and dropped (boundary-cost.ts).
 *
 * What this does: on each side, the measured parts' node time (measured − overhead − boundary) at
 * the timed cut points are knots; between two knots, the nodes that one part has and the previous
 * one lacks are scaled by one factor so that the sums meet the knots. A cut point between knots is
 * predicted by interpolation along its own nodes, with its own boundary term.
 * Why one table per side: the edge and cloud parts of a cut point do not add up to the whole model
 * (each runs on its own, pays its own start and end), and the cloud parts' drift is not the mirror of
 * the edge parts'. Apportioning the edge table to the cloud parts (or the reverse) made the other
 * side worse on every model tried, so each side is fitted to its own parts only; a side without
 * timed parts (a slow model's fast profile times one side) keeps the traced times.
 * Why knots are spaced: the difference of two nearby parts is mostly timing noise (a part's median
 * varies by a few µs to tens of µs between runs). A timed cut point becomes a knot only when its
 * part is at least KNOT_GAP_SHARE of the model's node time, and at least the parts' typical spread
 * (median of p90 − median), beyond the previous knot. On the bundled 28x28 models, whose parts are
 * 0.02-0.1 ms with a similar spread, that leaves no knots: their times stay as traced.
 * Measured on 15 thorough profiles (1 thread; leave-one-out: each cut point predicted from tables
 * fitted without it), median error before -> after, edge parts: MobileNetV2 4.0-11.5 -> 1.3-2.8%,
 * ShuffleNetV2 2.5-42 -> 1.3-4.1%, ResNet-18 6.1 -> 2.5%, DenseNet-121 1.7 -> 1.6%, GoogLeNet 2.0
 * -> 3.2%, bundled VGG 2.2 -> 2.6%, bundled Inception and ResNet unchanged (no knots); cloud parts:
 * ShuffleNetV2 26-50 -> 2.6-6.2%, MobileNetV2 6.7-27 -> 2.3-4.6%, DenseNet-121 4.2 -> 6.3%, GoogLeNet
 * 6.3 -> 6.5%.
 */
import type { CutCandidate, Dag } from '../graph';
import type { TensorInfo } from '../runtime';
import { crossingBytes, crossingSizes, type BoundaryCost } from './boundary-cost';
import type { PartTime } from './part-times';
import { median } from './stats';

/** A knot is at least this share of the model's node time beyond the previous one. */
export const KNOT_GAP_SHARE = 0.05;

/**
 * A timed part is a knot only when its nodes' measured time is within this factor of their traced
 * sum. Why: in a quiet bench:latency run, auto's predictions for DenseNet-121 (a fast profile) were
 * 3x the measured time at the first cut points and 35% under at the next ones, and the bundled
 * ResNet's thorough ones came out nearly flat (median errors 19% and 59%, against 2-12% for the
 * same modes' other profiles in that run): the pattern of a knot set by a disturbed part, or by a
 * run overhead measured too large, which bends two segments by up to MAX_SEGMENT_FACTOR. The drift this
 * file corrects is 15-20% (MobileNetV2) to about 2x (ShuffleNetV2's first parts).
 */
export const KNOT_MAX_RATIO = 2;

/** No segment's nodes are scaled by more than this factor, or less than its inverse. */
export const MAX_SEGMENT_FACTOR = 4;

type Side = 'edge' | 'cloud';

/** What apportioning reads and writes of a node (a NodeTime or a profile's node). */
export interface ApportionedNode {
  readonly name: string;
  readonly ms: number;
  readonly edgeMs?: number;
  readonly cloudMs?: number;
}

/** A timed part as the node time it says its nodes took, with those nodes. */
interface Knot {
  readonly nodes: ReadonlySet<number>;
  readonly nodeMs: number;
}

/** The knots of one side, in growing part order, from the empty part to the whole model. */
function knotsOf(
  side: Side,
  dag: Dag,
  cuts: readonly CutCandidate[],
  parts: readonly PartTime[],
  fit: { readonly runOverheadMs: number; readonly boundary: BoundaryCost },
  info: ReadonlyMap<string, Pick<TensorInfo, 'bytesPerSample'>>,
  traced: ReadonlyMap<string, number>,
  totalMs: number,
): Knot[] {
  const partOf = new Map(parts.map((p) => [p.index, p]));
  const perByte = side === 'edge' ? fit.boundary.edgeOutputMsPerByte : fit.boundary.cloudInputMsPerByte;
  const timed = cuts.flatMap((c) => {
    const p = partOf.get(c.index);
    const ms = p === undefined ? 0 : side === 'edge' ? p.edgeMs : p.cloudMs;
    if (p === undefined || ms <= 0 || c.edgeNodes.length === 0 || c.cloudNodes.length === 0) return [];
    const bytes = crossingBytes(crossingSizes(c.tensors, info));
    const spread = side === 'edge' ? p.edgeP90Ms - p.edgeMs : p.cloudP90Ms - p.cloudMs;
    const nodes = side === 'edge' ? c.edgeNodes : c.cloudNodes;
    return [{ nodes, nodeMs: ms - fit.runOverheadMs - perByte * bytes, spread: Math.max(0, spread) }];
  });
  if (timed.length === 0) return [];
  const gap = Math.max(KNOT_GAP_SHARE * totalMs, median(timed.map((t) => t.spread)));
  timed.sort((a, b) => a.nodes.length - b.nodes.length);
  const knots: Knot[] = [{ nodes: new Set(), nodeMs: 0 }];
  const tracedSum = (nodes: readonly number[]) =>
    nodes.reduce((sum, i) => sum + (traced.get(dag.nodes[i].name) ?? 0), 0);
  for (const t of timed) {
    const last = knots[knots.length - 1];
    if (t.nodeMs < last.nodeMs + gap || t.nodeMs > totalMs - gap) continue;
    // A part whose nodes took more than KNOT_MAX_RATIO times (or less than its inverse) what the
    // trace says was disturbed, or its overhead was: one such part would skew two segments.
    const ratio = t.nodeMs / tracedSum(t.nodes);
    if (!(ratio <= KNOT_MAX_RATIO && ratio >= 1 / KNOT_MAX_RATIO)) continue;
    const nodes = new Set(t.nodes);
    // Parts of a branchy model need not nest; a segment is only defined between nested parts.
    if ([...last.nodes].every((i) => nodes.has(i))) knots.push({ nodes, nodeMs: t.nodeMs });
  }
  knots.push({ nodes: new Set(dag.nodes.map((_, i) => i)), nodeMs: totalMs });
  return knots;
}

/** Each node's time scaled so that the side's part sums meet its knots (see the file header). */
function apportionSide(
  knots: readonly Knot[],
  dag: Dag,
  traced: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map(traced);
  for (let k = 1; k < knots.length; k++) {
    const segment = [...knots[k].nodes]
      .filter((i) => !knots[k - 1].nodes.has(i))
      .map((i) => dag.nodes[i].name);
    const tracedMs = segment.reduce((t, name) => t + (traced.get(name) ?? 0), 0);
    if (tracedMs <= 0) continue;
    const wanted = knots[k].nodeMs - knots[k - 1].nodeMs;
    const factor = Math.min(MAX_SEGMENT_FACTOR, Math.max(1 / MAX_SEGMENT_FACTOR, wanted / tracedMs));
    for (const name of segment) out.set(name, (traced.get(name) ?? 0) * factor);
  }
  return out;
}

/**
 * The nodes with `edgeMs` and `cloudMs`: their times apportioned to the measured edge and cloud
 * parts of `cuts` (see the file header). A side with no knot between the ends keeps no table (the
 * traced `ms` stands). `ms` itself is unchanged.
 */
export function apportionToParts<N extends ApportionedNode>(
  nodes: readonly N[],
  dag: Dag,
  cuts: readonly CutCandidate[],
  parts: readonly PartTime[],
  fit: { readonly runOverheadMs: number; readonly boundary: BoundaryCost },
  info: ReadonlyMap<string, Pick<TensorInfo, 'bytesPerSample'>>,
): N[] {
  const traced = new Map(nodes.map((n) => [n.name, n.ms]));
  const totalMs = dag.nodes.reduce((t, n) => t + (traced.get(n.name) ?? 0), 0);
  const tables = (['edge', 'cloud'] as const).map((side) => {
    const knots = knotsOf(side, dag, cuts, parts, fit, info, traced, totalMs);
    return knots.length > 2 ? apportionSide(knots, dag, traced) : undefined;
  });
  const [edge, cloud] = tables;
  return nodes.map((n) => {
    const { edgeMs: _edge, cloudMs: _cloud, ...plain } = n;
    return {
      ...plain,
      ...(edge ? { edgeMs: edge.get(n.name) ?? n.ms } : {}),
      ...(cloud ? { cloudMs: cloud.get(n.name) ?? n.ms } : {}),
    } as N;
  });
}
