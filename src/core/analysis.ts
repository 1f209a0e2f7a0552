/**
 * The `Analysis` value: plain, JSON-serialisable and versioned. `jalad analyze` creates
 * it, later stages add to it, `jalad split` and the reports read it. Names are a public
 * contract (docs/formats.md#names-are-a-contract): extend, never rename.
 */
import type { CrossingTensor } from './crossing';
import type { MetricInfo } from './metric-info';

/** A tensor dimension: a size, or the name of a symbolic dimension. */
export type Dim = number | string;

/** Bump when a field changes meaning; readers refuse versions they do not know. */
export const ANALYSIS_VERSION = 1;

/** The model an analysis is about. */
export interface ModelSummary {
  readonly path: string;
  /** SHA-256 of the .onnx file, hex. */
  readonly sha256: string;
  /** Version of the default ONNX operator set. */
  readonly opset: number;
  readonly irVersion: number;
  /** Nodes of the main graph (subgraph nodes count inside their If/Loop/Scan). */
  readonly nodes: number;
  /** Weight elements: initializers plus Constant-node tensors. */
  readonly parameters: number;
  readonly producer: string;
  readonly inputs: readonly { readonly name: string; readonly dims: readonly Dim[] }[];
  readonly outputs: readonly string[];
  /** The batch axis's name, when the batch dimension is dynamic. */
  readonly batchDim?: string;
}

/** One tensor of a cut point: a crossing tensor with its type and size. */
export interface CutTensor extends CrossingTensor {
  readonly shape: readonly Dim[];
  /** ONNX element type (1 = float32). */
  readonly elemType: number;
  /** Elements per sample. */
  readonly elements: number;
  /**
   * The type the model computes it in when a split carries it as float32 (elemType 1): 16 =
   * bfloat16 (sent raw at 2 bytes per element), or a float8 type or int4 (sent raw as float32).
   */
  readonly modelElemType?: number;
}

/** A candidate cut point. */
export interface CutPoint {
  readonly index: number;
  /** Every tensor that crosses, the cut tensor first. */
  readonly tensors: readonly string[];
  readonly detail: readonly CutTensor[];
  /** Op producing the cut tensor ('input' = cloud-only, 'output' = edge-only of a multi-output model). */
  readonly op: string;
  /** Shape of the cut tensor, batch axis named as the model names it. */
  readonly shape: readonly Dim[];
  /** Elements per sample, all crossing tensors. */
  readonly elements: number;
  /** Bytes per sample if every crossing tensor is sent as float32 (other types at their own size). */
  readonly bytes: number;
  /** Data-dependent nodes the edge part runs (weight-only nodes, copied where needed, not counted). */
  readonly edgeNodes: number;
  readonly cloudNodes: number;
  /** FLOPs per sample of the edge part and of the cloud part (a multiply-add = 2). */
  readonly edgeFlops?: number;
  readonly cloudFlops?: number;
  /** Predicted time of the edge part per sample on the edge profile, once profiles exist (ms). */
  readonly edgeMs?: number;
  /** Predicted time of the cloud part per sample on the cloud profile (ms). */
  readonly cloudMs?: number;
  /** Measured time of the real edge model of this cut (when the edge profile was measured here), ms. */
  readonly edgeMeasuredMs?: number;
  readonly cloudMeasuredMs?: number;
  /**
   * True in a structure-only analysis (symbolic input dimensions, no run): `shape` is as the model
   * declares it ('?' where it declares nothing) and `elements`, `bytes` are unknown (0).
   */
  readonly sizeUnknown?: true;
}

/** A device profile as an analysis records it (self-contained: node times included). */
export interface ProfileSummary {
  readonly label: string;
  readonly kind: 'measured' | 'modeled' | 'scaled';
  /**
   * What a measured profile (or the one a scaled profile derives from) timed: 'fast' fits the
   * boundary cost on a sample of cut points, 'thorough' on every one (src/profiler/profile-mode.ts).
   */
  readonly mode?: 'fast' | 'thorough';
  /**
   * Present when `mode` was chosen by `--profile auto` (the default): its estimate of what timing the
   * parts of every cut point after fast's sample would take, s, its budget, s, and what the estimate rests on
   * ('sample': the sample's measured cost per cut point; 'runs': a slow model's runs alone).
   */
  readonly auto?: { readonly extraS: number; readonly budgetS: number; readonly basis: 'sample' | 'runs' };
  readonly source?: string;
  readonly machine?: unknown;
  /** Where a measured profile was timed: kind (cpu, webgpu, cuda), index, name, driver, provider options. */
  readonly device?: unknown;
  readonly settings?: unknown;
  readonly notes: readonly string[];
  /** ms per session.run beyond its nodes. */
  readonly runOverheadMs: number;
  /**
   * How many times this machine's codec times (the sweep's `encodeMs`, `decodeMs`) this device takes:
   * its predicted time of the whole model over this machine's measured one (1 for this machine; absent: 1).
   */
  readonly codecFactor?: number;
  /** ms per byte of tensors crossing the cut, on each side (measured profiles; see src/profiler/boundary-cost.ts). */
  readonly boundary?: { readonly edgeOutputMsPerByte: number; readonly cloudInputMsPerByte: number };
  /** ms per node, in the analysis's node order (`nodes`). */
  readonly nodeMs: readonly number[];
}

/** Latency of every cut point at one bandwidth (raw float32 tensors until compression is measured). */
export interface LatencyRow {
  readonly bandwidthMbps: number;
  readonly rttMs: number;
  readonly bestCut: number;
  readonly cuts: readonly { readonly cut: number; readonly transferMs: number; readonly totalMs: number }[];
}

/** The whole analysis. */
export interface Analysis {
  readonly version: number;
  readonly jalad: string;
  readonly createdAt: string;
  /** The command that produced this analysis, as typed (reports quote it). */
  readonly commandLine?: string;
  readonly model: ModelSummary;
  readonly cutPoints: readonly CutPoint[];
  /** Every data-dependent tensor (graph inputs and node outputs): what a DAG plan may send. */
  readonly tensors?: readonly TensorSummary[];
  /** True when the model was not run (structure only): sizes and FLOPs are unknown. */
  readonly sizesUnknown?: true;
  /** Node names and ops in DAG order (the order of `ProfileSummary.nodeMs`). */
  readonly nodes?: readonly { readonly name: string; readonly op: string; readonly flops: number }[];
  readonly profiles?: { readonly edge: ProfileSummary; readonly cloud: ProfileSummary };
  readonly bandwidthsMbps?: readonly number[];
  readonly rttMs?: number;
  readonly latency?: readonly LatencyRow[];
  /** The validation data of the sweep. */
  readonly data?: DataSummary;
  /** Bit widths swept. */
  readonly bits?: readonly number[];
  /** One row per cut point and bit width (see src/sweep/sweep.ts for every field). */
  readonly sweep?: readonly SweepRowJson[];
  /** The accuracy budget of `decisions`, percentage points. */
  readonly maxLossPct?: number;
  /** Exact decision table: bandwidth intervals with the fastest plan within the budget (see src/ilp/decisions.ts). */
  readonly decisions?: readonly DecisionJson[];
}

/** A decision-table interval as stored (computed by src/ilp/decisions.ts). */
export interface DecisionJson {
  readonly fromMbps: number;
  readonly toMbps: number;
  /** Index of the cut point the plan sends, or -1 for a plan that is not a single cut point. */
  readonly cut: number;
  /** The bit width when every compressed tensor shares one; 32 for uncompressed float32; 'mixed' otherwise. */
  readonly bits: number | 'mixed';
  /** Tensors sent and their precision. */
  readonly tensors: readonly {
    readonly name: string;
    readonly bits: number | 'f32';
    readonly bytes: number;
  }[];
  /** Edge + RTT + cloud ms, the codec's encode and decode included: total(B) = fixedMs + bytes·8/(B·1000). */
  readonly fixedMs: number;
  /** The codec's quantize + encode ms on the edge device, included in `fixedMs` (absent in older analyses). */
  readonly encodeMs?: number;
  /** The codec's decode + dequantize ms on the cloud device, included in `fixedMs`. */
  readonly decodeMs?: number;
  readonly bytes: number;
  /** Predicted total at the interval's lowest bandwidth (its worst case), ms, run overheads included. */
  readonly totalMs: number;
  readonly totalMsAtTo: number;
  /** Sum of the sent tensors' loss bounds, percentage points (measured per cut point by the sweep). */
  readonly predictedLossPct: number;
  readonly edgeNodes: number;
}

/** A data-dependent tensor and its size. */
export interface TensorSummary {
  readonly name: string;
  /** ONNX element type (1 = float32). */
  readonly elemType: number;
  /** Elements per sample. */
  readonly elements: number;
  /** Bytes per sample sent uncompressed. */
  readonly bytes: number;
}

/** The validation data an analysis used. */
export interface DataSummary {
  readonly path: string;
  readonly labels?: string;
  readonly samples: number;
  readonly seed: number;
  /** True when the data has labels. */
  readonly labelled: boolean;
  /**
   * The metric the losses are in (`--metric`). Absent in analyses written before metrics: then
   * top1 with labels, agreement without.
   */
  readonly metric?: MetricInfo;
  /** The unsplit model's mean score in the metric (its top-1 accuracy with top1; 1 with agreement). */
  readonly referenceAccuracy: number;
  /** The unsplit model's summed scores (correct samples with a pass/fail metric). */
  readonly referenceCorrect: number;
  /** Samples whose tensors were entropy coded to measure sizes. */
  readonly sizeSamples: number;
  readonly maxLossPct?: number;
  readonly sweepSeconds: number;
  /** The coder of the sizes (`bytesMean`) and codec times: 'auto' (rANS or raw) unless `--coder` chose another. */
  readonly coder?: string;
  /** How the data was read (scale, mean, std, layout, subset size and seed...), to read it again. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** A sweep row as stored (the names of docs/formats.md#analysisjson, plus details). */
export interface SweepRowJson {
  readonly cut: number;
  readonly bits: number;
  readonly lossPct: number;
  readonly lossUpperPct: number;
  readonly agreement: number;
  readonly bytesMean: number;
  readonly bytesP95: number;
  readonly accuracy: number;
  readonly samples: number;
  readonly stoppedEarly: boolean;
  readonly bitsPerElement: number;
  readonly ratio: number;
  readonly byCoder: Readonly<Record<string, { readonly bytesMean: number; readonly bytesP95: number }>>;
  /** Quantize + encode ms per sample on the machine that ran the sweep (median; absent in older analyses). */
  readonly encodeMs?: number;
  /** Decode + dequantize ms per sample on the machine that ran the sweep (median). */
  readonly decodeMs?: number;
}

/** Size of the one-line analysis.json up to which it is written indented for reading, bytes. */
export const MAX_INDENTED_ANALYSIS_BYTES = 4_000_000;

/**
 * The text of analysis.json: indented by two spaces when its one-line form is at most
 * {@link MAX_INDENTED_ANALYSIS_BYTES}, else on one line. Above that nobody reads it by eye, and
 * indentation made it 1.7x larger for a 200,000-node chain (137 MB instead of 79 MB) and 5x for a
 * node reading 100,000 inputs, whose shapes took a line per dimension.
 */
export function analysisJsonText(analysis: Analysis): string {
  const compact = JSON.stringify(analysis);
  return (compact.length <= MAX_INDENTED_ANALYSIS_BYTES ? JSON.stringify(analysis, null, 2) : compact) + '\n';
}
