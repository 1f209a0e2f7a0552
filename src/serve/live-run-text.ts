/** What `jalad run` prints for a human: the plans used, and predicted against measured per stage. */
import { formatMs } from '../report';
import type { EdgeRunReport } from './edge-run';

/** What the calibration before the run measured, one line (empty when there was none). */
function calibrationLine(report: EdgeRunReport): string {
  const c = report.calibration;
  if (c.plans.length === 0)
    return c.requests > 0 ? "no plan calibrated (no answer before the run): the profile's compute terms" : '';
  return (
    `calibrated before the run (${c.requests} requests per plan, the first discarded; medians, ms): ` +
    c.plans
      .map(
        (p) =>
          `${p.plan}: edge ${formatMs(p.edgeMs)}, encode ${formatMs(p.encodeMs)}, server ${formatMs(p.serverMs)}`,
      )
      .join('; ')
  );
}

/** The running RTT's range over the samples (empty when the probes' RTT was used throughout). */
function runningRttText(report: EdgeRunReport): string {
  const rtts = report.records.filter((r) => r.mode === 'split').map((r) => r.rttMs);
  if (report.rttWindow === 0 || rtts.length === 0) return '';
  return `, followed through the run from its own requests: ${formatMs(Math.min(...rtts))}-${formatMs(Math.max(...rtts))} ms`;
}

/** The summary of a live run: plans, RTT, switches, medians per stage, errors and top-1. */
export function liveRunText(report: EdgeRunReport): string {
  const s = report.stages;
  const row = (name: string, x: { predictedMs: number; profiledMs: number; measuredMs: number }) =>
    `  ${name.padEnd(9)} ${formatMs(x.predictedMs).padStart(10)} ${formatMs(x.profiledMs).padStart(10)} ` +
    `${formatMs(x.measuredMs).padStart(10)}`;
  const e = report.medianErrorPct;
  const plans = Object.entries(report.plansUsed)
    .map(([p, n]) => `${p} x${n}`)
    .join(', ');
  return (
    [
      `${report.samples} samples, ${report.mode}; plans: ${plans}`,
      `RTT with the answer's return ${formatMs(report.rttMs)} ms (probes)${runningRttText(report)}; ` +
        `${report.switches} plan switch(es)${report.rateProbes > 0 ? `, ${report.rateProbes} rate probe(s)` : ''}; ` +
        `${report.fallbacks} sample(s) ran edge-only`,
      calibrationLine(report),
      report.computeWindow > 0
        ? `the prediction's compute terms follow the run: a plan's medians over its last ${report.computeWindow} ` +
          'samples before each sample, once it has 3'
        : '',
      `  ${'ms'.padEnd(9)} ${'predicted'.padStart(10)} ${'profiled'.padStart(10)} ${'measured'.padStart(10)}  (medians per stage)`,
      row('edge', s.edge),
      row('encode', s.encode),
      row('transfer', s.transfer),
      row('decode', s.decode),
      row('server', s.server),
      row('answer', s.answer),
      row('total', s.total),
      `median error per sample: total ${e.total.toFixed(1)}% (with the calibration's compute terms ` +
        `${e.calibratedTotal.toFixed(1)}%, the profile's ${e.profileTotal.toFixed(1)}%), transfer ${e.transfer.toFixed(1)}%`,
      report.top1
        ? `top-1 of the served outputs: ${report.top1.correct}/${report.top1.total} (${(report.top1.accuracy * 100).toFixed(2)}%)`
        : '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n'
  );
}
