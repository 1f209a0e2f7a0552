/** The cut-point table printed by `jalad analyze`. */
import Table from 'cli-table3';
import type { Analysis } from '../analysis';
import type { Dim } from '../graph';

/** "[batch, 64, 14, 14]" */
export function formatShape(dims: readonly Dim[]): string {
  return `[${dims.join(', ')}]`;
}

/** 12345 -> "12,345" */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Bytes with a unit a reader takes in at a glance: 812 B, 12.3 KB, 4.56 MB (1 KB = 1000 B). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} KB`;
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

/** Renders the cut points and the model's totals as text. */
export function renderCutTable(analysis: Analysis): string {
  const table = new Table({
    head: ['#', 'tensor', 'op', 'shape', 'elements/sample', 'float32/sample', 'edge nodes'],
    colAligns: ['right', 'left', 'left', 'left', 'right', 'right', 'right'],
    style: { head: [], border: [] },
    // No rule between rows: long models stay readable.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const c of analysis.cutPoints) {
    const extra = c.detail.slice(1).map((d) => `+ ${d.name} (${d.kind})`);
    table.push([c.index, [c.tensors[0], ...extra].join('\n'), c.op, formatShape(c.shape), formatCount(c.elements), formatBytes(c.bytes), c.edgeNodes]);
  }
  const m = analysis.model;
  const totals = `${m.path}: ${formatCount(m.nodes)} nodes, ${formatCount(m.parameters)} parameters, opset ${m.opset}, IR ${m.irVersion}` +
    (m.batchDim ? `, batch dimension "${m.batchDim}"` : '') +
    `\n${analysis.cutPoints.length} cut points: #0 sends the inputs (cloud-only), #${analysis.cutPoints.length - 1} sends the outputs (edge-only)`;
  return `${table.toString()}\n${totals}\n`;
}
