/** Flag parsers: tiny functions that throw commander's InvalidArgumentError. */
import { InvalidArgumentError } from 'commander';

/** A comma-separated list of non-empty names ("a,b,c"). */
export function parseNameList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.some((n) => n === ''))
    throw new InvalidArgumentError(`expected comma-separated tensor names, got "${value}"`);
  return names;
}

/** `name=1x3x224x224`, repeatable: collects into a map of input name -> dims. */
export function parseInputShape(
  value: string,
  previous: Map<string, number[]> = new Map(),
): Map<string, number[]> {
  const m = /^([^=]+)=(\d+(?:x\d+)*)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected NAME=DxDxD (e.g. input=1x3x224x224), got "${value}"`);
  const dims = m[2].split('x').map(Number);
  if (dims.some((d) => d < 1))
    throw new InvalidArgumentError(`dimensions must be at least 1, got "${value}"`);
  return new Map(previous).set(m[1], dims);
}

/** A whole number >= min. */
export function parseIntAtLeast(min: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number >= ${min}, got "${value}"`);
    return n;
  };
}

/** A number > 0 (e.g. a bandwidth in Mbps). */
export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number > 0, got "${value}"`);
  return n;
}

/** A number >= 0 (e.g. a round-trip time in ms). */
export function parseNonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number >= 0, got "${value}"`);
  return n;
}

/** A comma-separated list of numbers > 0 ("1.1,5.85,18.88"). */
export function parsePositiveList(value: string): number[] {
  return value.split(',').map((s) => {
    const n = Number(s.trim());
    if (s.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`expected comma-separated numbers > 0, got "${value}"`);
    return n;
  });
}

/** Comma-separated bit widths, each a whole number 1..8 ("2,4,6,8"). */
export function parseBits(value: string): number[] {
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.some((b) => !Number.isInteger(b) || b < 1 || b > 8))
    throw new InvalidArgumentError(`expected comma-separated bit widths from 1 to 8, got "${value}"`);
  return [...new Set(list)].sort((a, b) => a - b);
}

/** Help text of `--inputs`, shared by analyze, split, profile and bench. */
export const INPUTS_HELP =
  'real input values instead of synthetic ones: a folder of input_N.pb TensorProto files (ONNX test-data layout, e.g. test_data_set_0/) or NAME=FILE.npy[,NAME=FILE...] (.npy or .pb per input); needed when an integer input is a shape, an axis or an index';
