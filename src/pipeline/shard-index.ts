/**
 * Which shard this process runs: `--shard I/N` (1-based), or `--shard auto/N`, the index read from
 * the batch system's variable: Kubernetes Indexed Jobs set JOB_COMPLETION_INDEX (0-based), Slurm job
 * arrays SLURM_ARRAY_TASK_ID (counted from SLURM_ARRAY_TASK_MIN, so --array=0-(N-1) and
 * --array=1-N both work).
 */
import { InputError } from '../core/errors';
import type { ShardChoice } from './analyze-shard';

/** `--shard` as parsed: an index (1-based) or 'auto', and the count. */
export interface ShardSpec {
  readonly index: number | 'auto';
  readonly count: number;
}

/** The largest shard count accepted. */
export const MAX_SHARDS = 100_000;

/**
 * Parses the text of `--shard` ("2/8", "auto/8").
 * @returns undefined when the text is not of that form (the caller words the error)
 */
export function parseShardSpec(text: string): ShardSpec | undefined {
  const m = /^(auto|[1-9]\d*)\/([1-9]\d*)$/.exec(text.trim());
  if (!m) return undefined;
  const count = Number(m[2]);
  if (count > MAX_SHARDS) return undefined;
  if (m[1] === 'auto') return { index: 'auto', count };
  const index = Number(m[1]);
  return index <= count ? { index, count } : undefined;
}

const whole = (v: string | undefined): number | undefined =>
  v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;

/**
 * Resolves `--shard` against the environment: the shard to run and where its index came from.
 * @param env the process environment (passed in: src/ reads no globals)
 * @throws InputError `BAD_OPTION` naming --shard and the variable when auto finds no usable index
 */
export function resolveShard(
  spec: ShardSpec,
  env: Readonly<Record<string, string | undefined>>,
): ShardChoice {
  const { count } = spec;
  if (spec.index !== 'auto') return { index: spec.index, count, indexFrom: `--shard ${spec.index}/${count}` };
  const check = (index: number | undefined, from: string): ShardChoice => {
    if (index === undefined || index < 1 || index > count)
      throw new InputError('BAD_OPTION', `--shard auto/${count}: ${from} gives no shard from 1 to ${count}`);
    return { index, count, indexFrom: from };
  };
  const k8s = env.JOB_COMPLETION_INDEX;
  if (k8s !== undefined) {
    const i = whole(k8s);
    return check(i === undefined ? undefined : i + 1, `JOB_COMPLETION_INDEX=${k8s}`);
  }
  const slurm = env.SLURM_ARRAY_TASK_ID;
  if (slurm !== undefined) {
    const id = whole(slurm);
    const min = whole(env.SLURM_ARRAY_TASK_MIN) ?? 0;
    const from =
      `SLURM_ARRAY_TASK_ID=${slurm}` + (env.SLURM_ARRAY_TASK_MIN ? ` (SLURM_ARRAY_TASK_MIN=${min})` : '');
    return check(id === undefined ? undefined : id - min + 1, from);
  }
  throw new InputError(
    'BAD_OPTION',
    `--shard auto/${count}: neither JOB_COMPLETION_INDEX (Kubernetes) nor SLURM_ARRAY_TASK_ID (Slurm) is set; give --shard I/${count}`,
  );
}
