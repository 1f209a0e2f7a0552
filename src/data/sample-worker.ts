/**
 * Entry point of an image worker thread (started by sample-pool.ts): prepares the images it is
 * sent (sample-job.ts), several at once, and answers each with its sample or its error.
 */
import { parentPort } from 'worker_threads';
import { prepareSample } from './sample-job';
import type { SampleReply, SampleRequest } from './sample-pool';

if (parentPort === null) throw new Error('image worker: must run as a worker thread');
const port = parentPort;

/** An error as plain data: the main thread words the message from it as from its own errors. */
function plain(error: unknown): { message: string; code?: string } {
  if (error instanceof Error) return { message: error.message, code: (error as NodeJS.ErrnoException).code };
  return { message: String(error) };
}

/**
 * Images prepared at once on this thread: one can decode (on libuv's pool) while another resizes
 * here; the rest wait as small messages, so a queue of many images does not hold many decoded ones.
 */
const CONCURRENT = 2;
const waiting: SampleRequest[] = [];
let active = 0;

function answer(request: SampleRequest): Promise<void> {
  return prepareSample(request.job, request.spec).then(
    (result) => {
      const reply: SampleReply = { id: request.id, ok: true, result };
      // NOTE: the sample is this thread's own new buffer: hand it over instead of copying it.
      port.postMessage(reply, result.sample === undefined ? [] : [result.sample.buffer as ArrayBuffer]);
    },
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: plain(error) } satisfies SampleReply),
  );
}

function pump(): void {
  while (active < CONCURRENT && waiting.length > 0) {
    active++;
    void answer(waiting.shift() as SampleRequest).finally(() => {
      active--;
      pump();
    });
  }
}

port.on('message', (request: SampleRequest) => {
  waiting.push(request);
  pump();
});
