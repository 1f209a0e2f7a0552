/**
 * The cost of a cut's boundary, fitted to the measured parts of a profile's cut points.
 *
 * A part's predicted time is: run overhead + its nodes' times + b·(bytes of its crossing tensors
 * that ORT optimises away in the whole model). Why the last term: with all optimisations, ONNX
 * Runtime keeps convolution chains in a blocked layout (NCHWc) and fuses nodes; a tensor inside
 * such a region does not exist in the whole model's optimised graph (optimized-graph.ts). An edge
 * model cut there materialises it and converts it back to NCHW; a cloud model converts it again.
 * Measured on the bundled ResNet at batch 1, the edge models of its 16x28x28 cut points ran
 * 30-40 µs longer than their nodes in the whole model (40-60% under-predicted), about 0.7 µs per
 * KB; cut points at tensors that survive (a Flatten output) showed nothing.
 *
 * One b per side (edge output, cloud input), each the median over the cut points that pay of
 * residual (measured − overhead − node times) per byte, kept ≥ 0. The median, not least squares:
 * where node times are misattributed along the model (ShuffleNet: early parts over-, late parts
 * under-predicted by 0.1-0.3 ms), least squares followed the late residuals and predicted the
 * first cut point 2.8x too slow.
 * NOTE: fitting a common scale of the node times jointly (to average out the one whole-model
 * timing they are calibrated to) was tried and dropped: on ShuffleNet it traded scale against b
 * and predicted the first cut point 14x too slow.
 */

/** One measured part of a cut point. */
export interface PartPoint {
  readonly side: 'edge' | 'cloud';
  /** Sum of the part's node times (before scaling), ms. */
  readonly nodeMs: number;
  /** Run overhead the part pays, ms. */
  readonly overheadMs: number;
  /** Bytes of its crossing tensors that pay the boundary cost. */
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
  /** The tensors that pay it: those ORT optimises away in the whole model. */
  readonly tensors: readonly string[];
}

/** A tensor crossing a cut, with its size per sample before compression (float32 bytes). */
export interface CrossingSize {
  readonly name: string;
  readonly bytes: number;
}

/** Bytes of the crossing tensors that pay the boundary cost. */
export function boundaryBytes(boundary: Pick<BoundaryCost, 'tensors'> | undefined, crossing: readonly CrossingSize[]): number {
  if (boundary === undefined) return 0;
  const paying = new Set(boundary.tensors);
  return crossing.reduce((sum, t) => sum + (paying.has(t.name) ? t.bytes : 0), 0);
}

/**
 * Fits b_edge and b_cloud (see the file header); 0 for a side without points that pay.
 * @example fitPartModel([{ side: 'edge', nodeMs: 1, overheadMs: 0, bytes: 1000, measuredMs: 1.5 }]).edgeOutputMsPerByte // 0.0005
 */
export function fitPartModel(points: readonly PartPoint[]): PartFit {
  const slope = (side: 'edge' | 'cloud'): number => {
    const slopes = points
      .filter((p) => p.side === side && p.bytes > 0 && Number.isFinite(p.measuredMs))
      .map((p) => (p.measuredMs - p.overheadMs - p.nodeMs) / p.bytes)
      .sort((a, b) => a - b);
    if (slopes.length === 0) return 0;
    const mid = slopes.length >> 1;
    return Math.max(0, slopes.length % 2 === 1 ? slopes[mid] : (slopes[mid - 1] + slopes[mid]) / 2);
  };
  return { edgeOutputMsPerByte: slope('edge'), cloudInputMsPerByte: slope('cloud') };
}
