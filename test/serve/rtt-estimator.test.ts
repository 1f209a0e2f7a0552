/** The running RTT estimate (rtt-estimator.ts): seeded by the probes, followed from the run's own requests. */
import { createRttEstimator, shorthMidpoint } from '../../src/serve';

// Residuals (round trip less the server's time and the bytes' time on the link, ms) of the kind the
// 1.2 KB plan met at MTU 1500 on a quiet machine: a fast group at 1.2-1.35 ms, and a few slow ones
// of a scheduler's wait.
const PROBES = [1.21, 1.26, 4.9, 1.3, 1.24, 1.38, 1.27, 5.6, 1.25, 1.34, 1.29];

describe('createRttEstimator', () => {
  test('starts at the shorth midpoint of the last `window` seeds, the slow group left out', () => {
    const e = createRttEstimator(PROBES, 9, { window: 11 });
    expect(e.rttMs()).toBe(shorthMidpoint(PROBES));
    // the densest 6 of 11: 1.24 ... 1.30, midpoint 1.27
    expect(e.rttMs()).toBeCloseTo(1.27, 9);
    expect(e.observed).toBe(0);
    // a window shorter than the seeds keeps the newest
    expect(createRttEstimator(PROBES, 9, { window: 3 }).rttMs()).toBeCloseTo(1.27, 9); // [1.25, 1.29] of [1.25, 1.34, 1.29]
  });

  test("the run's requests replace the oldest seeds one by one; what comes after a sample does not change its estimate", () => {
    const e = createRttEstimator([1.2, 1.32, 1.25], 9, { window: 3 });
    const seen: number[] = [e.rttMs()];
    // the run's requests meet a slower link than the probes did: 1.6 ms
    for (const r of [1.6, 1.62, 1.57, 1.61]) {
      expect(e.observe(r)).toBe(true);
      seen.push(e.rttMs());
    }
    expect(seen[0]).toBeCloseTo(1.225, 9); // [1.2, 1.32, 1.25]: [1.2, 1.25]
    expect(seen[1]).toBeCloseTo(1.285, 9); // [1.32, 1.25, 1.6]: [1.25, 1.32]
    expect(seen[2]).toBeCloseTo(1.61, 9); // [1.25, 1.6, 1.62]: [1.6, 1.62]
    expect(seen[3]).toBeCloseTo(1.61, 9); // [1.6, 1.62, 1.57]: [1.6, 1.62]
    expect(seen[4]).toBeCloseTo(1.615, 9); // [1.62, 1.57, 1.61]: [1.61, 1.62]
    expect(e.observed).toBe(4);
    expect(e.kept()).toEqual([1.62, 1.57, 1.61]); // oldest first
  });

  test('no seeds: the prior until the first request; values that are not finite are not counted', () => {
    const e = createRttEstimator([], 1.4, { window: 5 });
    expect(e.rttMs()).toBe(1.4);
    expect(e.observe(Number.NaN)).toBe(false);
    expect(e.observe(Number.POSITIVE_INFINITY)).toBe(false);
    expect([e.rttMs(), e.observed]).toEqual([1.4, 0]);
    expect(e.observe(1.1)).toBe(true);
    expect(e.rttMs()).toBe(1.1);
    // NaN seeds (a calibration request whose link term was unknown) are dropped too
    expect(createRttEstimator([Number.NaN, 1.3], 9).rttMs()).toBe(1.3);
  });

  test('a slow group under half of the window does not move it; one over half does', () => {
    const e = createRttEstimator(PROBES, 9, { window: 11 });
    for (const r of [5.1, 4.7, 5.3]) e.observe(r); // 4 slow of 11
    expect(e.rttMs()).toBeLessThan(1.4);
    for (const r of [5.0, 4.8]) e.observe(r); // 6 slow of 11: the link is slow now
    expect(e.rttMs()).toBeGreaterThan(4.5);
  });
});
