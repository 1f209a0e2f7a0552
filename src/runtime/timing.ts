/** Wall-clock timing of session runs: what an application calling `run` sees. */
import { performance } from 'perf_hooks';
import type { Session } from './session';
import type { TensorMap } from './tensor';

/** Times `runs` calls of a session after `warmup` untimed calls; returns the samples in ms. */
export async function timeRuns(
  session: Session,
  feeds: Readonly<TensorMap>,
  warmup: number,
  runs: number,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** How many of `runs` measured runs round `r` of `rounds` takes (the first rounds take the remainder). */
export function runsInRound(runs: number, rounds: number, r: number): number {
  return Math.floor(runs / rounds) + (r < runs % rounds ? 1 : 0);
}
