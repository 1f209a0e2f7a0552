/**
 * The cut points whose real parts a fast profile times (profile-mode.ts): a few, spread along the
 * model, so that the boundary cost fitted to them holds for the others.
 */
import type { CutCandidate } from '../graph';

/**
 * Picks up to `count` cut points with nodes on both sides and tensors that cross (the only ones
 * whose parts tell the boundary cost): the one with the largest crossing bytes (the fit weighs
 * points by bytes, see boundary-cost.ts) and count − 1 points evenly spaced in execution order from
 * the first to the last, then the largest left where these coincide. Returned in execution order;
 * all of them when there are no more than `count`.
 * @param bytesOf float32 bytes per sample crossing a cut point
 * @example sampleCutPoints(cuts, (c) => bytes[c.index], 4).map((c) => c.index) // e.g. [1, 4, 9, 15]
 */
export function sampleCutPoints(
  cuts: readonly CutCandidate[],
  bytesOf: (cut: CutCandidate) => number,
  count: number,
): CutCandidate[] {
  const inner = cuts.filter((c) => c.edgeNodes.length > 0 && c.cloudNodes.length > 0 && bytesOf(c) > 0);
  if (inner.length <= count) return inner;
  const chosen = new Set<number>();
  const bySize = inner
    .map((c, i) => ({ i, bytes: bytesOf(c) }))
    .sort((a, b) => b.bytes - a.bytes || a.i - b.i);
  if (count < 1) return [];
  chosen.add(bySize[0].i);
  // count − 1 evenly spaced positions, the first and the last inner cut point among them.
  const spaced = Math.max(1, count - 1);
  for (let k = 0; k < spaced; k++) chosen.add(Math.round((k * (inner.length - 1)) / Math.max(1, spaced - 1)));
  for (const { i } of bySize) if (chosen.size < count) chosen.add(i);
  return [...chosen].sort((a, b) => a - b).map((i) => inner[i]);
}
