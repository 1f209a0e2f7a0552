/**
 * The context coder's payload version 6 in WebAssembly: wasm/context-v6.ts, compiled by
 * `npm run build:wasm` into context-v6-wasm-bytes.ts, computes what context-coder-v6.ts (the
 * reference) computes, decision for decision, so the payload bytes are identical (the tests compare
 * both at every bit width on many maps). A module of its own, apart from versions 3-5's: it has its
 * own model state and needs no SIMD.
 *
 * Why: version 6 spends ~16 binary decisions per nonzero code, each with six probabilities, a
 * mixer of seven weights and an APM; in JavaScript that ran at ~10 MB/s of float32 (session 10),
 * too slow to write even on small maps.
 *
 * Fallback: where WebAssembly is missing, `useContextWasm(false)` turned it off, or a map needs
 * more memory than context-wasm.ts's LIMIT_BYTES, context-coder-v6.ts's JavaScript runs (same bytes).
 */
import { InputError } from '../core/errors';
import { planes } from './context-coder';
import { contextDecodeV6, contextEncodeV6, V6 } from './context-coder-v6';
import { trainedStates } from './context-init-table';
import { CONTEXT_V6_WASM_BASE64 } from './context-v6-wasm-bytes';
import { contextWasmWanted, instantiateModule, reserveMemory } from './context-wasm';
import { dequantizeInto, dequantizeTable } from './normalize';
import type { BitWidth } from './types';

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  statesPtr(): number;
  heapBase(): number;
  configure(...constants: number[]): void;
  encode(
    codes: number,
    planeCount: number,
    h: number,
    w: number,
    bits: number,
    out: number,
    capacity: number,
    prev: number,
    maxBytes: number,
  ): number;
  decode(
    codes: number,
    planeCount: number,
    h: number,
    w: number,
    bits: number,
    start: number,
    end: number,
    prev: number,
  ): number;
  lookup(codes: number, n: number, table: number, out: number): void;
}

let instance: Exports | null | undefined;

function module(): Exports | null {
  if (instance === undefined) instance = instantiateModule<Exports>(CONTEXT_V6_WASM_BASE64);
  return instance;
}

/** Whether the next version-6 encode or decode runs in WebAssembly. */
export function contextV6WasmActive(): boolean {
  return contextWasmWanted() && module() !== null;
}

/** The module with version 4's trained states for `bits` and V6's constants set, or null (JavaScript codes). */
function ready(bits: BitWidth): Exports | null {
  const wasm = contextWasmWanted() ? module() : null;
  if (wasm === null) return null;
  const states = trainedStates(bits);
  new Int32Array(wasm.memory.buffer, wasm.statesPtr(), states.length).set(states);
  const weight = (f: number): number => Math.round(f * 65536);
  wasm.configure(
    V6.slowLimit,
    V6.fastShift,
    V6.mixShift,
    V6.apm,
    V6.apmRate,
    V6.actShift,
    V6.actRate,
    weight(V6.mixInit),
    weight(V6.secondInit),
    weight(V6.thirdInit),
    V6.hitRate,
  );
  return wasm;
}

/**
 * The module's scratch before the codes: the previous plane's contexts (a byte per position), then,
 * 4-aligned, the exact-prediction rates (an i32 per position; `walk` in wasm/context-v6.ts).
 */
function scratchBytes(area: number): number {
  return ((area + 3) & ~3) + 4 * area;
}

/** The payload in WebAssembly; null when over maxBytes; undefined when it cannot run there. */
function encodeWasm(
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  maxBytes: number,
): Uint8Array | null | undefined {
  const wasm = ready(bits);
  if (wasm === null) return undefined;
  const { c: planeCount, h, w } = planes(shape);
  const area = h * w;
  const n = codes.length;
  const capacity = 2 * n + 4096;
  const base = reserveMemory(wasm, scratchBytes(area) + n + capacity + 32);
  if (base === null) return undefined;
  const at = base + scratchBytes(area);
  const out = (at + n + 15) & ~15;
  new Uint8Array(wasm.memory.buffer, at, n).set(codes);
  const length = wasm.encode(at, planeCount, h, w, bits, out, capacity, base, maxBytes);
  if (length === -1 || length > maxBytes) return null;
  if (length < 0) return undefined;
  return new Uint8Array(wasm.memory.buffer, out, length).slice();
}

/**
 * Version 6's payload of one sample's codes (the bytes of context-coder-v6.ts's contextEncodeV6),
 * in WebAssembly where it runs; null when it would exceed maxBytes.
 */
export function contextEncodeV6Within(
  codes: Uint8Array,
  shape: readonly number[],
  bits: BitWidth,
  maxBytes = Infinity,
): Uint8Array | null {
  const payload = encodeWasm(codes, shape, bits, maxBytes);
  if (payload !== undefined) return payload;
  const js = contextEncodeV6(codes, shape, bits);
  return js.length > maxBytes ? null : js;
}

function bad(message: string): InputError {
  return new InputError('BAD_DATA', message);
}

/**
 * Decodes `count` codes from a version-6 payload `bytes[start, end)` and their values
 * (normalize.ts's dequantizeInto with lo, hi), in WebAssembly where it runs.
 * @throws InputError BAD_DATA as contextDecodeV6: a residual out of range, or a payload that does
 *   not end exactly where the codes do.
 */
export function contextDecodeV6Values(
  bytes: Uint8Array,
  count: number,
  shape: readonly number[],
  bits: BitWidth,
  range: { start: number; end: number; lo: number; hi: number },
): { codes: Uint8Array; values: Float32Array } {
  const { start, end, lo, hi } = range;
  const { c: planeCount, h, w } = planes(shape);
  if (planeCount * h * w !== count)
    throw bad(`context payload: shape [${shape.join(', ')}] does not hold ${count} codes`);
  const wasm = start >= 0 && end <= bytes.length ? ready(bits) : null;
  const area = h * w;
  const length = Math.max(0, end - start);
  const base =
    wasm === null ? null : reserveMemory(wasm, scratchBytes(area) + count + length + 48 + 4 * (count + 256));
  if (wasm === null || base === null) {
    const codes = contextDecodeV6(bytes, count, shape, bits, start, end);
    const values = new Float32Array(count);
    dequantizeInto(codes, lo, hi, bits, values);
    return { codes, values };
  }
  const at = base + scratchBytes(area);
  const input = (at + count + 15) & ~15;
  new Uint8Array(wasm.memory.buffer, input, length).set(bytes.subarray(start, start + length));
  const read = wasm.decode(at, planeCount, h, w, bits, input, input + length, base);
  if (read < 0) throw bad('context payload v6: residual out of range (corrupted)');
  if (read !== length + 3)
    throw bad(`context payload: the codes end after ${read - 3} of ${length} bytes (corrupted or truncated)`);
  const codes = new Uint8Array(wasm.memory.buffer, at, count).slice();
  const tableAt = (input + length + 15) & ~15;
  const out = tableAt + 4 * 256;
  new Float32Array(wasm.memory.buffer, tableAt, 256).set(dequantizeTable(lo, hi, bits));
  wasm.lookup(at, count, tableAt, out);
  return { codes, values: new Float32Array(wasm.memory.buffer, out, count).slice() };
}
