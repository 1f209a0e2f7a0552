/**
 * Where the sweep's batches run: in this thread, or spread over worker threads, each with its own
 * single-threaded ONNX Runtime sessions.
 *
 * Why workers: the sweep's cloud models are small runs, many per batch. One session with two
 * intra-op threads was measured 1.4x faster than with one, two single-threaded sessions side by
 * side 1.35x faster again (ResNet, 1,000 samples, 2 cores): threads that hand each op back and forth
 * wait on each other; independent batches do not. The JavaScript codec work is spread as well.
 */
import * as path from 'path';
import { InputError, JaladError, type ErrorCode } from '../core/errors';
import { RequestThread, leastBusy, workerEntryFile } from '../core/request-thread';
import { BatchRunner, type BatchJob, type BatchOutcome, type GroupSpec } from './batch';

/** Messages to a worker. */
export type WorkerRequest =
  | { readonly type: 'open'; readonly id: number; readonly spec: GroupSpec }
  | { readonly type: 'run'; readonly id: number; readonly job: BatchJob }
  | { readonly type: 'close'; readonly id: number };

/** A worker's answer to request `id`. */
export interface WorkerReply {
  readonly type: 'done' | 'error';
  readonly id: number;
  readonly outcome?: BatchOutcome;
  readonly error?: { readonly name: string; readonly code?: string; readonly message: string };
}

/** Runs batches for one group at a time. */
export interface BatchExecutor {
  /** Batches worth having in flight at once. */
  readonly inFlight: number;
  open(spec: GroupSpec): Promise<void>;
  run(job: BatchJob): Promise<BatchOutcome>;
  close(): Promise<void>;
  /** Ends the workers (after an error too). */
  dispose(): Promise<void>;
}

/** Runs every batch in this thread, one at a time. */
export class InThreadExecutor implements BatchExecutor {
  readonly inFlight = 1;
  private runner: BatchRunner | undefined;

  async open(spec: GroupSpec): Promise<void> {
    this.runner = await BatchRunner.open(spec);
  }

  run(job: BatchJob): Promise<BatchOutcome> {
    if (this.runner === undefined) throw new Error('InThreadExecutor: run before open');
    return this.runner.run(job);
  }

  async close(): Promise<void> {
    await this.runner?.close();
    this.runner = undefined;
  }

  async dispose(): Promise<void> {
    await this.close();
  }
}

type SweepThread = RequestThread<WorkerRequest, WorkerReply>;

function sweepThread(start: WorkerStart): SweepThread {
  return new RequestThread<WorkerRequest, WorkerReply>(start.entry, {
    replyError: (reply) => (reply.type === 'error' ? rebuildError(reply.error!) : undefined),
    onError: (error) => error,
    onExit: (code) => new JaladError('RUNTIME', `a sweep worker thread stopped (exit code ${code})`),
    // The job's inputs are copies made for it: hand their memory over rather than copy them again.
    transfer: (message) =>
      message.type === 'run'
        ? ([
            ...message.job.inputs.map((i) => i.data.buffer),
            ...(message.job.labels ? [message.job.labels.buffer] : []),
          ] as ArrayBuffer[])
        : [],
  });
}

/** Spreads batches over worker threads, each holding the group's sessions. */
export class WorkerExecutor implements BatchExecutor {
  readonly inFlight: number;
  private readonly threads: SweepThread[];
  private nextId = 0;

  /**
   * @param workers threads to start (at least 1)
   * @param start how each starts (`workerStart()` by default)
   */
  constructor(workers: number, start: WorkerStart = workerStart()) {
    this.threads = Array.from({ length: workers }, () => sweepThread(start));
    // Two batches per worker: the next one is queued there while the current one runs.
    this.inFlight = 2 * workers;
  }

  async open(spec: GroupSpec): Promise<void> {
    await Promise.all(this.threads.map((t) => t.request({ type: 'open', id: this.nextId++, spec })));
  }

  async run(job: BatchJob): Promise<BatchOutcome> {
    const reply = await leastBusy(this.threads).request({ type: 'run', id: this.nextId++, job });
    return reply.outcome!;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.request({ type: 'close', id: this.nextId++ })));
  }

  async dispose(): Promise<void> {
    const stopped = new JaladError('RUNTIME', 'the sweep worker threads were stopped');
    await Promise.all(this.threads.map((t) => t.terminate(stopped)));
  }
}

/** How a sweep worker thread starts. */
export interface WorkerStart {
  /** The worker's entry module (a file Node runs as it is). */
  readonly entry: string;
}

/** Environment variable naming another entry module for the sweep's worker threads. */
export const WORKER_ENTRY_VARIABLE = 'JALAD_SWEEP_WORKER';

/**
 * The worker threads' entry: the module named by JALAD_SWEEP_WORKER when set, else the compiled
 * worker beside this module (dist/src/sweep/worker.js).
 * NOTE: from the TypeScript sources (jest) there is no compiled worker here, and Node cannot run the
 * .ts one by itself. The sources carry no TypeScript loader for that: jest sets JALAD_SWEEP_WORKER
 * to a test helper that compiles the sources as the thread loads them (test/sweep-worker-env.js),
 * and everything else runs from the build.
 * @throws JaladError 'RUNTIME' when neither is there
 */
export function workerStart(env: NodeJS.ProcessEnv = process.env): WorkerStart {
  return {
    entry: workerEntryFile(
      env,
      WORKER_ENTRY_VARIABLE,
      path.join(__dirname, 'worker.js'),
      "the sweep's worker threads",
    ),
  };
}

/** The error a worker reported, as the class it was thrown as (exit codes depend on it). */
function rebuildError(e: NonNullable<WorkerReply['error']>): Error {
  if (e.name === 'InputError') return new InputError(e.code as ErrorCode, e.message);
  if (e.name === 'JaladError') return new JaladError(e.code as ErrorCode, e.message);
  const error = new Error(e.message);
  error.name = e.name;
  return error;
}
