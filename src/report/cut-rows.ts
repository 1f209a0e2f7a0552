/**
 * The cut points a table lists. A list longer than the table's limit keeps its two ends (the
 * cloud-only and edge-only cuts stay visible) and says what it left out; analysis.json and
 * cut-points.csv always list everything.
 */
import type { CutPoint } from '../core/analysis';
import { formatCount } from './report-format';

/**
 * Cut points the Markdown and HTML reports list in full. Above this they list the first and last
 * half: 200,000 rows made a 98 MB HTML page (and most of a run's memory) that no browser shows well.
 */
export const MAX_REPORT_CUT_ROWS = 2000;

/** The rows a table lists, and the sentence saying which were left out (empty when none). */
export interface ShownCuts {
  readonly shown: readonly CutPoint[];
  readonly omittedNote: string;
}

/** The first and last `max / 2` of `all` when it is longer than `max`, with the note naming the gap. */
export function shownCuts(all: readonly CutPoint[], max: number): ShownCuts {
  if (all.length <= max) return { shown: all, omittedNote: '' };
  const half = Math.floor(max / 2);
  const first = all[half - 1].index + 1;
  const last = all[all.length - half].index - 1;
  return {
    shown: [...all.slice(0, half), ...all.slice(all.length - half)],
    omittedNote:
      `${formatCount(all.length - 2 * half)} cut points not shown, #${first} to #${last}: ` +
      'analysis.json and cut-points.csv list them all',
  };
}

/** Names a report lists in one cell (a cut's tensors, the model's inputs) before counting the rest. */
export const MAX_REPORT_NAMES = 50;

/**
 * The first {@link MAX_REPORT_NAMES} items rendered, then "+ N more" for the rest: a cut point
 * sending 100,000 graph inputs is one row, not megabytes of names.
 */
export function firstNames<T>(items: readonly T[], render: (item: T) => string): string[] {
  const shown = items.slice(0, MAX_REPORT_NAMES).map(render);
  const more = items.length - shown.length;
  return more > 0 ? [...shown, `+ ${formatCount(more)} more`] : shown;
}
