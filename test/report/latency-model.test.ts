import { DEFAULT_BANDWIDTHS_MBPS } from '../../src/core/defaults';
import { predictedLatencyMs } from '../../src/core/latency';
import { comparePlans, lossBudget, reportBandwidthsMbps, smallestBitsWithinBudget } from '../../src/report';
import { cutPointsOnly, resnet, vgg, withoutSweep } from './fixtures';

describe('lossBudget(analysis)', () => {
  it('prefers the analysis budget, then the sweep --max-loss, then 1 pp', () => {
    expect(lossBudget(resnet())).toMatchObject({ pct: 1, source: 'analysis' });
    const a = vgg();
    expect(lossBudget(a)).toMatchObject({ pct: 1, source: 'default' });
    expect(lossBudget({ ...a, data: { ...a.data!, maxLossPct: 0.5 } })).toMatchObject({
      pct: 0.5,
      source: 'data',
    });
  });
});

describe('smallestBitsWithinBudget(analysis, cut, budgetPct)', () => {
  it('picks the smallest bit width whose upper bound is within the budget', () => {
    const a = vgg();
    const r = smallestBitsWithinBudget(a, 10, 1)!;
    expect(r.lossUpperPct).toBeLessThanOrEqual(1);
    const smaller = a.sweep!.filter((x) => x.cut === 10 && x.bits < r.bits);
    expect(smaller.every((x) => x.lossUpperPct > 1)).toBe(true);
    expect(smallestBitsWithinBudget(a, 10, -5)).toBeUndefined();
    expect(smallestBitsWithinBudget(cutPointsOnly(), 10, 1)).toBeUndefined();
  });
});

describe('comparePlans(analysis, bandwidthMbps, budgetPct)', () => {
  it('is undefined without predicted times', () => {
    expect(comparePlans(cutPointsOnly(), 5.85, 1)).toBeUndefined();
  });

  it('agrees with the stored best raw cut at every stored bandwidth', () => {
    const a = vgg();
    for (const l of a.latency!) {
      const c = comparePlans(a, l.bandwidthMbps, 1)!;
      expect(c.neurosurgeon.cut).toBe(l.bestCut);
      expect(c.neurosurgeon.totalMs).toBe(l.cuts[l.bestCut].totalMs);
      expect(c.cloudOnly.totalMs).toBe(l.cuts[0].totalMs);
      expect(c.edgeOnly.totalMs).toBe(l.cuts[a.cutPoints.length - 1].totalMs);
    }
  });

  it('picks JALAD as the fastest admissible (cut, bits), never slower than an admissible raw-sized row', () => {
    const a = vgg();
    const c = comparePlans(a, 5.85, 1)!;
    expect(c.jalad!.lossUpperPct).toBeLessThanOrEqual(1);
    for (const r of a.sweep!.filter((x) => x.lossUpperPct <= 1)) {
      const cp = a.cutPoints[r.cut];
      expect(c.jalad!.totalMs).toBeLessThanOrEqual(
        predictedLatencyMs({
          edgeMs: cp.edgeMs!,
          cloudMs: cp.cloudMs!,
          rttMs: 0,
          bytes: r.bytesMean,
          bandwidthMbps: 5.85,
        }).totalMs,
      );
    }
  });

  it('prices each stored decision like the decision table does, and picks its plan inside the interval', () => {
    const a = resnet();
    const budget = lossBudget(a).pct;
    for (const d of a.decisions!) {
      const c = a.cutPoints[d.cut];
      const row = a.sweep!.find((r) => r.cut === d.cut && r.bits === d.bits)!;
      const at = (b: number) =>
        predictedLatencyMs({
          edgeMs: c.edgeMs!,
          cloudMs: c.cloudMs!,
          rttMs: a.rttMs!,
          bytes: row.bytesMean,
          bandwidthMbps: b,
        }).totalMs;
      expect(at(d.fromMbps)).toBeCloseTo(d.totalMs, 9);
      expect(at(d.toMbps)).toBeCloseTo(d.totalMsAtTo, 9);
      // Just inside both ends: the breakpoints are exact (run overheads included on both sides).
      for (const b of [d.fromMbps * (1 + 1e-6), d.toMbps * (1 - 1e-6), Math.sqrt(d.fromMbps * d.toMbps)]) {
        const j = comparePlans(a, b, budget)!.jalad!;
        expect([j.cut, j.bits]).toEqual([d.cut, d.bits]);
      }
    }
  });

  it("adds the codec time of each row (times the profiles' factors), and sends float32 when the codec costs more than it saves", () => {
    const a = vgg();
    const slow = (encodeMs: number) => ({
      ...a,
      sweep: a.sweep!.map((r) => ({ ...r, encodeMs, decodeMs: encodeMs / 2 })),
    });
    const free = comparePlans(a, 5.85, 1)!;
    const cheap = comparePlans(slow(1e-3), 5.85, 1)!;
    expect([cheap.jalad!.cut, cheap.jalad!.bits]).toEqual([free.jalad!.cut, free.jalad!.bits]);
    expect(cheap.jalad!.encodeMs).toBe(1e-3);
    expect(cheap.jalad!.decodeMs).toBe(5e-4);
    expect(cheap.jalad!.totalMs).toBeCloseTo(free.jalad!.totalMs + 1.5e-3, 12);
    const costly = comparePlans(slow(1e3), 5.85, 1)!;
    expect(costly.jalad).toMatchObject({ strategy: 'jalad', cut: costly.neurosurgeon.cut, bits: 32 });
    expect(costly.jalad!.totalMs).toBe(costly.neurosurgeon.totalMs);
  });

  it('has no JALAD plan without a sweep', () => {
    expect(comparePlans(withoutSweep(), 5.85, 1)!.jalad).toBeUndefined();
  });
});

describe('reportBandwidthsMbps(analysis)', () => {
  it('uses the analysis bandwidths, else 1.1 / 5.85 / 18.88 Mbps', () => {
    expect(reportBandwidthsMbps({ ...vgg(), bandwidthsMbps: [2, 20] })).toEqual([2, 20]);
    expect(reportBandwidthsMbps(cutPointsOnly())).toEqual(DEFAULT_BANDWIDTHS_MBPS);
    expect(DEFAULT_BANDWIDTHS_MBPS).toEqual([1.1, 5.85, 18.88]);
  });
});
