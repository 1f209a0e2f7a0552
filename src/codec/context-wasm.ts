/**
 * The context coder's per-code loops in WebAssembly: the same contexts, binarisation, adaptation
 * and range coder as the JavaScript loops of context-coder.ts, decision for decision, so the
 * payload bytes are identical (the tests compare both at every bit width on many code maps).
 *
 * Why WebAssembly: the contexts of a code depend on the codes just decoded, so nothing can be
 * batched; the loop is a chain of small integer steps with unpredictable branches, and V8 spent
 * about 16 ns per binary decision on it (a 24×28×28 map at 8 bits decoded at ~50 MB/s of float32).
 * Session 7 measured the decision step alone 3.7x faster in WebAssembly; the whole loop has to move,
 * since a call per decision would cost more than it saves.
 *
 * Why AssemblyScript and not the hand assembler of simd-kernels.ts: that listing is fine for three
 * straight-line SIMD loops, but the coder has nested loops, ~15 helpers and ~400 instructions;
 * hand-written stack code that large could not be reviewed. The source is wasm/context-loop.ts,
 * compiled by `npm run build:wasm` (AssemblyScript, an exact devDependency) into
 * context-wasm-bytes.ts; a test rebuilds it and checks the committed bytes are identical, so the
 * bytes shipped are the source's. Nothing is compiled at install or run time.
 *
 * Fallback: when WebAssembly is missing or the module fails to instantiate, or a map needs more
 * memory than LIMIT_BYTES, the JavaScript loops run (they stay the reference).
 */
import { CONTEXT_WASM_BASE64 } from './context-wasm-bytes';

/**
 * The members of the WebAssembly JavaScript API used here (as in simd-kernels.ts: lib ES2022 and
 * @types/node 20 do not declare them).
 */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  statesPtr(): number;
  codeBitsPtr(): number;
  heapBase(): number;
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
    pace: number,
    tolerance: number,
    learningBytes: number,
    marginBytes: number,
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
  cdfsPtr(): number;
  usesPtr(): number;
  encode5(...args: [...Parameters<Exports['encode']>, raw: number]): number;
  decode5: Exports['decode'];
}

/** Format version 5's multi-symbol contexts' starting state (context-coder-v5.ts), besides the binary states. */
export interface WasmCdfStart {
  readonly cdfs: Uint16Array;
  readonly uses: Uint8Array;
}

/** Above this much linear memory the JavaScript loops run instead (a map of ~100 M codes). */
const LIMIT_BYTES = 1 << 30;
const PAGE_BYTES = 65536;

let instance: Exports | null | undefined;
let enabled = true;

/**
 * A module's exports from its base64 bytes, or null where WebAssembly is unavailable or refuses it
 * (then JavaScript codes); shared with context-v6-wasm.ts.
 */
export function instantiateModule<T>(base64: string): T | null {
  try {
    const bytes = Buffer.from(base64, 'base64');
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as T;
  } catch {
    return null;
  }
}

/** The instantiated module, or null where WebAssembly is unavailable (then JavaScript codes). */
function module(): Exports | null {
  if (instance === undefined) instance = instantiateModule<Exports>(CONTEXT_WASM_BASE64);
  return instance;
}

/**
 * Turns the WebAssembly loops off (false) or back on: for the benchmark's and tests' side-by-side
 * runs of the JavaScript reference. The payloads are the same either way.
 */
export function useContextWasm(on: boolean): void {
  enabled = on;
}

/** Whether `useContextWasm` left the WebAssembly loops on (context-v6-wasm.ts follows it too). */
export function contextWasmWanted(): boolean {
  return enabled;
}

/** Whether the next context encode or decode runs in WebAssembly. */
export function contextWasmActive(): boolean {
  return enabled && module() !== null;
}

/**
 * Memory from a module's heap base for `bytes` more, grown as needed; null over LIMIT_BYTES (then
 * JavaScript codes); shared with context-v6-wasm.ts.
 */
export function reserveMemory(
  wasm: { readonly memory: Exports['memory']; heapBase(): number },
  bytes: number,
): number | null {
  const base = (wasm.heapBase() + 15) & ~15;
  const need = base + bytes;
  if (need > LIMIT_BYTES) return null;
  const have = wasm.memory.buffer.byteLength;
  if (have < need) wasm.memory.grow(Math.ceil((need - have) / PAGE_BYTES));
  return base;
}

function setStates(wasm: Exports, initial: Int32Array, v5: WasmCdfStart | undefined): void {
  new Int32Array(wasm.memory.buffer, wasm.statesPtr(), initial.length).set(initial);
  if (v5 === undefined) return;
  new Uint16Array(wasm.memory.buffer, wasm.cdfsPtr(), v5.cdfs.length).set(v5.cdfs);
  new Uint8Array(wasm.memory.buffer, wasm.usesPtr(), v5.uses.length).set(v5.uses);
}

/** The encoder's pace (see contextEncodeWithin): rANS's bits per code value and the bytes allowed on top. */
export interface WasmPace {
  readonly codeBits: Float64Array;
  readonly toleranceFactor: number;
  readonly learningBytes: number;
  readonly marginBytes: number;
}

/**
 * The payload of `codes` (planeCount planes of h×w) as contextEncodeFrom codes it; null when given
 * up (over maxBytes or the pace); undefined when the WebAssembly loop cannot run (the caller codes
 * in JavaScript).
 */
export function contextEncodeWasm(
  codes: Uint8Array,
  planeCount: number,
  h: number,
  w: number,
  bits: number,
  maxBytes: number,
  pace: WasmPace | undefined,
  initial: Int32Array,
  v5?: WasmCdfStart,
): Uint8Array | null | undefined {
  const wasm = enabled ? module() : null;
  if (wasm === null) return undefined;
  const area = h * w;
  const n = codes.length;
  // A payload beyond this falls back (-2); on real maps it stays below n bytes.
  const capacity = 2 * n + 4096;
  // Then version 5's raw bits (at most 5 per code) before they are appended.
  const base = reserveMemory(wasm, area + n + capacity + 32 + n + 16);
  if (base === null) return undefined;
  const prev = base;
  const at = prev + area;
  const out = (at + n + 15) & ~15;
  new Uint8Array(wasm.memory.buffer, at, n).set(codes);
  setStates(wasm, initial, v5);
  if (pace !== undefined)
    new Float64Array(wasm.memory.buffer, wasm.codeBitsPtr(), 256).set(pace.codeBits.subarray(0, 256));
  const raw = (out + capacity + 15) & ~15;
  const length = (v5 === undefined ? wasm.encode : wasm.encode5)(
    at,
    planeCount,
    h,
    w,
    bits,
    out,
    capacity,
    prev,
    maxBytes,
    pace === undefined ? 0 : 1,
    pace?.toleranceFactor ?? 1,
    pace?.learningBytes ?? 0,
    pace?.marginBytes ?? 0,
    raw,
  );
  if (length === -1) return null;
  if (length < 0) return undefined;
  return new Uint8Array(wasm.memory.buffer, out, length).slice();
}

/**
 * Decodes planeCount·h·w codes from `bytes[start, end)` as contextDecodeFrom does: the codes and
 * the read position less `start` (the caller checks it), -1 for a residual out of range, or
 * undefined when the WebAssembly loop cannot run. With `table` (normalize.ts's dequantizeTable),
 * also the codes' values, looked up in the module before the codes leave it.
 */
export function contextDecodeWasm(
  bytes: Uint8Array,
  planeCount: number,
  h: number,
  w: number,
  bits: number,
  start: number,
  end: number,
  initial: Int32Array,
  table?: Float32Array,
  v5?: WasmCdfStart,
): { codes: Uint8Array; readBytes: number; values?: Float32Array } | -1 | -2 | undefined {
  const wasm = enabled ? module() : null;
  if (wasm === null || start < 0 || end > bytes.length) return undefined;
  const area = h * w;
  const n = planeCount * area;
  const length = Math.max(0, end - start);
  const valueBytes = table === undefined ? 0 : 4 * (n + 256) + 32;
  // 8 bytes after the payload: zeros for version 5's 4-byte loads past its end.
  const base = reserveMemory(wasm, area + n + length + 40 + valueBytes);
  if (base === null) return undefined;
  const prev = base;
  const at = prev + area;
  const input = (at + n + 15) & ~15;
  new Uint8Array(wasm.memory.buffer, input, length).set(bytes.subarray(start, start + length));
  new Uint8Array(wasm.memory.buffer, input + length, 8).fill(0);
  setStates(wasm, initial, v5);
  const decode = v5 === undefined ? wasm.decode : wasm.decode5;
  const read = decode(at, planeCount, h, w, bits, input, input + length, prev);
  if (read < 0) return read === -2 ? -2 : -1;
  const codes = new Uint8Array(wasm.memory.buffer, at, n).slice();
  if (table === undefined) return { codes, readBytes: read };
  const tableAt = (input + length + 8 + 15) & ~15;
  const out = tableAt + 4 * 256;
  new Float32Array(wasm.memory.buffer, tableAt, 256).set(table);
  wasm.lookup(at, n, tableAt, out);
  return { codes, readBytes: read, values: new Float32Array(wasm.memory.buffer, out, n).slice() };
}
