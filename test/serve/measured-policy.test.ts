/** The adaptive run's measured policy: exploring, the EWMA of each plan's fixed time, the load-scaled profile, probing, hysteresis. */
import { createMeasuredPolicy, profiledFixedMs } from '../../src/serve';
import type { ServedPlan } from '../../src/serve';

const plan = (label: string, edgeMs: number, cloudMs: number, bytes: number): ServedPlan =>
  ({
    key: label,
    label,
    predicted: { edgeMs, encodeMs: 0.5, decodeMs: 0.25, cloudMs, rttMs: 0, bytes },
  }) as ServedPlan;

// An edge-only plan (heavy edge, 40 B) and a cloud-only plan (light edge, 1000 B).
const edgeOnly = plan('edge-only', 4, 0, 40);
const cloudOnly = plan('cloud-only', 0.05, 1, 1000);
const plans = [edgeOnly, cloudOnly];

describe('createMeasuredPolicy', () => {
  test('exploring (an option): each plan runs once, in the table order, before any is judged', () => {
    const p = createMeasuredPolicy({ explore: true });
    expect(p.choose(plans, cloudOnly, 100, 0).label).toBe('edge-only');
    p.observe(edgeOnly, 0, { fixedMs: 30, wireBytes: 140, payloadBytes: 40 });
    expect(p.choose(plans, edgeOnly, 0.1, 1).label).toBe('cloud-only');
    p.observe(cloudOnly, 1, { fixedMs: 2, wireBytes: 1100, payloadBytes: 1000 });
    // both measured: at 1 Mbps cloud-only 2 + 8.8 ms against edge-only 30 + 1.12 ms
    expect(p.choose(plans, edgeOnly, 1, 2).label).toBe('cloud-only');
    // at 0.2 Mbps: 2 + 44 against 30 + 5.6
    expect(p.choose(plans, cloudOnly, 0.2, 2).label).toBe('edge-only');
  });

  test('an untried plan: the profile, edge + encode + decode + cloud, plus the bytes over the rate', () => {
    const p = createMeasuredPolicy({ probeWithin: 1 });
    expect(profiledFixedMs(cloudOnly)).toBeCloseTo(1.8, 12);
    expect(p.predictMs(cloudOnly, 8)).toBeCloseTo(1.8 + 1, 12); // 8000 bits at 8 Mbps: 1 ms
    expect(p.predictMs(edgeOnly, Number.POSITIVE_INFINITY)).toBeCloseTo(4.75, 12);
    // 1 Mbps: cloud-only 1.8 + 8 ms, edge-only 4.75 + 0.32 ms
    expect(p.choose(plans, cloudOnly, 1, 0).label).toBe('edge-only');
    expect(p.choose(plans, edgeOnly, 20, 0).label).toBe('cloud-only');
  });

  test('the load factor scales an untried plan: an edge 6x slower than profiled is left at 1 Mbps', () => {
    const p = createMeasuredPolicy({ alpha: 0.5 });
    for (let i = 0; i < 10; i++) p.observe(edgeOnly, i, { fixedMs: 30, wireBytes: 140, payloadBytes: 40 });
    expect(p.predictMs(edgeOnly, 1)).toBeCloseTo(30 + 1.12, 6); // 140 B at 1 Mbps
    expect(p.loadFactor()).toBeCloseTo(30 / 4.75, 6);
    expect(p.predictMs(cloudOnly, 1)).toBeCloseTo(1.8 * (30 / 4.75) + (1000 + 100) * 0.008, 6);
    expect(p.choose(plans, edgeOnly, 1, 10).label).toBe('cloud-only');
  });

  test('the EWMA follows the plan that runs; a stale plan is probed once when it is within 1.5x of the best', () => {
    const p = createMeasuredPolicy({ alpha: 0.5, staleSamples: 10 });
    p.observe(cloudOnly, 0, { fixedMs: 4, wireBytes: 1100, payloadBytes: 1000 });
    p.observe(cloudOnly, 1, { fixedMs: 2, wireBytes: 1100, payloadBytes: 1000 });
    expect(p.predictMs(cloudOnly, Number.POSITIVE_INFINITY)).toBeCloseTo(3, 12); // 4 + 0.5·(2 − 4)
    p.observe(edgeOnly, 2, { fixedMs: 4, wireBytes: 140, payloadBytes: 40 }); // within 1.5x of 3
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 5).label).toBe('cloud-only');
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 12).label).toBe('edge-only'); // 10 samples on
    p.observe(edgeOnly, 12, { fixedMs: 4, wireBytes: 140, payloadBytes: 40 });
    expect(p.choose(plans, edgeOnly, Number.POSITIVE_INFINITY, 13).label).toBe('cloud-only');
    // far off (10 ms against 3): never probed
    const q = createMeasuredPolicy({ staleSamples: 10 });
    q.observe(cloudOnly, 0, { fixedMs: 3, wireBytes: 1100, payloadBytes: 1000 });
    q.observe(edgeOnly, 1, { fixedMs: 10, wireBytes: 140, payloadBytes: 40 });
    expect(q.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 100).label).toBe('cloud-only');
  });

  test('an untried plan within 1.5x of the best is probed once; one far off is not', () => {
    const p = createMeasuredPolicy({ alpha: 1 });
    p.observe(cloudOnly, 0, { fixedMs: 7.6, wireBytes: 1100, payloadBytes: 1000 }); // load factor 4
    // at 1 Mbps: cloud-only 7.6 + 8.8 = 16.4; edge-only untried: 4.75·4 + 1.12 = 20.1, within 1.5x
    expect(p.choose(plans, cloudOnly, 1, 1).label).toBe('edge-only');
    p.observe(edgeOnly, 1, { fixedMs: 9, wireBytes: 140, payloadBytes: 40 }); // measured: 10.1, the best
    expect(p.choose(plans, edgeOnly, 1, 2).label).toBe('edge-only');
    const q = createMeasuredPolicy({ alpha: 1 });
    q.observe(cloudOnly, 0, { fixedMs: 7.6, wireBytes: 1100, payloadBytes: 1000 });
    // at 20 Mbps: cloud-only 8.04; edge-only 19.06: far off, not probed
    expect(q.choose(plans, cloudOnly, 20, 1).label).toBe('cloud-only');
  });

  test('the plan predicted best runs first; an untried runner-up within 1.5x is probed after it', () => {
    const mid = plan('mid', 2.5, 0.5, 400); // profile 3.75 ms
    const three = [edgeOnly, mid, cloudOnly];
    const p = createMeasuredPolicy();
    // at 2 Mbps: edge-only 4.75 + 0.16 = 4.91, mid 3.75 + 1.6 = 5.35 (within 1.5x), cloud-only 1.8 + 4 = 5.8
    expect(p.predictMs(mid, 2)).toBeCloseTo(5.35, 12);
    expect(p.choose(three, cloudOnly, 2, 0).label).toBe('edge-only');
    p.observe(edgeOnly, 0, { fixedMs: 4.75, wireBytes: 40, payloadBytes: 40 });
    expect(p.choose(three, edgeOnly, 2, 1).label).toBe('mid');
  });

  test('a plan measured once is probed again 10 samples on (within 1.5x), up to 3 samples; then never', () => {
    const p = createMeasuredPolicy({ alpha: 1 });
    p.observe(cloudOnly, 0, { fixedMs: 3, wireBytes: 1100, payloadBytes: 1000 });
    for (let i = 1; i < 3; i++) p.observe(cloudOnly, i, { fixedMs: 3, wireBytes: 1100, payloadBytes: 1000 });
    p.observe(edgeOnly, 3, { fixedMs: 4, wireBytes: 140, payloadBytes: 40 }); // one slow-looking sample
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 12).label).toBe('cloud-only'); // 9 on
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 13).label).toBe('edge-only'); // 10 on
    p.observe(edgeOnly, 13, { fixedMs: 4, wireBytes: 140, payloadBytes: 40 });
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 23).label).toBe('edge-only');
    p.observe(edgeOnly, 23, { fixedMs: 4, wireBytes: 140, payloadBytes: 40 }); // the third
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 1e6).label).toBe('cloud-only');
    // off with minSamples 1
    const q = createMeasuredPolicy({ alpha: 1, minSamples: 1 });
    q.observe(cloudOnly, 0, { fixedMs: 3, wireBytes: 1100, payloadBytes: 1000 });
    q.observe(edgeOnly, 1, { fixedMs: 4, wireBytes: 140, payloadBytes: 40 });
    expect(q.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 1e6).label).toBe('cloud-only');
  });

  test('a plan measured 3 times that predicts within 1.2x of the best is probed again every 25 samples', () => {
    const p = createMeasuredPolicy({ alpha: 1 });
    for (let i = 0; i < 3; i++) {
      p.observe(cloudOnly, 2 * i, { fixedMs: 3, wireBytes: 1100, payloadBytes: 1000 });
      p.observe(edgeOnly, 2 * i + 1, { fixedMs: 3.4, wireBytes: 140, payloadBytes: 40 }); // 1.13x of 3
    }
    // edge-only last ran at sample 5: not before 30, then once, and again 25 samples after that
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 29).label).toBe('cloud-only');
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 30).label).toBe('edge-only');
    p.observe(edgeOnly, 30, { fixedMs: 3.4, wireBytes: 140, payloadBytes: 40 });
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 31).label).toBe('cloud-only');
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 55).label).toBe('edge-only');
    // measured fast on the retry, it is taken: 2.5 against 3 is a gain over 10%
    p.observe(edgeOnly, 55, { fixedMs: 2.5, wireBytes: 140, payloadBytes: 40 });
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 56).label).toBe('edge-only');
    // closeWithin 1: never
    const q = createMeasuredPolicy({ alpha: 1, closeWithin: 1 });
    q.observe(cloudOnly, 0, { fixedMs: 3, wireBytes: 1100, payloadBytes: 1000 });
    for (let i = 1; i < 4; i++) q.observe(edgeOnly, i, { fixedMs: 3.4, wireBytes: 140, payloadBytes: 40 });
    expect(q.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 1e6).label).toBe('cloud-only');
  });

  test('by default a plan measured 3 times is not probed again, and a switch needs a 10% gain', () => {
    const p = createMeasuredPolicy({ alpha: 1 });
    for (let i = 0; i < 3; i++) {
      p.observe(cloudOnly, 2 * i, { fixedMs: 3, wireBytes: 1100, payloadBytes: 1000 });
      p.observe(edgeOnly, 2 * i + 1, { fixedMs: 4, wireBytes: 140, payloadBytes: 40 }); // within 1.5x of 3
    }
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 1e6).label).toBe('cloud-only');
    // at 64 Mbps: cloud-only 3 + 0.1375 = 3.1375, edge-only 4.0175: stay
    expect(p.choose(plans, cloudOnly, 64, 2).label).toBe('cloud-only');
    // at 9 Mbps: cloud-only 3.978, edge-only 4.124: edge-only is 3.5% slower, stay on it
    expect(p.choose(plans, edgeOnly, 9, 3).label).toBe('edge-only');
    // at 7.5 Mbps: cloud-only 4.173, edge-only 4.149: 0.6% better, stay; at 4 Mbps cloud-only 5.2 vs 4.28: switch
    expect(p.choose(plans, cloudOnly, 7.5, 4).label).toBe('cloud-only');
    expect(p.choose(plans, cloudOnly, 4, 5).label).toBe('edge-only');
    // at 6.2 Mbps: cloud-only 4.419, edge-only 4.181: 5.4% better, within the 10% hysteresis: stay
    expect(p.choose(plans, cloudOnly, 6.2, 6).label).toBe('cloud-only');
  });

  test('a switch needs a gain of the hysteresis', () => {
    const p = createMeasuredPolicy({ hysteresis: 0.1 });
    p.observe(cloudOnly, 0, { fixedMs: 10, wireBytes: 1000, payloadBytes: 1000 });
    p.observe(edgeOnly, 1, { fixedMs: 9.5, wireBytes: 40, payloadBytes: 40 });
    // at +Infinity: 9.5 against 10, a 5% gain: stay
    expect(p.choose(plans, cloudOnly, Number.POSITIVE_INFINITY, 2).label).toBe('cloud-only');
    // at 4 Mbps: cloud-only 12, edge-only 9.58: switch
    expect(p.choose(plans, cloudOnly, 4, 2).label).toBe('edge-only');
  });

  test('a plan without a profile (NaN) and a NaN sample do not break the choice', () => {
    const p = createMeasuredPolicy();
    const bare = plan('bare', Number.NaN, Number.NaN, 500);
    p.observe(bare, 0, { fixedMs: Number.NaN, wireBytes: 600, payloadBytes: 500 });
    expect(p.loadFactor()).toBe(1);
    expect(p.choose([bare, cloudOnly], bare, 8, 1).label).toBe('cloud-only');
    expect(p.choose([bare, cloudOnly], cloudOnly, 8, 1).label).toBe('cloud-only');
  });
});
