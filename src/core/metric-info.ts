/**
 * What an accuracy loss is measured in: the metric's name and its definition, as every output
 * (analysis.json, plan.json, reports, `--help`) states it. Plain data: the scoring itself lives in
 * src/sweep (docs/metrics.md).
 */

/**
 * How a metric's per-sample scores look: 'pass-fail' when every score is 0 or 1 (top-1, top-5,
 * agreement, cosine:T), 'score' when a score may lie anywhere in [0, 1] (pixel maps, user modules).
 * The confidence bound is the same formula for both (src/core/confidence.ts, `pairedScoreLoss`).
 */
export type MetricOutcome = 'pass-fail' | 'score';

/** A metric as outputs record it. */
export interface MetricInfo {
  /** As given to `--metric`: `top1`, `top5`, `agreement`, `cosine:0.999`, `pixel:0.5`, `pixel:argmax` or a module path. */
  readonly name: string;
  /** One sentence: what a sample's score is and what the loss is, in percentage points. */
  readonly definition: string;
  readonly outcome: MetricOutcome;
  /** True when the metric compares with labels (top1, top5; a user module may use them). */
  readonly usesLabels: boolean;
}

/** The definition of `top1` (docs/metrics.md). */
export const TOP1_DEFINITION =
  "score 1 when the first output's top-1 class equals the label; loss = unsplit minus split top-1 accuracy, pp";

/** The definition of `agreement` (docs/metrics.md). */
export const AGREEMENT_DEFINITION =
  "score 1 when the split model's top-1 (first output) equals the unsplit model's; loss = share of samples whose top-1 differs, pp";

/**
 * The metric of an analysis's losses: as recorded, or for analyses written before metrics were
 * recorded, top1 with labels and agreement without.
 */
export function recordedMetric(data: {
  readonly labelled: boolean;
  readonly metric?: MetricInfo;
}): Pick<MetricInfo, 'name' | 'definition'> {
  if (data.metric) return data.metric;
  return data.labelled
    ? { name: 'top1', definition: TOP1_DEFINITION }
    : { name: 'agreement', definition: AGREEMENT_DEFINITION };
}
