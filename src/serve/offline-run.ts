/**
 * The offline measurement of a plan, the reference a served run must equal: the edge part's
 * outputs fed straight into the cloud part in one process (no codec, no network).
 */
import { checkLabelRange, type Dataset } from '../data';
import { openSession } from '../runtime';
import { edgeInputDims } from './edge-run';
import type { ServedPlan } from './served-plan';

/** Each sample's output scores and top-1, and the top-1 count when labelled. */
export interface OfflineResult {
  readonly scores: readonly Float32Array[];
  readonly predictedClass: Int32Array;
  readonly top1?: { readonly correct: number; readonly total: number };
}

/** Runs `plan` on every sample of `dataset`, edge part then cloud part, batch 1. */
export async function runOffline(plan: ServedPlan, dataset: Dataset, threads = 0): Promise<OfflineResult> {
  const edge = await openSession(plan.edge, { threads });
  const cloud = await openSession(plan.cloud, { threads });
  try {
    const dims = edgeInputDims(plan);
    const per = dataset.shape.reduce((a, b) => a * b, 1);
    const scores: Float32Array[] = [];
    const predictedClass = new Int32Array(dataset.samples);
    let correct = 0;
    for (let i = 0; i < dataset.samples; i++) {
      const sent = await edge.run({
        [plan.inputName]: { type: 'float32', data: dataset.data.subarray(i * per, (i + 1) * per), dims },
      });
      const out = await cloud.run(sent);
      const s = out[cloud.outputNames[0]].data as Float32Array;
      scores.push(s);
      let best = 0;
      for (let j = 1; j < s.length; j++) if (s[j] > s[best]) best = j;
      predictedClass[i] = best;
      if (dataset.labels) checkLabelRange(dataset.labels, i, 1, s.length, dataset.labelsSource);
      if (dataset.labels && dataset.labels[i] === best) correct++;
    }
    return {
      scores,
      predictedClass,
      ...(dataset.labels ? { top1: { correct, total: dataset.samples } } : {}),
    };
  } finally {
    await edge.release();
    await cloud.release();
  }
}
