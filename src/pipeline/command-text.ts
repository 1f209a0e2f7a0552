/**
 * What the commands print for a human: one function per command result, so bin/ only prints.
 * Machine output (--json) is the result itself.
 */
import Table from 'cli-table3';
import type { Analysis } from '../core/analysis';
import type { SimulationResult } from '../ilp';
import type { DeviceProfile } from '../profiler';
import {
  formatBytes,
  formatMs,
  formatShape,
  renderCutTable,
  renderDecisionTable,
  renderProfile,
  renderSweepTable,
} from '../report';
import type { PartComparison } from './bench-split';
import type { EvalReport } from './evaluate';
import type { PlanReport } from './solve-split';
import type { SplitReport } from './split-at-cut';

/**
 * The cut-point, sweep and decision tables of an analysis (`analyze`, `report`).
 * @param columns the terminal's width, when it has one (long cells are shortened to fit)
 */
export function analysisText(analysis: Analysis, columns: number | undefined): string {
  return `${renderCutTable(analysis, columns)}${renderSweepTable(analysis)}${renderDecisionTable(analysis)}`;
}

/** How the summaries name a coder. */
function coderText(coder: string): string {
  if (coder === 'auto') return 'rANS (raw bit packing when smaller)';
  if (coder === 'context') return 'context coder (rANS or raw bit packing per tensor when smaller)';
  return `${coder} (raw bit packing when smaller)`;
}

/** The summary of a solved split (`split` from an analysis). */
export function planText(plan: PlanReport): string {
  const p = plan.predictedMs;
  const m = plan.measured;
  const b = plan.baselines;
  // Top-1 agreement with the unsplit model means something for class scores only: for a map,
  // an embedding or a user metric the argmax of the first output is not what is measured.
  const classScores = plan.metric === undefined || ['top1', 'top5', 'agreement'].includes(plan.metric.name);
  const loss = m.exact
    ? 'loss: 0 by construction (every tensor sent uncompressed; the split is exact)'
    : `measured loss: ${m.lossPct.toFixed(3)} pp (95% upper ${m.lossUpperPct.toFixed(3)}) on ${m.samples} samples` +
      (classScores ? `, agreement ${(m.agreement * 100).toFixed(2)}%` : '');
  const metric = plan.metric ? [`metric ${plan.metric.name}: ${plan.metric.definition}`] : [];
  return lines([
    `plan at ${plan.bandwidthMbps} Mbps, RTT ${plan.rttMs} ms, budget ${plan.maxLossPct} pp (${plan.rounds} round(s)):`,
    ...plan.wire.map(
      (w) =>
        `  send ${w.name} (${w.kind}) at ${w.bits === 'f32' ? 'float32' : `${w.bits} bits`}, ${formatBytes(Math.round(w.bytes))}/sample`,
    ),
    `coder: ${coderText(plan.coder)} between the parts; ` +
      `edge.onnx outputs ${plan.wire.flatMap((w) => w.edgeOutputs).join(', ')}`,
    `predicted: edge ${formatMs(p.edge)} + encode ${formatMs(p.encode)} + RTT ${formatMs(p.rtt)} + ` +
      `transfer ${formatMs(p.transfer)} + decode ${formatMs(p.decode)} + cloud ${formatMs(p.cloud)} = ${formatMs(p.total)} ms`,
    loss,
    ...metric,
    `speed-up: ${b.speedupOverEdgeOnly.toFixed(2)}x over edge-only (${formatMs(b.edgeOnlyMs)} ms), ` +
      `${b.speedupOverCloudOnly.toFixed(2)}x over cloud-only (${formatMs(b.cloudOnlyMs)} ms)`,
    `edge: ${plan.edgeNodes} nodes -> ${plan.files.edge}`,
    `cloud: ${plan.cloudNodes} nodes -> ${plan.files.cloud}`,
  ]);
}

/** The summary of a split at an explicit cut (`split --cut`). */
export function cutSplitText(report: SplitReport): string {
  const ref = report.reference;
  return lines([
    `cut: ${report.tensors.length} tensor(s) cross the network`,
    report.tensors
      .map((t) => `  ${t.name} (${t.kind}) ${formatShape(t.shape)} ${formatBytes(t.bytes)}/sample`)
      .join('\n'),
    `edge: ${report.edgeNodes} nodes -> ${report.files.edge}`,
    `cloud: ${report.cloudNodes} nodes -> ${report.files.cloud}`,
    `verified: max |original - split| = ${report.maxAbsDiff} on a batch of ${report.verifiedBatch} ` +
      `(${report.verifiedOn === 'inputs' ? '--inputs values' : 'synthetic input'})`,
    ...(ref
      ? [
          `reference outputs (${ref.folder}): relative difference ${ref.maxRelDiff} (split), ` +
            `${ref.originalMaxRelDiff} (unsplit model); ${ref.reproduces ? 'reproduced' : 'NOT reproduced'} within ${ref.tolerance}`,
        ]
      : []),
  ]);
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The accuracy report of `eval`. */
export function evalText(report: EvalReport): string {
  const out = [
    `${report.model} on ${report.data}: ${report.samples} samples (seed ${report.seed}), ${report.classes} classes`,
  ];
  for (const [name, top] of [
    ['top-1', report.top1],
    ['top-5', report.top5],
  ] as const)
    if (top)
      out.push(
        `${name}: ${top.correct}/${top.total} = ${pct(top.accuracy)} (95% CI ${pct(top.ciLow)} to ${pct(top.ciHigh)})`,
      );
  const m = report.metric;
  if (m) {
    out.push(`metric ${m.metric.name}: ${m.metric.definition}`, `model: mean score ${pct(m.score)}`);
    if (m.split)
      out.push(
        `split ${m.split.dir}: mean score ${pct(m.split.score)}, loss ${m.split.lossPct.toFixed(3)} pp ` +
          `(95% upper ${m.split.lossUpperPct.toFixed(3)}) on ${m.split.samples} samples`,
      );
  } else if (!report.top1)
    out.push('no labels: accuracy-dependent steps use agreement with the unsplit model instead');
  out.push(`throughput: ${report.samplesPerSecond.toFixed(0)} samples/s (batch ${report.batchSize})`);
  for (const w of report.warnings) out.push(`warning: ${w}`);
  return lines(out);
}

/** Measured against predicted part times (`bench`). */
export function benchText(parts: readonly PartComparison[]): string {
  const t = new Table({
    head: ['part', 'device', 'threads', 'nodes', 'predicted ms', 'measured ms', 'measured p90', 'error'],
    style: { head: [], border: [] },
  });
  for (const p of parts)
    t.push([
      p.part,
      p.device,
      p.threads,
      p.nodes,
      p.predictedMs.toFixed(3),
      p.measuredMs.toFixed(3),
      p.measuredP90Ms.toFixed(3),
      `${p.errorPct >= 0 ? '+' : ''}${p.errorPct.toFixed(1)}%`,
    ]);
  return `${t.toString()}\n`;
}

/** The strategies of a trace replay (`simulate`). */
export function simulationText(trace: string, result: SimulationResult): string {
  const t = new Table({
    head: ['strategy', 'mean ms', 'p95 ms', 'plan switches'],
    style: { head: [], border: [] },
  });
  for (const s of result.strategies)
    t.push([
      s.strategy,
      s.meanMs.toFixed(3),
      s.p95Ms.toFixed(3),
      s.strategy === 'adaptive' ? s.switches : '-',
    ]);
  return `${trace}: ${result.frames} frames, mean ${result.meanMbps.toFixed(2)} Mbps\n${t.toString()}\n`;
}

/** A measured device profile and where it was written (`profile`). */
export function profileText(profile: DeviceProfile, file: string): string {
  return `${renderProfile(profile)}profile written to ${file}\n`;
}

/** Lines, each ended by a newline. */
function lines(list: readonly string[]): string {
  return list.join('\n') + '\n';
}
