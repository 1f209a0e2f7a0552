/** What `jalad run` prints for a human: the plans used, and predicted against measured per stage. */
import { formatMs } from '../report';
import type { EdgeRunReport } from './edge-run';

/** The summary of a live run: plans, RTT, switches, medians per stage, errors and top-1. */
export function liveRunText(report: EdgeRunReport): string {
  const s = report.stages;
  const row = (name: string, x: { predictedMs: number; measuredMs: number }) =>
    `  ${name.padEnd(9)} ${formatMs(x.predictedMs).padStart(10)} ${formatMs(x.measuredMs).padStart(10)}`;
  const plans = Object.entries(report.plansUsed)
    .map(([p, n]) => `${p} x${n}`)
    .join(', ');
  return (
    [
      `${report.samples} samples, ${report.mode}; plans: ${plans}`,
      `RTT with the answer's return ${formatMs(report.rttMs)} ms; ${report.switches} plan switch(es); ` +
        `${report.fallbacks} sample(s) ran edge-only`,
      'median per stage (ms)  predicted   measured',
      row('edge', s.edge),
      row('encode', s.encode),
      row('transfer', s.transfer),
      row('decode', s.decode),
      row('server', s.server),
      row('answer', s.answer),
      row('total', s.total),
      `median error per sample: total ${report.medianErrorPct.total.toFixed(1)}%, ` +
        `transfer ${report.medianErrorPct.transfer.toFixed(1)}%`,
      report.top1
        ? `top-1 of the served outputs: ${report.top1.correct}/${report.top1.total} (${(report.top1.accuracy * 100).toFixed(2)}%)`
        : '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n'
  );
}
