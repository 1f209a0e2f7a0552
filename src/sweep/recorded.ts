/**
 * What a shard of the sweep records instead of rows: per-sample outcomes and sizes of the sample
 * range it ran for every configuration, so that the merge can count them in sample order exactly as
 * one process would (docs/scale-out.md).
 */
import type { BitWidth } from '../codec/types';

/** Samples [from, to) of the data set; batch-aligned in a shard plan. */
export interface SampleRange {
  readonly from: number;
  readonly to: number;
}

/** One configuration's part of a shard. */
export interface RecordedConfig {
  /** Cut point index. */
  readonly cut: number;
  readonly bits: BitWidth;
  /** Elements of all crossing tensors per sample. */
  readonly elements: number;
  /** Bytes per sample of the crossing tensors sent as float32. */
  readonly float32Bytes: number;
  /** The first sample this part covers. */
  readonly from: number;
  /** The range the plan gave it ends here (exclusive). */
  readonly to: number;
  /** True when the early-stopping rule stopped it inside this shard (possible only from sample 0). */
  readonly stopped: boolean;
  /** Per sample from `from`: 1 when the split model's top-1 agrees with the unsplit model's; fewer than to-from when stopped. */
  readonly agrees: Uint8Array;
  /** Per sample of `agrees`: the split model's score in the metric. */
  readonly scores: Float64Array;
  /**
   * Encoded bytes per sample, coder-major ([coder of the shard's `coders`][sample]), for the samples of
   * `agrees` below the size-sample limit: sizeCount per coder.
   */
  readonly sizes: Float64Array;
  readonly sizeCount: number;
  /**
   * Codec ms per sample, [encode × timeCount, decode × timeCount], for the samples of `agrees` below
   * the codec-time limit (CODEC_TIME_SAMPLES, at most the size samples): only a range holding
   * sample 0 (or the first few) has any. Measured times: they differ from run to run.
   */
  readonly codecMs: Float64Array;
  readonly timeCount: number;
}

/** What one shard recorded. */
export interface RecordedSweep {
  /** The samples whose reference (unsplit) top-1 this shard computed. */
  readonly reference: SampleRange;
  /** Per sample of `reference`: the unsplit model's score in the metric. */
  readonly referenceScores: Float64Array;
  readonly labelled: boolean;
  readonly configs: readonly RecordedConfig[];
}
