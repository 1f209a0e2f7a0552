/**
 * Worker threads that read, decode, resize and normalise images (sample-job.ts) off the main
 * thread. Why threads: ONNX Runtime's `run` holds the main thread for the whole batch, so work
 * that needs the main thread between steps (the resize in JavaScript, each decode's completion)
 * would wait for it; a worker has its own event loop and goes on while inference runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { JaladError } from '../core/errors';
import type { SampleJob, SampleResult, SampleSpec } from './sample-job';

/** A message to an image worker. */
export interface SampleRequest {
  readonly id: number;
  readonly job: SampleJob;
  readonly spec: SampleSpec;
}

/** An image worker's answer to request `id`. */
export type SampleReply =
  | { readonly id: number; readonly ok: true; readonly result: SampleResult }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly message: string; readonly code?: string };
    };

/** Environment variable naming another entry module for the image worker threads (the tests' one). */
export const IMAGE_WORKER_VARIABLE = 'JALAD_IMAGE_WORKER';

/**
 * The image workers' entry: the module named by JALAD_IMAGE_WORKER when set, else the compiled
 * sample-worker.js beside this file (`npm run build` makes it; Node cannot start a .ts file).
 * @throws JaladError RUNTIME when it is missing
 */
export function imageWorkerEntry(env: NodeJS.ProcessEnv = process.env): string {
  const entry = env[IMAGE_WORKER_VARIABLE] || path.join(__dirname, 'sample-worker.js');
  if (!fs.existsSync(entry))
    throw new JaladError(
      'RUNTIME',
      `the image worker threads need ${entry} (npm run build compiles it; ${IMAGE_WORKER_VARIABLE} names another)`,
    );
  return entry;
}

interface Pending {
  readonly resolve: (result: SampleResult) => void;
  readonly reject: (error: Error) => void;
}

/** One worker thread and its requests awaiting an answer. */
class ImageThread {
  readonly pending = new Map<number, Pending>();
  private readonly worker: Worker;
  /** Why the thread is gone, once it is: later requests fail at once instead of waiting forever. */
  private failure: JaladError | undefined;

  constructor(entry: string) {
    this.worker = new Worker(entry);
    this.worker.on('message', (reply: SampleReply) => {
      const p = this.pending.get(reply.id);
      if (p === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    });
    // NOTE: a thread that fails is a fault of jalad or the machine, not of an image: JaladError,
    // which the stream stops on even under --on-bad-image skip.
    const failAll = (why: string): void => {
      this.failure ??= new JaladError('RUNTIME', `an image worker thread ${why}`);
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    this.worker.on('error', (error) => failAll(`failed: ${error.message.split('\n')[0]}`));
    this.worker.on('exit', (code) => failAll(`exited (code ${code})`));
  }

  request(request: SampleRequest): Promise<SampleResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.worker.postMessage(request);
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** A fixed set of image worker threads; each request goes to the one with the fewest pending. */
export class SamplePool {
  private readonly threads: ImageThread[];
  private nextId = 0;
  private readonly running = new Set<Promise<unknown>>();

  /** @param workers how many threads (at least 1) */
  constructor(workers: number, entry: string = imageWorkerEntry()) {
    this.threads = Array.from({ length: Math.max(1, workers) }, () => new ImageThread(entry));
  }

  /** Prepare one image on a worker thread. */
  run(job: SampleJob, spec: SampleSpec): Promise<SampleResult> {
    let least = this.threads[0];
    for (const t of this.threads) if (t.pending.size < least.pending.size) least = t;
    const done = least.request({ id: this.nextId++, job, spec });
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return done;
  }

  /**
   * Ends the threads once the images they hold are done (a thread ended while libvips decodes
   * can take the process down, so no request is cut short; there are at most a queue's worth).
   */
  async close(): Promise<void> {
    await Promise.all([...this.running]);
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
