/**
 * The tensors that cross from the edge to the cloud (docs/method.md#cut-and-cut-point), in the one
 * form every stage uses: the graph's partition names them with their kind, the analysis adds
 * their type and size, a plan adds the width and bytes it sends them at, and plan.json records
 * them. Plain, JSON-safe data.
 */

/**
 * Why a tensor crosses: 'data', a feature map named by the cut; 'input', a graph input only the
 * cloud reads; 'shape', int64 shape metadata the cloud can no longer compute; 'output', a graph
 * output the edge computes besides the cut (an early head).
 */
export type CrossingKind = 'data' | 'input' | 'shape' | 'output';

/** A tensor sent from the edge to the cloud. */
export interface CrossingTensor {
  readonly name: string;
  readonly kind: CrossingKind;
}

/** A crossing tensor as a plan sends it. */
export interface SentTensor extends CrossingTensor {
  /** Bit width of its codes (1..8), or 'f32' when sent uncompressed. */
  readonly bits: number | 'f32';
  /** Bytes per sample on the wire (the sweep's mean encoded size, or the raw size). */
  readonly bytes: number;
}

/** Tensor names, as a list or (for many look-ups) a set. */
export type TensorNames = readonly string[] | ReadonlySet<string>;

/** The facts about a graph that a crossing tensor's kind depends on (a graph/ Dag has them). */
export interface CrossingGraph {
  readonly inputs: TensorNames;
  readonly outputs: TensorNames;
  /** Tensors that hold shape metadata (computed from shapes only). */
  readonly metaTensors: ReadonlySet<string>;
}

/**
 * The kind of a crossing tensor.
 * @param named the tensors the cut names: a graph output among them is 'data' (edge-only sends the
 *   outputs as its cut), one not among them is an early head ('output')
 */
export function crossingKind(graph: CrossingGraph, name: string, named: ReadonlySet<string>): CrossingKind {
  if (holds(graph.inputs, name)) return 'input';
  if (graph.metaTensors.has(name)) return 'shape';
  if (!named.has(name) && holds(graph.outputs, name)) return 'output';
  return 'data';
}

// Sets answer in O(1): the partition asks once per crossing tensor of every cut point.
function holds(names: TensorNames, name: string): boolean {
  return 'has' in names ? names.has(name) : names.includes(name);
}

/**
 * The crossing tensors of a solved plan, which names no cut: its feature maps count as named, so a
 * graph output sent beside them is an early head ('output'); a plan that sends only graph outputs
 * (and inputs or shapes) is edge-only, its outputs are its cut ('data').
 */
export function planCrossing(graph: CrossingGraph, names: readonly string[]): CrossingTensor[] {
  const featureMaps = names.filter(
    (n) => !holds(graph.inputs, n) && !graph.metaTensors.has(n) && !holds(graph.outputs, n),
  );
  const named = new Set(featureMaps.length > 0 ? featureMaps : names);
  return names.map((name) => ({ name, kind: crossingKind(graph, name, named) }));
}
