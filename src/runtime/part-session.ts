/**
 * A session over one deployed part (edge.onnx or cloud.onnx) that speaks plain typed arrays, so
 * rooms above the runtime (the live server and edge client in src/serve) run models without
 * importing onnxruntime-node.
 */
import * as ort from 'onnxruntime-node';
import { InputError, JaladError } from '../core/errors';
import { openSession, type SessionOptions } from './ort';

/** Element types a part's inputs and outputs may have on the wire. */
export type PlainType = 'float32' | 'uint8' | 'int64' | 'int32';

/** A tensor as plain data: element type, values, dims. */
export interface PlainTensor {
  readonly type: PlainType;
  readonly data: Float32Array | Uint8Array | BigInt64Array | Int32Array;
  readonly dims: readonly number[];
}

/** One part's session: its port names, a run on plain tensors, release. */
export interface PartSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the part; every input must be given. */
  run(feeds: Readonly<Record<string, PlainTensor>>): Promise<Record<string, PlainTensor>>;
  release(): Promise<void>;
}

const PLAIN_TYPES: readonly string[] = ['float32', 'uint8', 'int64', 'int32'];

/**
 * Opens a session on a part's ONNX bytes.
 * @throws JaladError RUNTIME when ONNX Runtime cannot load the model
 */
export async function openPartSession(model: Uint8Array, options: SessionOptions = {}): Promise<PartSession> {
  const session = await openSession(model, options);
  return {
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    async run(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const name of session.inputNames) {
        const t = feeds[name];
        if (!t) throw new InputError('BAD_DATA', `input "${name}" of the part is missing`);
        ortFeeds[name] = new ort.Tensor(t.type, t.data, [...t.dims]);
      }
      let out: ort.InferenceSession.ReturnType;
      try {
        out = await session.run(ortFeeds);
      } catch (err) {
        // A wrong shape or type reaches ORT only when the caller did not check it: name it.
        throw new InputError(
          'BAD_DATA',
          `ONNX Runtime refused the inputs: ${(err as Error).message.split('\n')[0]}`,
        );
      }
      const result: Record<string, PlainTensor> = {};
      for (const name of session.outputNames) {
        const t = out[name];
        if (!PLAIN_TYPES.includes(t.type))
          throw new JaladError(
            'RUNTIME',
            `output "${name}" has type ${t.type}; jalad sends ${PLAIN_TYPES.join(', ')}`,
          );
        result[name] = {
          type: t.type as PlainType,
          data: t.data as PlainTensor['data'],
          dims: [...t.dims],
        };
      }
      return result;
    },
    release: () => session.release(),
  };
}
