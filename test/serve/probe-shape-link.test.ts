/**
 * The probes shaped like a request on the kernel link (docs/runtime.md, "Session 9"): `jalad serve`
 * inside the link's namespace, a static run with the rate known. As root with iproute2 only (the
 * link's own tests check the refusal elsewhere). Times are checked from below only.
 */
import * as path from 'path';
import {
  createNetnsLink,
  linkUnavailableReason,
  loadPlanDir,
  runEdge,
  type NetnsLink,
} from '../../src/serve';
import { serveFixture, type ServeFixture } from './fixture';

const BIN = path.join(__dirname, '..', '..', 'dist', 'bin', 'jalad.js');
const why = linkUnavailableReason();
const maybe = why ? describe.skip : describe;

/** `jalad serve --plan DIR` inside the link's namespace; its URL. */
function serveInside(link: NetnsLink, planDir: string): Promise<string> {
  const child = link.spawn(
    process.execPath,
    [BIN, 'serve', '--plan', planDir, '--host', link.serverAddress, '--port', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving 1 plan\(s\) at (http:\/\/\S+):/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
}

maybe('shaped probes on the kernel link', () => {
  let fx: ServeFixture;
  beforeAll(async () => {
    fx = await serveFixture(12);
  }, 120000);
  afterAll(() => fx?.dir.remove());

  test("each shaped probe carries the plan's mean bytes across the shaped link, counted as tbf counts them", async () => {
    const link = createNetnsLink({ mbps: 2 });
    try {
      const url = await serveInside(link, fx.planDir);
      const plan = loadPlanDir(fx.planDir);
      const before = link.counters().bytes;
      const r = await runEdge({
        plans: [plan],
        serverUrl: url,
        dataset: fx.dataset,
        rttPings: 5,
        rttGapMs: 5,
        nominalMbps: () => 2,
        linkBytes: (b) => link.linkBytes(b),
        bucketBytes: link.burstBytes,
      });
      const counted = link.counters().bytes - before;
      // 5 shaped probes (POST: the plan's mean bytes, framing and head) in turns with 5 bare GETs
      expect(r.probeBytes).toHaveLength(10);
      const shaped = r.probeBytes.filter((_, i) => i % 2 === 0);
      for (const b of shaped) expect(b).toBeGreaterThan(Math.round(plan.predicted.bytes));
      for (const b of r.probeBytes.filter((_, i) => i % 2 === 1)) expect(b).toBeLessThan(200);
      // what crossed: the request before the run (sample 0, as the first sample), the probes, the samples;
      // tbf counted them with their segments' headers, plus the answers' acknowledgements (a few frames each)
      const frames = [r.records[0].wireBytes, ...r.probeBytes, ...r.records.map((x) => x.wireBytes)].map(
        (b) => link.linkBytes(b),
      );
      const model = frames.reduce((a, b) => a + b, 0);
      expect(counted).toBeGreaterThanOrEqual(model);
      expect(counted).toBeLessThan(model + frames.length * 5 * 66);
      // the shaped probes' bytes beyond the bucket took at least their time at the rate: the RTT left
      // after taking that time out is not below zero (a timer's slack aside)
      expect(r.rttMs).toBeGreaterThan(-1);
      expect(r.bareRttMs).toBeGreaterThan(0);
      expect(link.counters().drops).toBe(0);
    } finally {
      link.close();
    }
  }, 60000);
});
