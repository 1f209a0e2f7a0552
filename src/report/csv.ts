/**
 * Every table of an analysis as CSV (RFC 4180, via csv-stringify): one header line whose names carry
 * their units (`_ms`, `_bytes`, `_pp`, `_mbps`), then one record per row. Numbers are written in
 * full precision as JSON has them; an absent value is an empty cell.
 */
import { stringify } from 'csv-stringify/sync';
import type { Analysis } from '../core/analysis';
import { checkReportable } from './report-input';
import { formatShape } from './cut-table';

type Cell = string | number | boolean | undefined;

/** One CSV file of a report. */
export interface CsvTable {
  /** File name, e.g. "cut-points.csv". */
  readonly name: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return stringify([header as Cell[], ...(rows as Cell[][])], {
    cast: { boolean: (b) => (b ? 'true' : 'false') },
  });
}

/** Renders a table as CSV text (header line included, "\n" line ends). */
export function renderCsv(table: CsvTable): string {
  return toCsv(table.header, table.rows);
}

/**
 * The cut points: index, tensors (";"-separated, the cut tensor first), op, shape, elements and
 * float32 bytes per sample, nodes and FLOPs on each side, predicted edge and cloud ms, and the
 * measured ms of the real edge/cloud models when any cut point has them.
 */
export function cutPointsCsv(analysis: Analysis): CsvTable {
  const cuts = analysis.cutPoints;
  const edgeMeasured = cuts.some((c) => c.edgeMeasuredMs !== undefined);
  const cloudMeasured = cuts.some((c) => c.cloudMeasuredMs !== undefined);
  const header = [
    'index',
    'tensors',
    'op',
    'shape',
    'elements',
    'float32_bytes',
    'edge_nodes',
    'cloud_nodes',
    'edge_flops',
    'cloud_flops',
    'edge_ms',
    'cloud_ms',
  ];
  if (edgeMeasured) header.push('edge_measured_ms');
  if (cloudMeasured) header.push('cloud_measured_ms');
  const rows = cuts.map((c) => {
    const row: Cell[] = [
      c.index,
      c.tensors.join(';'),
      c.op,
      formatShape(c.shape),
      c.sizeUnknown ? '' : c.elements,
      c.sizeUnknown ? '' : c.bytes,
      c.edgeNodes,
      c.cloudNodes,
      c.edgeFlops,
      c.cloudFlops,
      c.edgeMs,
      c.cloudMs,
    ];
    if (edgeMeasured) row.push(c.edgeMeasuredMs);
    if (cloudMeasured) row.push(c.cloudMeasuredMs);
    return row;
  });
  return { name: 'cut-points.csv', header, rows };
}

/**
 * The compression sweep: one record per cut point and bit width with every stored field, and the
 * mean and p95 bytes of each coder (`<coder>_bytes_mean`, `<coder>_bytes_p95`, coders in order of
 * first appearance). Undefined without a sweep.
 */
export function sweepCsv(analysis: Analysis): CsvTable | undefined {
  if (!analysis.sweep) return undefined;
  const coders: string[] = [];
  for (const r of analysis.sweep)
    for (const k of Object.keys(r.byCoder)) if (!coders.includes(k)) coders.push(k);
  const tensorOf = new Map(analysis.cutPoints.map((c) => [c.index, c.tensors[0]]));
  const header = [
    'cut',
    'tensor',
    'bits',
    'loss_pp',
    'loss_upper_pp',
    'agreement',
    'accuracy',
    'samples',
    'stopped_early',
    'bytes_mean',
    'bytes_p95',
    'bits_per_element',
    'ratio',
    ...coders.flatMap((k) => [`${k}_bytes_mean`, `${k}_bytes_p95`]),
    'encode_ms',
    'decode_ms',
  ];
  const rows = analysis.sweep.map((r) => [
    r.cut,
    tensorOf.get(r.cut),
    r.bits,
    r.lossPct,
    r.lossUpperPct,
    r.agreement,
    r.accuracy,
    r.samples,
    r.stoppedEarly,
    r.bytesMean,
    r.bytesP95,
    r.bitsPerElement,
    r.ratio,
    ...coders.flatMap((k) => [r.byCoder[k]?.bytesMean, r.byCoder[k]?.bytesP95]),
    r.encodeMs,
    r.decodeMs,
  ]);
  return { name: 'sweep.csv', header, rows };
}

/**
 * Latency by bandwidth as stored (raw float32 tensors): one record per bandwidth and cut point with
 * RTT, transfer and total ms and whether it is the fastest cut at that bandwidth. Undefined without
 * `latency`.
 */
export function latencyCsv(analysis: Analysis): CsvTable | undefined {
  if (!analysis.latency) return undefined;
  const tensorOf = new Map(analysis.cutPoints.map((c) => [c.index, c.tensors[0]]));
  const header = ['bandwidth_mbps', 'rtt_ms', 'cut', 'tensor', 'transfer_ms', 'total_ms', 'best'];
  const rows = analysis.latency.flatMap((l) =>
    l.cuts.map((c) => [
      l.bandwidthMbps,
      l.rttMs,
      c.cut,
      tensorOf.get(c.cut),
      c.transferMs,
      c.totalMs,
      c.cut === l.bestCut,
    ]),
  );
  return { name: 'latency.csv', header, rows };
}

/**
 * The per-node profile: node index, name, op and FLOPs (a multiply-add = 2) in DAG order, with the
 * edge and cloud profiles' ms per node when the analysis has profiles. Undefined without `nodes`.
 */
export function nodesCsv(analysis: Analysis): CsvTable | undefined {
  if (!analysis.nodes) return undefined;
  const p = analysis.profiles;
  const header = ['index', 'name', 'op', 'flops'];
  if (p) header.push('edge_ms', 'cloud_ms');
  const rows = analysis.nodes.map((n, i) => {
    const row: Cell[] = [i, n.name, n.op, n.flops];
    if (p) row.push(p.edge.nodeMs[i], p.cloud.nodeMs[i]);
    return row;
  });
  return { name: 'nodes.csv', header, rows };
}

/**
 * The decision table: bandwidth intervals (Mbps) with the plan's cut point (-1: not a single cut
 * point), bit width (32 = raw float32, "mixed"), tensors sent ("name:bits" separated by ";"), bytes,
 * fixed ms (edge + RTT + cloud + the codec's encode and decode ms, also listed alone), totals at
 * both ends of the interval and the predicted loss bound.
 * Undefined without `decisions`.
 */
export function decisionsCsv(analysis: Analysis): CsvTable | undefined {
  if (!analysis.decisions) return undefined;
  const header = [
    'from_mbps',
    'to_mbps',
    'cut',
    'bits',
    'tensors',
    'bytes',
    'fixed_ms',
    'encode_ms',
    'decode_ms',
    'total_ms',
    'total_ms_at_to',
    'predicted_loss_pp',
    'edge_nodes',
  ];
  const rows = analysis.decisions.map((d) => [
    d.fromMbps,
    d.toMbps,
    d.cut,
    d.bits,
    d.tensors.map((t) => `${t.name}:${t.bits}`).join(';'),
    d.bytes,
    d.fixedMs,
    d.encodeMs,
    d.decodeMs,
    d.totalMs,
    d.totalMsAtTo,
    d.predictedLossPct,
    d.edgeNodes,
  ]);
  return { name: 'decisions.csv', header, rows };
}

/**
 * Every table the analysis has, as CSV files: cut-points.csv always; sweep.csv, latency.csv,
 * nodes.csv and decisions.csv when the analysis holds that data.
 *
 * @returns file name → CSV text, in that order
 * @throws InputError `BAD_ANALYSIS` for an analysis of an unknown version or without cut points
 */
export function renderCsvFiles(analysis: Analysis): { readonly name: string; readonly text: string }[] {
  checkReportable(analysis, 'renderCsvFiles');
  const tables = [
    cutPointsCsv(analysis),
    sweepCsv(analysis),
    latencyCsv(analysis),
    nodesCsv(analysis),
    decisionsCsv(analysis),
  ];
  return tables
    .filter((t): t is CsvTable => t !== undefined)
    .map((t) => ({ name: t.name, text: renderCsv(t) }));
}
