/**
 * Worker threads that read, decode, resize and normalise images (sample-job.ts) off the main
 * thread. Why threads: ONNX Runtime's `run` holds the main thread for the whole batch, so work
 * that needs the main thread between steps (the resize in JavaScript, each decode's completion)
 * would wait for it; a worker has its own event loop and goes on while inference runs.
 */
import * as path from 'path';
import { JaladError } from '../core/errors';
import { RequestThread, leastBusy, workerEntryFile } from '../core/request-thread';
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
  return workerEntryFile(
    env,
    IMAGE_WORKER_VARIABLE,
    path.join(__dirname, 'sample-worker.js'),
    'the image worker threads',
  );
}

type ImageThread = RequestThread<SampleRequest, SampleReply>;

/**
 * NOTE: a thread that fails is a fault of jalad or the machine, not of an image: JaladError,
 * which the stream stops on even under --on-bad-image skip.
 */
function imageThread(entry: string): ImageThread {
  return new RequestThread<SampleRequest, SampleReply>(entry, {
    replyError: (reply) =>
      reply.ok ? undefined : Object.assign(new Error(reply.error.message), { code: reply.error.code }),
    onError: (error) =>
      new JaladError('RUNTIME', `an image worker thread failed: ${error.message.split('\n')[0]}`),
    onExit: (code) => new JaladError('RUNTIME', `an image worker thread exited (code ${code})`),
  });
}

/** A fixed set of image worker threads; each request goes to the one with the fewest pending. */
export class SamplePool {
  private readonly threads: ImageThread[];
  private nextId = 0;
  private readonly running = new Set<Promise<unknown>>();

  /** @param workers how many threads (at least 1) */
  constructor(workers: number, entry: string = imageWorkerEntry()) {
    this.threads = Array.from({ length: Math.max(1, workers) }, () => imageThread(entry));
  }

  /** Prepare one image on a worker thread. */
  run(job: SampleJob, spec: SampleSpec): Promise<SampleResult> {
    const done = leastBusy(this.threads)
      .request({ id: this.nextId++, job, spec })
      .then((reply) => (reply as Extract<SampleReply, { ok: true }>).result);
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
