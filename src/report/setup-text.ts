/**
 * Plain-text descriptions of an analysis's setup (machine, profiles, data), shared by the Markdown
 * and HTML reports, which escape them for their own syntax.
 */
import { recordedMetric } from '../core/metric-info';
import type { Analysis, CutPoint, DataSummary, ProfileSummary } from '../core/analysis';
import { formatCount } from './cut-table';
import { profileKindText } from './profile-kind';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * A machine description as `jalad profile` records it (cpu, cores, threads, os, ort, node; other
 * keys appended as "key value"), or undefined when there is none.
 *
 * @example machineText({ cpu: 'Xeon', cores: 2, threads: 1 }) === 'Xeon, 2 cores, 1 thread'
 */
export function machineText(machine: unknown): string | undefined {
  if (machine === undefined || machine === null) return undefined;
  if (typeof machine !== 'object') return valueText(machine);
  const m = machine as Record<string, unknown>;
  const parts: string[] = [];
  if (m.cpu !== undefined) parts.push(valueText(m.cpu));
  if (typeof m.cores === 'number') parts.push(plural(m.cores, 'core'));
  if (typeof m.threads === 'number') parts.push(plural(m.threads, 'thread'));
  if (m.os !== undefined) parts.push(valueText(m.os));
  if (m.ort !== undefined) parts.push(`ONNX Runtime ${valueText(m.ort)}`);
  if (m.node !== undefined) parts.push(`Node ${valueText(m.node)}`);
  const known = new Set(['cpu', 'cores', 'threads', 'os', 'ort', 'node']);
  for (const [k, v] of Object.entries(m))
    if (!known.has(k) && v !== undefined) parts.push(`${k} ${valueText(v)}`);
  return parts.join(', ');
}

/** "key value" pairs of a settings or options object. @example settingsText({ runs: 20, warmup: 5 }) === 'runs 20, warmup 5' */
export function settingsText(settings: unknown): string | undefined {
  if (settings === undefined || settings === null) return undefined;
  if (typeof settings !== 'object') return valueText(settings);
  const parts = Object.entries(settings as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${valueText(v)}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/**
 * A profile in one line: label, kind (and mode) and source.
 * @example profileText(cloud) === 'this machine / 10 (scaled, fast profile: this machine scaled 10x faster)'
 */
export function profileText(p: ProfileSummary): string {
  return `${p.label} (${profileKindText(p)}${p.source ? `: ${p.source}` : ''})`;
}

/** Notes of a profile that state an assumption rather than a measurement (printed prominently). */
export function assumptionNotes(p: ProfileSummary): string[] {
  return p.notes.filter((n) => /assum|not a measurement/i.test(n));
}

/** What the loss is measured against, in one sentence. */
export function referenceText(d: DataSummary): string {
  const { name } = recordedMetric(d);
  const count = `${formatCount(d.referenceCorrect)}/${formatCount(d.samples)}`;
  if (name === 'top1') return `unsplit top-1 accuracy ${(d.referenceAccuracy * 100).toFixed(2)}% (${count})`;
  if (name === 'agreement') return "no labels: the loss is the disagreement with the unsplit model's top-1";
  return `metric ${name}: unsplit mean score ${(d.referenceAccuracy * 100).toFixed(2)}%`;
}

/** The loss's definition in one sentence: the metric, what it scores, and the bound. */
export function lossText(d: DataSummary): string {
  const { name, definition } = recordedMetric(d);
  if (name === 'top1')
    return 'unsplit minus split top-1 accuracy in percentage points (pp), with a one-sided 95% upper bound from the paired outcomes';
  return `metric ${name}: ${definition}; with a one-sided 95% upper bound from the paired per-sample scores`;
}

/** The validation data in one sentence: samples, files, seed, reference accuracy, size samples, sweep time. */
export function dataText(d: DataSummary): string {
  return (
    `${formatCount(d.samples)} samples of ${d.path}${d.labels ? ` with labels ${d.labels}` : ''}, seed ${d.seed}; ${referenceText(d)}; ` +
    `sizes measured by encoding ${formatCount(d.sizeSamples)} samples; the sweep took ${d.sweepSeconds.toFixed(1)} s`
  );
}

/** The model in one sentence: producer, opset, IR, nodes, parameters. */
export function modelText(analysis: Analysis): string {
  const m = analysis.model;
  return (
    `${m.producer ? `${m.producer}, ` : ''}opset ${m.opset}, IR ${m.irVersion}, ` +
    `${formatCount(m.nodes)} nodes, ${formatCount(m.parameters)} parameters` +
    (m.batchDim ? `, batch dimension "${m.batchDim}"` : '')
  );
}

/** The file name of the model (the last path segment). @example modelName({ model: { path: 'a/vgg.onnx' } }) === 'vgg.onnx' */
export function modelName(analysis: Analysis): string {
  const parts = analysis.model.path.split(/[\\/]/);
  return parts[parts.length - 1] || analysis.model.path;
}

/** A cut point in a few characters: "#5 MaxPool". */
export function cutLabel(c: Pick<CutPoint, 'index' | 'op'>): string {
  return `#${c.index} ${c.op}`;
}

/** Which cut points are the trivial decisions, in one sentence. */
export function trivialCutsText(analysis: Analysis): string {
  const n = analysis.cutPoints.length;
  return `${plural(n, 'cut point')}: #0 sends the inputs (cloud-only), #${n - 1} sends the outputs (edge-only)`;
}
