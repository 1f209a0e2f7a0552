/**
 * analysis.json read back, checked field by field: a file edited by hand (a NaN or negative time,
 * a bit width of 99, a cut index that points nowhere) is refused with one line naming the file and
 * the field, instead of failing deep inside the solver or a renderer.
 */
import type { Analysis } from './analysis';
import { JsonChecker, bool, int, num, str, type Json } from './json-check';

/**
 * Checks that `doc` is an analysis this jalad can use: every field the solver, the simulator and
 * the reports read has its type and range (times and sizes finite and >= 0, bit widths 1..8, 16
 * or 32, cut indices within the cut points, bandwidths > 0).
 *
 * @param file the file name for messages
 * @throws InputError `BAD_ANALYSIS`: "FILE: field cutPoints[3].edgeMs: expected a number from 0, got -1"
 */
export function checkAnalysis(doc: Json, file: string): Analysis {
  const c = new JsonChecker(file, 'BAD_ANALYSIS');
  const a = c.object(doc, '(top level)');
  const model = c.object(a.model, 'model');
  c.field(model, 'model', 'path', str);
  c.field(model, 'model', 'sha256', (v) =>
    typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? undefined : '64 hex digits',
  );
  for (const k of ['nodes', 'parameters', 'opset', 'irVersion'])
    c.field(model, 'model', k, int(0), k !== 'nodes');

  const cuts = c.array(a.cutPoints, 'cutPoints', 1);
  const cutIndex = int(0, cuts.length - 1);
  cuts.forEach((raw, i) => {
    const at = `cutPoints[${i}]`;
    const cut = c.object(raw, at);
    c.field(cut, at, 'index', (v) => (v === i ? undefined : `${i} (its position)`));
    const tensors = c.array(cut.tensors, `${at}.tensors`, 1);
    tensors.forEach((t, k) => c.value(t, `${at}.tensors[${k}]`, str));
    for (const k of ['bytes', 'elements']) c.field(cut, at, k, num(0), k === 'elements');
    for (const k of ['edgeNodes', 'cloudNodes']) c.field(cut, at, k, int(0), true);
    for (const k of ['edgeMs', 'cloudMs', 'edgeFlops', 'cloudFlops', 'edgeMeasuredMs', 'cloudMeasuredMs'])
      c.field(cut, at, k, num(0), true);
  });

  if (a.profiles !== undefined) {
    const profiles = c.object(a.profiles, 'profiles');
    for (const side of ['edge', 'cloud']) {
      const at = `profiles.${side}`;
      const p = c.object(profiles[side], at);
      c.field(p, at, 'runOverheadMs', num(0));
      c.array(p.nodeMs, `${at}.nodeMs`).forEach((v, k) => c.value(v, `${at}.nodeMs[${k}]`, num(0)));
      if (p.boundary !== undefined) {
        const b = c.object(p.boundary, `${at}.boundary`);
        for (const k of ['edgeOutputMsPerByte', 'cloudInputMsPerByte'])
          c.field(b, `${at}.boundary`, k, num(0));
      }
    }
  }
  if (a.bandwidthsMbps !== undefined)
    c.array(a.bandwidthsMbps, 'bandwidthsMbps').forEach((v, k) =>
      c.value(v, `bandwidthsMbps[${k}]`, num(Number.MIN_VALUE)),
    );
  c.field(a, '', 'rttMs', num(0), true);
  c.field(a, '', 'maxLossPct', num(0, 100), true);
  if (a.latency !== undefined)
    c.array(a.latency, 'latency').forEach((raw, i) => {
      const at = `latency[${i}]`;
      const row = c.object(raw, at);
      c.field(row, at, 'bandwidthMbps', num(Number.MIN_VALUE));
      c.field(row, at, 'bestCut', cutIndex);
      c.array(row.cuts, `${at}.cuts`).forEach((r, k) => {
        const cat = `${at}.cuts[${k}]`;
        const cr = c.object(r, cat);
        c.field(cr, cat, 'cut', cutIndex);
        for (const f of ['transferMs', 'totalMs']) c.field(cr, cat, f, num(0));
      });
    });
  if (a.bits !== undefined) c.array(a.bits, 'bits').forEach((v, k) => c.value(v, `bits[${k}]`, int(1, 8)));
  if (a.sweep !== undefined)
    c.array(a.sweep, 'sweep').forEach((raw, i) => {
      const at = `sweep[${i}]`;
      const row = c.object(raw, at);
      c.field(row, at, 'cut', cutIndex);
      c.field(row, at, 'bits', int(1, 8));
      for (const k of ['lossPct', 'lossUpperPct']) c.field(row, at, k, num(-100, 100));
      for (const k of ['agreement', 'accuracy']) c.field(row, at, k, num(0, 1), k === 'accuracy');
      for (const k of ['bytesMean', 'bytesP95']) c.field(row, at, k, num(0));
      c.field(row, at, 'samples', int(0), true);
      c.field(row, at, 'stoppedEarly', bool, true);
    });
  if (a.data !== undefined) {
    const d = c.object(a.data, 'data');
    c.field(d, 'data', 'samples', int(1));
    c.field(d, 'data', 'referenceAccuracy', num(0, 1), true);
  }
  if (a.decisions !== undefined)
    c.array(a.decisions, 'decisions').forEach((raw, i) => {
      const at = `decisions[${i}]`;
      const d = c.object(raw, at);
      for (const k of ['fromMbps', 'toMbps']) c.field(d, at, k, num(0));
      c.field(d, at, 'cut', int(-1, cuts.length - 1));
      c.field(d, at, 'bits', (v) =>
        v === 'mixed' || v === 16 || v === 32 || int(1, 8)(v) === undefined
          ? undefined
          : '1..8, 16, 32 or "mixed"',
      );
      for (const k of ['fixedMs', 'bytes', 'totalMs', 'totalMsAtTo'])
        c.field(d, at, k, num(0), k === 'totalMsAtTo');
      c.field(d, at, 'predictedLossPct', num(), true);
    });
  return a as unknown as Analysis;
}
