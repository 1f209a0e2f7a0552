/**
 * The latency model (docs/method.md#latency-model), evaluated in plain TypeScript from a placement
 * and a width choice: T = T_edge + T_encode + RTT + bytes·8/B + T_decode + T_cloud (src/core/latency.ts). Every solver builds its
 * `Plan` here, so equal plans get bit-identical predictions.
 */

import { planKey } from './plan-key';
import type { PreparedProblem, PreparedTensor } from './prepared-problem';
import type { Bits, Plan, PlanTensor } from './types';

import { totalMs, transferMs } from '../core/latency';

/**
 * Whether tensor `t` crosses under the placement `edge` (1 = edge device): it is produced on the edge
 * (graph inputs are) and read in the cloud, or it is a graph output produced on the edge.
 */
export function tensorCrosses(t: PreparedTensor, edge: Uint8Array): boolean {
  if (t.producer >= 0 && edge[t.producer] === 0) return false;
  if (t.isGraphOutput) return true;
  return t.consumers.some((c) => edge[c] === 0);
}

/** Whether `edge` is closed under predecessors: a node on the edge reads only edge-produced tensors. */
export function isDownwardClosed(prep: PreparedProblem, edge: Uint8Array): boolean {
  return prep.preds.every((ps, v) => edge[v] === 0 || ps.every((u) => edge[u] === 1));
}

/** The crossing tensors' indices under `edge`, ascending. */
export function crossingTensors(prep: PreparedProblem, edge: Uint8Array): number[] {
  return prep.tensors.flatMap((t) => (tensorCrosses(t, edge) ? [t.index] : []));
}

/**
 * Sum of `edgeMs` over edge nodes and of `cloudMs` over cloud nodes, in node order, plus each
 * part's run cost when it runs (`partRuns`), plus each crossing tensor's `edgeCrossMs` and
 * `cloudCrossMs`, ms.
 * @param crossing crossing tensor indices (from `crossingTensors`)
 * @param compressed whether some crossing tensor is sent compressed (not float32)
 */
export function computeMs(
  prep: PreparedProblem,
  edge: Uint8Array,
  crossing: readonly number[],
  compressed: boolean,
): { readonly edgeMs: number; readonly cloudMs: number } {
  let edgeMs = 0;
  let cloudMs = 0;
  let onEdge = 0;
  prep.problem.nodes.forEach((node, v) => {
    if (edge[v] === 1) {
      edgeMs += node.edgeMs;
      onEdge++;
    } else cloudMs += node.cloudMs;
  });
  const runs = partRuns(prep.problem.nodes.length, onEdge, compressed);
  if (runs.edge) edgeMs += prep.problem.edgeRunMs ?? 0;
  if (runs.cloud) cloudMs += prep.problem.cloudRunMs ?? 0;
  for (const ti of crossing) {
    const t = prep.problem.tensors[ti];
    edgeMs += t.edgeCrossMs ?? 0;
    cloudMs += t.cloudCrossMs ?? 0;
  }
  return { edgeMs, cloudMs };
}

/**
 * Which parts run (and pay their run overhead): a part runs when it holds a node, or when some
 * crossing tensor is compressed.
 * NOTE: a compressed tensor makes both deployed parts real models even without a node of the
 * original: the edge part ends in the quantizer and the cloud part starts with the dequantizer
 * (`jalad split`), each one inference call. Without this, a cloud-only plan that quantizes the
 * input was predicted with no edge call at all, and the live runtime measured it at several times
 * its prediction on a slow edge (docs/runtime.md#the-edge-client-and-what-it-measures).
 * @param nodes nodes in the problem
 * @param onEdge nodes on the edge
 */
export function partRuns(
  nodes: number,
  onEdge: number,
  compressed: boolean,
): { readonly edge: boolean; readonly cloud: boolean } {
  return { edge: onEdge > 0 || compressed, cloud: onEdge < nodes || compressed };
}

/** Whether an option is compressed (anything but float32 as it is). */
export function isCompressed(option: { readonly bits: Bits }): boolean {
  return option.bits !== 'f32';
}

/**
 * Builds the plan of a placement and a width choice.
 * @param edge 1 for nodes on the edge device, 0 for the cloud
 * @param crossing crossing tensor indices, ascending (from `crossingTensors`)
 * @param choice option index (into the tensor's `options`) for each entry of `crossing`
 * @param bandwidthMbps uplink bandwidth the prediction is for, Mbps
 */
export function buildPlan(
  prep: PreparedProblem,
  edge: Uint8Array,
  crossing: readonly number[],
  choice: readonly number[],
  bandwidthMbps: number,
): Plan {
  const compressed = crossing.some((ti, i) => isCompressed(prep.problem.tensors[ti].options[choice[i]]));
  const { edgeMs, cloudMs } = computeMs(prep, edge, crossing, compressed);
  const sent: PlanTensor[] = [];
  let bytes = 0;
  let lossPct = 0;
  let encode = 0;
  let decode = 0;
  crossing.forEach((ti, i) => {
    const tensor = prep.problem.tensors[ti];
    const option = tensor.options[choice[i]];
    const encodeMs = option.encodeMs ?? 0;
    const decodeMs = option.decodeMs ?? 0;
    sent.push({
      tensor: tensor.name,
      bits: option.bits,
      bytes: option.bytes,
      ...(option.encodeMs !== undefined ? { encodeMs } : {}),
      ...(option.decodeMs !== undefined ? { decodeMs } : {}),
    });
    bytes += option.bytes;
    lossPct += option.lossPct;
    encode += encodeMs;
    decode += decodeMs;
  });
  const transfer = transferMs(bytes, bandwidthMbps);
  const rtt = prep.problem.rttMs;
  const edgeNodes: number[] = [];
  edge.forEach((e, v) => {
    if (e === 1) edgeNodes.push(v);
  });
  return {
    edgeNodes,
    crossing: sent,
    bandwidthMbps,
    predictedMs: {
      edge: edgeMs,
      encode,
      transfer,
      decode,
      cloud: cloudMs,
      rtt,
      total: totalMs(edgeMs, rtt, transfer, cloudMs, encode, decode),
    },
    predictedLossPct: lossPct,
    key: planKey(sent),
  };
}

/** Total encoded bytes per sample a plan sends, summed in its crossing order. */
export function planBytes(plan: Plan): number {
  let bytes = 0;
  for (const c of plan.crossing) bytes += c.bytes;
  return bytes;
}

/**
 * The same plan with its prediction recomputed for another bandwidth.
 * @param bandwidthMbps uplink bandwidth, Mbps, > 0
 */
export function planAtBandwidth(plan: Plan, bandwidthMbps: number): Plan {
  const p = plan.predictedMs;
  const transfer = transferMs(planBytes(plan), bandwidthMbps);
  return {
    ...plan,
    bandwidthMbps,
    predictedMs: { ...p, transfer, total: totalMs(p.edge, p.rtt, transfer, p.cloud, p.encode, p.decode) },
  };
}
