/** The compression sweep as a table: one row per cut point, per bit width the loss and the size. */
import Table from 'cli-table3';
import type { Analysis } from '../core/analysis';
import { recordedMetric } from '../core/metric-info';
import { formatBytes } from './cut-table';
import { COMPACT } from './table-style';

/** Renders analysis.sweep (empty string when there is none). */
export function renderSweepTable(analysis: Analysis): string {
  if (!analysis.sweep || !analysis.data || !analysis.bits) return '';
  const d = analysis.data;
  const bits = analysis.bits;
  const head = ['#', 'tensor', ...bits.map((b) => `${b}-bit loss pp (95% upper) / size`)];
  const table = new Table({ head, colAligns: head.map((_, i) => (i === 1 ? 'left' : 'right')), ...COMPACT });
  const byCut = new Map<number, Map<number, (typeof analysis.sweep)[number]>>();
  for (const r of analysis.sweep) {
    if (!byCut.has(r.cut)) byCut.set(r.cut, new Map());
    byCut.get(r.cut)!.set(r.bits, r);
  }
  for (const c of analysis.cutPoints) {
    const row: string[] = [String(c.index), c.tensors[0]];
    for (const b of bits) {
      const r = byCut.get(c.index)?.get(b);
      row.push(
        r
          ? `${r.lossPct.toFixed(2)} (${r.lossUpperPct.toFixed(2)})${r.stoppedEarly ? '†' : ''} / ${formatBytes(Math.round(r.bytesMean))}`
          : '-',
      );
    }
    table.push(row);
  }
  const metric = recordedMetric(d);
  const what =
    metric.name === 'top1'
      ? `unsplit top-1 accuracy ${(d.referenceAccuracy * 100).toFixed(2)}% (${d.referenceCorrect}/${d.samples})`
      : metric.name === 'agreement'
        ? 'unsplit no labels: loss = disagreement with the unsplit model'
        : `unsplit mean score ${(d.referenceAccuracy * 100).toFixed(2)}%; metric ${metric.name}: ${metric.definition}`;
  const lines = [
    table.toString(),
    `loss = unsplit minus split ${metric.name === 'top1' ? 'top-1' : metric.name} in percentage points on ${d.samples} ` +
      `samples of ${d.path} (seed ${d.seed}); ${what}`,
    `size = mean encoded bytes per sample (${coderName(d.coder)}; ${d.sizeSamples} samples encoded); ` +
      'upper = one-sided 95% bound from the paired outcomes',
  ];
  if (analysis.sweep.some((r) => r.stoppedEarly))
    lines.push(`† stopped early: the loss's 95% lower bound already exceeded --max-loss ${d.maxLossPct}`);
  lines.push(`sweep took ${d.sweepSeconds.toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

/** How the tables name the sweep's coder (`data.coder`; absent in older analyses: the default). */
export function coderName(coder: string | undefined): string {
  return coder === undefined || coder === 'auto' ? 'rANS' : `${coder} coder`;
}
