/** The in-process shaped link, trace replay, the bandwidth estimator and the plan policy. */
import * as net from 'net';
import type { AddressInfo } from 'net';
import { performance } from 'perf_hooks';
import { InputError } from '../../src/core/errors';
import {
  createBandwidthEstimator,
  planForBandwidth,
  replayTrace,
  sampleReplay,
  startShapedProxy,
  traceRateAt,
  type ServedPlan,
} from '../../src/serve';

/** A TCP sink that reports when it has received `expected` bytes. */
async function sink(expected: number): Promise<{ port: number; done: Promise<number>; close: () => void }> {
  let resolve: (t: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolve = r));
  let got = 0;
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= expected) resolve(performance.now());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    done,
    close: () => {
      sockets.forEach((s) => s.destroy());
      server.close();
    },
  };
}

describe('startShapedProxy', () => {
  test('rejects a rate that is not positive', async () => {
    await expect(startShapedProxy({ targetPort: 1, mbps: 0 })).rejects.toThrow(InputError);
    await expect(startShapedProxy({ targetPort: 1, mbps: 1, delayMs: -1 })).rejects.toThrow(/delay/);
  });

  test('delivers 60 KB at 16 Mbps in no less than 30 ms, plus the one-way delay', async () => {
    const bytes = 60_000;
    const s = await sink(bytes);
    const link = await startShapedProxy({ targetPort: s.port, mbps: 16, delayMs: 20 });
    try {
      const c = net.connect(link.port, '127.0.0.1');
      await new Promise<void>((r) => c.once('connect', () => r()));
      const t0 = performance.now();
      c.write(Buffer.alloc(bytes, 7));
      const ms = (await s.done) - t0;
      const expected = (bytes * 8) / (16 * 1000) + 20; // 30 ms + 20 ms
      // A loaded machine can make it late, never early: the link bounds it from below. (The
      // benchmark measures the accuracy; an unshaped loopback would take about 1 ms.)
      expect(ms).toBeGreaterThanOrEqual(expected - 1);
      expect(ms).toBeLessThan(expected + 5000);
      expect(link.upBytes()).toBe(bytes);
      c.destroy();
    } finally {
      await link.close();
      s.close();
    }
  });

  test('a rate change applies from then on', async () => {
    const s = await sink(1);
    const link = await startShapedProxy({ targetPort: s.port, mbps: 5 });
    link.setRateMbps(1.1);
    expect(link.rateMbps()).toBe(1.1);
    expect(() => link.setRateMbps(-1)).toThrow(InputError);
    await link.close();
    s.close();
  });
});

describe('trace replay', () => {
  const frames = [
    { timeS: 0, mbps: 5 },
    { timeS: 0.1, mbps: 1 },
    { timeS: 0.2, mbps: 9 },
  ];
  test('traceRateAt steps through the trace and loops', () => {
    expect(traceRateAt(frames, 0)).toBe(5);
    expect(traceRateAt(frames, 0.15)).toBe(1);
    expect(traceRateAt(frames, 0.25)).toBe(9);
    expect(traceRateAt(frames, 0.45)).toBe(1); // one loop is 0.3 s
  });
  test('sampleReplay sets the rate of sample i from start + i x step, looping; a bad step or trace is refused', () => {
    let rate = 0;
    const link = { setRateMbps: (m: number) => (rate = m), rateMbps: () => rate };
    const text = 'time_s,mbps\n0,5\n0.1,1\n0.2,9\n';
    const at = (set: (i: number) => void, i: number) => (set(i), rate);
    const fromZero = sampleReplay(link, text, 'trace.csv', 0.1);
    expect([0, 1, 2, 3, 4].map((i) => at(fromZero, i))).toEqual([5, 1, 9, 5, 1]);
    const later = sampleReplay(link, text, 'trace.csv', 0.2, 0.1);
    expect([0, 1, 2].map((i) => at(later, i))).toEqual([1, 5, 9]);
    expect(() => sampleReplay(link, text, 'trace.csv', 0)).toThrow(InputError);
    expect(() => sampleReplay(link, text, 'trace.csv', Number.NaN)).toThrow(/positive/);
    expect(() => sampleReplay(link, 'time_s,mbps\n0,-2\n', 'bad.csv', 0.1)).toThrow(/bad.csv: line 2/);
  });
  test('replayTrace sets the link rate and rejects a malformed trace', async () => {
    const s = await sink(1);
    const link = await startShapedProxy({ targetPort: s.port, mbps: 3 });
    try {
      const r = replayTrace(link, 'time_s,mbps\n0,5\n100,1\n', 'trace.csv');
      expect(link.rateMbps()).toBe(5);
      r.stop();
      expect(() => replayTrace(link, 'time_s,mbps\n0,-2\n', 'bad.csv')).toThrow(/bad.csv: line 2/);
    } finally {
      await link.close();
      s.close();
    }
  });
});

describe('createBandwidthEstimator', () => {
  test('is undefined before an observation; an empty request does not count', () => {
    const e = createBandwidthEstimator();
    expect(e.estimateMbps()).toBeUndefined();
    expect(e.observe(0, 5, 0.5)).toBe(false);
    expect(e.observe(1000, Number.NaN, 0.5)).toBe(false);
    expect(e.estimateMbps()).toBeUndefined();
  });
  test('a transfer no longer than the RTT counts its bits with no time (too fast to time)', () => {
    const e = createBandwidthEstimator({ window: 3, halfLifeRequests: Infinity });
    expect(e.observe(1000, 0.5, 0.6, 0)).toBe(true);
    expect(e.estimateMbps(0)).toBe(Number.POSITIVE_INFINITY);
    e.observe(12_500, 10.5, 0.5, 0); // 100 kbit in 10 ms
    e.observe(12_500, 0.5, 0.5, 0); // 100 kbit, too fast to time
    expect(e.estimateMbps(0)).toBeCloseTo((8_000 + 200_000) / 10 / 1000, 9);
  });
  test('total bits over total crossing time of the last k', () => {
    const e = createBandwidthEstimator({ window: 2, halfLifeRequests: Infinity });
    e.observe(12_500, 10.5, 0.5, 0); // 100 kbit in 10 ms: 10 Mbps
    expect(e.estimateMbps(0)).toBeCloseTo(10, 9);
    e.observe(12_500, 100.5, 0.5, 0); // 100 kbit in 100 ms: 1 Mbps
    expect(e.estimateMbps(0)).toBeCloseTo(200 / 110, 9); // weighted harmonic mean
    e.observe(12_500, 100.5, 0.5, 0);
    expect(e.estimateMbps(0)).toBeCloseTo(1, 9); // the 10 Mbps one left the window
  });
  test('by default observations are weighted by requests since: one half-life of requests old counts half', () => {
    const e = createBandwidthEstimator({ halfLifeRequests: 1 });
    e.observe(12_500, 10.5, 0.5, 0); // 10 Mbps
    e.observe(12_500, 100.5, 0.5, 10_000); // 1 Mbps ten seconds later: the time between does not matter
    expect(e.estimateMbps(10_000)).toBeCloseTo(150 / 105, 9);
    expect(e.estimateMbps(99_000)).toBeCloseTo(150 / 105, 9);
    const d = createBandwidthEstimator(); // 8 requests
    d.observe(12_500, 10.5, 0.5, 0);
    d.observe(12_500, 100.5, 0.5, 0);
    const w = 2 ** (-1 / 8);
    expect(d.estimateMbps(0)).toBeCloseTo((w * 100 + 100) / (w * 10 + 100), 9);
  });
  test('a client idle between requests keeps its estimate when a small request passes untimed', () => {
    // 1 Mbps timed, then a second later a 2 KB request that crossed too fast to time
    const byRequests = createBandwidthEstimator();
    const byTime = createBandwidthEstimator({ halfLifeMs: 100 });
    for (const e of [byRequests, byTime]) {
      e.observe(12_500, 100.5, 0.5, 0);
      e.observe(2_000, 0.5, 0.5, 1_000);
    }
    const w = 2 ** (-1 / 8);
    expect(byRequests.estimateMbps(1_000)).toBeCloseTo((w * 100 + 16) / (w * 100), 9); // 1.17 Mbps
    // by wall time the timed request weighs 2^-10 beside the untimed one: over 100x the link's rate
    expect(byTime.estimateMbps(1_000)).toBeGreaterThan(100);
  });
  test('observations are weighted by age: one half-life old counts half', () => {
    const e = createBandwidthEstimator({ halfLifeMs: 100 });
    e.observe(12_500, 10.5, 0.5, 0); // 10 Mbps at t = 0
    e.observe(12_500, 100.5, 0.5, 100); // 1 Mbps at t = 100
    // at t = 100: (0.5·100 + 100) kbit / (0.5·10 + 100) ms
    expect(e.estimateMbps(100)).toBeCloseTo(150 / 105, 9);
    // later, their relative weights stay the same
    expect(e.estimateMbps(1_000)).toBeCloseTo(150 / 105, 9);
    const fast = createBandwidthEstimator({ halfLifeMs: 100 });
    fast.observe(12_500, 100.5, 0.5, 0); // 1 Mbps long ago
    for (let t = 1000; t < 1010; t++) fast.observe(1_250, 1.5, 0.5, t); // ten of 10 Mbps now
    expect(fast.estimateMbps(1010)).toBeGreaterThan(9.9);
  });
});

describe('planForBandwidth', () => {
  const plan = (label: string, fromMbps: number, toMbps: number) =>
    ({ label, fromMbps, toMbps }) as ServedPlan;
  const plans = [plan('a', 0.1, 2), plan('b', 2, 20), plan('c', 20, 1000)];
  test.each([
    [0.01, 'a'],
    [1.99, 'a'],
    [2, 'b'],
    [19.9, 'b'],
    [20, 'c'],
    [5000, 'c'],
  ])('%d Mbps -> %s', (mbps, label) => {
    expect(planForBandwidth(plans, mbps).label).toBe(label);
  });
});
