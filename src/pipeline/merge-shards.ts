/**
 * `jalad merge SHARD...`: puts the shard files of one sharded `jalad analyze` together into the
 * analysis one unsharded run writes: the same sweep rows, bounds, early stops and decision table,
 * timings aside (docs/scale-out.md).
 */
import * as fs from 'fs';
import type { Analysis } from '../core/analysis';
import { InputError } from '../core/errors';
import { fsErrorText } from '../core/fs-errors';
import { buildDag, readModelFile, type Dag } from '../graph';
import { decodeShard, mergeSweep, shardPlan, type NamedShard, type ShardFile } from '../sweep';
import { addDecisions } from './analyze';
import { shardFileName } from './analyze-shard';

/** Options of `mergeShards`. */
export interface MergeOptions {
  /** The model file, when it is not where the shards recorded it (checked by sha256). */
  readonly model?: string;
  readonly progress?: (message: string) => void;
  /** The command line to record in the analysis. */
  readonly commandLine?: string;
}

/** Reads and decodes one shard file. */
function readShard(file: string): NamedShard {
  let bytes: Uint8Array;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile())
      throw new InputError('BAD_PATH', `${file}: not a regular file, expected a shard file`);
    bytes = fs.readFileSync(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('BAD_PATH', fsErrorText(file, err));
  }
  return { file, shard: decodeShard(bytes, file) };
}

/** The first field in which two shards' identities differ (e.g. "modelSha256"), or undefined. */
function differingField(a: ShardFile, b: ShardFile): string | undefined {
  const keys = new Set([...Object.keys(a.identity), ...Object.keys(b.identity)]);
  return [...keys].find((k) => JSON.stringify(a.identity[k]) !== JSON.stringify(b.identity[k]));
}

/**
 * Checks that the shards are the N parts of one run, each exactly once, and returns them in index order.
 * @throws InputError `BAD_SHARD` naming the file: a foreign shard, a duplicate, a missing index
 */
export function checkShards(shards: readonly NamedShard[]): NamedShard[] {
  if (shards.length === 0) throw new InputError('BAD_SHARD', 'merge: no shard files given');
  const first = shards[0];
  const count = first.shard.shard.count;
  const byIndex = new Map<number, NamedShard>();
  for (const s of shards) {
    const field = differingField(first.shard, s.shard);
    if (field !== undefined)
      throw new InputError('BAD_SHARD', `${s.file}: from another run than ${first.file} (${field} differs)`);
    const { index } = s.shard.shard;
    const twice = byIndex.get(index);
    if (twice)
      throw new InputError(
        'BAD_SHARD',
        `${s.file}: shard ${index}/${count} given twice (also ${twice.file})`,
      );
    byIndex.set(index, s);
  }
  for (let i = 1; i <= count; i++)
    if (!byIndex.has(i))
      throw new InputError(
        'BAD_SHARD',
        `${shardFileName(i, count)}: shard ${i}/${count} is missing (${byIndex.size} of ${count} given)`,
      );
  const ordered = [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
  checkPlan(ordered);
  return ordered;
}

/** Checks that every shard holds exactly its part of the plan (what its index says it ran). */
function checkPlan(shards: readonly NamedShard[]): void {
  const { analysis, grid, shard } = shards[0].shard;
  const cuts = analysis.cutPoints.filter((c) => grid.sweptCuts.includes(c.index));
  const plan = shardPlan({ ...grid, cuts, bitWidths: grid.bits.length }, shard.count);
  for (const { file, shard: s } of shards) {
    const part = plan[s.shard.index - 1];
    const configs = s.recorded.configs;
    const expected = grid.bits.length * part.size;
    const wrong =
      configs.length !== expected ||
      configs.some((c) => {
        const r = part.get(c.cut);
        return r === undefined || r.from !== c.from || r.to !== c.to || c.agrees.length > c.to - c.from;
      });
    if (wrong)
      throw new InputError(
        'BAD_SHARD',
        `${file}: does not hold shard ${s.shard.index}/${s.shard.count}'s part of the sweep (edited, or another jalad?)`,
      );
  }
}

/** The model's DAG, from the file the shards ran (or `--model`), checked by sha256. */
function modelDag(analysis: Analysis, firstFile: string, model?: string): Dag {
  const file = model ?? analysis.model.path;
  if (model === undefined && !fs.existsSync(file))
    throw new InputError(
      'BAD_PATH',
      `${file}: the model the shards ran (as ${firstFile} records it) is not there; give --model FILE`,
    );
  const loaded = readModelFile(file);
  if (loaded.sha256 !== analysis.model.sha256)
    throw new InputError(
      'BAD_PATH',
      `${file}: is not the model the shards ran (sha256 differs from ${firstFile}'s)`,
    );
  return buildDag(loaded.model, file);
}

/**
 * Merges shard files into one analysis (write it with the reports as `analyze` does).
 * @throws InputError `BAD_SHARD` / `BAD_PATH` naming the file at fault
 */
export async function mergeShards(files: readonly string[], options: MergeOptions = {}): Promise<Analysis> {
  const progress = options.progress ?? (() => undefined);
  const shards = checkShards(files.map(readShard));
  const base = shards[0].shard.analysis;
  const dag = modelDag(base, shards[0].file, options.model);
  const merged = mergeSweep(shards, shards[0].shard.grid.sweptCuts);
  progress(
    `merge: ${shards.length} shards, ${merged.rows.length} sweep rows on ${merged.reference.samples} samples`,
  );
  // NOTE: the base's keys keep their places (sweep comes last, after bits): the same key order as one run's file.
  const analysis: Analysis = {
    ...base,
    createdAt: new Date().toISOString(),
    ...(options.commandLine ? { commandLine: options.commandLine } : {}),
    data: {
      ...base.data!,
      labelled: merged.reference.labelled,
      referenceAccuracy: merged.reference.accuracy,
      referenceCorrect: merged.reference.correct,
      // NOTE: the shards' sweep seconds added up: the machine time the sweep took in all.
      sweepSeconds: shards.reduce((t, s) => t + s.shard.seconds, 0),
    },
    sweep: merged.rows,
  };
  const identity = shards[0].shard.identity;
  return addDecisions(analysis, dag, {
    maxLossPct: identity.decisionMaxLossPct as number,
    rttMs: base.rttMs,
    progress,
  });
}
