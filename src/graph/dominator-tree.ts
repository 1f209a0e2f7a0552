/**
 * Dominator trees of directed acyclic graphs, in O((V + E) log V).
 *
 * In a DAG whose vertices are numbered in topological order, the immediate dominator of a
 * vertex is the nearest common ancestor, in the dominator tree built so far, of its
 * predecessors (Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm", 2001, need a
 * single pass on acyclic graphs). Common ancestors are found by binary lifting, so a vertex
 * costs O(predecessors · log V) however deep the tree is. Each vertex also gets an interval
 * of preorder numbers: `a` dominates `b` exactly when `b`'s number falls in `a`'s interval.
 * Post-dominators are the dominators of the reversed graph.
 */

/** A DAG in topological order: vertex 0 is the root; `preds(v)` lists only vertices below `v`. */
export interface OrderedDag {
  readonly vertexCount: number;
  /** Predecessors of `v` as a compressed list: `list[start[v]] .. list[start[v + 1] - 1]`. */
  readonly predStart: Int32Array;
  readonly predList: Int32Array;
}

/** The dominator tree of an `OrderedDag` and constant-time dominance queries. */
export interface DominatorTree {
  /** Immediate dominator of each vertex; -1 for the root and for vertices the root cannot reach. */
  readonly idom: Int32Array;
  /** Preorder number of each vertex in the tree (-1 when unreachable). */
  readonly tin: Int32Array;
  /** The largest preorder number in each vertex's subtree (`tin <= tout`). */
  readonly tout: Int32Array;
  /** Vertices by preorder number (reachable ones only). */
  readonly preorder: Int32Array;
  /** Nearest common dominator of two reachable vertices. */
  readonly commonDominator: (a: number, b: number) => number;
}

/**
 * Builds the dominator tree rooted at vertex 0.
 * @example dominatorTree(diamond).idom // [-1, 0, 0, 0]: the join's dominator is the root
 */
export function dominatorTree(g: OrderedDag): DominatorTree {
  const n = g.vertexCount;
  let levels = 1;
  while (1 << levels < n) levels++;
  // up[j * n + v] = the 2^j-th dominator above v (the root above itself).
  const up = new Int32Array(levels * n);
  const depth = new Int32Array(n);
  const idom = new Int32Array(n).fill(-1);
  const reachable = new Uint8Array(n);

  const commonDominator = (a: number, b: number): number => {
    if (depth[a] < depth[b]) [a, b] = [b, a];
    let diff = depth[a] - depth[b];
    for (let j = 0; diff > 0; j++, diff >>= 1) if (diff & 1) a = up[j * n + a];
    if (a === b) return a;
    for (let j = levels - 1; j >= 0; j--) {
      const x = up[j * n + a];
      const y = up[j * n + b];
      if (x !== y) {
        a = x;
        b = y;
      }
    }
    return up[a];
  };

  if (n > 0) reachable[0] = 1;
  for (let v = 1; v < n; v++) {
    let d = -1;
    for (let k = g.predStart[v]; k < g.predStart[v + 1]; k++) {
      const p = g.predList[k];
      if (!reachable[p]) continue;
      d = d < 0 ? p : commonDominator(d, p);
    }
    if (d < 0) continue;
    reachable[v] = 1;
    idom[v] = d;
    depth[v] = depth[d] + 1;
    up[v] = d;
    for (let j = 1; j < levels; j++) up[j * n + v] = up[(j - 1) * n + up[(j - 1) * n + v]];
  }

  // Children lists, then an iterative depth-first walk for the preorder intervals.
  const childStart = new Int32Array(n + 1);
  for (let v = 1; v < n; v++) if (idom[v] >= 0) childStart[idom[v] + 1]++;
  for (let v = 0; v < n; v++) childStart[v + 1] += childStart[v];
  const fill = childStart.slice(0, n);
  const children = new Int32Array(Math.max(0, childStart[n]));
  for (let v = 1; v < n; v++) if (idom[v] >= 0) children[fill[idom[v]]++] = v;

  const tin = new Int32Array(n).fill(-1);
  const tout = new Int32Array(n).fill(-1);
  const preorder: number[] = [];
  if (n > 0) {
    const stack = [0];
    while (stack.length > 0) {
      const v = stack.pop()!;
      tin[v] = preorder.length;
      preorder.push(v);
      for (let k = childStart[v + 1] - 1; k >= childStart[v]; k--) stack.push(children[k]);
    }
    // Children come after their parent in preorder: fold subtree maxima from the end.
    for (let i = preorder.length - 1; i >= 0; i--) {
      const v = preorder[i];
      if (tout[v] < tin[v]) tout[v] = tin[v];
      if (idom[v] >= 0 && tout[idom[v]] < tout[v]) tout[idom[v]] = tout[v];
    }
  }
  return { idom, tin, tout, preorder: Int32Array.from(preorder), commonDominator };
}

/** Builds the compressed predecessor lists of an `OrderedDag` from per-vertex arrays. */
export function orderedDag(preds: readonly (readonly number[])[]): OrderedDag {
  const predStart = new Int32Array(preds.length + 1);
  for (let v = 0; v < preds.length; v++) predStart[v + 1] = predStart[v] + preds[v].length;
  const predList = new Int32Array(predStart[preds.length]);
  for (let v = 0; v < preds.length; v++) predList.set(preds[v], predStart[v]);
  return { vertexCount: preds.length, predStart, predList };
}
