/**
 * Entry point of a sweep worker thread (started by pool.ts): opens a group's sessions, runs
 * the batches it is sent, one at a time, and answers each with its outcome or its error.
 */
import { parentPort } from 'worker_threads';
import { BatchRunner, type BatchJob, type GroupSpec } from './batch';
import type { WorkerReply, WorkerRequest } from './pool';

const port = parentPort;
if (port === null) throw new Error('sweep worker: must run as a worker thread');

let runner: BatchRunner | undefined;
// Requests are handled strictly in order: each waits for the one before it.
let queue: Promise<void> = Promise.resolve();

/** An error as plain data: the main thread rebuilds JaladError and InputError from it. */
function serializable(error: unknown): { name: string; code?: string; message: string } {
  if (error instanceof Error)
    return { name: error.name, code: (error as { code?: string }).code, message: error.message };
  return { name: 'Error', message: String(error) };
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.type) {
    case 'open':
      runner = await BatchRunner.open(request.spec as GroupSpec);
      return { type: 'done', id: request.id };
    case 'run': {
      if (runner === undefined) throw new Error('sweep worker: a batch before any group was opened');
      const outcome = await runner.run(request.job as BatchJob);
      return { type: 'done', id: request.id, outcome };
    }
    case 'close':
      await runner?.close();
      runner = undefined;
      return { type: 'done', id: request.id };
  }
}

port.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    try {
      const reply = await handle(request);
      const o = reply.outcome;
      const transfer = o ? [o.predictions.buffer, o.scores.buffer, o.sizes.buffer] : [];
      port.postMessage(reply, transfer as ArrayBuffer[]);
    } catch (error) {
      port.postMessage({ type: 'error', id: request.id, error: serializable(error) } satisfies WorkerReply);
    }
  });
});
