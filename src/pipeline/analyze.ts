/**
 * `jalad analyze`: read the model, find its cut points, measure their tensors.
 * Later stages (profiles, compression sweep, decisions) add to the same Analysis.
 */
import { createHash } from 'crypto';
import { ANALYSIS_VERSION, type Analysis, type CutPoint, type CutTensor, type ModelSummary } from '../analysis';
import { buildDag, countParameters, cutPoints, defaultOpset, readModelFile, toNumber, type Dag, type LoadedModel } from '../graph';
import { batchDimName, probeTensors } from '../profiler';
import { inputSpecs } from '../runtime/ort';
import { JALAD_VERSION } from '../version';

/** Options of `analyzeModel`. */
export interface AnalyzeOptions {
  /** Shapes for inputs with symbolic non-batch dims. */
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
  /** Progress messages (stderr in the CLI). */
  readonly progress?: (message: string) => void;
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

/** Reads a model and lists its cut points with shapes and float32 sizes. */
export async function analyzeModel(modelPath: string, options: AnalyzeOptions = {}): Promise<Analysis> {
  const progress = options.progress ?? (() => undefined);
  const loaded = readModelFile(modelPath);
  const dag = buildDag(loaded.model, modelPath);
  const candidates = cutPoints(dag);
  progress(`${modelPath}: ${dag.nodes.length} nodes, ${candidates.length} cut points; measuring tensor shapes with ONNX Runtime`);
  const names = [...new Set(candidates.flatMap((c) => c.tensors.map((t) => t.name)))];
  const info = await probeTensors(loaded.model, names, { inputShapes: options.inputShapes });
  const cuts: CutPoint[] = candidates.map((c) => {
    const detail: CutTensor[] = c.tensors.map((t) => {
      const i = info.get(t.name)!;
      return { name: t.name, kind: t.kind, shape: i.dims, elemType: i.elemType, elements: i.elementsPerSample };
    });
    const bytes = c.tensors.reduce((sum, t) => {
      const i = info.get(t.name)!;
      return sum + (i.elemType === 1 ? 4 * i.elementsPerSample : i.bytesPerSample);
    }, 0);
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
    };
  });
  return {
    version: ANALYSIS_VERSION,
    jalad: JALAD_VERSION,
    createdAt: new Date().toISOString(),
    model: summarizeModel(loaded, dag),
    cutPoints: cuts,
  };
}
