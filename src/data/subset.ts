/**
 * Deterministic, class-stratified subsets of a validation set.
 *
 * Algorithm (reproducible bit for bit on every machine: integer arithmetic and one seeded PRNG):
 *
 * 1. n ≥ samples: every index 0 … samples−1.
 * 2. PRNG: mulberry32 seeded with `seed >>> 0`; a draw `u` is a uint32, and "pick j in [0, m)"
 *    is `floor(u · m / 2^32)` (exact in doubles for m < 2^21 and still deterministic above).
 * 3. Without labels: a partial Fisher–Yates shuffle of 0 … samples−1 (for i = 0 … n−1 swap
 *    position i with i + pick(samples − i)); the first n positions are the subset.
 * 4. With labels: classes are the distinct label values in ascending order, each with its
 *    member indices in ascending order. Quotas by the largest-remainder method: class k with
 *    count c_k gets floor(n·c_k / samples), and the n − Σ floors leftover slots go one each to
 *    the classes with the largest remainders (n·c_k mod samples), ties to the smaller label.
 *    Then, class by class in ascending label order and from the same PRNG stream, a partial
 *    Fisher–Yates shuffle of the members picks the class's quota.
 * 5. The chosen indices are returned sorted ascending.
 */
import { InputError } from '../core/errors';
import { mulberry32 } from '../core/random';

/** Shuffle the first `k` positions of `pool` (partial Fisher–Yates) with draws from `next`. */
function partialShuffle(pool: Int32Array, k: number, next: () => number): void {
  const m = pool.length;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor((next() * (m - i)) / 2 ** 32);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
}

/**
 * Choose a deterministic subset of `n` sample indices, proportional per class when labels are
 * given (the algorithm is in the file header).
 * @param labels one label per sample, or undefined for a uniform subset
 * @param samples the number of samples (must equal labels.length when labels are given)
 * @param n how many indices to choose (a positive integer; all samples when n ≥ samples)
 * @param seed PRNG seed, an integer
 * @returns min(n, samples) distinct indices in ascending order
 * @throws InputError BAD_OPTION for a non-positive n, a non-integer seed or a labels length mismatch
 * @example stratifiedSubset(Int32Array.of(0, 0, 1, 1), 4, 2, 7) // one index of class 0, one of class 1
 */
export function stratifiedSubset(
  labels: Int32Array | undefined,
  samples: number,
  n: number,
  seed: number,
): Int32Array {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InputError('BAD_OPTION', `stratifiedSubset: n must be a positive integer, got ${n}`);
  if (!Number.isSafeInteger(seed))
    throw new InputError('BAD_OPTION', `stratifiedSubset: seed must be an integer, got ${seed}`);
  if (!Number.isSafeInteger(samples) || samples < 0) {
    throw new InputError(
      'BAD_OPTION',
      `stratifiedSubset: samples must be a non-negative integer, got ${samples}`,
    );
  }
  if (labels !== undefined && labels.length !== samples) {
    throw new InputError('BAD_OPTION', `stratifiedSubset: ${labels.length} labels for ${samples} samples`);
  }
  if (n >= samples) return Int32Array.from({ length: samples }, (_, i) => i);
  const next = mulberry32(seed);

  if (labels === undefined) {
    const pool = Int32Array.from({ length: samples }, (_, i) => i);
    partialShuffle(pool, n, next);
    return pool.slice(0, n).sort();
  }

  // Group indices by class (ascending label, ascending index within a class).
  const counts = new Map<number, number>();
  for (let i = 0; i < samples; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  const classes = [...counts.keys()].sort((a, b) => a - b);
  const members = new Map<number, Int32Array>();
  const filled = new Map<number, number>();
  for (const k of classes) {
    members.set(k, new Int32Array(counts.get(k) as number));
    filled.set(k, 0);
  }
  for (let i = 0; i < samples; i++) {
    const k = labels[i];
    const f = filled.get(k) as number;
    (members.get(k) as Int32Array)[f] = i;
    filled.set(k, f + 1);
  }

  // Largest-remainder quotas, in exact integer arithmetic.
  const quota = new Map<number, number>();
  let assigned = 0;
  for (const k of classes) {
    const q = Math.floor((n * (counts.get(k) as number)) / samples);
    quota.set(k, q);
    assigned += q;
  }
  const byRemainder = [...classes].sort((a, b) => {
    const ra = (n * (counts.get(a) as number)) % samples;
    const rb = (n * (counts.get(b) as number)) % samples;
    return rb - ra || a - b;
  });
  for (let r = 0; r < n - assigned; r++) {
    const k = byRemainder[r];
    quota.set(k, (quota.get(k) as number) + 1);
  }

  const chosen = new Int32Array(n);
  let at = 0;
  for (const k of classes) {
    const pool = members.get(k) as Int32Array;
    const q = quota.get(k) as number;
    partialShuffle(pool, q, next);
    chosen.set(pool.subarray(0, q), at);
    at += q;
  }
  return chosen.sort();
}
