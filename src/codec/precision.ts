/**
 * Validation of bit widths and precisions at the codec's public entry points.
 */
import { InputError } from '../core/errors';
import type { BitWidth, CoderChoice, Precision } from './types';

/** Every JALAD bit width, 1..8, in increasing order. */
export const BIT_WIDTHS: readonly BitWidth[] = [1, 2, 3, 4, 5, 6, 7, 8];

/** Every coder a caller may request, including 'auto'. */
export const CODER_CHOICES: readonly CoderChoice[] = ['auto', 'context', 'rans', 'huffman', 'raw'];

/** True when `bits` is an integer bit width 1..8. */
export function isBitWidth(bits: unknown): bits is BitWidth {
  return typeof bits === 'number' && Number.isInteger(bits) && bits >= 1 && bits <= 8;
}

/**
 * Checks a bit width and returns it typed.
 * @param where the calling function, for the error message (e.g. "quantize").
 * @throws InputError BAD_OPTION when `bits` is not an integer 1..8.
 */
export function assertBitWidth(bits: unknown, where: string): BitWidth {
  if (!isBitWidth(bits)) {
    throw new InputError('BAD_OPTION', `${where}: bits must be an integer 1..8; got ${describeValue(bits)}`);
  }
  return bits;
}

/**
 * Checks a precision (1..8, 'f16', 'f32' or 'bf16') and returns it typed.
 * @throws InputError BAD_OPTION otherwise.
 */
export function assertPrecision(bits: unknown, where: string): Precision {
  if (isBitWidth(bits) || bits === 'f16' || bits === 'f32' || bits === 'bf16') return bits;
  throw new InputError(
    'BAD_OPTION',
    `${where}: bits must be an integer 1..8, 'f16', 'f32' or 'bf16'; got ${describeValue(bits)}`,
  );
}

/**
 * Checks a coder request ('auto', 'context', 'rans', 'huffman' or 'raw').
 * @throws InputError BAD_OPTION otherwise.
 */
export function assertCoderChoice(coder: unknown, where: string): CoderChoice {
  if ((CODER_CHOICES as readonly unknown[]).includes(coder)) return coder as CoderChoice;
  throw new InputError(
    'BAD_OPTION',
    `${where}: coder must be one of ${CODER_CHOICES.map((c) => `'${c}'`).join(', ')}; got ${describeValue(coder)}`,
  );
}

/** A short printable form of any received value, for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (ArrayBuffer.isView(value)) return `a ${Object.prototype.toString.call(value).slice(8, -1)}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `a ${typeof value}`;
}
