/**
 * Sessions under ONNX Runtime's own profiler: every run is recorded as Chrome trace events
 * (one `model_run` per run, one `<node>_kernel_time` per kernel, whole microseconds), written
 * to a file in a private temporary folder that the session removes when released.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JaladError } from '../core/errors';
import { encodeModel } from '../graph/model-io';
import type { ModelProto } from '../graph/onnx-types';
import { createOrtSession, ortOptions, wrapSession, type Session } from './session';

/** One event of a profiling trace (the fields jalad reads). */
export interface TraceEvent {
  readonly cat?: string;
  readonly name?: string;
  /** Duration, µs. */
  readonly dur?: number;
  /** Start, µs. */
  readonly ts?: number;
}

/** A session that records its runs. */
export interface TracedSession extends Session {
  /** Stops recording and returns the trace of every run so far. */
  endProfiling(): TraceEvent[];
}

/** Opens a profiled session (optimisation level and threads as given; spinning as ORT's default). */
export async function openTracedSession(
  model: ModelProto | Uint8Array,
  options: { readonly optimization: 'disabled' | 'all'; readonly threads: number },
): Promise<TracedSession> {
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-profile-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  let inner;
  try {
    inner = await createOrtSession(bytes, {
      ...ortOptions(options),
      enableProfiling: true,
      profileFilePrefix: path.join(dir, 'trace'),
    });
  } catch (err) {
    remove();
    throw err;
  }
  const session = wrapSession(inner, bytes.length);
  return {
    ...session,
    endProfiling: () => {
      inner.endProfiling();
      const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
      if (!file) throw new JaladError('RUNTIME', 'ONNX Runtime wrote no profiling trace');
      return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as TraceEvent[];
    },
    release: async () => {
      try {
        await session.release();
      } finally {
        remove();
      }
    },
  };
}
