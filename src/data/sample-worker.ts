/**
 * Entry point of an image worker thread (started by sample-pool.ts): prepares the images it is
 * sent (sample-job.ts), several at once, and answers each with its sample or its error.
 */
import { parentPort } from 'worker_threads';
import { prepareSample } from './sample-job';
import type { SampleReply, SampleRequest } from './sample-pool';

const port = parentPort;
if (port === null) throw new Error('image worker: must run as a worker thread');

/** An error as plain data: the main thread words the message from it as from its own errors. */
function plain(error: unknown): { message: string; code?: string } {
  if (error instanceof Error) return { message: error.message, code: (error as NodeJS.ErrnoException).code };
  return { message: String(error) };
}

port.on('message', (request: SampleRequest) => {
  prepareSample(request.job, request.spec).then(
    (result) => {
      const reply: SampleReply = { id: request.id, ok: true, result };
      // NOTE: the sample is this thread's own new buffer: hand it over instead of copying it.
      port.postMessage(reply, result.sample === undefined ? [] : [result.sample.buffer as ArrayBuffer]);
    },
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: plain(error) } satisfies SampleReply),
  );
});
