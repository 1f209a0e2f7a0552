/**
 * `jalad analyze`: read the model, find its cut points, measure their tensors.
 * Later stages (profiles, compression sweep, decisions) add to the same Analysis.
 */
import { createHash } from 'crypto';
import { ANALYSIS_VERSION, type Analysis, type CutPoint, type CutTensor, type ModelSummary, type ProfileSummary } from '../analysis';
import { buildDag, countParameters, cutPoints, defaultOpset, readModelFile, toNumber, type Dag, type LoadedModel } from '../graph';
import {
  batchDimName, DEFAULT_CLOUD, DEFAULT_EDGE, latencyTable, nodeCosts, nodeShapes, predictPartMs, PROFILE_DEFAULTS, probeTensors, resolveProfile,
  type DeviceProfile, type ProfileContext,
} from '../profiler';
import { inputSpecs } from '../runtime/ort';
import { JALAD_VERSION } from '../version';

/** Options of `analyzeModel`. */
export interface AnalyzeOptions {
  /** Shapes for inputs with symbolic non-batch dims. */
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
  /** Progress messages (stderr in the CLI). */
  readonly progress?: (message: string) => void;
  /** Edge and cloud device profiles (see resolveProfile); false skips timing altogether. */
  readonly edge?: string | false;
  readonly cloud?: string;
  /** Uplink bandwidths to evaluate, Mbps. */
  readonly bandwidthsMbps?: readonly number[];
  readonly rttMs?: number;
  /** Measurement settings for `local` profiles. */
  readonly threads?: number;
  readonly runs?: number;
  readonly warmup?: number;
}

/** 3G, 4G and WiFi uplinks used across the split-computing literature (DESIGN.md). */
export const DEFAULT_BANDWIDTHS_MBPS: readonly number[] = [1.1, 5.85, 18.88];

/** A profile as the analysis records it. */
function summarizeProfile(p: DeviceProfile): ProfileSummary {
  return {
    label: p.label,
    kind: p.kind,
    ...(p.source !== undefined ? { source: p.source } : {}),
    ...(p.machine !== undefined ? { machine: p.machine } : {}),
    ...(p.settings !== undefined ? { settings: p.settings } : {}),
    notes: p.notes,
    runOverheadMs: p.runOverheadMs,
    nodeMs: p.nodes.map((n) => n.ms),
  };
}

/** Summary of a loaded model. */
export function summarizeModel(loaded: LoadedModel, dag: Dag): ModelSummary {
  const m = loaded.model;
  const batchDim = batchDimName(m);
  return {
    path: loaded.path,
    sha256: createHash('sha256').update(loaded.bytes).digest('hex'),
    opset: defaultOpset(m),
    irVersion: toNumber(m.irVersion),
    nodes: m.graph?.node?.length ?? 0,
    parameters: countParameters(m),
    producer: [m.producerName, m.producerVersion].filter(Boolean).join(' '),
    inputs: inputSpecs(m).map((s) => ({ name: s.name, dims: s.dims })),
    outputs: dag.outputs,
    ...(batchDim !== undefined ? { batchDim } : {}),
  };
}

/** Reads a model, lists its cut points with shapes and sizes, and (unless `edge` is false) predicts their latency. */
export async function analyzeModel(modelPath: string, options: AnalyzeOptions = {}): Promise<Analysis> {
  const progress = options.progress ?? (() => undefined);
  const loaded = readModelFile(modelPath);
  const dag = buildDag(loaded.model, modelPath);
  const candidates = cutPoints(dag);
  progress(`${modelPath}: ${dag.nodes.length} nodes, ${candidates.length} cut points; measuring tensor shapes with ONNX Runtime`);
  const names = [...new Set(candidates.flatMap((c) => c.tensors.map((t) => t.name)))];
  const info = await probeTensors(loaded.model, names, { inputShapes: options.inputShapes });
  const model = summarizeModel(loaded, dag);
  const shapes = await nodeShapes(loaded.model, dag, { inputShapes: options.inputShapes });
  const flops = nodeCosts(dag, shapes).map((c) => c.flops);
  const sumFlops = (nodes: readonly number[]) => nodes.reduce((t, i) => t + flops[i], 0);

  let edge: DeviceProfile | undefined;
  let cloud: DeviceProfile | undefined;
  if (options.edge !== false) {
    const ctx: ProfileContext = {
      loaded, dag, sha256: model.sha256,
      measure: {
        threads: options.threads ?? PROFILE_DEFAULTS.threads, runs: options.runs ?? PROFILE_DEFAULTS.runs,
        warmup: options.warmup ?? PROFILE_DEFAULTS.warmup, inputShapes: options.inputShapes, progress,
      },
      cache: { shapes },
    };
    edge = await resolveProfile(options.edge ?? DEFAULT_EDGE, ctx, '--edge');
    cloud = await resolveProfile(options.cloud ?? DEFAULT_CLOUD, ctx, '--cloud');
  }

  const cuts: CutPoint[] = candidates.map((c) => {
    const detail: CutTensor[] = c.tensors.map((t) => {
      const i = info.get(t.name)!;
      return { name: t.name, kind: t.kind, shape: i.dims, elemType: i.elemType, elements: i.elementsPerSample };
    });
    const bytes = c.tensors.reduce((sum, t) => {
      const i = info.get(t.name)!;
      return sum + (i.elemType === 1 ? 4 * i.elementsPerSample : i.bytesPerSample);
    }, 0);
    const measured = edge?.kind === 'measured' ? edge.cutPoints?.[c.index] : undefined;
    const measuredCloud = cloud?.kind === 'measured' ? cloud.cutPoints?.[c.index] : undefined;
    return {
      index: c.index,
      tensors: c.tensors.map((t) => t.name),
      detail,
      op: c.op,
      shape: detail[0].shape,
      elements: detail.reduce((s, d) => s + d.elements, 0),
      bytes,
      edgeNodes: c.edgeNodes.length,
      cloudNodes: c.cloudNodes.length,
      edgeFlops: sumFlops(c.edgeNodes),
      cloudFlops: sumFlops(c.cloudNodes),
      ...(edge && cloud ? { edgeMs: predictPartMs(edge, dag, c.edgeNodes), cloudMs: predictPartMs(cloud, dag, c.cloudNodes) } : {}),
      ...(measured ? { edgeMeasuredMs: measured.edgeMs } : {}),
      ...(measuredCloud ? { cloudMeasuredMs: measuredCloud.cloudMs } : {}),
    };
  });
  const bandwidthsMbps = options.bandwidthsMbps ?? DEFAULT_BANDWIDTHS_MBPS;
  const rttMs = options.rttMs ?? 0;
  return {
    version: ANALYSIS_VERSION,
    jalad: JALAD_VERSION,
    createdAt: new Date().toISOString(),
    model,
    cutPoints: cuts,
    nodes: dag.nodes.map((n, i) => ({ name: n.name, op: n.opType, flops: flops[i] })),
    ...(edge && cloud ? {
      profiles: { edge: summarizeProfile(edge), cloud: summarizeProfile(cloud) },
      bandwidthsMbps,
      rttMs,
      latency: latencyTable(cuts.map((c) => ({ index: c.index, edgeMs: c.edgeMs!, cloudMs: c.cloudMs!, bytes: c.bytes })), bandwidthsMbps, rttMs),
    } : {}),
  };
}
