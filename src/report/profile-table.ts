/** The summary printed by `jalad profile`. */
import Table from 'cli-table3';
import { COMPACT } from './table-style';
import { autoChoiceText } from './profile-kind';

/**
 * The fields of a device profile (profile.json, written by src/profiler) that the summary shows.
 * NOTE: declared here rather than imported, so that src/report does not depend on src/profiler
 * (which loads ONNX Runtime); a DeviceProfile is assignable to it.
 */
export interface ProfileTableInput {
  readonly machine?: {
    readonly cpu: string;
    readonly cores: number;
    readonly threads: number;
    readonly ort: string;
    readonly os: string;
  };
  /** What a measured profile timed (fast: a sample of cut points; thorough: every one). */
  readonly mode?: 'fast' | 'thorough';
  /** Present when `--profile auto` chose `mode` (see profile-kind.ts autoChoiceText). */
  readonly auto?: { readonly extraS: number; readonly budgetS: number; readonly basis: 'sample' | 'runs' };
  readonly runOverheadMs: number;
  readonly nodes: readonly {
    readonly name: string;
    readonly op: string;
    readonly ms: number;
    readonly p90Ms?: number;
  }[];
  readonly cutPoints?: readonly {
    readonly index: number;
    readonly tensors: readonly string[];
    readonly edgeMs: number;
    readonly edgeP90Ms: number;
    readonly cloudMs: number;
    readonly cloudP90Ms: number;
  }[];
  readonly notes: readonly string[];
}

/** Renders a device profile: machine, slowest nodes, cut-point part times, notes. */
export function renderProfile(p: ProfileTableInput, top = 10): string {
  const lines: string[] = [];
  if (p.machine)
    lines.push(
      `machine: ${p.machine.cpu}, ${p.machine.cores} cores, ${p.machine.threads} thread(s), ONNX Runtime ${p.machine.ort}, ${p.machine.os}`,
    );
  if (p.mode) lines.push(`mode: ${p.mode} profile${p.auto ? ` (${autoChoiceText(p)})` : ''}`);
  const total = p.nodes.reduce((s, n) => s + n.ms, 0);
  lines.push(
    `${p.nodes.length} nodes, ${total.toFixed(3)} ms per sample in nodes + ${p.runOverheadMs.toFixed(3)} ms per run call`,
  );
  const nodes = new Table({
    head: ['slowest nodes', 'op', 'median ms', 'p90 ms', 'share'],
    colAligns: ['left', 'left', 'right', 'right', 'right'],
    ...COMPACT,
  });
  for (const n of [...p.nodes].sort((a, b) => b.ms - a.ms).slice(0, top)) {
    nodes.push([
      n.name,
      n.op,
      n.ms.toFixed(3),
      (n.p90Ms ?? n.ms).toFixed(3),
      `${((n.ms / (total || 1)) * 100).toFixed(1)}%`,
    ]);
  }
  lines.push(nodes.toString());
  if (p.cutPoints && p.cutPoints.length > 0) {
    const cuts = new Table({
      head: ['#', 'cut tensor', 'edge ms', 'edge p90', 'cloud ms', 'cloud p90'],
      colAligns: ['right', 'left', 'right', 'right', 'right', 'right'],
      ...COMPACT,
    });
    for (const c of p.cutPoints)
      cuts.push([
        c.index,
        c.tensors[0],
        c.edgeMs.toFixed(3),
        c.edgeP90Ms.toFixed(3),
        c.cloudMs.toFixed(3),
        c.cloudP90Ms.toFixed(3),
      ]);
    lines.push(
      p.mode === 'fast'
        ? `real edge and cloud models of ${p.cutPoints.length} sampled cut points (measured; the rest are predicted):`
        : 'real edge and cloud models of each cut point (measured):',
      cuts.toString(),
    );
  }
  for (const n of p.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
