/**
 * Plain data types of the edge/cloud decision problem (JALAD, Li et al., ICPADS 2018, §IV "ILP"),
 * generalised from a chain of cut points to any DAG: every node runs on the edge device or in the
 * cloud, every tensor that crosses from the edge to the cloud is sent once at one bit width.
 *
 * Everything here is readonly and JSON-safe; no ONNX types appear.
 */

/** A bit width a tensor can be sent at: an integer number of bits per element (1..32), or raw float32. */
export type Bits = number | 'f32';

/**
 * Identifies a plan by what it sends: the crossing tensors with their bit widths, sorted by tensor
 * name, as a JSON string (e.g. `[["conv3_out",8]]`). Two placements that send the same tensors at
 * the same widths share a key, and so share a measured accuracy. Build one with `planKey`.
 */
export type PlanKey = string;

/** One node of the DAG with its time on each device. */
export interface DecisionNode {
  /** The node's name (for messages and reports). */
  readonly id: string;
  /** Time of this node on the edge device, ms per sample, finite and ≥ 0. */
  readonly edgeMs: number;
  /** Time of this node on the cloud device, ms per sample, finite and ≥ 0. */
  readonly cloudMs: number;
}

/** One way to send a tensor: a bit width, its encoded size, and the accuracy it costs. */
export interface TensorOption {
  /** Bit width; unique among the options of one tensor. */
  readonly bits: Bits;
  /** Mean encoded bytes per sample at this width, finite and ≥ 0. */
  readonly bytes: number;
  /** Measured top-1 accuracy loss in percentage points if this tensor is sent at this width (finite; may be < 0). */
  readonly lossPct: number;
  /** The codec's quantize + encode time for this tensor at this width on the edge, ms per sample, ≥ 0; default 0. */
  readonly encodeMs?: number;
  /** The codec's decode + dequantize time in the cloud, ms per sample, ≥ 0; default 0. */
  readonly decodeMs?: number;
}

/** One tensor of the DAG. */
export interface DecisionTensor {
  /** Tensor name, unique in the problem. */
  readonly name: string;
  /** Index into `nodes` of the node producing it, or -1 for a graph input (always available on the edge). */
  readonly producer: number;
  /** Indices into `nodes` of the nodes reading it (duplicates are ignored). */
  readonly consumers: readonly number[];
  /** Whether it is a graph output: produced on the edge, it must be sent (edge-only sends the outputs). */
  readonly isGraphOutput: boolean;
  /** The widths it may be sent at. A tensor with no allowed option can never cross. */
  readonly options: readonly TensorOption[];
  /**
   * Cost on the edge of producing it as an output of the edge part when it crosses, ms, ≥ 0
   * (e.g. ORT converting it out of its blocked NCHWc layout); default 0.
   */
  readonly edgeCrossMs?: number;
  /** Cost on the cloud of taking it as an input when it crosses, ms, ≥ 0; default 0. */
  readonly cloudCrossMs?: number;
}

/**
 * The decision problem: place every node, choose a width for every crossing tensor, minimise the
 * predicted latency T = T_edge + T_encode + RTT + bytes·8/B + T_decode + T_cloud subject to the
 * accuracy budget (T_encode, T_decode: the chosen options' codec times).
 */
export interface DecisionProblem {
  /** The nodes; indices into this array identify them. */
  readonly nodes: readonly DecisionNode[];
  /** The tensors, each with its producer, consumers and send options. */
  readonly tensors: readonly DecisionTensor[];
  /** Uplink bandwidth in Mbps (10^6 bit/s), finite and > 0. */
  readonly bandwidthMbps: number;
  /** Round-trip time in ms, added once to every plan, finite and ≥ 0. */
  readonly rttMs: number;
  /**
   * Fixed cost of running the edge part at all (one inference call), ms, ≥ 0; paid when at least
   * one node is on the edge, or when a crossing tensor is sent compressed (the deployed edge part
   * then runs the quantizer even with no model node). Default 0.
   */
  readonly edgeRunMs?: number;
  /**
   * Fixed cost of running the cloud part at all, ms, ≥ 0; paid when at least one node is on the
   * cloud, or when a crossing tensor is sent compressed (the cloud part runs the dequantizer). Default 0.
   */
  readonly cloudRunMs?: number;
  /** Accuracy budget in percentage points: the summed loss of the sent tensors may not exceed it (`Infinity` = no budget). */
  readonly maxLossPct: number;
  /** If given, only options of exactly this width may be used (a tensor without one can never cross). */
  readonly fixedBits?: Bits;
  /** Plans measured and rejected by the caller: no plan with one of these keys is returned. */
  readonly excluded?: readonly PlanKey[];
}

/** A decision problem for every bandwidth at once (the input of `decisionTable`). */
export type TableProblem = Omit<DecisionProblem, 'bandwidthMbps'>;

/**
 * A tensor the plan sends from the edge to the cloud, as the solver sees it (no graph: no kind).
 * src/pipeline turns it into the core SentTensor with `planCrossing`.
 */
export interface PlanTensor {
  /** Tensor name. */
  readonly tensor: string;
  /** Width it is sent at. */
  readonly bits: Bits;
  /** Encoded bytes per sample at that width. */
  readonly bytes: number;
  /** Quantize + encode time on the edge, ms per sample, when the option has one. */
  readonly encodeMs?: number;
  /** Decode + dequantize time in the cloud, ms per sample, when the option has one. */
  readonly decodeMs?: number;
}

/** The latency model's prediction for one plan, all in ms per sample. */
export interface PredictedMs {
  /** Time of the edge part on the edge device. */
  readonly edge: number;
  /** The codec's quantize + encode time of the crossing tensors on the edge device. */
  readonly encode: number;
  /** The codec's decode + dequantize time of the crossing tensors on the cloud device. */
  readonly decode: number;
  /** Time to send the crossing tensors: bytes·8 / (bandwidthMbps·10^3). */
  readonly transfer: number;
  /** Time of the cloud part on the cloud device. */
  readonly cloud: number;
  /** The round-trip time. */
  readonly rtt: number;
  /** edge + encode + rtt + transfer + decode + cloud. */
  readonly total: number;
}

/** A solved split: where every node runs and what crosses at which width. */
export interface Plan {
  /** Indices of the nodes run on the edge device, ascending; the others run in the cloud. */
  readonly edgeNodes: readonly number[];
  /** The tensors sent, in the order of `problem.tensors`. */
  readonly crossing: readonly PlanTensor[];
  /** The bandwidth, in Mbps, that `predictedMs` was computed for. */
  readonly bandwidthMbps: number;
  /** Predicted latency, ms per sample. */
  readonly predictedMs: PredictedMs;
  /** Predicted accuracy loss in percentage points: the sum of the crossing tensors' `lossPct`. */
  readonly predictedLossPct: number;
  /** What the plan sends, to pass back in `excluded` if its measured accuracy breaks the budget. */
  readonly key: PlanKey;
}

/**
 * Something that solves decision problems exactly. Every solver returns the same plan for the
 * same problem when the optimum is unique under the tie-break (see `solveDecision`).
 */
export interface Solver {
  /** Name of the engine, e.g. `highs` or `brute-force`. */
  readonly name: string;
  /**
   * Solves one problem.
   * @throws InputError `BAD_OPTION` for a malformed problem; `NoPlanError` (`NO_PLAN`) when no plan fits.
   */
  solve(problem: DecisionProblem): Plan;
}

/** One row of the decision table: over this bandwidth interval, this plan is the fastest. */
export interface DecisionSegment {
  /** Lower end of the interval, Mbps. */
  readonly fromMbps: number;
  /** Upper end of the interval, Mbps. */
  readonly toMbps: number;
  /** The plan, with `predictedMs` computed at `fromMbps`. */
  readonly plan: Plan;
  /** Its predicted total latency at `fromMbps`, ms. */
  readonly totalMsAtFrom: number;
  /** Its predicted total latency at `toMbps`, ms. */
  readonly totalMsAtTo: number;
}
