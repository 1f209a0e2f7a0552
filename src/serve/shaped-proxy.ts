/**
 * A shaped link on loopback, in process: a TCP proxy that forwards client -> server through a
 * token bucket at a given rate (the uplink) and adds a one-way delay in both directions. It is
 * the link the tests and the runtime benchmark use, needing no privileges; the rate can change
 * while it runs (a bandwidth trace).
 *
 * Data is cut into packets of at most `packetBytes`, serialized one after another at the rate
 * (a token bucket whose bucket holds one packet, as tight as Linux tbf allows), and delivered
 * `delayMs` later, in order. Downlink data is delayed, not rate-limited (JALAD's latency model
 * has an uplink bandwidth only).
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
  /** When the proxy read it, ms (performance.now()). */
  readonly arrivedMs: number;
}

/**
 * One direction of the link: serialization at the rate (rate undefined: none), then the delay.
 * NOTE: departures follow a virtual clock (a packet leaves at max(its arrival, the previous
 * departure) + size·8/rate), not the wall clock of the proxy's own timers. On a loaded machine
 * the proxy's process can sleep for tens of ms; with wall-clock tokens that time would be lost
 * to the link (a slower link than asked), whereas here the proxy catches up when it wakes and
 * each byte reaches the server when the configured link would have delivered it.
 */
function createPipe(rate: { mbps: number | undefined }, delayMs: number) {
  const waiting: Packet[] = [];
  const inFlight: { at: number; packet: Packet }[] = [];
  let linkFreeMs = 0;
  let pumping = false;
  let delivering = false;
  let forwarded = 0;

  const deliver = () => {
    const now = performance.now();
    while (inFlight.length > 0 && inFlight[0].at <= now) {
      const { packet } = inFlight.shift()!;
      if (!packet.to.destroyed) packet.to.write(packet.data);
    }
    if (inFlight.length > 0) callAt(inFlight[0].at, deliver);
    else delivering = false;
  };
  const depart = (packet: Packet, atMs: number) => {
    forwarded += packet.data.length;
    inFlight.push({ at: atMs + delayMs, packet });
    if (!delivering) {
      delivering = true;
      callAt(atMs + delayMs, deliver);
    }
  };
  const pump = () => {
    const now = performance.now();
    while (waiting.length > 0) {
      const head = waiting[0];
      const start = Math.max(head.arrivedMs, linkFreeMs);
      const done = rate.mbps === undefined ? start : start + (head.data.length * 8) / (rate.mbps * 1000);
      if (done > now) {
        callAt(done, pump);
        return;
      }
      linkFreeMs = done;
      depart(waiting.shift()!, done);
    }
    pumping = false;
  };
  return {
    send(to: net.Socket, data: Buffer, packetBytes: number) {
      const arrivedMs = performance.now();
      for (let p = 0; p < data.length; p += packetBytes)
        waiting.push({ to, data: data.subarray(p, Math.min(data.length, p + packetBytes)), arrivedMs });
      if (!pumping) {
        pumping = true;
        pump();
      }
    },
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
  const packetBytes = options.packetBytes ?? 1448;
  const upRate = { mbps: options.mbps as number | undefined };
  const up = createPipe(upRate, delayMs);
  const down = createPipe({ mbps: undefined }, delayMs);
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
