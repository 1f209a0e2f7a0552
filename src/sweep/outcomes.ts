/**
 * The sweep's per-sample bookkeeping, shared by the sweep itself and by the merge of shards
 * (merge-sweep.ts), so that a merged row is computed by the very same code from the very same
 * numbers as the row of a one-process run.
 *
 * One sample of one configuration is its score in the metric (top-1: 1 when right) and whether its
 * top-1 equals the unsplit model's; the unsplit model's own score is per sample only.
 */
import { pairedScoreLoss, Z_ONE_SIDED_95 } from '../core/stats';
import { p95 } from '../core/percentile';
import type { BitWidth, CoderChoice, SizeCoder } from '../codec/types';

/**
 * Samples whose codec time the sweep measures per configuration (the first ones, at most the size
 * samples): enough for a stable median, few enough that timing adds little to the sweep.
 */
export const CODEC_TIME_SAMPLES = 16;

/** Running counts of one configuration over the samples counted so far. */
export interface ConfigCounts {
  samples: number;
  /** Σ (unsplit score − split score) and Σ of its squares over the samples counted. */
  sumDiff: number;
  sumDiffSq: number;
  /** Σ split score. */
  sumScore: number;
  agree: number;
  stopped: boolean;
}

/** Counts of a configuration before any sample. */
export function emptyCounts(): ConfigCounts {
  return { samples: 0, sumDiff: 0, sumDiffSq: 0, sumScore: 0, agree: 0, stopped: false };
}

/**
 * Counts one sample (without advancing `samples`: a batch advances it at once). The sums are
 * floating point: the same samples in the same order give the same sums, which is why a merge
 * counts the shards' samples in sample order.
 * @param score the split model's score on the sample in the metric
 * @param agree whether its top-1 equals the unsplit model's
 * @param refScore the unsplit model's score on the sample
 */
export function countOutcome(counts: ConfigCounts, score: number, agree: boolean, refScore: number): void {
  if (agree) counts.agree++;
  const d = refScore - score;
  counts.sumScore += score;
  counts.sumDiff += d;
  counts.sumDiffSq += d * d;
}

/** The early-stopping rule and what it needs. */
export interface StopRule {
  /** The budget, percentage points; absent: no early stop. */
  readonly maxLossPct?: number;
  /** Samples seen before a configuration may stop. */
  readonly minToStop: number;
  /** Samples of the whole data set (a configuration that has seen them all does not "stop"). */
  readonly samples: number;
}

/**
 * Applies the early-stopping rule after a batch: stops the configuration when the one-sided 95%
 * lower bound of its loss already exceeds the budget. Called after every batch, in batch order.
 */
export function applyStopRule(counts: ConfigCounts, rule: StopRule): void {
  if (rule.maxLossPct === undefined || counts.samples < rule.minToStop || counts.samples >= rule.samples)
    return;
  // One-sided 95% lower bound (the same interval, the other side): proven over budget.
  const lower = pairedScoreLoss(
    { n: counts.samples, sumDiff: counts.sumDiff, sumDiffSq: counts.sumDiffSq },
    -Z_ONE_SIDED_95,
  ).lossUpperPct;
  if (lower > rule.maxLossPct) counts.stopped = true;
}

/** Per-sample sizes: a plain array (the sweep fills one as batches come) or a typed one (the merge). */
export type SizeSeries = readonly number[] | Float64Array;

/** Mean and 95th percentile of sizes. */
export function sizeStats(sizes: SizeSeries): SizeStats {
  if (sizes.length === 0) return { bytesMean: 0, bytesP95: 0 };
  let sum = 0;
  for (let i = 0; i < sizes.length; i++) sum += sizes[i];
  return { bytesMean: sum / sizes.length, bytesP95: p95(sizes) };
}

/** Sizes of one (cut, bits) configuration with one coder, per sample. */
export interface SizeStats {
  readonly bytesMean: number;
  readonly bytesP95: number;
}

/** One row of the sweep: a cut point at a bit width. */
export interface SweepRow {
  /** Cut point index. */
  readonly cut: number;
  readonly bits: BitWidth;
  /**
   * Loss in the metric vs the unsplit model: mean unsplit score minus mean split score, percentage
   * points (negative: the split did better).
   */
  readonly lossPct: number;
  /** One-sided 95% upper confidence bound of the loss (Agresti–Min, paired; generalized to scores: pairedScoreLoss). */
  readonly lossUpperPct: number;
  /** Fraction of samples whose top-1 (argmax of the first output) equals the unsplit model's. */
  readonly agreement: number;
  /** The split model's mean score in the metric (its top-1 accuracy with `top1`). */
  readonly accuracy: number;
  /** Samples evaluated (fewer than the data set when stopped early). */
  readonly samples: number;
  /** True when the run stopped because the loss's lower bound already exceeded --max-loss. */
  readonly stoppedEarly: boolean;
  /**
   * Encoded bytes per sample with the sweep's coder (`SweepOptions.coder`; default 'auto': rANS, or
   * raw packing when smaller), all crossing tensors, headers included.
   */
  readonly bytesMean: number;
  readonly bytesP95: number;
  /** bytesMean·8 / elements per sample. */
  readonly bitsPerElement: number;
  /** bytesMean / float32 bytes per sample. */
  readonly ratio: number;
  /**
   * The same sizes with each coder: the default, canonical Huffman (the paper's), raw bit packing,
   * and the sweep's coder when it is another (e.g. 'context').
   */
  readonly byCoder: Readonly<Record<SizeCoder, SizeStats> & Partial<Record<CoderChoice, SizeStats>>>;
  /**
   * The codec's quantize + encode time per sample on this machine, all crossing tensors, ms: the
   * median over the first `CODEC_TIME_SAMPLES` samples (0 when nothing is compressed).
   */
  readonly encodeMs: number;
  /** The codec's decode + dequantize time per sample on this machine, ms (median, as `encodeMs`). */
  readonly decodeMs: number;
}

/** What a row needs besides the counts: the configuration and its crossing tensors' sizes. */
export interface RowShape {
  readonly cut: number;
  readonly bits: BitWidth;
  /** Elements of all crossing tensors per sample. */
  readonly elements: number;
  /** Bytes per sample of the crossing tensors sent as float32 (other types as they are). */
  readonly float32Bytes: number;
}

/**
 * The row of one configuration: its loss with the bound, and its sizes with each coder.
 * @param sizes per coder, the encoded bytes of samples 0, 1, ... (at least the first
 *   min(sizeSamples, counts.samples))
 */
export function sweepRowOf(
  counts: ConfigCounts,
  sizes: Readonly<Record<string, SizeSeries>>,
  shape: RowShape,
  sizeSamples: number,
  coders: readonly CoderChoice[],
  coder: CoderChoice,
  codec: { readonly encodeMs: number; readonly decodeMs: number },
): SweepRow {
  const { lossPct, lossUpperPct } = pairedScoreLoss(
    { n: counts.samples, sumDiff: counts.sumDiff, sumDiffSq: counts.sumDiffSq },
    Z_ONE_SIDED_95,
  );
  const byCoder = Object.fromEntries(
    coders.map((c) => [c, sizeStats(sizes[c].slice(0, Math.min(sizeSamples, counts.samples)))]),
  ) as Record<SizeCoder, SizeStats> & Partial<Record<CoderChoice, SizeStats>>;
  const main = byCoder[coder]!;
  return {
    cut: shape.cut,
    bits: shape.bits,
    lossPct,
    lossUpperPct,
    agreement: counts.samples > 0 ? counts.agree / counts.samples : 0,
    accuracy: counts.samples > 0 ? counts.sumScore / counts.samples : 0,
    samples: counts.samples,
    stoppedEarly: counts.stopped,
    bytesMean: main.bytesMean,
    bytesP95: main.bytesP95,
    bitsPerElement: shape.elements > 0 ? (main.bytesMean * 8) / shape.elements : 0,
    ratio: shape.float32Bytes > 0 ? main.bytesMean / shape.float32Bytes : 0,
    byCoder,
    encodeMs: codec.encodeMs,
    decodeMs: codec.decodeMs,
  };
}
