/** The decision table printed by `jalad analyze`: bandwidth intervals and their plans. */
import Table from 'cli-table3';
import type { Analysis } from '../core/analysis';
import { formatBytes, formatMs } from './cut-table';
import { COMPACT } from './table-style';

const mbps = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

/** Renders analysis.decisions (empty string when absent). */
export function renderDecisionTable(analysis: Analysis): string {
  if (!analysis.decisions) return '';
  const t = new Table({
    head: [
      'from Mbps',
      'to Mbps',
      'plan',
      'sends',
      'bits',
      'encode ms',
      'decode ms',
      'loss bound pp',
      'total ms (at from → to)',
    ],
    colAligns: ['right', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ...COMPACT,
  });
  for (const d of analysis.decisions) {
    const plan =
      d.cut >= 0
        ? `#${d.cut} ${analysis.cutPoints[d.cut].tensors[0]}`
        : d.tensors.map((x) => x.name).join(' + ');
    const bytes = d.tensors.reduce((s, x) => s + x.bytes, 0);
    t.push([
      mbps(d.fromMbps),
      mbps(d.toMbps),
      plan,
      formatBytes(Math.round(bytes)),
      d.bits === 32 ? 'f32' : String(d.bits),
      d.encodeMs !== undefined ? formatMs(d.encodeMs) : '–',
      d.decodeMs !== undefined ? formatMs(d.decodeMs) : '–',
      d.predictedLossPct.toFixed(2),
      `${formatMs(d.totalMs)} → ${formatMs(d.totalMsAtTo)}`,
    ]);
  }
  const basis = analysis.sweep
    ? 'compressed sizes and loss bounds from the sweep'
    : 'raw float32 tensors only (no --data: no compression measured)';
  return `decision table: fastest plan within ${analysis.maxLossPct} pp for each bandwidth (${basis})\n${t.toString()}\n`;
}
