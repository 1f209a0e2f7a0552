/**
 * A shaped link on loopback, in process: a TCP proxy that forwards client -> server through a
 * token bucket at a given rate (the uplink) and adds a one-way delay in both directions. It is
 * the link the tests and the runtime benchmark use, needing no privileges; the rate can change
 * while it runs (a bandwidth trace).
 *
 * Token bucket: tokens (bytes) accrue at rate·10^6/8 bytes/s up to `burstBytes`; data is cut
 * into packets of at most `packetBytes` and a packet leaves when the bucket holds its size
 * (Linux tbf's rule). Leaving packets are delivered `delayMs` later, in order. Downlink data is
 * delayed, not rate-limited (JALAD's latency model has an uplink bandwidth only).
 */
import * as net from 'net';
import type { AddressInfo } from 'net';
import { performance } from 'perf_hooks';
import { InputError } from '../core/errors';
import { callAt } from './precise-timer';

/** Options of `startShapedProxy`. */
export interface ShapedLinkOptions {
  /** Where the proxy forwards to (loopback only). */
  readonly targetPort: number;
  readonly targetHost?: string;
  /** Uplink rate, Mbps (10^6 bit/s). */
  readonly mbps: number;
  /** One-way delay added in each direction, ms (default 0). */
  readonly delayMs?: number;
  /** Bucket size, bytes (default 1514: one Ethernet frame, as small as tbf allows). */
  readonly burstBytes?: number;
  /** Largest packet, bytes (default 1448: a TCP segment's payload on Ethernet). */
  readonly packetBytes?: number;
}

/** A running shaped link. */
export interface ShapedLink {
  /** The address clients connect to, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  /** Changes the uplink rate from now on. */
  setRateMbps(mbps: number): void;
  rateMbps(): number;
  /** Bytes forwarded client -> server so far. */
  upBytes(): number;
  /** Closes the listener and every connection through it. */
  close(): Promise<void>;
}

interface Packet {
  readonly to: net.Socket;
  readonly data: Buffer;
}

/** One direction of the link: shaping (rate undefined: none) then delay. */
function createPipe(rate: { mbps: number | undefined }, delayMs: number, burstBytes: number) {
  const waiting: Packet[] = [];
  const inFlight: { at: number; packet: Packet }[] = [];
  let tokens = burstBytes;
  let last = performance.now();
  let pumping = false;
  let delivering = false;
  let forwarded = 0;

  const refill = (now: number) => {
    if (rate.mbps !== undefined)
      tokens = Math.min(burstBytes, tokens + ((now - last) * rate.mbps * 1000) / 8);
    last = now;
  };
  const deliver = () => {
    const now = performance.now();
    while (inFlight.length > 0 && inFlight[0].at <= now) {
      const { packet } = inFlight.shift()!;
      if (!packet.to.destroyed) packet.to.write(packet.data);
    }
    if (inFlight.length > 0) callAt(inFlight[0].at, deliver);
    else delivering = false;
  };
  const depart = (packet: Packet, now: number) => {
    forwarded += packet.data.length;
    inFlight.push({ at: now + delayMs, packet });
    if (!delivering) {
      delivering = true;
      callAt(now + delayMs, deliver);
    }
  };
  const pump = () => {
    const now = performance.now();
    refill(now);
    while (waiting.length > 0) {
      const size = waiting[0].data.length;
      if (rate.mbps !== undefined && tokens < size) {
        const waitMs = ((size - tokens) * 8) / (rate.mbps * 1000);
        callAt(now + waitMs, pump);
        return;
      }
      if (rate.mbps !== undefined) tokens -= size;
      depart(waiting.shift()!, now);
    }
    pumping = false;
  };
  return {
    send(to: net.Socket, data: Buffer, packetBytes: number) {
      for (let p = 0; p < data.length; p += packetBytes)
        waiting.push({ to, data: data.subarray(p, Math.min(data.length, p + packetBytes)) });
      if (!pumping) {
        pumping = true;
        pump();
      }
    },
    /** Brings the bucket to now before a rate change, so past time accrues at the old rate. */
    settle: () => refill(performance.now()),
    forwarded: () => forwarded,
  };
}

/**
 * Starts the proxy on 127.0.0.1 (a free port).
 * @throws InputError BAD_OPTION for a rate or delay that is not a positive finite number
 */
export async function startShapedProxy(options: ShapedLinkOptions): Promise<ShapedLink> {
  const check = (v: number, what: string, zeroOk: boolean) => {
    if (!Number.isFinite(v) || v < 0 || (!zeroOk && v === 0))
      throw new InputError(
        'BAD_OPTION',
        `shaped link: ${what} must be a ${zeroOk ? 'non-negative' : 'positive'} number, got ${v}`,
      );
  };
  check(options.mbps, 'the rate (Mbps)', false);
  const delayMs = options.delayMs ?? 0;
  check(delayMs, 'the delay (ms)', true);
  const burstBytes = options.burstBytes ?? 1514;
  const packetBytes = Math.min(options.packetBytes ?? 1448, burstBytes);
  const upRate = { mbps: options.mbps as number | undefined };
  const up = createPipe(upRate, delayMs, burstBytes);
  const down = createPipe({ mbps: undefined }, delayMs, burstBytes);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(options.targetPort, options.targetHost ?? '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (d: Buffer) => up.send(upstream, d, packetBytes));
    upstream.on('data', (d: Buffer) => down.send(client, d, packetBytes));
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // NOTE: an end is forwarded at once, not through the delay: HTTP never half-closes mid-request.
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setRateMbps(mbps) {
      check(mbps, 'the rate (Mbps)', false);
      up.settle();
      upRate.mbps = mbps;
    },
    rateMbps: () => upRate.mbps!,
    upBytes: () => up.forwarded(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
