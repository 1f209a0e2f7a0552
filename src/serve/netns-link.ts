/**
 * A shaped link in the kernel: a network namespace of our own, joined to this one by a veth pair,
 * with a Linux token-bucket filter (tc-tbf(8)) on the host end, so everything the edge sends to a
 * server inside the namespace crosses at the given rate. The shaping runs in the kernel: unlike
 * the in-process proxy (shaped-proxy.ts), it does not depend on a node process being scheduled.
 *
 * Needs root and iproute2 (`ip`, `tc`); `linkUnavailableReason()` says why not otherwise, so a
 * caller can fall back to the proxy. Only the uplink (edge -> server) is shaped, as in JALAD's
 * latency model; there is no added delay (this kernel has no netem; the proxy adds delay in process).
 *
 * Names and addresses are unique per link (the pid and random digits; a free /30 of 10.213.0.0/16).
 * `close()` kills what runs in the namespace, deletes it (and with it the veth pair) and is
 * idempotent; it also runs when the process exits, and a new link first removes the namespaces of
 * jalad processes that have died without closing theirs.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { InputError, JaladError } from '../core/errors';

/** Options of `createNetnsLink`. */
export interface NetnsLinkOptions {
  /** Uplink rate, Mbps (10^6 bit/s, counted on the Ethernet frames tbf sees). */
  readonly mbps: number;
  /**
   * MTU of the veth pair, bytes (default 296, the MTU long used on slow serial lines: see
   * DEFAULT_MTU_BYTES). tbf passes up to one bucket at once after an idle moment; a small MTU keeps
   * that bucket, and so what a request gets across without waiting, to two small frames.
   */
  readonly mtuBytes?: number;
  /** Token bucket size, bytes (default: BUCKET_FRAMES full frames, 2 x (MTU + 14)). */
  readonly burstBytes?: number;
  /** Queue limit, bytes (default 4 MB: large enough that TCP never loses a segment to it). */
  readonly limitBytes?: number;
}

/** Counters of the shaped direction, from `tc -s qdisc`. */
export interface LinkCounters {
  readonly bytes: number;
  readonly packets: number;
  readonly drops: number;
}

/**
 * The default MTU of the kernel link, bytes: 296, the MTU recommended for low-speed serial lines
 * (RFC 1144, section 2), so that one frame holds a slow line for little time. It matters here
 * because tbf shapes when a frame leaves, not how long it takes to send: after an idle moment the
 * first frame of a request leaves at once (the bucket is full), where a serial line would spend
 * its length over the rate on it. At MTU 1500 a request of a few hundred bytes is that one frame
 * and is not slowed at all; at MTU 296 at most 620 bytes (two frames: BUCKET_FRAMES) pass free, the
 * rest is spaced at the rate.
 * (A peak rate does not help: tbf's peak bucket holds one MTU, so the first frame still leaves at
 * once; measured, it changed nothing.)
 */
export const DEFAULT_MTU_BYTES = 296;

/**
 * Full frames tbf's bucket holds (the bucket is this times MTU + 14 bytes).
 * NOTE: not one, the least tbf accepts. A queued frame waits for tbf's watchdog timer, and whatever
 * the timer fires late (tens of microseconds in this VM, more under load) accrues tokens that a
 * one-frame bucket cannot hold: every frame lost that lateness and the link ran below its rate.
 * 15.2 KB after idle, measured against RTT + (frames - bucket) x 8 / B (raw TCP, load 2.5-4):
 * +14.1% at 18.88 Mbps MTU 296 (70 frames of 131 us each), +6.4% at 5.85, +2.3% at 1.1, +4.9% at
 * 18.88 MTU 1500; with two frames +0.2%, 0.0%, +0.3%, +0.2%. A second frame's worth of tokens covers
 * a timer up to one frame time late (131 us at 18.88 Mbps and MTU 296).
 */
export const BUCKET_FRAMES = 2;

/** A running kernel link. */
export interface NetnsLink {
  readonly namespace: string;
  /** MTU of the veth pair, and tbf's bucket (what passes at once after an idle moment), bytes. */
  readonly mtuBytes: number;
  readonly burstBytes: number;
  /**
   * Sets the MTU of both veth ends and the bucket to BUCKET_FRAMES frames of it (a synchronous `ip`/`tc`:
   * between runs; connections opened before keep the segment size they agreed on).
   */
  setMtuBytesNow(mtuBytes: number): void;
  /** The veth end in this namespace (where tbf sits) and its address. */
  readonly hostDevice: string;
  readonly hostAddress: string;
  /** The address a server inside the namespace listens on. */
  readonly serverAddress: string;
  /** Changes the rate from now on (queued to a running `tc -batch`, so the caller never blocks). */
  setRateMbps(mbps: number): void;
  /** Changes the rate and returns once the qdisc has it (a synchronous `tc`: between runs, not during one). */
  setRateMbpsNow(mbps: number): void;
  rateMbps(): number;
  /**
   * Bytes tbf counts for `payloadBytes` of TCP payload: each segment carries at most the MSS and
   * adds its Ethernet, IPv4 and TCP headers (timestamps included when enabled).
   */
  linkBytes(payloadBytes: number): number;
  counters(): LinkCounters;
  /** Starts `command` inside the namespace (`ip netns exec`); `close()` kills it if still running. */
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  close(): void;
}

const NAME_RE = /^jalad-(\d+)-[0-9a-f]{6}$/;

/** The full path of an iproute2 tool (root's sbin folders first), or undefined. */
function toolPath(tool: string): string | undefined {
  const dirs = ['/usr/sbin', '/sbin', '/usr/bin', '/bin', ...(process.env.PATH ?? '').split(':')];
  for (const d of dirs) if (d !== '' && fs.existsSync(`${d}/${tool}`)) return `${d}/${tool}`;
  return undefined;
}

/** Why a kernel link cannot be made here, or undefined when it can (root, `ip` and `tc`). */
export function linkUnavailableReason(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0)
    return 'not root (network namespaces and tc need root)';
  if (!toolPath('ip')) return 'iproute2 `ip` not found';
  if (!toolPath('tc')) return '`tc` not found';
  if (!fs.existsSync('/proc/net/dev')) return 'no /proc/net';
  return undefined;
}

function run(args: readonly string[], tool = 'ip'): string {
  try {
    return execFileSync(toolPath(tool) ?? tool, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new JaladError(
      'RUNTIME',
      `kernel link: \`${tool} ${args.join(' ')}\` failed: ${stderr || (err as Error).message}`,
    );
  }
}

function tryRun(args: readonly string[], tool = 'ip'): void {
  try {
    run(args, tool);
  } catch {
    // teardown goes on: what is already gone needs no removing
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills what runs in `ns` (processes in a namespace we made are ours) and deletes it. */
function removeNamespace(ns: string): void {
  let pids: number[] = [];
  try {
    pids = run(['netns', 'pids', ns]).split('\n').filter(Boolean).map(Number);
  } catch {
    // no such namespace any more
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  tryRun(['netns', 'del', ns]);
}

/** Removes the namespaces of jalad processes that died without closing their link. */
function sweepStale(): void {
  let names: string[] = [];
  try {
    names = run(['netns', 'list'])
      .split('\n')
      .map((l) => l.split(' ')[0]);
  } catch {
    return;
  }
  for (const name of names) {
    const m = NAME_RE.exec(name);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) removeNamespace(name);
  }
}

/** A /30 of 10.213.0.0/16 that no address of this namespace uses. */
function freeSubnet(): [string, string] {
  const used = run(['-4', '-o', 'addr', 'show']);
  for (let tries = 0; tries < 64; tries++) {
    const b = randomBytes(2);
    const third = b[0];
    const fourth = (b[1] & 0x3f) * 4;
    const prefix = `10.213.${third}.`;
    if (!used.includes(`${prefix}${fourth + 1}/`) && !used.includes(`${prefix}${fourth + 2}/`))
      return [`${prefix}${fourth + 1}`, `${prefix}${fourth + 2}`];
  }
  throw new JaladError('RUNTIME', 'kernel link: no free /30 in 10.213.0.0/16');
}

function tbfArgs(dev: string, mbps: number, burst: number, limit: number): string[] {
  return [
    'qdisc',
    'replace',
    'dev',
    dev,
    'root',
    'tbf',
    'rate',
    `${Math.round(mbps * 1e6)}bit`,
    'burst',
    `${burst}`,
    'limit',
    `${limit}`,
  ];
}

function checkMtu(mtu: number): void {
  if (!Number.isInteger(mtu) || mtu < 128 || mtu > 9000)
    throw new InputError(
      'BAD_OPTION',
      `kernel link: the MTU must be an integer of 128..9000 bytes, got ${mtu}`,
    );
}

function checkRate(mbps: number): void {
  if (!Number.isFinite(mbps) || mbps <= 0)
    throw new InputError('BAD_OPTION', `kernel link: the rate (Mbps) must be a positive number, got ${mbps}`);
}

/** Header bytes per TCP segment as tbf sees it, and the MSS, for an MTU. */
function segmentShape(mtu: number): { mss: number; headerBytes: number } {
  let timestamps = true;
  try {
    timestamps = fs.readFileSync('/proc/sys/net/ipv4/tcp_timestamps', 'utf8').trim() !== '0';
  } catch {
    // the kernel default is on
  }
  const options = timestamps ? 12 : 0;
  return { mss: mtu - 40 - options, headerBytes: 14 + 40 + options };
}

/** The namespace, the veth pair across it and the addresses at both ends, all up. */
function makeLink(
  namespace: string,
  hostDevice: string,
  nsDevice: string,
  hostAddress: string,
  serverAddress: string,
  mtu: number,
): void {
  run(['netns', 'add', namespace]);
  run([
    'link',
    'add',
    hostDevice,
    'mtu',
    `${mtu}`,
    'type',
    'veth',
    'peer',
    'name',
    nsDevice,
    'mtu',
    `${mtu}`,
  ]);
  run(['link', 'set', nsDevice, 'netns', namespace]);
  run(['addr', 'add', `${hostAddress}/30`, 'dev', hostDevice]);
  run(['link', 'set', hostDevice, 'up']);
  run(['-n', namespace, 'addr', 'add', `${serverAddress}/30`, 'dev', nsDevice]);
  run(['-n', namespace, 'link', 'set', nsDevice, 'up']);
  run(['-n', namespace, 'link', 'set', 'lo', 'up']);
}

/**
 * Creates the namespace, the veth pair and the tbf qdisc. On any failure, what was made is removed
 * before the error propagates.
 * @throws JaladError RUNTIME when `ip`/`tc` fail (not root: check `linkUnavailableReason()` first)
 * @throws InputError BAD_OPTION for a rate that is not a positive number
 */
export function createNetnsLink(options: NetnsLinkOptions): NetnsLink {
  checkRate(options.mbps);
  const why = linkUnavailableReason();
  if (why) throw new JaladError('RUNTIME', `kernel link unavailable: ${why}`);
  const mtu = options.mtuBytes ?? DEFAULT_MTU_BYTES;
  checkMtu(mtu);
  const burst = options.burstBytes ?? BUCKET_FRAMES * (mtu + 14);
  const limit = options.limitBytes ?? 4 * 1024 * 1024;
  sweepStale();
  const tag = randomBytes(3).toString('hex');
  const namespace = `jalad-${process.pid}-${tag}`;
  const hostDevice = `jl${tag}h`;
  const nsDevice = `jl${tag}n`;
  const children = new Set<ChildProcess>();
  let closed = false;
  let batch: ChildProcess | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    process.removeListener('exit', close);
    batch?.stdin?.end();
    batch?.kill();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    removeNamespace(namespace);
    tryRun(['link', 'del', hostDevice]);
  };
  process.on('exit', close);
  let hostAddress: string;
  let serverAddress: string;
  try {
    [hostAddress, serverAddress] = freeSubnet();
    makeLink(namespace, hostDevice, nsDevice, hostAddress, serverAddress, mtu);
    run(tbfArgs(hostDevice, options.mbps, burst, limit), 'tc');
  } catch (err) {
    close();
    throw err;
  }
  return linkHandle({
    namespace,
    hostDevice,
    hostAddress,
    serverAddress,
    children,
    close,
    isClosed: () => closed,
    setBatch: (b) => (batch = b),
    batch: () => batch,
    tbf: (mbps, bucket) => tbfArgs(hostDevice, mbps, bucket, limit),
    nsDevice,
    mbps: options.mbps,
    mtu,
    burst,
  });
}

interface HandleParts {
  readonly namespace: string;
  readonly hostDevice: string;
  readonly hostAddress: string;
  readonly serverAddress: string;
  readonly children: Set<ChildProcess>;
  readonly close: () => void;
  readonly isClosed: () => boolean;
  readonly setBatch: (b: ChildProcess) => void;
  readonly batch: () => ChildProcess | undefined;
  readonly tbf: (mbps: number, bucket: number) => string[];
  readonly nsDevice: string;
  readonly mbps: number;
  readonly mtu: number;
  readonly burst: number;
}

/** The NetnsLink over a link that exists. */
function linkHandle(h: HandleParts): NetnsLink {
  let rate = h.mbps;
  let mtu = h.mtu;
  let burst = h.burst;
  let { mss, headerBytes } = segmentShape(mtu);
  const { namespace, hostDevice, hostAddress, serverAddress, children, close } = h;
  return {
    namespace,
    get mtuBytes() {
      return mtu;
    },
    get burstBytes() {
      return burst;
    },
    setMtuBytesNow(mtuBytes) {
      checkMtu(mtuBytes);
      run(['link', 'set', 'dev', hostDevice, 'mtu', `${mtuBytes}`]);
      run(['-n', namespace, 'link', 'set', 'dev', h.nsDevice, 'mtu', `${mtuBytes}`]);
      // NOTE: the bucket follows the frame: tbf drops a frame larger than its bucket.
      run(h.tbf(rate, BUCKET_FRAMES * (mtuBytes + 14)), 'tc');
      mtu = mtuBytes;
      burst = BUCKET_FRAMES * (mtuBytes + 14);
      ({ mss, headerBytes } = segmentShape(mtu));
    },
    hostDevice,
    hostAddress,
    serverAddress,
    setRateMbps(mbps) {
      checkRate(mbps);
      if (h.isClosed()) return;
      rate = mbps;
      // NOTE: one long-lived `tc -batch -` reads a command per line as it arrives: a trace changes
      // the rate many times a second, and a synchronous `tc` each time would stall the event loop
      // in the middle of the transfers being timed.
      let batch = h.batch();
      if (!batch) {
        batch = spawn(toolPath('tc') ?? 'tc', ['-force', '-batch', '-'], {
          stdio: ['pipe', 'ignore', 'ignore'],
        });
        batch.on('error', () => undefined);
        h.setBatch(batch);
      }
      batch.stdin!.write(`${h.tbf(mbps, burst).join(' ')}\n`);
    },
    setRateMbpsNow(mbps) {
      checkRate(mbps);
      run(h.tbf(mbps, burst), 'tc');
      rate = mbps;
    },
    rateMbps: () => rate,
    linkBytes: (payloadBytes) =>
      payloadBytes <= 0 ? 0 : payloadBytes + Math.ceil(payloadBytes / mss) * headerBytes,
    counters() {
      const text = run(['-s', 'qdisc', 'show', 'dev', hostDevice], 'tc');
      const m = /Sent (\d+) bytes (\d+) pkt \(dropped (\d+)/.exec(text);
      if (!m)
        throw new JaladError('RUNTIME', `kernel link: no counters in \`tc -s qdisc show dev ${hostDevice}\``);
      return { bytes: Number(m[1]), packets: Number(m[2]), drops: Number(m[3]) };
    },
    spawn(command, args, spawnOptions = {}) {
      const child = spawn(
        toolPath('ip') ?? 'ip',
        ['netns', 'exec', namespace, command, ...args],
        spawnOptions,
      );
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    close,
  };
}
