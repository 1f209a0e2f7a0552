/**
 * Seeded random decision problems, for the ILP tests and the solver benchmark (npm run bench:ilp): chains, chains with skip
 * connections (ResNet-like), Inception-like blocks of parallel branches, and general DAGs with
 * dead ends, several inputs and several outputs. No Math.random: everything derives from the seed.
 */

import type { Bits, DecisionNode, DecisionProblem, DecisionTensor, TensorOption } from './types';

export type ProblemShape = 'chain' | 'skip' | 'inception' | 'dag';

export interface RandomProblemOptions {
  readonly shape: ProblemShape;
  /** Number of nodes (approximate for `inception`). */
  readonly nodes: number;
  /** Round times, sizes and losses to a few values so that exact ties are frequent. */
  readonly coarse?: boolean;
  /** Give every compressed option codec times (encode on the edge, decode in the cloud); default false. */
  readonly codec?: boolean;
}

const ALL_BITS: readonly Bits[] = [2, 4, 6, 8, 'f32'];

/** A random problem; `bandwidthMbps`, `rttMs`, `maxLossPct`, `fixedBits`, `excluded` are set by the caller or by `randomSetting`. */
export function randomGraph(
  rand: () => number,
  options: RandomProblemOptions,
): Pick<DecisionProblem, 'nodes' | 'tensors'> {
  const { shape, coarse = false } = options;
  const nodes: DecisionNode[] = [];
  // consumers per producer tensor: tensor 'in' (graph input) has index -1 here
  const reads: number[][] = []; // reads[v] = producers read by node v (-1 = graph input 'in', -2 = second input 'aux')
  const addNode = (inputs: number[]): number => {
    const v = nodes.length;
    nodes.push(randomNode(rand, v, coarse));
    reads.push([...new Set(inputs)]);
    return v;
  };
  const n = Math.max(1, options.nodes);
  const outputs = new Set<number>();
  let usesAux = false;

  if (shape === 'chain' || shape === 'skip') {
    for (let v = 0; v < n; v++) {
      const inputs = [v - 1];
      if (shape === 'skip' && v >= 2 && rand() < 0.35)
        inputs.push(Math.floor(rand() * (v - 1)) - (rand() < 0.1 ? 1 : 0));
      addNode(inputs);
    }
    outputs.add(n - 1);
  } else if (shape === 'inception') {
    let last = addNode([-1]);
    while (nodes.length < n) {
      const branches = 2 + Math.floor(rand() * 3);
      const ends: number[] = [];
      for (let b = 0; b < branches && nodes.length < n - 1; b++) {
        let prev = last;
        const len = 1 + Math.floor(rand() * 2);
        for (let i = 0; i < len && nodes.length < n - 1; i++) prev = addNode([prev]);
        ends.push(prev);
      }
      if (rand() < 0.3) ends.push(last); // residual into the concat
      last = addNode(ends);
    }
    outputs.add(last);
  } else {
    for (let v = 0; v < n; v++) {
      const inputs: number[] = [];
      const k = v === 0 ? 1 : 1 + Math.floor(rand() * 2);
      for (let i = 0; i < k; i++) {
        if (v === 0 || rand() < 0.08) inputs.push(-1);
        else if (rand() < 0.6) inputs.push(v - 1);
        else inputs.push(Math.floor(rand() * v));
      }
      if (v > 0 && rand() < 0.05) {
        inputs.push(-2);
        usesAux = true;
      }
      addNode(inputs);
    }
    outputs.add(n - 1);
    if (n > 3 && rand() < 0.3) outputs.add(Math.floor(rand() * (n - 1))); // an auxiliary head
  }

  return { nodes, tensors: randomTensors(rand, nodes, reads, outputs, usesAux, coarse) };
}

/**
 * The tensors of a random graph: the input 'in' (and 'aux' when a node reads it), then one output
 * per node (graph outputs among them).
 * @param reads the producers each node reads (-1 = 'in', -2 = 'aux')
 */
function randomTensors(
  rand: () => number,
  nodes: readonly DecisionNode[],
  reads: readonly number[][],
  outputs: ReadonlySet<number>,
  usesAux: boolean,
  coarse: boolean,
): DecisionTensor[] {
  const consumersOf = (producer: number): number[] =>
    reads.flatMap((inputs, v) => (inputs.includes(producer) ? [v] : []));
  const tensors: DecisionTensor[] = [];
  const elements = coarse ? 2000 : 1000 + Math.floor(rand() * 100000);
  tensors.push({
    name: 'in',
    producer: -1,
    consumers: consumersOf(-1),
    isGraphOutput: false,
    options: inputOptions(rand, elements, coarse),
  });
  if (usesAux)
    tensors.push({
      name: 'aux',
      producer: -1,
      consumers: consumersOf(-2),
      isGraphOutput: false,
      options: inputOptions(rand, 64, coarse),
    });
  nodes.forEach((node, v) => {
    const size = coarse ? 2000 : Math.floor(elements * (0.05 + rand() * 2));
    tensors.push({
      name: `${node.id}_out`,
      producer: v,
      consumers: consumersOf(v),
      isGraphOutput: outputs.has(v),
      options: outputs.has(v) ? outputOptions(rand, coarse) : tensorOptions(rand, size, coarse),
    });
  });
  return tensors;
}

function randomNode(rand: () => number, v: number, coarse: boolean): DecisionNode {
  if (coarse) {
    // equal times on both sides make many placements cost the same: ties decided by the later criteria
    const edgeMs = [0, 1, 3][Math.floor(rand() * 3)];
    return { id: `n${v}`, edgeMs, cloudMs: rand() < 0.7 ? edgeMs : 0 };
  }
  if (rand() < 0.1) return { id: `n${v}`, edgeMs: 0, cloudMs: 0 }; // Reshape-like: free on both sides
  const edgeMs = 20 * rand() ** 2;
  return { id: `n${v}`, edgeMs, cloudMs: edgeMs / (1 + 19 * rand()) };
}

/** The graph input: raw f32 (no loss) and sometimes an 8-bit option. */
function inputOptions(rand: () => number, elements: number, coarse: boolean): TensorOption[] {
  const options: TensorOption[] = [{ bits: 'f32', bytes: elements * 4, lossPct: 0 }];
  if (rand() < 0.5)
    options.push({
      bits: 8,
      bytes: coarse ? elements : elements * (0.3 + 0.7 * rand()),
      lossPct: coarse ? 0 : 0.05 * rand(),
    });
  return options;
}

/** A graph output (logits): small, f32 exact, sometimes 8-bit. */
function outputOptions(rand: () => number, coarse: boolean): TensorOption[] {
  const options: TensorOption[] = [{ bits: 'f32', bytes: 40, lossPct: 0 }];
  if (rand() < 0.5)
    options.push({ bits: 8, bytes: coarse ? 10 : 12 + rand(), lossPct: coarse ? 0 : 0.01 * rand() });
  return options;
}

/** An intermediate tensor: 1 to 4 widths, fewer bits = fewer bytes and (usually) more loss. */
function tensorOptions(rand: () => number, elements: number, coarse: boolean): TensorOption[] {
  const pool = ALL_BITS.filter(() => rand() < 0.6);
  if (pool.length === 0) pool.push(ALL_BITS[Math.floor(rand() * ALL_BITS.length)]);
  return pool.slice(0, 4).map((bits) => {
    const b = bits === 'f32' ? 32 : bits;
    if (coarse)
      return {
        bits,
        bytes: (elements * b) / 8,
        lossPct: bits === 'f32' ? 0 : [0, 0.5][Math.floor(rand() * 2)],
      };
    const bytes = bits === 'f32' ? elements * 4 : ((elements * b) / 8) * (0.2 + 0.8 * rand());
    const lossPct = bits === 'f32' ? 0 : (8 / b) * rand() * 0.6 - (rand() < 0.05 ? 0.1 : 0);
    return { bits, bytes, lossPct };
  });
}

/**
 * Random bandwidth (0.1..1000 Mbps, log-uniform), RTT, budget (none, infeasible, zero, exactly one
 * option's loss, or random), run costs, crossing costs and, in 30% of cases, a fixed width. `coarse` picks round bandwidths and
 * RTTs so that the coarse graphs' exact ties survive into the latencies.
 */
export function randomSetting(
  rand: () => number,
  graph: Pick<DecisionProblem, 'nodes' | 'tensors'>,
  coarse = false,
): DecisionProblem {
  const bandwidthMbps = coarse ? [0.8, 8, 80][Math.floor(rand() * 3)] : 10 ** (-1 + 4 * rand());
  const rttMs = coarse ? Math.floor(rand() * 3) * 10 : rand() < 0.3 ? 0 : 50 * rand();
  const losses = graph.tensors.flatMap((t) => t.options.map((o) => o.lossPct));
  const r = rand();
  const maxLossPct =
    r < 0.15
      ? Infinity
      : r < 0.25
        ? -0.5
        : r < 0.35
          ? 0
          : r < 0.5
            ? losses[Math.floor(rand() * losses.length)]
            : 2 * rand();
  // Half the problems pay a fixed cost per part that runs (an inference call's overhead).
  const runCosts =
    rand() < 0.5
      ? coarse
        ? { edgeRunMs: 1, cloudRunMs: 1 }
        : { edgeRunMs: 5 * rand(), cloudRunMs: 2 * rand() }
      : {};
  // A third pay a cost per crossing tensor on each side (layout conversions at the cut).
  const tensors =
    rand() < 0.35
      ? graph.tensors.map((t) => ({
          ...t,
          edgeCrossMs: coarse ? Math.floor(rand() * 2) : 2 * rand(),
          cloudCrossMs: coarse ? Math.floor(rand() * 2) : rand(),
        }))
      : graph.tensors;
  const problem: DecisionProblem = { ...graph, tensors, bandwidthMbps, rttMs, maxLossPct, ...runCosts };
  if (rand() < 0.3) return { ...problem, fixedBits: ALL_BITS[Math.floor(rand() * ALL_BITS.length)] };
  return problem;
}

/** A random problem of the given shape and size (the graph, then its setting, then codec times if asked). */
export function randomProblem(rand: () => number, options: RandomProblemOptions): DecisionProblem {
  const problem = randomSetting(rand, randomGraph(rand, options), options.coarse ?? false);
  return options.codec ? withCodecTimes(rand, problem, options.coarse ?? false) : problem;
}

/**
 * The problem with encode and decode ms on every compressed option: up to about what sending its
 * bytes takes at 10 Mbps (so that the codec can tip a choice towards f32 or another width); coarse
 * problems draw 0, 1 or 2 ms so that exact ties stay frequent.
 */
function withCodecTimes(rand: () => number, problem: DecisionProblem, coarse: boolean): DecisionProblem {
  const ms = (bytes: number): number => (coarse ? Math.floor(rand() * 3) : rand() * bytes * 8e-4);
  return {
    ...problem,
    tensors: problem.tensors.map((t) => ({
      ...t,
      options: t.options.map((o) =>
        o.bits === 'f32' ? o : { ...o, encodeMs: ms(o.bytes), decodeMs: ms(o.bytes) / 2 },
      ),
    })),
  };
}
