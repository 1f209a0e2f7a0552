/**
 * Error messages are one line: text quoted from a user's file (a JSON parser's excerpt of a
 * corrupted file, a name holding a newline) may carry line breaks and control characters.
 */

/**
 * `text` with every run of control characters (line breaks, tabs, escapes, C1 controls) replaced
 * by one space, and trailing space removed.
 * @example oneLine('not valid JSON ("z\n  versi"...)') // 'not valid JSON ("z versi"...)'
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trimEnd();
}
