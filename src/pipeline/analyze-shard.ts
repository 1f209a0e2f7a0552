/**
 * `jalad analyze --shard I/N`: one deterministic part of the sweep (src/sweep/shard-plan.ts), written
 * as a shard file that `jalad merge` puts together with the others (docs/scale-out.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../core/errors';
import { checkOutputFile, writeOutputFile } from '../core/output-set';
import { JALAD_VERSION } from '../core/version';
import {
  DEFAULT_BANDWIDTHS_MBPS,
  DEFAULT_CLOUD,
  DEFAULT_EDGE,
  DEFAULT_MAX_LOSS_PCT,
  DEFAULT_RTT_MS,
} from '../core/defaults';
import { encodeShard, SHARD_MAGIC, type ShardFile } from '../sweep';
import { analyzeBase, type AnalyzeOptions, type ShardRequest } from './analyze';

/** Which shard to run, and where its index came from. */
export interface ShardChoice extends ShardRequest {
  /** For messages and the file: "--shard 2/3", "JOB_COMPLETION_INDEX=1", ... */
  readonly indexFrom: string;
}

/** What a shard run gives: the shard and its file's bytes. */
export interface ShardRun {
  readonly shard: ShardFile;
  readonly bytes: Uint8Array;
  /** Configurations (cut point, bit width) with samples in this shard, and in all. */
  readonly configs: number;
  readonly totalConfigs: number;
}

/** The file name of shard `index` of `count`. */
export function shardFileName(index: number, count: number): string {
  return `shard-${index}-of-${count}.jshard`;
}

/**
 * Runs one shard of `jalad analyze --data ...`: the model is read, the profiles resolved (measured
 * here or given) and the shard's part of the sweep run.
 * @throws InputError `BAD_OPTION` without validation data (there is no sweep to shard)
 */
export async function analyzeShard(
  modelPath: string,
  options: AnalyzeOptions,
  shard: ShardChoice,
): Promise<ShardRun> {
  if (!options.data)
    throw new InputError('BAD_OPTION', '--shard: needs --data (it splits the compression sweep)');
  if (options.edge === false)
    throw new InputError('BAD_OPTION', '--shard: needs device profiles (not --no-profile)');
  const { analysis, swept } = await analyzeBase(modelPath, options, shard);
  const { sweep, grid, dataSha256 } = swept!;
  const identity = {
    jalad: JALAD_VERSION,
    modelSha256: analysis.model.sha256,
    dataSha256,
    samples: grid.samples,
    seed: analysis.data?.seed,
    dataOptions: analysis.data?.options,
    grid,
    edge: options.edge ?? DEFAULT_EDGE,
    cloud: options.cloud ?? DEFAULT_CLOUD,
    profileMode: options.profileMode ?? null,
    bandwidthsMbps: options.bandwidthsMbps ?? DEFAULT_BANDWIDTHS_MBPS,
    rttMs: options.rttMs ?? DEFAULT_RTT_MS,
    decisionMaxLossPct: options.maxLossPct ?? DEFAULT_MAX_LOSS_PCT,
    dagCuts: options.dagCuts ?? 0,
    metric: options.metric ?? null,
    shards: shard.count,
  };
  const file: ShardFile = {
    shard: { index: shard.index, count: shard.count },
    indexFrom: shard.indexFrom,
    identity,
    analysis,
    grid,
    recorded: sweep.recorded!,
    seconds: sweep.seconds,
  };
  return {
    shard: file,
    bytes: encodeShard(file),
    configs: sweep.recorded!.configs.length,
    totalConfigs: grid.sweptCuts.length * grid.bits.length,
  };
}

/** Whether `file` is a shard file (so that a new run may replace it). */
function isShardFile(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(SHARD_MAGIC.length);
    fs.readSync(fd, head, 0, head.length, 0);
    return head.toString('latin1') === SHARD_MAGIC;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Checks, before any work, that shard `index` of `count` can be written into folder `dir`: the file
 * is missing or an earlier shard file (anything else there is left alone and refused).
 * @returns the shard file's path
 */
export function checkShardOutput(dir: string, index: number, count: number): string {
  const file = path.join(dir, shardFileName(index, count));
  checkOutputFile(file, { flag: '--out', owned: isShardFile });
  return file;
}

/** Writes a shard file atomically (replacing only an earlier shard file). */
export function writeShardFile(file: string, bytes: Uint8Array): void {
  writeOutputFile(file, bytes, { flag: '--out', owned: isShardFile });
}
