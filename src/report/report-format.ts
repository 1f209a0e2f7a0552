/**
 * Number formats shared by the Markdown and HTML reports, so that both print the same digits for
 * the same stored value.
 */

/**
 * Milliseconds with about three significant digits.
 * @example msText(1234.5) === '1235'; msText(12.345) === '12.3'; msText(1.2345) === '1.23'; msText(0.012345) === '0.0123'
 */
export function msText(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0';
  const abs = Math.abs(ms);
  if (abs >= 100) return ms.toFixed(0);
  if (abs >= 10) return ms.toFixed(1);
  if (abs >= 1) return ms.toFixed(2);
  return ms.toPrecision(3);
}

/**
 * Kilobytes (1 KB = 1000 B): no decimals from 1000 KB, one from 10 KB, two from 1 KB, two
 * significant digits below.
 * @example kbText(3136) === '3.14'; kbText(50176) === '50.2'; kbText(27) === '0.027'
 */
export function kbText(bytes: number): string {
  const kb = bytes / 1000;
  if (kb >= 1000) return kb.toFixed(0);
  if (kb >= 10) return kb.toFixed(1);
  if (kb >= 1) return kb.toFixed(2);
  return kb === 0 ? '0' : kb.toPrecision(2);
}

/** A bandwidth as given, without trailing zeros. @example mbpsText(18.88) === '18.88'; mbpsText(0.1234) === '0.123' */
export function mbpsText(mbps: number): string {
  if (mbps >= 100) return String(Number(mbps.toFixed(0)));
  if (mbps >= 1) return String(Number(mbps.toFixed(2)));
  return String(Number(mbps.toPrecision(3)));
}

/** Percentage points with two decimals. @example ppText(0.35736) === '0.36' */
export function ppText(pp: number): string {
  return pp.toFixed(2);
}

/** A speed-up ratio baseline/plan. @example speedupText(10, 4) === '2.50×' */
export function speedupText(baselineMs: number, planMs: number): string {
  if (!(planMs > 0)) return '–';
  const r = baselineMs / planMs;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

/** A bit width for readers: 32 → "float32", 16 → "float16", 4 → "4-bit", "mixed" as is. */
export function bitsText(bits: number | string): string {
  if (bits === 32) return 'float32';
  if (bits === 16) return 'float16';
  return typeof bits === 'number' ? `${bits}-bit` : String(bits);
}

// One formatter for every call: toLocaleString builds a new one each time (a quarter of a large
// merge's report time went there); the output is the same by definition.
const COUNT_FORMAT = new Intl.NumberFormat('en-US');

/** 12345 -> "12,345" */
export function formatCount(n: number): string {
  return COUNT_FORMAT.format(n);
}
