/**
 * A diagnostic of the RTT term on the kernel link (docs/runtime.md, "Session 9"), not a benchmark
 * target: how well a calibration taken before a loop of small requests predicts their transfer
 * (round trip less the server's time), request by request, with the prediction's own bytes term
 * (the bytes beyond the token bucket at the rate, `createTokenBucket`).
 *
 * A server inside the link's namespace stands in for `jalad serve`: `POST /infer` reads the body as
 * the real one does and answers zeros encoded as /infer answers (147 KB, the detector's map at 192
 * pixels); `/probe` is the real one's (a POST's body read first). Calibrations, each 21 probes
 * before the loop, lower quartile:
 * - bare: `GET /probe` after 10 ms of sleep (the probes until session 9);
 * - shaped: `POST /probe` of a request's size after the time a sample spends before its request
 *   (here the client busy for `--gap` ms), its bytes' time on the link taken out (the probes since).
 * The loop: requests of 200-2,800 B (the edge-only plan's range), each after `--gap` ms of busy client.
 * Needs root (the kernel link). Run: npm run build:all && node .build/scripts/diag-probe-shape.js
 *   [--rates 1.1,5.85,18.88] [--mtus 296,1500] [--n 20] [--gap 38] [--body 1200]
 */
import { performance } from 'perf_hooks';
import * as os from 'os';
import * as path from 'path';
import {
  createNetnsLink,
  createTokenBucket,
  createTransport,
  type NetnsLink,
  type Transport,
} from '../src/serve';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const RATES = arg('--rates', '1.1,5.85,18.88').split(',').map(Number);
const MTUS = arg('--mtus', '296,1500').split(',').map(Number);
const N = Number(arg('--n', '20'));
const GAP_MS = Number(arg('--gap', '38'));
const BODY = Number(arg('--body', '1200'));
const SIZES = [200, 700, 1200, 2000, 2800];
const PROBES = 21;
const ANSWER_FLOATS = 36864;
const SERVE = path.join(__dirname, '..', 'src', 'serve', 'index.js');

/** The stand-in server, run with `node -e` inside the namespace; prints its port. */
const SERVER_CODE = [
  `const http = require('http'); const { performance } = require('perf_hooks'); const sv = require(${JSON.stringify(SERVE)});`,
  `const floats = { type: 'float32', data: new Float32Array(${ANSWER_FLOATS}), dims: [${ANSWER_FLOATS}] };`,
  `const answer = () => sv.encodeFrames(sv.encodeOutputs({ a: floats }));`,
  `const send = (res, t0) => { const b = answer(); const ms = (performance.now() - t0).toFixed(4);`,
  `  res.writeHead(200, { 'content-length': b.length, 'jalad-server-ms': ms }); res.end(b); };`,
  `const server = http.createServer((req, res) => {`,
  `  const chunks = []; req.on('data', (c) => chunks.push(c));`,
  `  req.on('end', async () => { const t0 = performance.now(); Buffer.concat(chunks);`,
  `    if (req.url.startsWith('/infer')) await new Promise((r) => setImmediate(r)); send(res, t0); });`,
  `});`,
  `server.listen(0, process.argv[1], () => console.log(server.address().port));`,
].join('\n');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const busy = (ms: number) => {
  const t = performance.now();
  while (performance.now() - t < ms);
};
const quantile = (values: readonly number[], f: number) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * f)];

interface Sent {
  /** Round trip less the server's time, ms. */
  readonly transferMs: number;
  /** The prediction's bytes term for it, ms. */
  readonly termMs: number;
  readonly size: number;
}

/** One cell: a link at `mbps` and `mtu`, the two calibrations, then the loop. */
async function cell(mbps: number, mtu: number): Promise<string> {
  const link: NetnsLink = createNetnsLink({ mbps, mtuBytes: mtu });
  let t: Transport | undefined;
  try {
    const child = link.spawn(process.execPath, ['-e', SERVER_CODE, link.serverAddress], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((r) =>
      child.stdout!.once('data', (d) => r(Number(String(d).trim()))),
    );
    t = createTransport(`http://${link.serverAddress}:${port}`);
    const bucket = createTokenBucket(link.burstBytes);
    const send = async (method: 'GET' | 'POST', url: string, size: number): Promise<Sent> => {
      const at = performance.now();
      const free = bucket.freeBytes(at, mbps);
      const x = await t!.request(method, url, method === 'POST' ? new Uint8Array(size) : undefined, 2000);
      const onLink = link.linkBytes(x.bytesSent);
      const termMs = (Math.max(0, onLink - free) * 8) / (mbps * 1000);
      bucket.send(at, onLink, mbps);
      return { transferMs: x.roundTripMs - x.serverMs, termMs, size };
    };
    const probe = `/probe?floats=${ANSWER_FLOATS}`;
    await send('POST', '/infer', 1200);
    const bare: number[] = [];
    const shaped: number[] = [];
    for (let i = 0; i < PROBES; i++) {
      await sleep(10);
      bare.push((await send('GET', probe, 0)).transferMs);
      busy(GAP_MS);
      const s = await send('POST', probe, BODY);
      shaped.push(s.transferMs - s.termMs);
    }
    const rtt = { bare: quantile(bare, 0.25), shaped: quantile(shaped, 0.25) };
    const loop: Sent[] = [];
    for (let i = 0; i < N; i++)
      for (const size of SIZES) {
        busy(GAP_MS);
        loop.push(await send('POST', '/infer', size));
      }
    const err = (r: number) =>
      quantile(
        loop.map((s) => Math.abs(r + s.termMs - s.transferMs) / s.transferMs),
        0.5,
      ) * 100;
    const bySize = SIZES.map((z) => {
      const own = loop.filter((s) => s.size === z).map((s) => s.transferMs - s.termMs - rtt.shaped);
      return `${z} B ${quantile(own, 0.5) >= 0 ? '+' : ''}${quantile(own, 0.5).toFixed(3)}`;
    });
    return (
      `${mbps} Mbps, MTU ${mtu} (load ${os.loadavg()[0].toFixed(2)}): RTT bare ${rtt.bare.toFixed(3)} ms, shaped ` +
      `${rtt.shaped.toFixed(3)} ms; median error per request: bare ${err(rtt.bare).toFixed(1)}%, shaped ${err(rtt.shaped).toFixed(1)}%; ` +
      `measured − predicted (shaped), median by size: ${bySize.join(', ')} ms`
    );
  } finally {
    t?.close();
    link.close();
  }
}

async function main(): Promise<void> {
  console.log(
    `diag-probe-shape: ${N} x ${SIZES.length} requests per cell after ${GAP_MS} ms busy; shaped probes POST ${BODY} B`,
  );
  for (const mtu of MTUS) for (const mbps of RATES) console.log(await cell(mbps, mtu));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
