/**
 * Measured time of the real edge and cloud models of every cut point, as deployed:
 * ONNX Runtime with all graph optimisations, fixed threads, batch 1, wall-clock time of
 * `session.run` (what an application sees), median of several runs after warm-up.
 */
import { performance } from 'perf_hooks';
import type * as ort from 'onnxruntime-node';
import { encodeModel, extractSplit, valueInfo, type CutCandidate, type Dag, type ModelProto } from '../graph';
import { inputSpecs, openSession, syntheticFeeds } from '../runtime/ort';
import type { MeasureOptions } from './node-times';
import { median, quantile } from './stats';
import type { TensorInfo } from './tensor-shapes';

/** Measured times of one cut point's two parts. */
export interface PartTime {
  readonly index: number;
  readonly edgeMs: number;
  readonly edgeP90Ms: number;
  readonly cloudMs: number;
  readonly cloudP90Ms: number;
}

/** Times `runs` calls of a session after `warmup` calls; returns the samples in ms. */
export async function timeRuns(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, warmup: number, runs: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** Picks the feeds a session reads. */
function feedsFor(session: ort.InferenceSession, all: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const n of session.inputNames) out[n] = all[n];
  return out;
}

/**
 * Measures the edge and the cloud model of every cut point.
 * @param info types and shapes of the crossing tensors (from probeTensors)
 */
export async function measurePartTimes(model: ModelProto, dag: Dag, cuts: readonly CutCandidate[], info: ReadonlyMap<string, TensorInfo>, options: MeasureOptions): Promise<PartTime[]> {
  const feeds = syntheticFeeds(inputSpecs(model), 1, options.seed ?? 1, options.inputShapes);
  const out: PartTime[] = [];
  const started = performance.now();
  for (const cut of cuts) {
    const split = extractSplit(model, dag, { edgeNodes: cut.edgeNodes, cloudNodes: cut.cloudNodes, crossing: cut.tensors },
      (t) => valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims));
    const edge = await openSession(encodeModel(split.edge), { optimization: 'all', threads: options.threads });
    const cloud = await openSession(encodeModel(split.cloud), { optimization: 'all', threads: options.threads });
    try {
      const edgeFeeds = feedsFor(edge, feeds);
      const sent = await edge.run(edgeFeeds);
      const cloudFeeds = feedsFor(cloud, { ...feeds, ...sent });
      // A part with no nodes does not run at all: it costs nothing.
      const e = cut.edgeNodes.length > 0 ? await timeRuns(edge, edgeFeeds, options.warmup, options.runs) : [0];
      const c = cut.cloudNodes.length > 0 ? await timeRuns(cloud, cloudFeeds, options.warmup, options.runs) : [0];
      out.push({ index: cut.index, edgeMs: median(e), edgeP90Ms: quantile(e, 0.9), cloudMs: median(c), cloudP90Ms: quantile(c, 0.9) });
    } finally {
      await edge.release();
      await cloud.release();
    }
    if (options.progress) {
      const done = out.length;
      const leftS = ((performance.now() - started) / done) * (cuts.length - done) / 1000;
      options.progress(`cut point ${done}/${cuts.length} timed (edge ${out[done - 1].edgeMs.toFixed(3)} ms, cloud ${out[done - 1].cloudMs.toFixed(3)} ms), about ${leftS.toFixed(0)} s left`);
    }
  }
  return out;
}
