/**
 * Cuts of several tensors (docs/method.md#cuts-of-several-tensors): where a DAG has no single
 * tensor to cut at (inside a residual block, between the branches of an inception block, across the
 * scales an FPN neck reads), every cut sends several tensors at once. These are not cut points, so
 * the sweep never measured what compressing them costs, and a plan could send them only as float32.
 *
 * `dagCuts` picks a few such cuts to sweep like cut points: it walks the prefixes of the execution
 * order (each prefix is a valid edge side: the order is topological), splits them into `count`
 * windows of equal length, and in each window takes the prefix whose crossing tensors are smallest
 * in float32 bytes among those that send two or more node outputs. Each becomes a cut through
 * `tryPartitionWith` (the ancestors of its tensors on the edge), as a user's `--cut` would.
 */
import type { Dag } from './dag';
import { partitionCandidate, type CutCandidate } from './cut-sides';
import { partitionContext, tryPartitionWith } from './partition';

/** A prefix of the execution order and what it sends. */
interface Prefix {
  readonly position: number;
  readonly bytes: number;
  /** Node outputs (not graph inputs, not shape metadata) that cross, in Dag order of producers. */
  readonly tensors: readonly string[];
}

/**
 * Up to `count` cuts of two or more tensors, in execution order, none with the same crossing
 * tensors as one of `existing`.
 * @param bytesOf float32-equivalent bytes per sample of a tensor (0 when unknown)
 * @param count how many windows the execution order is split into (at most one cut per window)
 * @example dagCuts(dag, cutPoints(dag), (t) => sizes.get(t) ?? 0, 4) // [{ tensors: [a, b], ... }, ...]
 */
export function dagCuts(
  dag: Dag,
  existing: readonly CutCandidate[],
  bytesOf: (tensor: string) => number,
  count: number,
): CutCandidate[] {
  if (count <= 0) return [];
  const prefixes = multiTensorPrefixes(dag, bytesOf);
  const core = dag.nodes.filter((n) => !dag.isStatic[n.index] && dag.isLive[n.index]).length;
  const seen = new Set(existing.map((c) => key(c.tensors.map((t) => t.name))));
  const ctx = partitionContext(dag);
  const out: CutCandidate[] = [];
  for (let w = 0; w < count; w++) {
    const from = Math.floor((w * core) / count);
    const to = Math.floor(((w + 1) * core) / count);
    let best: Prefix | undefined;
    for (const p of prefixes)
      if (p.position > from && p.position <= to && (best === undefined || p.bytes < best.bytes)) best = p;
    if (best === undefined) continue;
    const r = tryPartitionWith(dag, ctx, best.tensors);
    if (!r.ok) continue;
    const k = key(r.partition.crossing.map((t) => t.name));
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(partitionCandidate({ index: -1, op: 'dag' }, r.partition));
  }
  return out;
}

function key(names: readonly string[]): string {
  return [...names].sort().join('\u0000');
}

/**
 * Every prefix of the live dynamic nodes (in Dag order, which is topological) after which two or
 * more node outputs cross, with its crossing bytes; O(nodes + edges) plus the crossing lists.
 */
function multiTensorPrefixes(dag: Dag, bytesOf: (tensor: string) => number): Prefix[] {
  const core = dag.nodes.filter((n) => !dag.isStatic[n.index] && dag.isLive[n.index]);
  const outputs = new Set(dag.outputs);
  // Readers still in the cloud, per crossing candidate: a tensor crosses while it has some.
  const pending = new Map<string, number>();
  const crossing = new Set<string>();
  const onEdge = new Uint8Array(dag.nodes.length);
  let bytes = 0;
  const out: Prefix[] = [];
  const update = (t: string) => {
    const crosses = (pending.get(t) ?? 0) > 0 || outputs.has(t);
    if (crosses && !crossing.has(t)) {
      crossing.add(t);
      bytes += bytesOf(t);
    } else if (!crosses && crossing.has(t)) {
      crossing.delete(t);
      bytes -= bytesOf(t);
    }
  };
  core.forEach((n, i) => {
    onEdge[n.index] = 1;
    for (const t of new Set(n.inputs)) {
      if (!pending.has(t)) continue;
      pending.set(t, pending.get(t)! - 1);
      update(t);
    }
    for (const t of n.outputs) {
      if (dag.metaTensors.has(t)) continue;
      const readers = new Set((dag.consumers.get(t) ?? []).filter((c) => dag.isLive[c] && !onEdge[c]));
      pending.set(t, readers.size);
      update(t);
    }
    if (i === core.length - 1 || crossing.size < 2) return;
    // NOTE: tensors sorted by their producer's Dag index, so equal prefixes list them alike.
    const tensors = [...crossing].sort((a, b) => dag.producer.get(a)! - dag.producer.get(b)!);
    out.push({ position: i + 1, bytes, tensors });
  });
  return out;
}
