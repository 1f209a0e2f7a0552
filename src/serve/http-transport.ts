/**
 * The edge client's requests: one keep-alive connection, a per-request timeout, and the exact
 * bytes each request wrote to its socket (HTTP head, framing and streams: what crossed the link).
 */
import * as http from 'http';
import type { Socket } from 'net';
import { performance } from 'perf_hooks';
import { DECODE_MS_HEADER, SERVER_MS_HEADER } from './server';

/** The answer to one request. */
export interface Exchange {
  readonly status: number;
  readonly body: Buffer;
  /** From the request's start to the last byte of the answer, ms. */
  readonly roundTripMs: number;
  /** The server's own time (its header), ms; 0 when absent. */
  readonly serverMs: number;
  /** Of which decoding the request (its header), ms; NaN when absent. */
  readonly decodeMs: number;
  /** Bytes this request wrote to the socket. */
  readonly bytesSent: number;
}

/** Why a request failed without an HTTP answer. */
export type TransportFailure = 'refused' | 'reset' | 'timeout' | 'other';

/** A failed exchange. */
export class TransportError extends Error {
  constructor(
    readonly reason: TransportFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A client bound to one server. */
export interface Transport {
  request(
    method: 'GET' | 'POST',
    path: string,
    body: Uint8Array | undefined,
    timeoutMs: number,
  ): Promise<Exchange>;
  close(): void;
}

/** A transport to `baseUrl` (http only). */
export function createTransport(baseUrl: string): Transport {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const written = new WeakMap<Socket, number>();
  return {
    request(method, path, body, timeoutMs) {
      return new Promise<Exchange>((resolve, reject) => {
        const started = performance.now();
        let socket: Socket | undefined;
        let done = false;
        const fail = (reason: TransportFailure, message: string) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          req.destroy();
          reject(new TransportError(reason, message));
        };
        const req = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method,
            path,
            headers: body ? { 'content-length': body.length } : {},
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              if (done) return;
              done = true;
              clearTimeout(timer);
              const before = socket ? (written.get(socket) ?? 0) : 0;
              const after = socket?.bytesWritten ?? before;
              if (socket) written.set(socket, after);
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks),
                roundTripMs: performance.now() - started,
                serverMs: Number(res.headers[SERVER_MS_HEADER] ?? 0),
                decodeMs: Number(res.headers[DECODE_MS_HEADER] ?? NaN),
                bytesSent: after - before,
              });
            });
            res.on('error', (e) => fail('reset', e.message));
          },
        );
        const timer = setTimeout(() => fail('timeout', `no answer within ${timeoutMs} ms`), timeoutMs);
        req.on('socket', (s: Socket) => {
          socket = s;
        });
        req.on('error', (e: NodeJS.ErrnoException) =>
          fail(
            e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'ECONNRESET' ? 'reset' : 'other',
            e.message,
          ),
        );
        req.end(body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : undefined);
      });
    },
    close: () => agent.destroy(),
  };
}
