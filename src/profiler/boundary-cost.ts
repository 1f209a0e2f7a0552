/**
 * The cost of a cut's boundary, fitted to the measured parts of a profile's cut points.
 *
 * A part's predicted time is: run overhead + its nodes' times + b·(bytes of the tensors crossing
 * the cut). Why the last term: a tensor inside the whole model stays where its consumer finds it,
 * often in ONNX Runtime's blocked layout (NCHWc) or inside a fused kernel; an edge model cut there
 * must materialise it as an NCHW output and hand it over (onnxruntime-node copies outputs into
 * JavaScript memory), and a cloud model must take it in and convert it again. Measured on the
 * bundled models at batch 1, the edge models of their 16x28x28 and 32x28x28 cut points ran
 * 30-60 µs longer than their nodes in the whole model (40-70% under-predicted), about 0.5-0.7 µs
 * per KB of the cut tensor.
 *
 * One b per side (edge output, cloud input), each the b ≥ 0 that minimises the sum over the cut
 * points of |residual − b·bytes| / measured, where residual = measured − overhead − node times: the
 * least absolute relative error, which is the figure a prediction is judged by. Its solution is
 * the weighted median of the slopes residual/bytes, weighted by bytes/measured, no point weighing
 * more than MAX_WEIGHT_SHARE of the total (so, strictly, the least error with weights so capped).
 * Why absolute, not squared: where node times are misattributed along the model (ShuffleNet: early
 * parts over-, late parts under-predicted by 0.1-0.3 ms), least squares followed those residuals
 * and predicted the first cut point 2.8x too slow.
 * Why weighted: the plain median of slopes gave a 10 KB cut point as much say as a 1 MB one, and
 * a small cut's slope is mostly noise (±0.1 ms of host noise over 10 KB is ±10 µs/KB, against a
 * real cost of about 0.3 µs/KB). On MobileNetV2 the unweighted median came out at 0 while its
 * 0.4-1.2 MB cut points were steadily 0.1-0.35 ms slower than their nodes. Over 3 profiles of 8
 * models the worst leave-one-out error fell from 8-57% to 6-36% (median error equal or lower on
 * 6 of 8 models).
 * NOTE: two refinements were tried and dropped. Fitting a common scale of the node times jointly
 * traded scale against b (ShuffleNet's first cut point predicted 14x too slow). Charging only the
 * tensors ORT optimises away (absent from its optimised graph) missed the output copy every cut
 * pays: the bundled Inception's stem Relu output survives optimisation, yet its edge model ran
 * 66 µs against 23 µs predicted.
 */

import type { CutCandidate, Dag } from '../graph';
import type { PartTime } from './part-times';
import { weightedMedian } from './stats';
import type { TensorInfo } from '../runtime';

/** One measured part of a cut point. */
export interface PartPoint {
  readonly side: 'edge' | 'cloud';
  /** Sum of the part's node times (before scaling), ms. */
  readonly nodeMs: number;
  /** Run overhead the part pays, ms. */
  readonly overheadMs: number;
  /** Bytes of its crossing tensors (float32). */
  readonly bytes: number;
  /** Measured time of the real part, ms. */
  readonly measuredMs: number;
}

/** The fitted boundary costs, ms per byte. */
export interface PartFit {
  readonly edgeOutputMsPerByte: number;
  readonly cloudInputMsPerByte: number;
}

/** Fitted boundary costs of a device, ms per byte of crossing tensors. */
export interface BoundaryCost {
  /** Edge side: producing the crossing tensors as outputs. */
  readonly edgeOutputMsPerByte: number;
  /** Cloud side: taking them as inputs. */
  readonly cloudInputMsPerByte: number;
}

/** A tensor crossing a cut, with its size per sample before compression (float32 bytes). */
export interface CrossingSize {
  readonly name: string;
  readonly bytes: number;
}

/** The crossing tensors of a cut with their bytes per sample (0 for a tensor without info). */
export function crossingSizes(
  tensors: readonly { readonly name: string }[],
  info: ReadonlyMap<string, Pick<TensorInfo, 'bytesPerSample'>>,
): CrossingSize[] {
  return tensors.map((t) => ({ name: t.name, bytes: info.get(t.name)?.bytesPerSample ?? 0 }));
}

/** Bytes of the crossing tensors. */
export function crossingBytes(crossing: readonly CrossingSize[]): number {
  return crossing.reduce((sum, t) => sum + t.bytes, 0);
}

/**
 * The measured parts of the given cut points as fitting points: each part's node-time sum (from
 * `nodes`), run overhead, crossing bytes and measured time; parts without nodes, or not timed, are left out.
 */
export function partPoints(
  dag: Dag,
  cuts: readonly CutCandidate[],
  parts: readonly PartTime[],
  nodes: readonly { readonly name: string; readonly ms: number }[],
  runOverheadMs: number,
  info: ReadonlyMap<string, Pick<TensorInfo, 'bytesPerSample'>>,
): PartPoint[] {
  const nodeMs = new Map(nodes.map((n) => [n.name, n.ms]));
  const sum = (indices: readonly number[]): number =>
    indices.reduce((t, i) => t + (nodeMs.get(dag.nodes[i].name) ?? 0), 0);
  const partOf = new Map(parts.map((p) => [p.index, p]));
  return cuts.flatMap((c) => {
    const part = partOf.get(c.index);
    if (part === undefined) return [];
    const bytes = crossingBytes(crossingSizes(c.tensors, info));
    // A side that was not timed (a fast profile of a slow model times one) reads 0: no point.
    return [
      ...(c.edgeNodes.length > 0 && part.edgeMs > 0
        ? [
            {
              side: 'edge' as const,
              nodeMs: sum(c.edgeNodes),
              overheadMs: runOverheadMs,
              bytes,
              measuredMs: part.edgeMs,
            },
          ]
        : []),
      ...(c.cloudNodes.length > 0 && part.cloudMs > 0
        ? [
            {
              side: 'cloud' as const,
              nodeMs: sum(c.cloudNodes),
              overheadMs: runOverheadMs,
              bytes,
              measuredMs: part.cloudMs,
            },
          ]
        : []),
    ];
  });
}

/**
 * Largest share of the total weight one point keeps in the fit. Why: a fast profile fits on a few
 * sampled cut points, the one with the largest crossing tensors among them, whose weight
 * (bytes / measured) alone could pass half the total: its slope then was the fit, noise included.
 * Capped, at least two points must agree. With the many points of a thorough profile it rarely binds.
 */
export const MAX_WEIGHT_SHARE = 0.25;

/**
 * Fits b_edge and b_cloud (see the file header); 0 for a side without points.
 * @example fitPartModel([{ side: 'edge', nodeMs: 1, overheadMs: 0, bytes: 1000, measuredMs: 1.5 }]).edgeOutputMsPerByte // 0.0005
 */
export function fitPartModel(points: readonly PartPoint[]): PartFit {
  const slope = (side: 'edge' | 'cloud'): number => {
    const usable = points.filter(
      (p) => p.side === side && p.bytes > 0 && p.measuredMs > 0 && Number.isFinite(p.measuredMs),
    );
    const weighted = usable.map((p) => ({
      value: (p.measuredMs - p.overheadMs - p.nodeMs) / p.bytes,
      weight: p.bytes / p.measuredMs,
    }));
    const cap = MAX_WEIGHT_SHARE * weighted.reduce((t, p) => t + p.weight, 0);
    const b = weightedMedian(weighted.map((p) => ({ ...p, weight: Math.min(p.weight, cap) })));
    return Math.max(0, b);
  };
  return { edgeOutputMsPerByte: slope('edge'), cloudInputMsPerByte: slope('cloud') };
}
