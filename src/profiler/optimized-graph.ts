/**
 * Which tensors of a model ONNX Runtime optimises away: with all graph optimisations, tensors
 * inside a fused kernel or a blocked-layout (NCHWc) region no longer exist in the optimised graph.
 * A cut at such a tensor makes its edge model materialise it (and convert it back to NCHW) and its
 * cloud model convert it again; a cut at a tensor that survives costs neither.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel, type ModelProto } from '../graph';

/**
 * Names of the tensors of `model` that are absent from ORT's optimised graph of it (level 'all'),
 * among `tensors`. ORT writes the optimised graph to a temporary file, read back and deleted.
 */
export async function optimizedAwayTensors(model: ModelProto, tensors: readonly string[], threads: number): Promise<Set<string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-optimized-'));
  try {
    const file = path.join(dir, 'optimized.onnx');
    const session = await ort.InferenceSession.create(encodeModel(model), {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      optimizedModelFilePath: file,
      // ORT warns that a graph with NCHWc nodes is hardware specific: known, and not kept.
      logSeverityLevel: 3,
    });
    await session.release();
    const optimized = decodeModel(fs.readFileSync(file));
    const g = optimized.graph ?? {};
    const present = new Set<string>();
    for (const v of g.input ?? []) if (v.name) present.add(v.name);
    for (const n of g.node ?? []) for (const o of n.output ?? []) present.add(o);
    return new Set(tensors.filter((t) => !present.has(t)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
