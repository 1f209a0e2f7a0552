/**
 * Field-by-field checks of JSON files jalad reads back (analysis.json, device profiles): the first
 * field that does not fit ends the read with one line naming the file, the field's path and the
 * value received, e.g. `p.json: field nodes[3].ms: expected a number from 0, got -1`.
 */
import { InputError, type ErrorCode } from './errors';

/** A parsed JSON value. */
export type Json = unknown;

/** A field rule: returns what was expected, or undefined when the value fits. */
export type Rule = (value: Json) => string | undefined;

/** True for a plain JSON object (not null, not a list). */
export const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A finite number in [min, max]. */
export const num =
  (min = -Infinity, max = Infinity): Rule =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max
      ? undefined
      : `a number${min > -Infinity ? ` from ${min}` : ''}${max < Infinity ? ` to ${max}` : ''}`;

/** A whole number in [min, max]. */
export const int =
  (min = 0, max = Number.MAX_SAFE_INTEGER): Rule =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
      ? undefined
      : `a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`;

/** A string. */
export const str: Rule = (v) => (typeof v === 'string' ? undefined : 'a string');

/** true or false. */
export const bool: Rule = (v) => (typeof v === 'boolean' ? undefined : 'true or false');

/** One of the listed strings. */
export const oneOf =
  (...values: readonly string[]): Rule =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : values.map((x) => `"${x}"`).join(' or ');

function shown(v: Json): string {
  if (v === undefined) return 'nothing (missing)';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Walks a parsed document, throwing an InputError with `code` at the first field that does not fit. */
export class JsonChecker {
  /**
   * @param file the file name for messages
   * @param code the InputError code thrown ('BAD_ANALYSIS', 'BAD_PROFILE')
   */
  constructor(
    private readonly file: string,
    private readonly code: ErrorCode,
  ) {}

  /** Throws: "FILE: field PATH: expected WHAT, got VALUE". */
  fail(field: string, expected: string, value: Json): never {
    throw new InputError(
      this.code,
      `${this.file}: field ${field}: expected ${expected}, got ${shown(value)}`,
    );
  }

  /** Checks `obj[key]` against `rule`; a missing optional field passes. */
  field(obj: Record<string, Json>, at: string, key: string, rule: Rule, optional = false): void {
    const v = obj[key];
    if (v === undefined && optional) return;
    const expected = rule(v);
    if (expected) this.fail(`${at}${at ? '.' : ''}${key}`, expected, v);
  }

  /** Checks one value at `at` against `rule`. */
  value(v: Json, at: string, rule: Rule): void {
    const expected = rule(v);
    if (expected) this.fail(at, expected, v);
  }

  /** Returns `v` as an object, or throws. */
  object(v: Json, at: string): Record<string, Json> {
    if (!isObject(v)) this.fail(at, 'an object', v);
    return v;
  }

  /** Returns `v` as a list of at least `minLength` items, or throws. */
  array(v: Json, at: string, minLength = 0): Json[] {
    if (!Array.isArray(v) || v.length < minLength)
      this.fail(at, minLength > 0 ? `a list of at least ${minLength}` : 'a list', v);
    return v;
  }
}
