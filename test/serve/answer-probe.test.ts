/** The answer's cost in the prediction: the server's /probe, the probes' measurement, and the run's use of it and of the token bucket. */
import * as http from 'http';
import type { AddressInfo } from 'net';
import {
  createTransport,
  decodeFrames,
  decodeOutputs,
  loadPlanDir,
  measureAnswerCosts,
  runEdge,
  shorthMidpoint,
  startServer,
  type ServerHandle,
} from '../../src/serve';
import { serveFixture, type ServeFixture } from './fixture';

let fx: ServeFixture;
let server: ServerHandle;
beforeAll(async () => {
  fx = await serveFixture(12);
  server = await startServer([loadPlanDir(fx.planDir)], { maxBodyBytes: 1 << 20 });
}, 120000);
afterAll(async () => {
  await server?.close();
  fx?.dir.remove();
});

describe('GET /probe', () => {
  test('answers float32 streams of zeros of the sizes asked, encoded as /infer answers, with its encoding time', async () => {
    const t = createTransport(server.url);
    try {
      const x = await t.request('GET', '/probe?floats=10,4', undefined, 2000);
      expect(x.status).toBe(200);
      const out = decodeOutputs(decodeFrames(x.body));
      expect(Object.values(out).map((o) => [o.dims, Array.from(o.data as Float32Array)])).toEqual([
        [[10], new Array(10).fill(0)],
        [[4], new Array(4).fill(0)],
      ]);
      expect(x.serverMs).toBeGreaterThan(0);
      expect((await t.request('GET', '/probe?floats=', undefined, 2000)).body.length).toBeGreaterThan(0);
      const bad = await t.request('GET', '/probe?floats=1,x', undefined, 2000);
      expect([bad.status, bad.body.toString().trim()]).toEqual([
        400,
        '/probe?floats=1,x: expected counts like 9216 or 10,4',
      ]);
      const big = await t.request('GET', '/probe?floats=300000', undefined, 2000);
      expect([big.status, big.body.toString().trim()]).toEqual([
        413,
        '/probe of 1200000 bytes exceeds the limit of 1048576',
      ]);
      expect((await t.request('GET', '/health', undefined, 2000)).status).toBe(200); // still serving
    } finally {
      t.close();
    }
  });
});

describe('POST /probe', () => {
  test('reads the body as /infer does, then answers as GET does; a body over the limit is refused', async () => {
    const t = createTransport(server.url);
    try {
      const get = await t.request('GET', '/probe?floats=10', undefined, 2000);
      const post = await t.request('POST', '/probe?floats=10', new Uint8Array(5000).fill(7), 2000);
      expect([post.status, post.body.equals(get.body)]).toEqual([200, true]);
      expect(post.bytesSent).toBeGreaterThan(5000); // the body and the head crossed
      expect((await t.request('GET', '/health', undefined, 2000)).status).toBe(200);
    } finally {
      t.close();
    }
  });
});

describe('measureAnswerCosts', () => {
  test('shaped probes: a POST of the body after `before`, in turns with bare GETs; the link time comes off the shaped ones', async () => {
    const t = createTransport(server.url);
    try {
      let befores = 0;
      const linked: number[] = [];
      const c = await measureAnswerCosts(t, [10], 3, 2000, 0, {
        body: new Uint8Array(700),
        before: async () => void befores++,
        // a link that takes a second per probe: the shaped probes' RTT comes out a second below the bare ones'
        linkMs: (_at, wireBytes) => (linked.push(wireBytes), 1000),
      });
      expect(befores).toBe(3);
      expect(c.probes).toBe(3);
      expect(c.sentBytes).toHaveLength(6);
      // turns: shaped (POST, body and head), bare (GET, head only), ...
      expect(c.sentBytes.map((b, i) => (i % 2 === 0 ? b > 700 : b < 200))).toEqual(new Array(6).fill(true));
      expect(linked).toEqual([c.sentBytes[0], c.sentBytes[2], c.sentBytes[4]]);
      expect(c.bareRttMs).toBeGreaterThan(0);
      expect(c.rttMs).toBeLessThan(-900);
      expect(c.rttMs).toBeGreaterThan(-1000);
    } finally {
      t.close();
    }
  });

  test('shaped probes: the RTT is their shorth midpoint, quartile and median beside it; bare: the lower quartile', async () => {
    const t = createTransport(server.url);
    try {
      // the shaped probes' link times 9, 5, 1.2, 1.1, 1 s: their round trips less them about -9000,
      // -5000, -1200, -1100, -1000 ms, a slow group of two (under half) and a fast one of three
      const link = [9000, 5000, 1200, 1100, 1000];
      let k = 0;
      const c = await measureAnswerCosts(t, [10], 5, 2000, 0, {
        body: new Uint8Array(300),
        linkMs: () => link[k++],
      });
      expect(c.probes).toBe(5);
      // the shortest interval holding 3 of 5: [-1200, -1000], midpoint -1100
      expect(Math.round(c.rttMs / 100)).toBe(-11);
      expect(Math.round(c.rttQuartileMs / 1000)).toBe(-5);
      expect(Math.round(c.rttMedianMs / 100)).toBe(-12);
      const bare = await measureAnswerCosts(t, [10], 5, 2000, 0);
      expect(bare.rttMs).toBe(bare.rttQuartileMs);
      expect(bare.rttMs).toBe(bare.bareRttMs);
    } finally {
      t.close();
    }
  });

  test('shorthMidpoint: the middle of the densest half', () => {
    expect(shorthMidpoint([1, 1.1, 1.2, 1.3, 5, 6, 9])).toBeCloseTo(1.15, 9);
    expect(shorthMidpoint([2])).toBe(2);
    expect(shorthMidpoint([3, 1])).toBe(2);
  });

  test("times n probes: the round trip less the server's time, the server's encoding, the client's decoding", async () => {
    const t = createTransport(server.url);
    try {
      const before = server.metrics().requests;
      const c = await measureAnswerCosts(t, [200000], 5, 2000, 0);
      expect(server.metrics().requests - before).toBe(5);
      expect(c.probes).toBe(5);
      // 800 KB to encode (a CRC over it) and to decode: measurable, and part of neither the RTT nor each other
      expect(c.answerEncodeMs).toBeGreaterThan(0);
      expect(c.answerDecodeMs).toBeGreaterThan(0);
      expect(c.rttMs).toBeGreaterThan(0);
    } finally {
      t.close();
    }
  });

  test('a server without /probe is timed with GET /health, and no answer cost', async () => {
    const paths: string[] = [];
    const old = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(req.url === '/health' ? 200 : 404).end(req.url === '/health' ? 'ready\n' : '');
    });
    await new Promise<void>((r) => old.listen(0, '127.0.0.1', () => r()));
    const t = createTransport(`http://127.0.0.1:${(old.address() as AddressInfo).port}`);
    try {
      const c = await measureAnswerCosts(t, [10], 3, 2000, 0);
      expect(paths).toEqual(['/probe?floats=10', '/health', '/health', '/health']);
      expect([c.probes, c.answerEncodeMs, c.answerDecodeMs]).toEqual([3, 0, 0]);
    } finally {
      t.close();
      old.close();
    }
  });

  test('an unreachable server: no probe answered, all costs 0', async () => {
    const t = createTransport('http://127.0.0.1:1');
    try {
      expect(await measureAnswerCosts(t, [10], 2, 500, 0)).toEqual({
        rttMs: 0,
        rttQuartileMs: 0,
        rttMedianMs: 0,
        bareRttMs: 0,
        answerEncodeMs: 0,
        answerDecodeMs: 0,
        probes: 0,
        tripsMs: [],
        sentBytes: [],
      });
    } finally {
      t.close();
    }
  });
});

describe("runEdge's prediction", () => {
  const plan = () => loadPlanDir(fx.planDir);

  test("adds the probes' answer costs; learns the answer's size from one request before the run", async () => {
    const lines: string[] = [];
    const before = server.metrics().requests;
    const r = await runEdge({
      plans: [plan()],
      serverUrl: server.url,
      dataset: fx.dataset,
      rttPings: 3,
      rttGapMs: 0,
      // the calibration's compute terms for every sample: the server's median below is the first sample's
      computeWindow: 0,
      progress: (m) => lines.push(m),
    });
    // one request for the answer's size, 3 probes, 9 calibration requests, 12 samples
    expect(server.metrics().requests - before).toBe(1 + 3 + 9 + 12);
    expect(lines[0]).toMatch(/^RTT with an answer of 10 floats: /); // the chain's 10 logits
    const first = r.records[0].predicted;
    expect(first.answerEncodeMs).toBeGreaterThan(0);
    for (const x of r.records) {
      const p = x.predicted;
      expect([p.answerEncodeMs, p.answerDecodeMs]).toEqual([first.answerEncodeMs, first.answerDecodeMs]);
      const parts = p.edgeMs + p.encodeMs + p.transferMs + p.decodeMs + p.cloudMs;
      expect(p.totalMs).toBeCloseTo(parts + p.answerEncodeMs + p.answerDecodeMs, 9);
    }
    expect(r.stages.server.predictedMs).toBeCloseTo(first.decodeMs + first.cloudMs + first.answerEncodeMs, 9);
    expect(r.stages.answer.predictedMs).toBe(first.answerDecodeMs);
  });

  test("the link's token bucket: a bucket that holds every request leaves the RTT alone; none charges every byte", async () => {
    const run = (bucketBytes: number) =>
      runEdge({
        plans: [plan()],
        serverUrl: server.url,
        dataset: fx.dataset,
        rttPings: 2,
        rttGapMs: 0,
        nominalMbps: () => 1,
        bucketBytes,
      });
    const before = server.metrics().requests;
    const full = await run(1e9);
    // the rate known: 2 probes shaped like a request (POST of the plan's mean bytes and framing) in turns with 2 bare ones;
    // 9 calibration requests
    expect(server.metrics().requests - before).toBe(1 + 2 * 2 + 9 + 12);
    const planBytes = Math.round(plan().predicted.bytes);
    expect(full.probeBytes.filter((b, i) => i % 2 === 0 && b > planBytes)).toHaveLength(2);
    expect(full.probeBytes.filter((b, i) => i % 2 === 1 && b < 200)).toHaveLength(2);
    for (const x of full.records) expect(x.predicted.transferMs).toBe(x.rttMs);
    // no bucket: the bytes this request wrote (streams, head, framing), all at the rate
    const none = await run(0);
    for (const x of none.records)
      expect(x.predicted.transferMs).toBeCloseTo(x.rttMs + (x.wireBytes * 8) / 1000, 9);
  });

  test("the rate known: each sample's RTT is the shorth of the residuals before it (calibration requests, then samples)", async () => {
    const run = (rttWindow: number) =>
      runEdge({
        plans: [plan()],
        serverUrl: server.url,
        dataset: fx.dataset,
        rttPings: 2,
        rttGapMs: 0,
        nominalMbps: () => 1,
        bucketBytes: 1e9, // every request passes at once: a residual is the transfer itself
        rttWindow,
      });
    const r = await run(3);
    expect(r.rttWindow).toBe(3);
    const cal = r.calibration.plans[0].rttsMs;
    expect(cal).toHaveLength(8); // 9 requests, the first discarded
    expect(r.rttSeedsMs).toEqual(cal.slice(-3)); // the window before sample 0
    // sample 0: the last 3 calibration requests; sample 1: the last 2 and sample 0; from sample 3 on, samples only
    const residuals = [...cal, ...r.records.map((x) => x.transferMs)];
    r.records.forEach((x, i) => expect(x.rttMs).toBe(shorthMidpoint(residuals.slice(i + 8 - 3, i + 8))));
    expect(r.medianErrorPct.probeTransfer).toBeGreaterThan(0);
    // window 0: the probes' RTT for every sample, as before session 11
    const fixed = await run(0);
    expect([fixed.rttWindow, new Set(fixed.records.map((x) => x.rttMs))]).toEqual([
      0,
      new Set([fixed.rttMs]),
    ]);
    expect(fixed.rttSeedsMs).toEqual([]);
    expect(fixed.medianErrorPct.probeTransfer).toBe(fixed.medianErrorPct.transfer);
  });

  test('an adaptive run whose requests the bucket passes whole sends rate probes: without them its estimate never forms', async () => {
    const run = (rateProbeAfter: number) =>
      runEdge({
        plans: [plan()],
        serverUrl: server.url,
        dataset: fx.dataset,
        mode: 'adaptive',
        rttPings: 2,
        rttGapMs: 0,
        calibrate: 2,
        // a 64 KB bucket refilled at 1000 Mbps is full again within microseconds: it passes every request of
        // the plan (a few hundred bytes) whole, and only a rate probe (the bucket and 8 KB) exceeds it
        nominalMbps: () => 1000,
        bucketBytes: 64 * 1024,
        rateProbeAfter,
      });
    const before = server.metrics().requests;
    const probed = await run(8);
    // no estimate after the seed request (it fit the bucket): a probe before sample 0, then one after 8 samples it could not observe
    expect(probed.rateProbes).toBe(2);
    // answer-size request, seed, 2 shaped + 2 bare probes, 2 calibration requests, 2 rate probes, 12 samples
    expect(server.metrics().requests - before).toBe(1 + 1 + 4 + 2 + 2 + 12);
    for (const x of probed.records) expect(x.estimateMbps).toBeDefined();
    const never = await run(0);
    expect(never.rateProbes).toBe(0);
    for (const x of never.records) expect(x.estimateMbps).toBeUndefined();
  });
});
