/**
 * Candidate cut points: the single tensors (a layer's output in a chain, a block's
 * output in a ResNet) through which every input-to-output path passes, in execution
 * order, from cloud-only (send the inputs) to edge-only (send the outputs).
 *
 * What makes a tensor a cut point is defined by `tryPartition` (partition.ts), one
 * candidate at a time. Asking it about every tensor costs O(nodes) per tensor, O(nodes²) in
 * all: a 20,000-node chain ran out of memory. For graphs without shape metadata computed at
 * run time, the same answers come from two dominator trees over the whole graph:
 *
 * - the smallest edge side of tensor t (its ancestors) works exactly when every path from those
 *   ancestors, and from the inputs they read, to a graph output passes through t: t
 *   post-dominates them all, a test on preorder intervals of the post-dominator tree, with the
 *   interval extremes of every node's ancestors found in one pass in topological order;
 * - the largest (everything that does not depend on t) works exactly when t dominates each of
 *   its descendants and every graph input read by one of them is read by them only: counted
 *   for all tensors at once on the dominator tree.
 *
 * Nested edge sides share one node order (cut-sides.ts). Graphs with run-time shape metadata
 * (a Shape node that the edge may compute and send) grow one edge side along the candidates
 * (meta-cut-points.ts), skipping the tensors that the tests above, run on the graph without its
 * shape edges, rule out.
 */
import type { Dag } from './dag';
import { dominatorTree, orderedDag } from './dominator-tree';
import { partitionContext, passThroughOutputs, tryPartitionWith, type CrossingTensor } from './partition';
import { cutCandidate, type CutCandidate, type EdgeSide } from './cut-sides';
import { metaCutPoints } from './meta-cut-points';

export type { CutCandidate, EdgeSide } from './cut-sides';

/** A cut point as found, before numbering. */
interface Found {
  readonly op: string;
  readonly tensors: readonly CrossingTensor[];
  readonly side: EdgeSide;
}

/**
 * Lists the cut points of a DAG.
 * @example cutPoints(buildDag(model)).map((c) => c.tensors[0].name) // ['input', 'conv1', 'pool1', ..., 'logits']
 */
export function cutPoints(dag: Dag): CutCandidate[] {
  const ctx = partitionContext(dag);
  const core: number[] = [];
  for (const n of dag.nodes) if (!dag.isStatic[n.index] && dag.isLive[n.index]) core.push(n.index);
  const found: Found[] = [];

  // Single inputs: with nothing on the edge, every input a live node reads crosses, so the
  // first such input stands for them all (the others would list the same set).
  const liveRead = (t: string) => (dag.consumers.get(t) ?? []).some((c) => dag.isLive[c]);
  const firstInput = dag.inputs.find(liveRead);
  if (firstInput !== undefined) {
    const rest = dag.inputs.filter((t) => t !== firstInput && liveRead(t));
    found.push({
      op: 'input',
      tensors: [firstInput, ...rest].map((name) => ({ name, kind: 'input' })),
      side: { order: [], count: 0 },
    });
  }
  const viaPartition = (cut: readonly string[], op: string) => {
    const r = tryPartitionWith(dag, ctx, cut);
    if (r.ok) found.push({ op, tensors: r.partition.crossing, side: explicitSide(r.partition.edgeNodes) });
  };
  // Several inputs or outputs: the trivial decisions send all of them.
  if (dag.inputs.length > 1) viaPartition(dag.inputs, 'input');

  const unique = new Set(dag.inputs).size === dag.inputs.length;
  const hasMeta = core.some((v) => dag.nodes[v].outputs.some((o) => dag.metaTensors.has(o)));
  if (unique && !hasMeta) for (const f of tensorCutPoints(dag, core)) found.push(f);
  else if (unique) for (const f of metaCutPoints(dag, core, ctx, dataViewFilter(dag, core))) found.push(f);
  else
    for (const v of core)
      for (const t of dag.nodes[v].outputs)
        if (!dag.metaTensors.has(t)) viaPartition([t], dag.nodes[v].opType);

  const dynamicOutputs = dag.outputs.filter((o) => dag.producer.has(o));
  if (dynamicOutputs.length > 1) viaPartition(dynamicOutputs, 'output');

  const seen = new Set<string>();
  const out: CutCandidate[] = [];
  const sendAlways = passThroughOutputs(dag);
  for (const raw of found) {
    const f =
      sendAlways.length > 0 ? { ...raw, tensors: withPassThrough(dag, raw.tensors, sendAlways) } : raw;
    const key = f.tensors
      .map((c) => c.name)
      .sort()
      .join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(
      cutCandidate({ index: out.length, tensors: f.tensors, op: f.op }, f.side, core, dag.nodes.length),
    );
  }
  return out;
}

/**
 * A cut's tensors with the graph inputs that are also graph outputs added (every cut sends them,
 * as `tryPartition` lists them): after the cut tensor, among the other inputs, in input order.
 */
function withPassThrough(
  dag: Dag,
  tensors: readonly CrossingTensor[],
  sendAlways: readonly string[],
): readonly CrossingTensor[] {
  const have = new Set(tensors.map((t) => t.name));
  const missing = sendAlways.filter((t) => !have.has(t));
  if (missing.length === 0) return tensors;
  const order = new Map(dag.inputs.map((t, i) => [t, i]));
  let end = 1;
  while (end < tensors.length && tensors[end].kind === 'input') end++;
  const inputs = [
    ...tensors.slice(1, end),
    ...missing.map((name) => ({ name, kind: 'input' as const })),
  ].sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  return [tensors[0], ...inputs, ...tensors.slice(end)];
}

/** An edge side listed node by node (not shared). */
function explicitSide(nodes: readonly number[]): EdgeSide {
  return { order: nodes, count: nodes.length };
}

/**
 * Which tensors of a graph with shape metadata may be cut points, read off its data view: the graph
 * without shape nodes and without the edges that carry shape metadata, where the dominator tests
 * of `tensorCutPoints` hold for every cut point of the whole graph (they only drop cut points):
 *
 * - smallest side: a route in the data view from the side to an output that avoids t leaves the
 *   side by a feature map read by a cloud node that is no shape node (those are pulled to the
 *   edge), or ends in a graph output: either one would cross beside t;
 * - largest side: when every node that reads shape metadata also reads a feature map computed by a
 *   node, each node that depends on t and reads a feature map is dominated by t in the data view
 *   (by induction in execution order: what it reads comes from t or from a node after it). A node
 *   fed only graph inputs and shape metadata breaks that induction: then nothing is dropped.
 *
 * Tensors the data view does not read (only a Shape node reads them) are always kept.
 * @returns a predicate on tensor names, or undefined when every tensor must be kept
 */
export function dataViewFilter(dag: Dag, core: readonly number[]): ((t: string) => boolean) | undefined {
  const isMetaNode = (v: number) => dag.nodes[v].outputs.every((o) => dag.metaTensors.has(o));
  const produced = (t: string) => dag.producer.has(t) && !dag.staticTensors.has(t);
  for (const v of core) {
    const ins = dag.nodes[v].inputs;
    if (isMetaNode(v) || !ins.some((t) => dag.metaTensors.has(t))) continue;
    if (!ins.some((t) => produced(t) && !dag.metaTensors.has(t))) return undefined;
  }
  const dataCore = core.filter((v) => !isMetaNode(v));
  const nodes = dag.nodes.map((n) =>
    isMetaNode(n.index) ? n : { ...n, inputs: n.inputs.filter((t) => !dag.metaTensors.has(t)) },
  );
  const kept = new Set<string>();
  for (const f of tensorCutPoints({ ...dag, nodes }, dataCore)) kept.add(f.tensors[0].name);
  const outputs = new Set(dag.outputs);
  const inView = new Set(dataCore);
  const viewReaches = (t: string) =>
    outputs.has(t) || (dag.consumers.get(t) ?? []).some((c) => inView.has(c) && dag.isLive[c]);
  return (t) => kept.has(t) || !viewReaches(t);
}

/** Tensor numbering shared by both trees: graph inputs first, then outputs of dynamic live nodes. */
interface TensorIndex {
  readonly names: string[];
  readonly id: Map<string, number>;
  /** Producing node (Dag index) of each tensor; -1 for graph inputs. */
  readonly producer: number[];
  /** Dynamic live nodes reading each tensor. */
  readonly readers: number[][];
  /** Dynamic tensors each node reads (ids, no repeats), by Dag index. */
  readonly reads: number[][];
  /** Tensors each node writes (ids), by Dag index. */
  readonly writes: number[][];
}

function indexTensors(dag: Dag, core: readonly number[]): TensorIndex {
  const names: string[] = [];
  const id = new Map<string, number>();
  const producer: number[] = [];
  const add = (name: string, p: number) => {
    id.set(name, names.length);
    names.push(name);
    producer.push(p);
  };
  for (const t of dag.inputs) add(t, -1);
  for (const v of core) for (const t of dag.nodes[v].outputs) add(t, v);
  const readers: number[][] = names.map(() => []);
  const reads: number[][] = dag.nodes.map(() => []);
  const writes: number[][] = dag.nodes.map(() => []);
  for (const v of core) {
    writes[v] = dag.nodes[v].outputs.map((t) => id.get(t)!);
    for (const t of new Set(dag.nodes[v].inputs)) {
      const k = id.get(t);
      if (k === undefined) continue; // a constant
      reads[v].push(k);
      readers[k].push(v);
    }
  }
  return { names, id, producer, readers, reads, writes };
}

/** Lower bound of the first element >= x in a sorted array. */
function lowerBound(sorted: ArrayLike<number>, x: number, key: (i: number) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(sorted[mid]) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The items whose key lies outside [from, to], given items sorted by key. */
function outside(sorted: readonly number[], key: (i: number) => number, from: number, to: number): number[] {
  const a = lowerBound(sorted, from, key);
  const b = lowerBound(sorted, to + 1, key);
  return [...sorted.slice(0, a), ...sorted.slice(b)];
}

/** The items whose key lies inside [from, to], given items sorted by key. */
function inside(sorted: readonly number[], key: (i: number) => number, from: number, to: number): number[] {
  return sorted.slice(lowerBound(sorted, from, key), lowerBound(sorted, to + 1, key));
}

/**
 * Cut points made of one node output, for a graph without run-time shape metadata and with
 * distinct input names: the same answers as `tryPartition` on each output, in O((nodes + edges) log nodes)
 * plus the size of what crosses.
 */
// NOTE: one linear pass over typed arrays (post-dominators, then dominators, then the cut tensors);
// split, its dozen shared arrays would travel as parameters.
// eslint-disable-next-line max-lines-per-function -- one pass over a dozen shared typed arrays (see above)
function tensorCutPoints(dag: Dag, core: readonly number[]): Found[] {
  const ix = indexTensors(dag, core);
  const tensorCount = ix.names.length;
  const outputs = new Set(dag.outputs);
  const isProducedOutput = (k: number) => ix.producer[k] >= 0 && outputs.has(ix.names[k]);
  const reachesOutput = (k: number) => ix.readers[k].length > 0 || isProducedOutput(k);

  // --- Post-dominators. Vertices: 0 = the sink after every graph output; then, in reverse
  // topological order, each node's outputs followed by the node, and finally the inputs.
  const pVertexOfTensor = new Int32Array(tensorCount);
  const pVertexOfNode = new Int32Array(dag.nodes.length).fill(-1);
  let next = 1;
  for (let i = core.length - 1; i >= 0; i--) {
    const v = core[i];
    for (const k of ix.writes[v]) pVertexOfTensor[k] = next++;
    pVertexOfNode[v] = next++;
  }
  for (let k = dag.inputs.length - 1; k >= 0; k--) pVertexOfTensor[k] = next++;
  const pPreds: number[][] = Array.from({ length: next }, () => []);
  for (let k = 0; k < tensorCount; k++) {
    const succ = pPreds[pVertexOfTensor[k]];
    for (const r of ix.readers[k]) succ.push(pVertexOfNode[r]);
    if (isProducedOutput(k)) succ.push(0);
  }
  for (const v of core) for (const k of ix.writes[v]) pPreds[pVertexOfNode[v]].push(pVertexOfTensor[k]);
  const post = dominatorTree(orderedDag(pPreds));

  // Interval extremes over each node's ancestors and the inputs they read (topological pass).
  const lo = new Int32Array(dag.nodes.length);
  const hi = new Int32Array(dag.nodes.length);
  for (const v of core) {
    let a = post.tin[pVertexOfNode[v]];
    let b = a;
    for (const k of ix.reads[v]) {
      const p = ix.producer[k];
      const x = p < 0 ? post.tin[pVertexOfTensor[k]] : lo[p];
      const y = p < 0 ? post.tin[pVertexOfTensor[k]] : hi[p];
      if (x < a) a = x;
      if (y > b) b = y;
    }
    lo[v] = a;
    hi[v] = b;
  }

  // --- Dominators. Vertices: 0 = a source before every node that reads no node's output;
  // then, in topological order, each node followed by its outputs. Graph inputs are left out.
  const dVertexOfTensor = new Int32Array(tensorCount).fill(-1);
  const dVertexOfNode = new Int32Array(dag.nodes.length).fill(-1);
  next = 1;
  for (const v of core) {
    dVertexOfNode[v] = next++;
    for (const k of ix.writes[v]) dVertexOfTensor[k] = next++;
  }
  const dPreds: number[][] = Array.from({ length: next }, () => []);
  for (const v of core) {
    const fromNodes = ix.reads[v].filter((k) => ix.producer[k] >= 0).map((k) => dVertexOfTensor[k]);
    dPreds[dVertexOfNode[v]] = fromNodes.length > 0 ? fromNodes : [0];
    for (const k of ix.writes[v]) dPreds[dVertexOfTensor[k]] = [dVertexOfNode[v]];
  }
  const dom = dominatorTree(orderedDag(dPreds));
  // Interval extremes over each tensor's descendants (reverse topological pass).
  const dlo = new Int32Array(next);
  const dhi = new Int32Array(next);
  for (let i = core.length - 1; i >= 0; i--) {
    const v = core[i];
    const nv = dVertexOfNode[v];
    let a = dom.tin[nv];
    let b = a;
    for (const k of ix.writes[v]) {
      const tv = dVertexOfTensor[k];
      let ta = dom.tin[tv];
      let tb = ta;
      for (const r of ix.readers[k]) {
        ta = Math.min(ta, dlo[dVertexOfNode[r]]);
        tb = Math.max(tb, dhi[dVertexOfNode[r]]);
      }
      dlo[tv] = ta;
      dhi[tv] = tb;
      a = Math.min(a, ta);
      b = Math.max(b, tb);
    }
    dlo[nv] = a;
    dhi[nv] = b;
  }
  // Per dominator-tree vertex: inputs with a reader below it, and inputs with all readers below it.
  const anyBelow = new Int32Array(next);
  const allBelow = new Int32Array(next);
  const commonReader: number[] = new Array<number>(dag.inputs.length).fill(-1);
  for (let k = 0; k < dag.inputs.length; k++) {
    const rs = ix.readers[k].map((r) => dVertexOfNode[r]).sort((a, b) => dom.tin[a] - dom.tin[b]);
    if (rs.length === 0) continue;
    let common = rs[0];
    for (let i = 0; i < rs.length; i++) {
      anyBelow[rs[i]]++;
      if (i > 0) {
        anyBelow[dom.commonDominator(rs[i - 1], rs[i])]--;
        common = dom.commonDominator(common, rs[i]);
      }
    }
    allBelow[common]++;
    commonReader[k] = common;
  }
  for (let i = dom.preorder.length - 1; i > 0; i--) {
    const v = dom.preorder[i];
    anyBelow[dom.idom[v]] += anyBelow[v];
    allBelow[dom.idom[v]] += allBelow[v];
  }

  // Inputs sorted for the range queries that list late inputs.
  const readInputs: number[] = [];
  for (let k = 0; k < dag.inputs.length; k++) if (ix.readers[k].length > 0) readInputs.push(k);
  const postKey = (k: number) => post.tin[pVertexOfTensor[k]];
  const byPost = [...readInputs].sort((a, b) => postKey(a) - postKey(b));
  const domKey = (k: number) => dom.tin[commonReader[k]];
  const byDom = [...readInputs].sort((a, b) => domKey(a) - domKey(b));
  const producedOutputs: number[] = [];
  for (let k = dag.inputs.length; k < tensorCount; k++) if (isProducedOutput(k)) producedOutputs.push(k);
  const producerKey = (k: number) => dom.tin[dVertexOfNode[ix.producer[k]]];
  const outputsByDom = [...producedOutputs].sort((a, b) => producerKey(a) - producerKey(b));
  const asc = (a: number, b: number) => a - b;

  // Nested smallest edge sides share `chain`: nodes in the order they join the edge. The side of
  // p contains the previous side exactly when p's ancestors include the previous cut's node
  // (the previous side is that node's ancestors); then a walk from p that stops at nodes
  // already on the edge finds what p adds.
  const onChain = new Int32Array(dag.nodes.length);
  const visited = new Int32Array(dag.nodes.length);
  let chainId = 0;
  let walkId = 0;
  let chain: number[] = [];
  let chainLast = -1;
  const walkAncestors = (p: number, stopAtChain: boolean): { nodes: number[]; meets: boolean } => {
    walkId++;
    const nodes: number[] = [];
    let meets = false;
    const stack = [p];
    visited[p] = walkId;
    while (stack.length > 0) {
      const v = stack.pop()!;
      nodes.push(v);
      for (const k of ix.reads[v]) {
        const u = ix.producer[k];
        if (u < 0 || visited[u] === walkId) continue;
        if (u === chainLast) meets = true;
        if (stopAtChain && onChain[u] === chainId) continue;
        visited[u] = walkId;
        stack.push(u);
      }
    }
    return { nodes, meets };
  };
  const smallestSide = (p: number): EdgeSide => {
    if (chainId > 0 && p !== chainLast && onChain[p] !== chainId) {
      const fresh = walkAncestors(p, true);
      if (fresh.meets) {
        for (const v of fresh.nodes) onChain[v] = chainId;
        for (const v of fresh.nodes) chain.push(v);
        chainLast = p;
        return { order: chain, count: chain.length };
      }
    }
    if (chainId === 0 || p !== chainLast) {
      // Not nested in the previous side: a new chain.
      chainId++;
      chain = walkAncestors(p, false).nodes;
      for (const v of chain) onChain[v] = chainId;
      chainLast = p;
    }
    return { order: chain, count: chain.length };
  };

  const found: Found[] = [];
  for (const p of core) {
    for (const t of dag.nodes[p].outputs) {
      const k = ix.id.get(t)!;
      if (!reachesOutput(k)) continue; // nothing reads it: it cannot cross
      const tv = pVertexOfTensor[k];
      if (post.tin[tv] <= lo[p] && hi[p] <= post.tout[tv]) {
        // Smallest side: the ancestors. Inputs the cloud alone reads are sent as they are.
        const late = outside(byPost, postKey, post.tin[tv], post.tout[tv]).sort(asc);
        found.push({
          op: dag.nodes[p].opType,
          tensors: [
            { name: t, kind: 'data' },
            ...late.map((i) => ({ name: ix.names[i], kind: 'input' as const })),
          ],
          side: smallestSide(p),
        });
        continue;
      }
      const dv = dVertexOfTensor[k];
      const from = dom.tin[dv];
      const to = dom.tout[dv];
      if (!(from <= dlo[dv] && dhi[dv] <= to) || anyBelow[dv] !== allBelow[dv]) continue;
      // Largest side: everything that does not depend on t; outputs computed there are sent.
      const late = inside(byDom, domKey, from, to).sort(asc);
      const heads = outside(outputsByDom, producerKey, from, to)
        .filter((i) => i !== k)
        .sort(asc);
      const edge = core.filter((v) => {
        const x = dom.tin[dVertexOfNode[v]];
        return x < from || x > to;
      });
      found.push({
        op: dag.nodes[p].opType,
        tensors: [
          { name: t, kind: 'data' },
          ...late.map((i) => ({ name: ix.names[i], kind: 'input' as const })),
          ...heads.map((i) => ({ name: ix.names[i], kind: 'output' as const })),
        ],
        side: explicitSide(edge),
      });
    }
  }
  return found;
}
