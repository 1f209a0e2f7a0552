/** The cut-point table printed by `jalad analyze`. */
import Table from 'cli-table3';
import type { Analysis } from '../core/analysis';
import type { Dim } from '../graph';
import { profileKindText } from './profile-kind';
import { shownCuts } from './cut-rows';
import { formatCount } from './report-format';

export { formatCount };
import { COMPACT } from './table-style';
import { flexColumnWidth, terminalColumns, truncateMiddle } from './terminal';

/** Cut points the terminal table shows at most (half from each end); an even number. */
export const MAX_TERMINAL_CUT_ROWS = 200;

/** Tensors listed beside a cut point's own in the terminal table, at most (late inputs, shapes, heads). */
export const MAX_TERMINAL_EXTRA_TENSORS = 8;

/** "[batch, 64, 14, 14]" */
export function formatShape(dims: readonly Dim[]): string {
  return `[${dims.join(', ')}]`;
}

/** Bytes with a unit a reader takes in at a glance: 812 B, 12.3 KB, 4.56 MB (1 KB = 1000 B). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} KB`;
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

/** FLOPs as M or G (1 MFLOP = 1e6). */
export function formatFlops(flops: number): string {
  if (flops >= 1e9) return `${(flops / 1e9).toFixed(2)} G`;
  return `${(flops / 1e6).toFixed(2)} M`;
}

/** ms with three significant decimals for small values. */
export function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(3);
}

/**
 * Renders the cut points (with predicted times and totals per bandwidth when profiled) and the
 * model's totals. Long tensor names are shortened in the middle to fit `columns` (the terminal's
 * width; default 120).
 */
export function renderCutTable(analysis: Analysis, columns?: number): string {
  const timed = analysis.latency !== undefined;
  const bws = analysis.latency ?? [];
  const head = ['#', 'tensor', 'op', 'shape', 'float32/sample', 'edge nodes', 'edge FLOPs'];
  if (timed)
    head.push('edge ms', 'cloud ms', ...bws.map((l) => `@${l.bandwidthMbps} Mbps\ntotal (transfer)\nms`));
  // NOTE: cli-table3 lays a table out in time quadratic in its rows (5,000 rows took minutes), and
  // nobody reads thousands of rows in a terminal: long lists keep their two ends (cloud-only and
  // edge-only stay visible) and say what was left out; the reports and the CSV list everything.
  const { shown, omittedNote } = shownCuts(analysis.cutPoints, MAX_TERMINAL_CUT_ROWS);
  const rows = shown.map((c) => cutRow(c, timed ? bws : undefined));
  const widest = head.map((h, i) =>
    Math.max(
      ...h.split('\n').map((x) => x.length),
      ...rows.map((r) => Math.max(...r[i].split('\n').map((x) => x.length))),
    ),
  );
  // NOTE: never below 36 characters: a name cut shorter stops identifying the layer.
  const tensorWidth = flexColumnWidth(
    terminalColumns(columns),
    widest.filter((_, i) => i !== 1),
    36,
  );
  const table = new Table({
    head,
    colAligns: head.map((_, i) => (i === 1 || i === 2 || i === 3 ? 'left' : 'right')),
    ...COMPACT,
  });
  for (const r of rows)
    table.push([
      r[0],
      r[1]
        .split('\n')
        .map((x) => truncateMiddle(x, tensorWidth))
        .join('\n'),
      ...r.slice(2),
    ]);
  return [table.toString(), ...footerLines(analysis, omittedNote)].join('\n') + '\n';
}

/** One row of the cut table; `bws`, the latency rows, when the analysis has times. */
function cutRow(c: Analysis['cutPoints'][number], bws: Analysis['latency'] | undefined): string[] {
  const more = c.detail.length - 1 - MAX_TERMINAL_EXTRA_TENSORS;
  const extra = c.detail
    .slice(1, 1 + MAX_TERMINAL_EXTRA_TENSORS)
    .map((d) => `+ ${d.name} (${d.kind})`)
    .concat(more > 0 ? [`+ ${formatCount(more)} more`] : []);
  const row: string[] = [
    String(c.index),
    [c.tensors[0], ...extra].join('\n'),
    c.op,
    formatShape(c.shape),
    c.sizeUnknown ? 'unknown' : formatBytes(c.bytes),
    String(c.edgeNodes),
    c.sizeUnknown ? 'unknown' : formatFlops(c.edgeFlops ?? 0),
  ];
  if (bws) {
    row.push(formatMs(c.edgeMs ?? 0), formatMs(c.cloudMs ?? 0));
    for (const l of bws)
      row.push(
        `${formatMs(l.cuts[c.index].totalMs)} (${formatMs(l.cuts[c.index].transferMs)})${l.bestCut === c.index ? ' *' : ''}`,
      );
  }
  return row;
}

/** The lines under the cut table: rows left out, the model, the profiles, the best cuts, notes. */
function footerLines(analysis: Analysis, omittedNote: string): string[] {
  const m = analysis.model;
  const lines: string[] = [];
  const timed = analysis.latency !== undefined;
  const bws = analysis.latency ?? [];
  if (omittedNote) lines.push(`(${omittedNote})`);
  lines.push(
    `${m.path}: ${formatCount(m.nodes)} nodes, ${formatCount(m.parameters)} parameters, opset ${m.opset}, IR ${m.irVersion}` +
      (m.batchDim ? `, batch dimension "${m.batchDim}"` : ''),
    `${analysis.cutPoints.length} cut points: ` +
      `#0 sends the inputs (cloud-only), #${analysis.cutPoints.length - 1} sends the outputs (edge-only)`,
  );
  if (timed && analysis.profiles) {
    const p = analysis.profiles;
    lines.push(
      `edge: ${p.edge.label} (${profileKindText(p.edge)}); cloud: ${p.cloud.label} (${profileKindText(p.cloud)}); ` +
        `RTT ${analysis.rttMs} ms; sizes are raw float32 (no compression yet)`,
    );
    const last = analysis.cutPoints.length - 1;
    for (const l of bws) {
      const best = analysis.cutPoints[l.bestCut];
      lines.push(
        `* best at ${l.bandwidthMbps} Mbps: #${best.index} ${best.tensors[0]} ${formatMs(l.cuts[l.bestCut].totalMs)} ms ` +
          `(edge-only ${formatMs(l.cuts[last].totalMs)} ms, cloud-only ${formatMs(l.cuts[0].totalMs)} ms)`,
      );
    }
    for (const n of [...p.edge.notes.map((x) => `edge: ${x}`), ...p.cloud.notes.map((x) => `cloud: ${x}`)])
      lines.push(`note: ${n}`);
  }
  return lines;
}
