/**
 * WebAssembly SIMD kernels for the accuracy sweep's two per-element loops: the range of a sample
 * and its quantize/dequantize round trip. They compute exactly what the JavaScript kernels of
 * normalize.ts compute, four float32 lanes at a time.
 *
 * Why WebAssembly: the sweep round-trips every sample at every bit width; in JavaScript that loop
 * was about 4 ns per element (each float32 step needs a Math.fround), a third of a full-test-set
 * sweep. WebAssembly has native float32 arithmetic (f32x4.div, f32x4.mul and f32x4.nearest are the
 * IEEE float32 operations, round half to even, subnormals kept), so the op sequence of the file
 * header of normalize.ts maps one to one onto its instructions and the results are bit-identical.
 * The test suite checks them against the JavaScript kernels on the stress tensors.
 *
 * The module is assembled below from its instruction listing (no toolchain, nothing prebuilt to
 * trust); each function works on a whole number of 16-byte vectors, the callers do the 0-3 tail
 * elements in JavaScript. When the engine lacks SIMD, `simdKernels()` is null and the JavaScript
 * kernels run instead.
 */

// --- A minimal WebAssembly binary writer: just what the listing below needs. ---

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (small constants only). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const vec = (items: readonly number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

/** Instructions used by the listing. SIMD opcodes are 0xFD followed by a LEB128 index. */
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const get = (i: number): number[] => [0x20, ...uleb(i)];
const set = (i: number): number[] => [0x21, ...uleb(i)];
const tee = (i: number): number[] => [0x22, ...uleb(i)];
const i32Const = (v: number): number[] => [0x41, ...sleb(v)];
const I32_ADD = [0x6a];
const I32_LT_U = [0x49];
const LOOP = [0x03, 0x40];
const BR_IF_0 = [0x0d, 0x00];
const END = [0x0b];
/** v128.load / v128.store with alignment hint 1 byte (samples need not start on 16 bytes). */
const V128_LOAD = [...simd(0x00), 0x00, 0x00];
const V128_STORE = [...simd(0x0b), 0x00, 0x00];
const V128_STORE_AT = (offset: number): number[] => [...simd(0x0b), 0x00, ...uleb(offset)];
const F32X4_SPLAT = simd(0x13);
const F32X4_NEAREST = simd(0x6a);
const F32X4_ADD = simd(0xe4);
const F32X4_SUB = simd(0xe5);
const F32X4_MUL = simd(0xe6);
const F32X4_DIV = simd(0xe7);
const F32X4_PMIN = simd(0xea);
const F32X4_PMAX = simd(0xeb);
const I32X4_TRUNC_SAT_F32X4_U = simd(0xf9);
const I16X8_NARROW_I32X4_U = simd(0x86);
const I8X16_NARROW_I16X8_U = simd(0x66);
const V128_LOAD_AT = (offset: number): number[] => [...simd(0x00), 0x00, ...uleb(offset)];

/** Advances an i32 byte-address local by one vector. */
const advance = (local: number): number[] => [...get(local), ...i32Const(16), ...I32_ADD, ...set(local)];

/**
 * range(src, end, out): lanes of min, max and Σ(x − x) over the vectors in [src, end), stored at
 * out, out + 16, out + 32. pmin/pmax (`b < a ? b : a`) skip NaN; x − x is NaN for NaN and ±Inf,
 * so a non-zero sum flags any non-finite value. Needs end > src.
 */
const RANGE = {
  params: [I32, I32, I32],
  locals: [V128, V128, V128, V128], // 3 lo, 4 hi, 5 bad (starts at 0), 6 x
  body: [
    ...get(0),
    ...V128_LOAD,
    ...tee(3),
    ...set(4),
    ...LOOP,
    ...get(0),
    ...V128_LOAD,
    ...set(6),
    ...get(3),
    ...get(6),
    ...F32X4_PMIN,
    ...set(3),
    ...get(4),
    ...get(6),
    ...F32X4_PMAX,
    ...set(4),
    ...get(5),
    ...get(6),
    ...get(6),
    ...F32X4_SUB,
    ...F32X4_ADD,
    ...set(5),
    ...advance(0),
    ...get(0),
    ...get(1),
    ...I32_LT_U,
    ...BR_IF_0,
    ...END,
    ...get(2),
    ...get(3),
    ...V128_STORE,
    ...get(2),
    ...get(4),
    ...V128_STORE_AT(16),
    ...get(2),
    ...get(5),
    ...V128_STORE_AT(32),
  ],
};

/**
 * roundTrip(src, end, dst, lo, r, levels, step): for each x in [src, end) writes
 * Add(Mul(Round(Mul(Div(Sub(x, lo), r), levels)), step), lo) at dst: the decoded value of x's
 * code, as normalize.ts defines it (Round is f32x4.nearest, ties to even). Needs end > src, r > 0.
 */
const ROUND_TRIP = {
  params: [I32, I32, I32, F32, F32, F32, F32],
  locals: [V128, V128, V128, V128], // 7 lo, 8 r, 9 levels, 10 step
  body: [
    ...get(3),
    ...F32X4_SPLAT,
    ...set(7),
    ...get(4),
    ...F32X4_SPLAT,
    ...set(8),
    ...get(5),
    ...F32X4_SPLAT,
    ...set(9),
    ...get(6),
    ...F32X4_SPLAT,
    ...set(10),
    ...LOOP,
    ...get(2),
    ...get(0),
    ...V128_LOAD,
    ...get(7),
    ...F32X4_SUB,
    ...get(8),
    ...F32X4_DIV,
    ...get(9),
    ...F32X4_MUL,
    ...F32X4_NEAREST,
    ...get(10),
    ...F32X4_MUL,
    ...get(7),
    ...F32X4_ADD,
    ...V128_STORE,
    ...advance(2),
    ...advance(0),
    ...get(0),
    ...get(1),
    ...I32_LT_U,
    ...BR_IF_0,
    ...END,
  ],
};

/** The code of the four floats at src + offset, as i32 lanes (quantize's locals). */
const codesAt = (offset: number): number[] => [
  ...get(0),
  ...V128_LOAD_AT(offset),
  ...get(6),
  ...F32X4_SUB,
  ...get(7),
  ...F32X4_DIV,
  ...get(8),
  ...F32X4_MUL,
  ...F32X4_NEAREST,
  ...I32X4_TRUNC_SAT_F32X4_U,
];

/**
 * quantize(src, end, dst, lo, r, levels): for each x in [src, end) writes the byte
 * Round(Mul(Div(Sub(x, lo), r), levels)) at dst, 16 floats per step (the codes are 0..255, so the
 * saturating narrowings are exact). Needs end > src, (end − src) a multiple of 64, r > 0.
 */
const QUANTIZE = {
  params: [I32, I32, I32, F32, F32, F32],
  locals: [V128, V128, V128], // 6 lo, 7 r, 8 levels
  body: [
    ...get(3),
    ...F32X4_SPLAT,
    ...set(6),
    ...get(4),
    ...F32X4_SPLAT,
    ...set(7),
    ...get(5),
    ...F32X4_SPLAT,
    ...set(8),
    ...LOOP,
    ...get(2),
    ...codesAt(0),
    ...codesAt(16),
    ...I16X8_NARROW_I32X4_U,
    ...codesAt(32),
    ...codesAt(48),
    ...I16X8_NARROW_I32X4_U,
    ...I8X16_NARROW_I16X8_U,
    ...V128_STORE,
    ...advance(2),
    ...get(0),
    ...i32Const(64),
    ...I32_ADD,
    ...set(0),
    ...get(0),
    ...get(1),
    ...I32_LT_U,
    ...BR_IF_0,
    ...END,
  ],
};

const I32_SHL = [0x74];
const i32Load = (offset: number): number[] => [0x28, 0x02, ...uleb(offset)];
const i32Store = (offset: number): number[] => [0x36, 0x02, ...uleb(offset)];
const i32Load8U = (offset: number): number[] => [0x2d, 0x00, ...uleb(offset)];

/** ++count[lane][byte at src + lane] (histogram's locals: 3 is the address scratch). */
const countLane = (lane: number): number[] => [
  ...get(2),
  ...get(0),
  ...i32Load8U(lane),
  ...i32Const(2),
  ...I32_SHL,
  ...I32_ADD,
  ...tee(3),
  ...get(3),
  ...i32Load(1024 * lane),
  ...i32Const(1),
  ...I32_ADD,
  ...i32Store(1024 * lane),
];

/**
 * histogram(src, end, counts): counts every byte of [src, end) into four interleaved u32 tables of
 * 256 at counts, counts + 1024, + 2048, + 3072 (one per byte lane: four tables break the store-to-
 * load chain of runs of equal codes). Needs end > src, (end − src) a multiple of 4.
 */
const HISTOGRAM = {
  params: [I32, I32, I32],
  locals: [I32],
  body: [
    ...LOOP,
    ...countLane(0),
    ...countLane(1),
    ...countLane(2),
    ...countLane(3),
    ...get(0),
    ...i32Const(4),
    ...I32_ADD,
    ...tee(0),
    ...get(1),
    ...I32_LT_U,
    ...BR_IF_0,
    ...END,
  ],
};

/** The module: one memory (exported "memory") and the functions above (exported by name). */
function assemble(): Uint8Array {
  const functions = [RANGE, ROUND_TRIP, QUANTIZE, HISTOGRAM];
  const names = ['range', 'roundTrip', 'quantize', 'histogram'];
  const types = functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), 0x00]);
  const groupLocals = (locals: number[]): number[][] => locals.map((t) => [0x01, t]);
  const bodies = functions.map((f) => {
    const body = [...vec(groupLocals(f.locals)), ...f.body, ...END];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(MEMORY_PAGES)]])),
    ...section(
      7,
      vec([
        ...names.map((name, i) => [...vec([...Buffer.from(name)].map((b) => [b])), 0x00, ...uleb(i)]),
        [...vec([...Buffer.from('memory')].map((b) => [b])), 0x02, 0x00],
      ]),
    ),
    ...section(10, vec(bodies)),
  ]);
}

// --- The kernels as JavaScript sees them. ---

/** Floats per chunk: one chunk in and one out, 128 KB in all, stay in the L2 cache. */
const CHUNK = 16 * 1024;
/** Memory layout, in bytes: range results, histogram tables, the input chunk, the output chunk. */
const RESULT = 0;
const COUNTS = 64;
const IN = COUNTS + 4096;
const OUT = IN + 4 * CHUNK;
const MEMORY_PAGES = Math.ceil((OUT + 4 * CHUNK) / 65536);

/** The SIMD kernels over plain Float32Arrays (chunked through the module's memory). */
export interface SimdKernels {
  /** min and max of `values` (length ≥ 1); null when a value is NaN or ±Infinity. */
  range(values: Float32Array): { lo: number; hi: number } | null;
  /**
   * Writes the decoded value of every element's code into `out` (same length as `values`):
   * exactly normalize.ts's round trip. `r` = float32(hi − lo) > 0, `step` = float32(r / levels).
   */
  roundTrip(
    values: Float32Array,
    lo: number,
    r: number,
    levels: number,
    step: number,
    out: Float32Array,
  ): void;
  /**
   * Writes every element's code into `codes` (same length as `values`) and adds the count of each
   * code to `histogram` (length > levels); arguments as `roundTrip`.
   */
  quantize(
    values: Float32Array,
    lo: number,
    r: number,
    levels: number,
    codes: Uint8Array,
    histogram: Uint32Array,
  ): void;
}

const fround = Math.fround;

/**
 * The members of the WebAssembly JavaScript API used here: lib ES2022 and @types/node 20 do not
 * declare them, and lib.dom would bring the whole DOM.
 */
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

interface KernelExports {
  memory: { buffer: ArrayBuffer };
  range: (src: number, end: number, out: number) => void;
  roundTrip: (
    src: number,
    end: number,
    dst: number,
    lo: number,
    r: number,
    levels: number,
    step: number,
  ) => void;
  quantize: (src: number, end: number, dst: number, lo: number, r: number, levels: number) => void;
  histogram: (src: number, end: number, counts: number) => void;
}

/** The code of one element, in JavaScript (the tails): float32 steps, ties to even. */
function codeOf(x: number, lo: number, r: number, levels: number): number {
  const s = fround(fround(fround(x - lo) / r) * levels);
  // Math.round breaks ties upwards; a tie (s = k − 0.5 exactly) goes to the even neighbour.
  const k = Math.round(s);
  return k - s === 0.5 && k % 2 !== 0 ? k - 1 : k;
}

/**
 * The kernels' `range`: whole groups of 4 in WebAssembly (through the `input` view of its memory,
 * lanes' results in `result`), the tail here.
 */
function rangeOf(
  values: Float32Array,
  exports: KernelExports,
  input: Float32Array,
  result: Float32Array,
): { lo: number; hi: number } | null {
  const n = values.length;
  let lo = values[0];
  let hi = lo;
  let bad = 0;
  for (let start = 0; start < n; start += CHUNK) {
    const m = Math.min(CHUNK, n - start);
    const whole = m & ~3;
    if (whole > 0) {
      input.set(values.subarray(start, start + whole));
      exports.range(IN, IN + 4 * whole, RESULT);
      for (let l = 0; l < 4; l++) {
        lo = result[l] < lo ? result[l] : lo;
        hi = result[4 + l] > hi ? result[4 + l] : hi;
        bad += result[8 + l];
      }
    }
    for (let i = start + whole; i < start + m; i++) {
      const v = values[i];
      bad += v - v;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
  }
  // NaN compares false everywhere: `bad` is the one reliable flag (and catches ±Infinity).
  return bad === 0 ? { lo, hi } : null;
}

function instantiate(): SimdKernels | null {
  const bytes = assemble();
  if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) return null;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const exports = instance.exports as KernelExports;
  // The memory never grows, so these views stay valid.
  const heap = new Float32Array(exports.memory.buffer);
  const input = heap.subarray(IN / 4, IN / 4 + CHUNK);
  const output = heap.subarray(OUT / 4, OUT / 4 + CHUNK);
  const result = heap.subarray(RESULT / 4, RESULT / 4 + 12);
  const codesOut = new Uint8Array(exports.memory.buffer, OUT, CHUNK);
  const counts = new Uint32Array(exports.memory.buffer, COUNTS, 1024);

  return {
    range: (values) => rangeOf(values, exports, input, result),

    roundTrip(values, lo, r, levels, step, out) {
      const n = values.length;
      for (let start = 0; start < n; start += CHUNK) {
        const m = Math.min(CHUNK, n - start);
        const whole = m & ~3;
        if (whole > 0) {
          input.set(values.subarray(start, start + whole));
          exports.roundTrip(IN, IN + 4 * whole, OUT, lo, r, levels, step);
          out.set(output.subarray(0, whole), start);
        }
        for (let i = start + whole; i < start + m; i++)
          out[i] = fround(fround(codeOf(values[i], lo, r, levels) * step) + lo);
      }
    },

    quantize(values, lo, r, levels, codes, histogram) {
      const n = values.length;
      for (let start = 0; start < n; start += CHUNK) {
        const m = Math.min(CHUNK, n - start);
        const whole = m & ~15;
        if (whole > 0) {
          input.set(values.subarray(start, start + whole));
          exports.quantize(IN, IN + 4 * whole, OUT, lo, r, levels);
          exports.histogram(OUT, OUT + whole, COUNTS);
          codes.set(codesOut.subarray(0, whole), start);
        }
        for (let i = start + whole; i < start + m; i++) {
          const k = codeOf(values[i], lo, r, levels);
          codes[i] = k;
          histogram[k]++;
        }
      }
      for (let k = 0; k <= levels; k++)
        histogram[k] += counts[k] + counts[256 + k] + counts[512 + k] + counts[768 + k];
      counts.fill(0);
    },
  };
}

let kernels: SimdKernels | null | undefined;

/** The SIMD kernels, or null where WebAssembly SIMD is unavailable (instantiated on first use). */
export function simdKernels(): SimdKernels | null {
  if (kernels === undefined) kernels = instantiate();
  return kernels;
}
