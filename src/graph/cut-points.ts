/**
 * Candidate cut points: the single tensors (a layer's output in a chain, a block's
 * output in a ResNet) through which every input-to-output path passes, in execution
 * order, from cloud-only (send the inputs) to edge-only (send the outputs).
 */
import type { Dag } from './dag';
import { tryPartition, type CrossingTensor } from './partition';

/** A candidate cut point, before shapes and timings are known. */
export interface CutCandidate {
  /** Position in execution order, 0 = cloud-only. */
  readonly index: number;
  /** Everything that crosses: the cut tensor first, then late inputs and shape tensors. */
  readonly tensors: readonly CrossingTensor[];
  /** The op producing the cut tensor ('input' for graph inputs, 'output' for an all-outputs cut). */
  readonly op: string;
  /** Dynamic nodes computed on the edge. */
  readonly edgeNodes: readonly number[];
  readonly cloudNodes: readonly number[];
}

/**
 * Lists the cut points of a DAG.
 * @example cutPoints(buildDag(model)).map((c) => c.tensors[0].name) // ['input', 'conv1', 'pool1', ..., 'logits']
 */
export function cutPoints(dag: Dag): CutCandidate[] {
  const found: { order: number; op: string; cut: readonly string[] }[] = [];
  for (const t of dag.inputs) found.push({ order: -1, op: 'input', cut: [t] });
  for (const n of dag.nodes) {
    if (dag.isStatic[n.index] || !dag.isLive[n.index]) continue;
    for (const t of n.outputs)
      if (!dag.metaTensors.has(t)) found.push({ order: n.index, op: n.opType, cut: [t] });
  }
  // Several inputs or outputs: the trivial decisions send all of them.
  if (dag.inputs.length > 1) found.push({ order: -1, op: 'input', cut: dag.inputs });
  const dynamicOutputs = dag.outputs.filter((o) => dag.producer.has(o));
  if (dynamicOutputs.length > 1)
    found.push({ order: Number.MAX_SAFE_INTEGER, op: 'output', cut: dynamicOutputs });

  const seen = new Set<string>();
  const out: CutCandidate[] = [];
  for (const f of found.sort((a, b) => a.order - b.order)) {
    const r = tryPartition(dag, f.cut);
    if (!r.ok) continue;
    const key = r.partition.crossing
      .map((c) => c.name)
      .sort()
      .join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      index: out.length,
      tensors: r.partition.crossing,
      op: f.op,
      edgeNodes: r.partition.edgeNodes,
      cloudNodes: r.partition.cloudNodes,
    });
  }
  return out;
}
