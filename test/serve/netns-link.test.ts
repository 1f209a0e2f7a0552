/**
 * The kernel link (a namespace, a veth pair, tbf on the uplink). As root with iproute2 it is built
 * for real and torn down; elsewhere the tests check that it refuses with the reason a caller prints
 * before falling back to the in-process proxy. Times are checked from below only (shaping can make
 * a transfer late on a busy machine, never early).
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as http from 'http';
import { performance } from 'perf_hooks';
import { InputError, JaladError } from '../../src/core/errors';
import { createNetnsLink, linkUnavailableReason, type NetnsLink } from '../../src/serve';

const why = linkUnavailableReason();
const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
/** This process's namespaces (jest runs other files in parallel processes). */
const ours = () =>
  namespaces()
    .split('\n')
    .filter((l) => l.startsWith(`jalad-${process.pid}-`))
    .join('\n');
const linkExists = (dev: string) => {
  try {
    execFileSync('ip', ['link', 'show', dev], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** An HTTP server inside the namespace that answers each POST with the number of body bytes it read. */
async function startCounter(link: NetnsLink): Promise<{ child: ChildProcess; port: number }> {
  const code =
    "const s=require('http').createServer((q,r)=>{let n=0;q.on('data',d=>n+=d.length);q.on('end',()=>r.end(String(n)))});" +
    `s.listen(0,'${link.serverAddress}',()=>console.log('port '+s.address().port))`;
  const child = link.spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (c) => reject(new Error(`server in the namespace exited with ${c}`)));
  });
  return { child, port };
}

function post(host: string, port: number, bytes: number): Promise<{ ms: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      { host, port, method: 'POST', path: '/', headers: { 'content-length': bytes }, agent: false },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ ms: performance.now() - t0, answer: text }));
      },
    );
    req.on('error', reject);
    req.end(Buffer.alloc(bytes, 7));
  });
}

describe('createNetnsLink', () => {
  test('rejects a rate that is not a positive number before making anything', () => {
    const before = why ? '' : ours();
    expect(() => createNetnsLink({ mbps: 0 })).toThrow(InputError);
    expect(() => createNetnsLink({ mbps: Number.NaN })).toThrow(/positive number/);
    if (!why) expect(ours()).toBe(before);
  });

  if (why) {
    test('without root or iproute2 it refuses, naming why (callers fall back to the proxy)', () => {
      expect(why).toMatch(/root|not found|proc/);
      expect(() => createNetnsLink({ mbps: 5 })).toThrow(JaladError);
      expect(() => createNetnsLink({ mbps: 5 })).toThrow(/kernel link unavailable/);
    });
    return;
  }

  test('shapes edge -> server at the rate: 120 KB at 8 Mbps takes at least its frames over the rate', async () => {
    const link = createNetnsLink({ mbps: 8 });
    try {
      expect(namespaces()).toContain(link.namespace);
      const { port } = await startCounter(link);
      await post(link.serverAddress, port, 100); // connection warm-up, tiny
      const before = link.counters().bytes;
      const bytes = 120 * 1024;
      const { ms, answer } = await post(link.serverAddress, port, bytes);
      expect(answer).toBe(String(bytes));
      const wire = link.linkBytes(bytes);
      // The bucket (two frames) starts full; everything past it crosses at 8 Mbps.
      expect(link.burstBytes).toBe(2 * (link.mtuBytes + 14));
      expect(ms).toBeGreaterThanOrEqual(((wire - link.burstBytes) * 8) / 8000 - 1);
      const counted = link.counters().bytes - before;
      // tbf counted the payload with its per-segment headers, plus the HTTP head, handshake and acks.
      expect(counted).toBeGreaterThanOrEqual(wire);
      expect(counted).toBeLessThan(wire * 1.02 + 2000);
      expect(link.counters().drops).toBe(0);
    } finally {
      link.close();
    }
    expect(namespaces()).not.toContain(link.namespace);
    expect(linkExists(link.hostDevice)).toBe(false);
  }, 30000);

  test('a small request is spaced too: the veth MTU is 296, so only two 310-byte frames pass at once', async () => {
    const link = createNetnsLink({ mbps: 1 });
    try {
      expect(link.mtuBytes).toBe(296);
      expect(execFileSync('ip', ['link', 'show', link.hostDevice], { encoding: 'utf8' })).toMatch(/mtu 296/);
      const { port } = await startCounter(link);
      await post(link.serverAddress, port, 100);
      await new Promise((r) => setTimeout(r, 20)); // idle: the bucket fills again
      const { ms } = await post(link.serverAddress, port, 1200);
      // 1,200 B of payload are 5 segments of at most 244 B (1,530 B with headers and timestamps), all
      // but one spaced at the rate: at MTU 1500 the request would have been one frame, passed at once.
      expect(link.linkBytes(1200)).toBeGreaterThanOrEqual(1200 + 5 * 54);
      expect(link.burstBytes).toBe(620);
      // (1,470 - 620) B at 1 Mbps: 6.8 ms at least (at MTU 1500 it takes a round trip, about 1 ms).
      expect(ms).toBeGreaterThanOrEqual(((1200 + 5 * 54 - 620) * 8) / 1000 - 1);
      expect(link.counters().drops).toBe(0);
      // back to MTU 1500: both ends, a bucket of two 1,514-byte frames, one segment for 1,200 bytes
      link.setMtuBytesNow(1500);
      expect(link.burstBytes).toBe(3028);
      expect(execFileSync('ip', ['-n', link.namespace, 'link', 'show'], { encoding: 'utf8' })).toMatch(
        /mtu 1500/,
      );
      expect(execFileSync('tc', ['qdisc', 'show', 'dev', link.hostDevice], { encoding: 'utf8' })).toMatch(
        /burst 3028b/,
      );
      expect(link.linkBytes(1200)).toBeLessThanOrEqual(1200 + 66);
      expect(() => link.setMtuBytesNow(50)).toThrow(InputError);
    } finally {
      link.close();
    }
  }, 30000);

  test('setRateMbps reaches the qdisc; close kills what runs inside and is idempotent', async () => {
    const link = createNetnsLink({ mbps: 2 });
    let child: ChildProcess | undefined;
    try {
      child = (await startCounter(link)).child;
      link.setRateMbps(40);
      expect(link.rateMbps()).toBe(40);
      const deadline = Date.now() + 10000;
      let shown = '';
      while (Date.now() < deadline && !/rate 40Mbit/.test(shown)) {
        await new Promise((r) => setTimeout(r, 50));
        shown = execFileSync('tc', ['qdisc', 'show', 'dev', link.hostDevice], { encoding: 'utf8' });
      }
      expect(shown).toMatch(/tbf .*rate 40Mbit/);
    } finally {
      const exited = new Promise((r) => child?.once('exit', r));
      link.close();
      link.close();
      await exited;
    }
    expect(child?.signalCode).toBe('SIGKILL');
    expect(namespaces()).not.toContain(link.namespace);
  }, 30000);

  test('a failure half-way (tc refuses the bucket) removes what was made', () => {
    const before = ours();
    expect(() => createNetnsLink({ mbps: 1, burstBytes: 0 })).toThrow(/tc qdisc replace .* failed/);
    expect(ours()).toBe(before);
  });

  test("a dead jalad process's namespace is removed by the next link", async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    const stale = `jalad-${dead.pid}-abcdef`;
    execFileSync('ip', ['netns', 'add', stale]);
    const link = createNetnsLink({ mbps: 1 });
    link.close();
    expect(namespaces()).not.toContain(stale);
  });
});
