/**
 * One worker thread that answers numbered requests: the request/reply plumbing shared by the
 * sweep's batch workers (src/sweep/pool.ts) and the image workers (src/data/sample-pool.ts).
 * Each request carries an id; the worker answers with the same id, in any order.
 */
import * as fs from 'fs';
import { Worker } from 'worker_threads';
import { JaladError } from './errors';

/** What every request and reply carries. */
export interface Numbered {
  readonly id: number;
}

/** How a thread reads replies and reports its own end. */
export interface ThreadHooks<Req extends Numbered, Reply extends Numbered> {
  /** The error a reply stands for, or undefined when it is an answer. */
  readonly replyError: (reply: Reply) => Error | undefined;
  /** The error for a thread that threw outside a request (every pending request fails with it). */
  readonly onError: (error: Error) => Error;
  /** The error for a thread that exited. */
  readonly onExit: (code: number) => Error;
  /** Buffers to hand over with a request instead of copying them (they are unusable here after). */
  readonly transfer?: (request: Req) => ArrayBuffer[];
}

interface Pending<Reply> {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: Error) => void;
}

/** A worker thread and its requests awaiting an answer. */
export class RequestThread<Req extends Numbered, Reply extends Numbered> {
  private readonly pendingById = new Map<number, Pending<Reply>>();
  private readonly worker: Worker;
  /** Why the thread is gone, once it is: later requests fail at once instead of waiting forever. */
  private failure: Error | undefined;

  constructor(
    entry: string,
    private readonly hooks: ThreadHooks<Req, Reply>,
  ) {
    this.worker = new Worker(entry);
    this.worker.on('message', (reply: Reply) => {
      const p = this.pendingById.get(reply.id);
      if (p === undefined) return;
      this.pendingById.delete(reply.id);
      const error = hooks.replyError(reply);
      if (error) p.reject(error);
      else p.resolve(reply);
    });
    this.worker.on('error', (error) => this.fail(hooks.onError(error)));
    this.worker.on('exit', (code) => this.fail(hooks.onExit(code)));
  }

  /** Requests sent and not yet answered (callers give new work to the least busy thread). */
  get pending(): number {
    return this.pendingById.size;
  }

  request(request: Req): Promise<Reply> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pendingById.set(request.id, { resolve, reject });
      this.worker.postMessage(request, this.hooks.transfer?.(request) ?? []);
    });
  }

  /**
   * Ends the thread.
   * @param stopped the error later requests get (by default the one its exit reports)
   */
  async terminate(stopped?: Error): Promise<void> {
    if (stopped) this.failure ??= stopped;
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pendingById.values()) p.reject(this.failure);
    this.pendingById.clear();
  }
}

/** The thread among `threads` with the fewest requests pending (the first of equals). */
export function leastBusy<T extends { readonly pending: number }>(threads: readonly T[]): T {
  let least = threads[0];
  for (const t of threads) if (t.pending < least.pending) least = t;
  return least;
}

/**
 * A worker entry module: the one named by the environment variable when set, else the compiled
 * file beside the caller (Node cannot start a .ts file, so from the sources a variable must name one).
 * @param what the threads, for the message ("the image worker threads")
 * @throws JaladError RUNTIME when the file is missing
 */
export function workerEntryFile(
  env: NodeJS.ProcessEnv,
  variable: string,
  compiled: string,
  what: string,
): string {
  const entry = env[variable] || compiled;
  if (!fs.existsSync(entry))
    throw new JaladError(
      'RUNTIME',
      `${what} need ${entry} (npm run build compiles it; ${variable} names another)`,
    );
  return entry;
}
