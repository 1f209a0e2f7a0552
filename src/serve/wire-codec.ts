/**
 * Between the parts: the edge part's outputs (codes and range of each quantized tensor, or the
 * float32 tensor itself) to byte streams, and the streams back to the cloud part's inputs. The
 * codes travel unchanged (entropy coding is lossless), so the cloud part sees exactly what the
 * edge part computed.
 */
import {
  decodeTensor,
  encodeCodes,
  encodeTensor,
  float32ToHalfBits,
  halfBitsToFloat32,
  type BitWidth,
} from '../codec';
import { InputError } from '../core/errors';
import { wireNames } from '../graph';
import type { Tensor } from '../runtime';
import type { ServedPlan, WireSpec } from './served-plan';
import type { Frame } from './wire-frames';

function output(outputs: Readonly<Record<string, Tensor>>, name: string): Tensor {
  const t = outputs[name];
  if (!t) throw new InputError('BAD_MODEL', `the edge part has no output "${name}"`);
  return t;
}

/**
 * Encodes the edge part's outputs for one sample (batch 1) as one stream per wire tensor.
 * @throws InputError BAD_MODEL when an output the plan needs is missing
 */
export function encodeEdgeOutputs(plan: ServedPlan, outputs: Readonly<Record<string, Tensor>>): Frame[] {
  return plan.wire.map((w) => {
    if (w.bits === 'f32' || w.bits === 'bf16' || w.bits === 'f16') {
      const t = output(outputs, w.tensor);
      // A float16 output holds half bit patterns; widened to float32 they encode back exactly.
      const values =
        w.bits === 'f16'
          ? Float32Array.from(t.data as Uint16Array, halfBitsToFloat32)
          : (t.data as Float32Array);
      return {
        name: w.tensor,
        bytes: encodeTensor(values, t.dims.slice(1), { bits: w.bits, name: w.tensor }),
      };
    }
    const names = wireNames(w.tensor);
    const code = output(outputs, names.code);
    const lo = (output(outputs, names.lo).data as Float32Array)[0];
    const hi = (output(outputs, names.hi).data as Float32Array)[0];
    return {
      name: w.tensor,
      bytes: encodeCodes(code.data as Uint8Array, code.dims.slice(1), {
        bits: w.bits as BitWidth,
        lo,
        hi,
        name: w.tensor,
        coder: plan.coder ?? 'auto',
      }),
    };
  });
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The range tensors' dims for a sample of rank r (the quantizer's keepdims reduction). */
function rangeDims(spec: WireSpec): number[] {
  return spec.sampleDims.length === 0 ? [1] : [1, ...spec.sampleDims.map(() => 1)];
}

/**
 * Decodes one request's streams into the cloud part's inputs (batch 1), checking each against
 * the plan.
 * @throws InputError BAD_DATA for a missing, extra, corrupt or truncated stream, a stream at
 *   another precision, or a tensor of the wrong shape
 */
export function decodeCloudInputs(plan: ServedPlan, frames: readonly Frame[]): Record<string, Tensor> {
  const byName = new Map(frames.map((f) => [f.name, f.bytes]));
  const extra = frames.filter((f) => !plan.wire.some((w) => w.tensor === f.name));
  if (extra.length > 0)
    throw new InputError('BAD_DATA', `stream "${extra[0].name}" is not a tensor of plan ${plan.label}`);
  const feeds: Record<string, Tensor> = {};
  for (const w of plan.wire) {
    const bytes = byName.get(w.tensor);
    if (!bytes) throw new InputError('BAD_DATA', `no stream for tensor "${w.tensor}" of plan ${plan.label}`);
    const t = decodeTensor(bytes, { name: w.tensor });
    if (t.bits !== w.bits)
      throw new InputError(
        'BAD_DATA',
        `tensor "${w.tensor}" arrived at precision ${t.bits}; plan ${plan.label} sends it at ${w.bits}`,
      );
    if (!sameDims(t.shape, w.sampleDims))
      throw new InputError(
        'BAD_DATA',
        `tensor "${w.tensor}" has shape [${t.shape.join(', ')}]; plan ${plan.label} expects [${w.sampleDims.join(', ')}]`,
      );
    const dims = [1, ...w.sampleDims];
    if (w.bits === 'f32' || w.bits === 'bf16') {
      feeds[w.tensor] = { type: 'float32', data: t.values, dims };
      continue;
    }
    if (w.bits === 'f16') {
      feeds[w.tensor] = { type: 'float16', data: Uint16Array.from(t.values, float32ToHalfBits), dims };
      continue;
    }
    const names = wireNames(w.tensor);
    const rd = rangeDims(w);
    feeds[names.code] = { type: 'uint8', data: t.codes!, dims };
    feeds[names.lo] = { type: 'float32', data: Float32Array.of(t.lo), dims: rd };
    feeds[names.hi] = { type: 'float32', data: Float32Array.of(t.hi), dims: rd };
  }
  return feeds;
}

/**
 * The cloud part's inputs for one sample of zeros (codes 0 in the range [0, 1], float tensors 0),
 * shaped as `decodeCloudInputs` shapes a request's: what the server runs each part on once before
 * it listens (server.ts), so that no request pays a session's first run.
 */
export function zeroCloudInputs(plan: ServedPlan): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const w of plan.wire) {
    const dims = [1, ...w.sampleDims];
    const n = w.sampleDims.reduce((a, b) => a * b, 1);
    if (w.bits === 'f32' || w.bits === 'bf16')
      feeds[w.tensor] = { type: 'float32', data: new Float32Array(n), dims };
    else if (w.bits === 'f16') feeds[w.tensor] = { type: 'float16', data: new Uint16Array(n), dims };
    else {
      const names = wireNames(w.tensor);
      const rd = rangeDims(w);
      feeds[names.code] = { type: 'uint8', data: new Uint8Array(n), dims };
      feeds[names.lo] = { type: 'float32', data: Float32Array.of(0), dims: rd };
      feeds[names.hi] = { type: 'float32', data: Float32Array.of(1), dims: rd };
    }
  }
  return feeds;
}

/** The cloud part's float32 outputs as lossless streams. */
export function encodeOutputs(outputs: Readonly<Record<string, Tensor>>): Frame[] {
  return Object.entries(outputs).map(([name, t]) => {
    if (t.type !== 'float32')
      throw new InputError('BAD_MODEL', `output "${name}" is ${t.type}; jalad serve returns float32 outputs`);
    return { name, bytes: encodeTensor(t.data as Float32Array, t.dims, { bits: 'f32', name }) };
  });
}

/** Decodes a response's streams: output name to values and dims. */
export function decodeOutputs(frames: readonly Frame[]): Record<string, Tensor> {
  const result: Record<string, Tensor> = {};
  for (const f of frames) {
    const t = decodeTensor(f.bytes, { name: f.name });
    result[f.name] = { type: 'float32', data: t.values, dims: t.shape };
  }
  return result;
}
