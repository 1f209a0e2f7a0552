/**
 * The merge of a sharded sweep: the shards' per-sample outcomes laid end to end in sample order,
 * then counted batch by batch with the one-process sweep's own bookkeeping (outcomes.ts), the
 * early-stopping rule applied after every batch as it would have been. The rows are therefore
 * those of one unsharded run, stops included (docs/scale-out.md#early-stopping).
 */
import { InputError } from '../core/errors';
import { median } from '../profiler/stats';
import { sweepCoders } from './batch';
import {
  CODEC_TIME_SAMPLES,
  applyStopRule,
  countOutcome,
  emptyCounts,
  sweepRowOf,
  type StopRule,
  type SweepRow,
} from './outcomes';
import type { RecordedConfig } from './recorded';
import type { ShardFile, ShardGrid } from './shard-file';
import type { SweepReference } from './sweep';

/** A shard and the file it came from (for messages). */
export interface NamedShard {
  readonly file: string;
  readonly shard: ShardFile;
}

/** The merged sweep. */
export interface MergedSweep {
  readonly reference: SweepReference;
  readonly rows: readonly SweepRow[];
}

/** Every sample's reference score, from the shards that computed it (NaN: none did). */
function mergedReference(shards: readonly NamedShard[], samples: number): Float64Array {
  const scores = new Float64Array(samples).fill(NaN);
  const owner: string[] = [];
  for (const { file, shard } of shards) {
    const { reference, referenceScores } = shard.recorded;
    for (let s = reference.from; s < reference.to; s++) {
      const v = referenceScores[s - reference.from];
      // NOTE: shards overlapping here ran the same unsplit model on the same samples; a difference
      // means another model build or machine arithmetic, and the merge would not be exact.
      if (!Number.isNaN(scores[s]) && !Object.is(scores[s], v))
        throw new InputError(
          'BAD_SHARD',
          `${file}: the unsplit model's score on sample ${s} differs from ${owner[s]}'s (another ONNX Runtime or CPU?)`,
        );
      scores[s] = v;
      owner[s] ??= file;
    }
  }
  const gap = scores.findIndex(Number.isNaN);
  if (gap >= 0)
    throw new InputError('BAD_SHARD', `sample ${gap}: no shard computed its reference; a shard is missing`);
  return scores;
}

type Piece = { readonly file: string; readonly config: RecordedConfig };

/** One configuration's outcomes and sizes over the whole data set, from its pieces in the shards. */
function assemble(
  pieces: readonly Piece[],
  grid: ShardGrid,
): { scores: Float64Array; agrees: Uint8Array; sizes: Record<string, Float64Array>; times: Float64Array[] } {
  const scores = new Float64Array(grid.samples).fill(NaN);
  const agrees = new Uint8Array(grid.samples);
  const sizeLength = Math.min(grid.sizeSamples, grid.samples);
  const coders = sweepCoders(grid.coder);
  const sizes = Object.fromEntries(coders.map((c) => [c, new Float64Array(sizeLength).fill(NaN)]));
  // Codec times: [encode, decode] per sample below the timing limit (the same as one process's).
  const times = [0, 1].map(() => new Float64Array(Math.min(CODEC_TIME_SAMPLES, sizeLength)).fill(NaN));
  for (const { config } of pieces) {
    scores.set(config.scores, config.from);
    agrees.set(config.agrees, config.from);
    const n = config.sizeCount;
    // A piece past the size samples has no sizes (and its offset may lie past their end).
    if (n > 0)
      coders.forEach((coder, c) => sizes[coder].set(config.sizes.subarray(c * n, (c + 1) * n), config.from));
    const t = config.timeCount;
    if (t > 0)
      times.forEach((series, e) => series.set(config.codecMs.subarray(e * t, (e + 1) * t), config.from));
  }
  return { scores, agrees, sizes, times };
}

/** Replays one configuration batch by batch: its row, as one process would have made it. */
function replay(pieces: readonly Piece[], referenceScores: Float64Array, grid: ShardGrid): SweepRow {
  const { scores, agrees, sizes, times } = assemble(pieces, grid);
  const first = pieces[0].config;
  const counts = emptyCounts();
  const rule: StopRule = { samples: grid.samples, maxLossPct: grid.maxLossPct, minToStop: grid.minToStop };
  for (let from = 0; from < grid.samples && !counts.stopped; from += grid.batchSize) {
    const to = Math.min(grid.samples, from + grid.batchSize);
    for (let s = from; s < to; s++) {
      if (Number.isNaN(scores[s]))
        throw new InputError(
          'BAD_SHARD',
          `cut point #${first.cut} at ${first.bits} bits: sample ${s} is in no shard; a shard is missing`,
        );
      countOutcome(counts, scores[s], agrees[s] === 1, referenceScores[s]);
    }
    counts.samples += to - from;
    applyStopRule(counts, rule);
  }
  if (sizes[grid.coder].subarray(0, Math.min(grid.sizeSamples, counts.samples)).some(Number.isNaN))
    throw new InputError(
      'BAD_SHARD',
      `cut point #${first.cut} at ${first.bits} bits: sizes missing; a shard is missing`,
    );
  // The codec times of the samples one process would have timed: the first ones it counted.
  const [encodeMs, decodeMs] = times.map((series) => {
    const timed = Array.from(series.subarray(0, Math.min(series.length, counts.samples)));
    if (timed.some(Number.isNaN))
      throw new InputError(
        'BAD_SHARD',
        `cut point #${first.cut} at ${first.bits} bits: codec times missing; a shard is missing`,
      );
    return timed.length > 0 ? median(timed) : 0;
  });
  return sweepRowOf(counts, sizes, first, grid.sizeSamples, sweepCoders(grid.coder), grid.coder, {
    encodeMs,
    decodeMs,
  });
}

/**
 * Merges the shards of one run (checked to belong together) into the sweep's rows, in the order
 * one process makes them: cut points in order, each at every bit width.
 * @param cuts the cut point indices of the analysis, in order
 * @throws InputError `BAD_SHARD` when samples of a configuration or of the reference are in no shard
 */
export function mergeSweep(shards: readonly NamedShard[], cuts: readonly number[]): MergedSweep {
  const { grid } = shards[0].shard;
  const referenceScores = mergedReference(shards, grid.samples);
  const byConfig = new Map<string, { file: string; config: RecordedConfig }[]>();
  for (const { file, shard } of shards)
    for (const config of shard.recorded.configs) {
      const key = `${config.cut}/${config.bits}`;
      byConfig.set(key, [...(byConfig.get(key) ?? []), { file, config }]);
    }
  const rows = cuts.flatMap((cut) =>
    grid.bits.map((bits) => {
      const pieces = byConfig.get(`${cut}/${bits}`);
      if (pieces === undefined)
        throw new InputError(
          'BAD_SHARD',
          `cut point #${cut} at ${bits} bits is in no shard; a shard is missing`,
        );
      return replay(pieces, referenceScores, grid);
    }),
  );
  const labelled = shards[0].shard.recorded.labelled;
  const samples = grid.samples;
  // The same sum in the same order as the one-process sweep's reference summary.
  let sum = 0;
  for (let i = 0; i < samples; i++) sum += referenceScores[i];
  return {
    reference: { labelled, correct: sum, samples, accuracy: samples > 0 ? sum / samples : 0 },
    rows,
  };
}
