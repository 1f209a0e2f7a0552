/**
 * Fitting tables to the terminal: its width, the room cli-table3 leaves for a flexible column, and
 * long tensor names shortened in the middle so that both the scope and the op stay readable.
 */

/** Columns assumed when the output is not a terminal (`process.stdout.columns` undefined). */
export const DEFAULT_TERMINAL_COLUMNS = 120;

/** The ellipsis put where text was cut (one column wide). */
export const ELLIPSIS = '…';

/**
 * The usable width: `columns` when it is a positive integer, else `DEFAULT_TERMINAL_COLUMNS`.
 *
 * @param columns usually `process.stdout.columns` (undefined when piped)
 * @example terminalColumns(undefined) === 120; terminalColumns(80) === 80
 */
export function terminalColumns(columns?: number): number {
  return columns !== undefined && Number.isInteger(columns) && columns > 0
    ? columns
    : DEFAULT_TERMINAL_COLUMNS;
}

/**
 * Columns a cli-table3 table adds around its cells: one padding space each side of every cell and
 * a border between and around the cells.
 *
 * @example tableOverhead(3) === 10 // "│ a │ b │ c │" around three cells
 */
export function tableOverhead(columnCount: number): number {
  return columnCount === 0 ? 0 : 3 * columnCount + 1;
}

/**
 * Width left for one flexible column (e.g. the tensor names) once the other columns have their
 * natural widths, never below `minWidth`.
 *
 * @param totalWidth the terminal's columns (see `terminalColumns`)
 * @param otherWidths content widths of every other column
 * @param minWidth the narrowest the flexible column may get (default 16)
 * @example flexColumnWidth(80, [3, 8, 10]) === 80 - 21 - tableOverhead(4) // 46
 */
export function flexColumnWidth(totalWidth: number, otherWidths: readonly number[], minWidth = 16): number {
  const used = otherWidths.reduce((s, w) => s + w, 0) + tableOverhead(otherWidths.length + 1);
  return Math.max(minWidth, totalWidth - used);
}

/** Length in code points (what a terminal shows for names without wide or combining characters). */
function width(text: string): number {
  return Array.from(text).length;
}

/**
 * Shortens `text` to at most `maxWidth` columns by cutting out its middle, keeping both ends. Slash
 * paths (ONNX tensor names exported from PyTorch) are cut at whole segments when that fits, so the
 * module scope and the op stay readable; otherwise characters are cut, keeping a little more of the end.
 *
 * @param maxWidth the widest result, in columns (≥ 0)
 * @example truncateMiddle('/features/features.13/Relu_output_0', 26) === '/features/…/Relu_output_0'
 * @example truncateMiddle('abcdefghij', 7) === 'abc…hij'
 */
export function truncateMiddle(text: string, maxWidth: number): string {
  if (width(text) <= maxWidth) return text;
  if (maxWidth <= 0) return '';
  if (maxWidth === 1) return ELLIPSIS;
  const segments = text.split('/');
  let best: string | undefined;
  let bestKept = -1;
  // Keep `h` leading and `t` trailing segments, dropping at least one in between.
  for (let h = 1; h < segments.length - 1; h++) {
    for (let t = 1; h + t < segments.length; t++) {
      const candidate = `${segments.slice(0, h).join('/')}/${ELLIPSIS}/${segments.slice(segments.length - t).join('/')}`;
      const w = width(candidate);
      if (w > maxWidth) continue;
      // Most of the original kept wins; on a tie, the one keeping more of the end.
      if (w > bestKept || (w === bestKept && t > 1)) {
        best = candidate;
        bestKept = w;
      }
    }
  }
  if (best !== undefined && segments[segments.length - 1].length > 0) return best;
  const chars = Array.from(text);
  const tail = Math.ceil((maxWidth - 1) / 2);
  const head = maxWidth - 1 - tail;
  return chars.slice(0, head).join('') + ELLIPSIS + chars.slice(chars.length - tail).join('');
}
