/**
 * The cloud side of a split (`jalad serve`): an HTTP server (Node's own http module) that holds
 * the cloud parts of its plans and answers
 *   POST /infer?plan=ID    body: the wire tensors (wire-frames.ts); reply: the outputs, float32
 *   GET  /health           200 "ready" while serving, 503 while shutting down
 *   GET  /metrics          JSON counters and per-stage times (server-metrics.ts)
 *   GET  /plans            JSON list of the plans held (key, label, wire)
 *   GET  /probe?floats=N,M an answer of float32 streams of N, M... zeros, encoded as /infer's are
 *                          (the client times the answer's cost with it: answer-probe.ts)
 * A bad request gets a 4xx and a one-line reason; nothing a client sends can stop the server.
 * `close()` stops accepting, lets requests in flight finish, then releases the sessions.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { performance } from 'perf_hooks';
import { InputError, JaladError } from '../core/errors';
import { openSession, type Session, type Tensor } from '../runtime';
import { planId, type ServedPlan } from './served-plan';
import { createServerMetrics, type MetricsSnapshot } from './server-metrics';
import { decodeCloudInputs, encodeOutputs, zeroCloudInputs } from './wire-codec';
import { decodeFrames, encodeFrames } from './wire-frames';

/** Options of `startServer`. */
export interface ServerOptions {
  /** Port to listen on; 0 picks a free one (default 0). */
  readonly port?: number;
  /** Address to listen on (default 127.0.0.1: loopback only). */
  readonly host?: string;
  /** Largest request body accepted, bytes (default 64 MiB). */
  readonly maxBodyBytes?: number;
  /** Intra-op threads of each cloud session; 0 lets ONNX Runtime choose (default 0). */
  readonly threads?: number;
  /** Run each cloud part once on zeros before listening (default true; `GET /metrics` `warmUpMs` has the times). */
  readonly warmUp?: boolean;
}

const DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  maxBodyBytes: 64 * 1024 * 1024,
  threads: 0,
  warmUp: true,
} as const;

/** Response headers with the server's own times, ms (the client subtracts them from its round trip). */
export const SERVER_MS_HEADER = 'jalad-server-ms';
export const CLOUD_MS_HEADER = 'jalad-cloud-ms';
/** Decoding the request's streams back to the cloud half's inputs, ms (the codec's decode stage). */
export const DECODE_MS_HEADER = 'jalad-decode-ms';

/** A running server. */
export interface ServerHandle {
  /** Base URL, e.g. http://127.0.0.1:39211 */
  readonly url: string;
  readonly port: number;
  metrics(): MetricsSnapshot;
  /** Stops accepting, finishes requests in flight, releases sessions. Idempotent. */
  close(): Promise<void>;
}

/** An HTTP status with its one-line reason. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The element counts of a probe's answer streams (`floats=N,M`; empty: no stream).
 * @throws HttpError 400 for anything but non-negative integers, or more bytes than `maxBytes`
 */
function probeSizes(text: string, maxBytes: number): number[] {
  if (text === '') return [];
  const sizes = text.split(',').map((x) => (/^\d{1,12}$/.test(x) ? Number(x) : NaN));
  if (sizes.some((n) => !Number.isSafeInteger(n)))
    throw new HttpError(400, `/probe?floats=${text.slice(0, 40)}: expected counts like 9216 or 10,4`);
  const bytes = sizes.reduce((a, n) => a + 4 * n, 0);
  if (bytes > maxBytes) throw new HttpError(413, `/probe of ${bytes} bytes exceeds the limit of ${maxBytes}`);
  return sizes;
}

/**
 * Opens the cloud part of every plan and starts listening.
 * @throws JaladError RUNTIME when a cloud part does not load; InputError BAD_OPTION for a port in use
 */
// eslint-disable-next-line max-lines-per-function -- the routes share the sessions, metrics and lifetime by closure
export async function startServer(
  plans: readonly ServedPlan[],
  options: ServerOptions = {},
): Promise<ServerHandle> {
  const o = { ...DEFAULTS, ...options };
  const sessions = new Map<string, { plan: ServedPlan; session: Session }>();
  const warmUpMs: Record<string, number> = {};
  try {
    for (const plan of plans) {
      if (sessions.has(planId(plan.key))) continue;
      const session = await openSession(plan.cloud, { threads: o.threads });
      sessions.set(planId(plan.key), { plan, session });
      // NOTE: a session's first run is slow (allocations, kernel choices: for the detector's cloud
      // parts several times a later run). Run once on zeros here, before listening, so that the first
      // request of every plan is served like the rest; else an adaptive client's first sample on a
      // plan it switches to pays it, and its measured policy learns that plan as slower than it is.
      if (o.warmUp) {
        const t0 = performance.now();
        await session.run(zeroCloudInputs(plan));
        warmUpMs[plan.label] = performance.now() - t0;
      }
    }
  } catch (err) {
    for (const s of sessions.values()) await s.session.release();
    throw err;
  }
  const metrics = createServerMetrics(() => performance.now());
  let inFlight = 0;
  let draining = false;
  let idle: (() => void) | undefined;

  const send = (
    res: http.ServerResponse,
    status: number,
    type: string,
    body: string | Uint8Array,
    extra = {},
  ) => {
    metrics.answered(status);
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      ...(draining ? { connection: 'close' } : {}),
      ...extra,
    });
    res.end(body);
  };

  const readBody = (req: http.IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const announced = Number(req.headers['content-length'] ?? NaN);
      if (announced > o.maxBodyBytes) {
        reject(new HttpError(413, `body of ${announced} bytes exceeds the limit of ${o.maxBodyBytes}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > o.maxBodyBytes) {
          reject(new HttpError(413, `body exceeds the limit of ${o.maxBodyBytes} bytes`));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks, size)));
      req.on('error', reject);
      req.on('aborted', () => reject(new HttpError(400, 'request aborted')));
    });

  const infer = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if (req.method !== 'POST') throw new HttpError(405, `${req.method} /infer: use POST`);
    const key = url.searchParams.get('plan');
    if (!key) throw new HttpError(400, 'no plan named: POST /infer?plan=ID (see GET /plans)');
    const held = sessions.get(key);
    if (!held) throw new HttpError(404, `unknown plan ${key} (see GET /plans)`);
    const body = await readBody(req);
    const t0 = performance.now();
    const feeds = decodeCloudInputs(held.plan, decodeFrames(body));
    const t1 = performance.now();
    const outputs = await held.session.run(feeds);
    const t2 = performance.now();
    const reply = encodeFrames(encodeOutputs(outputs));
    const t3 = performance.now();
    metrics.served(held.plan.label, { decodeMs: t1 - t0, cloudMs: t2 - t1, encodeMs: t3 - t2 });
    send(res, 200, 'application/octet-stream', reply, {
      [SERVER_MS_HEADER]: (t3 - t0).toFixed(4),
      [CLOUD_MS_HEADER]: (t2 - t1).toFixed(4),
      [DECODE_MS_HEADER]: (t1 - t0).toFixed(4),
    });
  };

  // An answer like /infer's, without a model: the server's encoding of N floats, the link's return
  // of them and the client's decoding are what a real answer of that size costs. A POST's body is
  // read as /infer reads it, then dropped: the probe crosses the link as a request of that size does.
  const probe = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    const sizes = probeSizes(url.searchParams.get('floats') ?? '', o.maxBodyBytes);
    if (req.method === 'POST') await readBody(req);
    const t0 = performance.now();
    const outputs: Record<string, Tensor> = {};
    sizes.forEach(
      (n, i) => (outputs[`probe${i}`] = { type: 'float32', data: new Float32Array(n), dims: [n] }),
    );
    const reply = encodeFrames(encodeOutputs(outputs));
    const t1 = performance.now();
    send(res, 200, 'application/octet-stream', reply, { [SERVER_MS_HEADER]: (t1 - t0).toFixed(4) });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    metrics.request();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/probe') {
      await probe(req, res, url);
      return;
    }
    if (url.pathname === '/health') {
      send(res, draining ? 503 : 200, 'text/plain', draining ? 'shutting down\n' : 'ready\n');
      return;
    }
    if (url.pathname === '/metrics') {
      send(res, 200, 'application/json', JSON.stringify({ ...metrics.snapshot(inFlight), warmUpMs }) + '\n');
      return;
    }
    if (url.pathname === '/plans') {
      const list = [...sessions.entries()].map(([id, { plan }]) => ({
        id,
        key: plan.key,
        label: plan.label,
        wire: plan.wire,
      }));
      send(res, 200, 'application/json', JSON.stringify(list) + '\n');
      return;
    }
    if (url.pathname !== '/infer') throw new HttpError(404, `no such endpoint ${url.pathname}`);
    if (draining) throw new HttpError(503, 'shutting down');
    await infer(req, res, url);
  };

  const server = http.createServer((req, res) => {
    inFlight++;
    handle(req, res)
      .catch((err: unknown) => {
        const status =
          err instanceof HttpError
            ? err.status
            : err instanceof InputError
              ? 400
              : err instanceof JaladError
                ? 500
                : 500;
        const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0];
        if (!res.headersSent && !res.destroyed) send(res, status, 'text/plain', `${reason}\n`);
        // The body may be unread (413, 404 before reading): do not keep the connection.
        if (!req.complete) req.socket.end();
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0 && idle) idle();
      });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new InputError('BAD_OPTION', `--port ${o.port}: address ${o.host}:${o.port} is in use`)
          : err,
      ),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${o.host}:${port}`,
    port,
    metrics: () => metrics.snapshot(inFlight),
    close() {
      closing ??= (async () => {
        draining = true;
        // NOTE: requests in flight finish before the listener closes: Node's server.close() also
        // drops connections it deems idle, and one whose request body is still arriving is one.
        // Meanwhile new requests are answered 503 with `connection: close`.
        if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await stopped;
        for (const s of sessions.values()) await s.session.release();
      })();
      return closing;
    },
  };
}
