/**
 * The accuracy budget the reports apply to the sweep (docs/method.md#accuracy-loss-and-its-bound): a (cut, bits) row
 * is admissible when its one-sided 95% upper bound on the loss, `lossUpperPct`, is at most the budget.
 */
import type { Analysis, SweepRowJson } from '../core/analysis';
import { DEFAULT_MAX_LOSS_PCT } from '../core/defaults';

/** Where a budget came from: the analysis's decision budget, the sweep's `--max-loss`, or the default. */
export type LossBudgetSource = 'analysis' | 'data' | 'default';

/** The accuracy budget of a report. */
export interface LossBudget {
  /** Largest admissible `lossUpperPct`, percentage points. */
  readonly pct: number;
  readonly source: LossBudgetSource;
  /** One sentence for a reader, e.g. "1 pp (the default: the analysis records no --max-loss)". */
  readonly text: string;
}

/**
 * The budget of an analysis: `analysis.maxLossPct` (the budget of its decision table), else
 * `analysis.data.maxLossPct` (the sweep's `--max-loss`), else 1 pp.
 *
 * @example lossBudget({ ...analysis, maxLossPct: 0.5 }).pct === 0.5
 */
export function lossBudget(analysis: Analysis): LossBudget {
  if (analysis.maxLossPct !== undefined) {
    return {
      pct: analysis.maxLossPct,
      source: 'analysis',
      text: `${analysis.maxLossPct} pp (the budget of the analysis)`,
    };
  }
  if (analysis.data?.maxLossPct !== undefined) {
    return {
      pct: analysis.data.maxLossPct,
      source: 'data',
      text: `${analysis.data.maxLossPct} pp (the --max-loss of the sweep)`,
    };
  }
  return {
    pct: DEFAULT_MAX_LOSS_PCT,
    source: 'default',
    text: `${DEFAULT_MAX_LOSS_PCT} pp (the default: the analysis records no --max-loss)`,
  };
}

/** Whether a sweep row meets a budget: its loss upper bound is at most `budgetPct` (pp). */
export function withinBudget(row: SweepRowJson, budgetPct: number): boolean {
  return row.lossUpperPct <= budgetPct;
}

/**
 * Sweep rows grouped by cut point index, each group sorted by increasing bit width.
 * Empty when the analysis has no sweep.
 */
export function sweepByCut(analysis: Analysis): Map<number, SweepRowJson[]> {
  const byCut = new Map<number, SweepRowJson[]>();
  for (const r of analysis.sweep ?? []) {
    const rows = byCut.get(r.cut) ?? [];
    rows.push(r);
    byCut.set(r.cut, rows);
  }
  for (const rows of byCut.values()) rows.sort((a, b) => a.bits - b.bits);
  return byCut;
}

/**
 * The row of cut point `cut` with the smallest bit width that meets the budget, or undefined when
 * none does (or the analysis has no sweep).
 */
export function smallestBitsWithinBudget(
  analysis: Analysis,
  cut: number,
  budgetPct: number,
): SweepRowJson | undefined {
  return sweepByCut(analysis)
    .get(cut)
    ?.find((r) => withinBudget(r, budgetPct));
}
