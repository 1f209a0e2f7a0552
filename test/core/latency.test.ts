import {
  breakEvenMbps,
  cloudOnlyLatencyMs,
  edgeOnlyLatencyMs,
  fixedMs,
  latencyTable,
  lineLatencyMs,
  predictedLatencyMs,
  rawCutLatencyMs,
  totalMs,
  transferMs,
} from '../../src/core/latency';
import { vgg } from '../report/fixtures';

describe('transferMs(bytes, bandwidthMbps)', () => {
  it('takes one second for 125,000 bytes at 1 Mbps, nothing for no bytes', () => {
    expect(transferMs(125_000, 1)).toBe(1000);
    expect(transferMs(0, 5.85)).toBe(0);
  });
});

describe('predictedLatencyMs(inputs)', () => {
  it('adds edge, RTT, bytes·8/B and cloud', () => {
    const t = predictedLatencyMs({ edgeMs: 2, cloudMs: 0.5, rttMs: 10, bytes: 1375, bandwidthMbps: 1.1 });
    expect(t.transferMs).toBeCloseTo(10, 12);
    expect(t.totalMs).toBeCloseTo(22.5, 12);
    expect(t.totalMs).toBe(totalMs(2, 10, t.transferMs, 0.5));
  });

  it('reproduces every stored latency of the raw cut points of an analysis to the last bit', () => {
    const a = vgg();
    for (const l of a.latency!) {
      for (const row of l.cuts) {
        const t = rawCutLatencyMs(a.cutPoints[row.cut], l.bandwidthMbps, l.rttMs);
        expect(t.transferMs).toBe(row.transferMs);
        expect(t.totalMs).toBe(row.totalMs);
      }
    }
  });
});

describe('edgeOnlyLatencyMs / cloudOnlyLatencyMs(cuts, bandwidthMbps, rttMs)', () => {
  const cuts = [
    { edgeMs: 0, cloudMs: 1, bytes: 125_000 },
    { edgeMs: 5, cloudMs: 0.5, bytes: 12_500 },
    { edgeMs: 40, cloudMs: 0, bytes: 40 },
  ];
  it('sends the outputs raw (the last cut point) and the inputs raw (cut point 0)', () => {
    expect(edgeOnlyLatencyMs(cuts, 1, 20).totalMs).toBeCloseTo(40 + 20 + 0.32, 12);
    expect(cloudOnlyLatencyMs(cuts, 1, 20).totalMs).toBe(1000 + 21);
  });
  it('counts a time an analysis without profiles lacks as 0', () => {
    expect(rawCutLatencyMs({ bytes: 125_000 }, 1, 0).totalMs).toBe(1000);
  });
});

describe('latencyTable(cuts, bandwidthsMbps, rttMs)', () => {
  it('adds edge, RTT, transfer and cloud, and picks the fastest cut (ties: the earliest)', () => {
    const cuts = [
      { index: 0, edgeMs: 0, cloudMs: 1, bytes: 125000 },
      { index: 1, edgeMs: 5, cloudMs: 0.5, bytes: 12500 },
      { index: 2, edgeMs: 40, cloudMs: 0, bytes: 40 },
    ];
    const [slow, fast] = latencyTable(cuts, [1, 100], 20);
    expect(slow.cuts.map((c) => c.totalMs)).toEqual([1000 + 21, 100 + 25.5, 40 + 20 + 0.32]);
    expect(slow.bestCut).toBe(2);
    expect(fast.cuts[0].totalMs).toBeCloseTo(31, 9);
    expect(fast.bestCut).toBe(1);
    const tie = latencyTable(
      [
        { index: 0, edgeMs: 1, cloudMs: 0, bytes: 0 },
        { index: 1, edgeMs: 1, cloudMs: 0, bytes: 0 },
      ],
      [1],
      0,
    );
    expect(tie[0].bestCut).toBe(0);
  });
});

describe('latency lines: fixedMs, lineLatencyMs, breakEvenMbps', () => {
  it('prices a plan as fixed + bytes·8/B and finds where two plans cost the same', () => {
    expect(fixedMs(2, 0.5, 10)).toBe(12.5);
    expect(lineLatencyMs(2, 125, 1)).toBe(3);
    const low = { fixedMs: 3, bytes: 0 };
    const high = { fixedMs: 1, bytes: 250 };
    const b = breakEvenMbps(low, high);
    expect(b).toBe(1);
    expect(lineLatencyMs(low.fixedMs, low.bytes, b)).toBe(lineLatencyMs(high.fixedMs, high.bytes, b));
    expect(Number.isFinite(breakEvenMbps(low, { fixedMs: 3, bytes: 10 }))).toBe(false);
  });
});
