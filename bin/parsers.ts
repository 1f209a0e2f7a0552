/**
 * Flag parsers: tiny functions that throw commander's InvalidArgumentError. Every numeric flag has
 * a documented range with its unit (FLAG_RANGES, docs/outputs.md); an empty value, hex, `Infinity`
 * or anything but a plain decimal number is refused before any work.
 */
import { InvalidArgumentError } from 'commander';
import { BANDWIDTH_RANGE_MBPS } from '../src/core/limits';
import { CODER_CHOICES, type CoderChoice } from '../src/codec';
import { parseDevice, type DeviceChoice } from '../src/runtime/device';
import { AUTO_THOROUGH_BUDGET_MS } from '../src/profiler/profile-mode';
import { parseMetric, METRIC_NAMES_HELP, type MetricSpec } from '../src/sweep';
import { MAX_SHARDS, parseShardSpec, type ShardSpec } from '../src/pipeline/shard-index';

/** A closed range with its unit, as the help and the docs state it. */
export interface FlagRange {
  readonly min: number;
  readonly max: number;
  readonly unit: string;
  /** True when the value must be a whole number. */
  readonly integer?: boolean;
}

/** The range of every numeric flag. */
export const FLAG_RANGES = {
  bandwidthMbps: { ...BANDWIDTH_RANGE_MBPS, unit: 'Mbps' },
  rttMs: { min: 0, max: 600_000, unit: 'ms' },
  lossPct: { min: 0, max: 100, unit: 'percentage points' },
  bits: { min: 1, max: 8, unit: 'bits', integer: true },
  threads: { min: 1, max: 256, unit: 'threads', integer: true },
  threadsOrAuto: { min: 0, max: 256, unit: 'threads (0 = ONNX Runtime decides)', integer: true },
  runs: { min: 1, max: 100_000, unit: 'runs', integer: true },
  warmup: { min: 0, max: 100_000, unit: 'runs', integer: true },
  batchSize: { min: 1, max: 65_536, unit: 'samples', integer: true },
  samples: { min: 1, max: 100_000_000, unit: 'samples', integer: true },
  seed: { min: 0, max: 4_294_967_295, unit: '', integer: true },
  port: { min: 0, max: 65_535, unit: '(0 = a free port)', integer: true },
  bodyBytes: { min: 1, max: 2 ** 31 - 1, unit: 'bytes', integer: true },
  timeoutMs: { min: 1, max: 3_600_000, unit: 'ms', integer: false },
  retries: { min: 0, max: 100, unit: 'retries', integer: true },
  speed: { min: 0.001, max: 1e6, unit: 'x', integer: false },
  dagCuts: { min: 0, max: 1000, unit: 'cuts', integer: true },
  repeat: { min: 1, max: 10_000, unit: 'runs', integer: true },
  calibrate: { min: 2, max: 1000, unit: 'requests per plan', integer: true },
  computeWindow: { min: 0, max: 1000, unit: 'samples per plan (0 = none)', integer: true },
} as const satisfies Record<string, FlagRange>;

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function rangeText(r: FlagRange): string {
  return `${r.integer ? 'a whole number' : 'a number'} from ${r.min} to ${r.max}${r.unit ? ` ${r.unit}` : ''}`;
}

function inRange(text: string, r: FlagRange): number | undefined {
  const t = text.trim();
  if (!DECIMAL.test(t)) return undefined;
  const n = Number(t);
  if (!Number.isFinite(n) || n < r.min || n > r.max || (r.integer && !Number.isInteger(n))) return undefined;
  return n;
}

/** One number within `r` (e.g. `--rtt 20`). */
export function parseInRange(r: FlagRange): (value: string) => number {
  return (value: string) => {
    const n = inRange(value, r);
    if (n === undefined) throw new InvalidArgumentError(`expected ${rangeText(r)}, got "${value}"`);
    return n;
  };
}

/** A comma-separated list of numbers within `r` (e.g. `--bandwidth 1.1,5.85`), in the order given, without repeats. */
export function parseListInRange(r: FlagRange): (value: string) => number[] {
  return (value: string) => {
    const list = value.split(',').map((s) => inRange(s, r));
    if (list.some((n) => n === undefined))
      throw new InvalidArgumentError(`expected comma-separated values, each ${rangeText(r)}, got "${value}"`);
    return [...new Set(list as number[])];
  };
}

/** A comma-separated list of non-empty names ("a,b,c"). */
export function parseNameList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.some((n) => n === ''))
    throw new InvalidArgumentError(`expected comma-separated tensor names, got "${value}"`);
  return names;
}

/** Largest dimension accepted in `--input-shape` (elements along one axis). */
const MAX_INPUT_DIM = 1 << 24;

/** `name=1x3x224x224`, repeatable: collects into a map of input name -> dims. */
export function parseInputShape(
  value: string,
  previous: Map<string, number[]> = new Map(),
): Map<string, number[]> {
  const m = /^([^=]+)=(\d+(?:x\d+)*)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected NAME=DxDxD (e.g. input=1x3x224x224), got "${value}"`);
  const dims = m[2].split('x').map(Number);
  if (dims.some((d) => d < 1 || d > MAX_INPUT_DIM))
    throw new InvalidArgumentError(`dimensions must be from 1 to ${MAX_INPUT_DIM}, got "${value}"`);
  if (previous.has(m[1])) throw new InvalidArgumentError(`input "${m[1]}" is given twice`);
  return new Map(previous).set(m[1], dims);
}

/** Comma-separated bit widths, each a whole number 1..8 ("2,4,6,8"). */
export function parseBits(value: string): number[] {
  return parseListInRange(FLAG_RANGES.bits)(value).sort((a, b) => a - b);
}

/** Help text of `--inputs`, shared by analyze, split, profile and bench. */
export const INPUTS_HELP =
  'real input values instead of synthetic ones: a folder of input_N.pb TensorProto files ' +
  '(ONNX test-data layout, e.g. test_data_set_0/) or NAME=FILE.npy[,NAME=FILE...] (.npy or .pb per input); ' +
  'needed when an integer input is a shape, an axis or an index';

/** `cpu`, `webgpu` or `cuda[:N]` (see src/runtime/device.ts). */
export function parseDeviceArg(value: string): DeviceChoice {
  try {
    return parseDevice(value);
  } catch {
    throw new InvalidArgumentError(
      `expected cpu, webgpu, cuda or cuda:N (N the GPU's index), got "${value}"`,
    );
  }
}

/** `--device`'s help: what is timed where. */
export const DEVICE_HELP =
  'where ONNX Runtime runs what is timed: cpu, webgpu (bundled provider; needs a GPU adapter) or cuda[:N] ' +
  "(needs ONNX Runtime's CUDA provider library); a device that cannot be used is refused in one line before any work";
/** What measuring this machine times, as `--profile` takes it. */
export type ProfileModeFlag = 'auto' | 'fast' | 'thorough';

/** Help text of `--profile`, shared by analyze and profile. */
export const PROFILE_MODE_HELP =
  'fast: per-node times from traced whole-model runs, the boundary cost fitted on a sample of cut points, ' +
  "the rest predicted (cost grows with the model's runtime); thorough: the real edge and cloud models of " +
  'every cut point timed too (cost grows with runtime x cut points); auto: thorough when that is estimated ' +
  `to take at most ${AUTO_THOROUGH_BUDGET_MS / 1000} s, else fast (the report says which it chose)`;

/** Help text of `--coder`. */
export const CODER_HELP =
  'entropy coder of the tensors sent: context (adaptive context modelling of each code from its neighbours; ' +
  'rANS or raw bit packing per tensor when smaller), auto (rANS, or raw bit packing when smaller: faster, ' +
  'larger streams), rans, huffman or raw';

/** `--coder auto|context|rans|huffman|raw`. */
export function parseCoder(value: string): CoderChoice {
  if ((CODER_CHOICES as readonly string[]).includes(value)) return value as CoderChoice;
  throw new InvalidArgumentError(`expected one of ${CODER_CHOICES.join(', ')}, got "${value}"`);
}

/** `--profile auto|fast|thorough`. */
export function parseProfileMode(value: string): ProfileModeFlag {
  if (value === 'auto' || value === 'fast' || value === 'thorough') return value;
  throw new InvalidArgumentError(`expected auto, fast or thorough, got "${value}"`);
}

/** `--metric NAME`: a built-in metric or a module path (src/sweep/metric-spec.ts). */
export function parseMetricArg(value: string): MetricSpec {
  try {
    return parseMetric(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** The help of `--metric`, the same on every command. */
export const METRIC_HELP = `what the accuracy loss is measured in: ${METRIC_NAMES_HELP}`;
/** `--shard I/N` (1-based) or `--shard auto/N`. */
export function parseShard(value: string): ShardSpec {
  const spec = parseShardSpec(value);
  if (spec === undefined)
    throw new InvalidArgumentError(
      `expected I/N with 1 <= I <= N <= ${MAX_SHARDS} (e.g. 2/8), or auto/N, got "${value}"`,
    );
  return spec;
}
