/**
 * analysis.json read back, checked field by field: a file edited by hand (a NaN or negative time,
 * a bit width of 99, a cut index that points nowhere) is refused with one line naming the file and
 * the field, instead of failing deep inside the solver or a renderer.
 */
import type { Analysis } from './analysis';
import { JsonChecker, bool, int, num, oneOf, str, type Json, type Rule } from './json-check';

/** A dimension: a size (>= 0) or a symbolic name. */
const dim: Rule = (v) =>
  typeof v === 'string' || (Number.isInteger(v) && (v as number) >= -1)
    ? undefined
    : 'a size or a dimension name';
const KINDS = ['data', 'input', 'shape', 'output'];

type Obj = Record<string, Json>;

/** A list of dims at `at`. */
function dims(c: JsonChecker, v: Json, at: string): void {
  c.array(v, at).forEach((d, k) => c.value(d, `${at}[${k}]`, dim));
}

/** A list of strings at `at`. */
function strings(c: JsonChecker, v: Json, at: string): void {
  c.array(v, at).forEach((x, k) => c.value(x, `${at}[${k}]`, str));
}

function checkModel(c: JsonChecker, a: Obj): void {
  const model = c.object(a.model, 'model');
  c.field(model, 'model', 'path', str);
  c.field(model, 'model', 'sha256', (v) =>
    typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? undefined : '64 hex digits',
  );
  for (const k of ['nodes', 'parameters', 'opset', 'irVersion'])
    c.field(model, 'model', k, int(0), k !== 'nodes');
  for (const k of ['producer', 'batchDim']) c.field(model, 'model', k, str, true);
  if (model.inputs !== undefined)
    c.array(model.inputs, 'model.inputs').forEach((raw, i) => {
      const at = `model.inputs[${i}]`;
      const input = c.object(raw, at);
      c.field(input, at, 'name', str);
      dims(c, input.dims, `${at}.dims`);
    });
  if (model.outputs !== undefined) strings(c, model.outputs, 'model.outputs');
  for (const k of ['jalad', 'createdAt', 'commandLine']) c.field(a, '', k, str, k === 'commandLine');
}

function checkCutPoint(c: JsonChecker, raw: Json, i: number): void {
  const at = `cutPoints[${i}]`;
  const cut = c.object(raw, at);
  c.field(cut, at, 'index', (v) => (v === i ? undefined : `${i} (its position)`));
  c.array(cut.tensors, `${at}.tensors`, 1).forEach((t, k) => c.value(t, `${at}.tensors[${k}]`, str));
  for (const k of ['bytes', 'elements']) c.field(cut, at, k, num(0), k === 'elements');
  c.field(cut, at, 'op', str);
  if (cut.shape !== undefined) dims(c, cut.shape, `${at}.shape`);
  if (cut.detail !== undefined)
    c.array(cut.detail, `${at}.detail`).forEach((rawT, k) => {
      const tat = `${at}.detail[${k}]`;
      const t = c.object(rawT, tat);
      c.field(t, tat, 'name', str);
      c.field(t, tat, 'kind', oneOf(...KINDS));
      c.field(t, tat, 'elemType', int(0, 64));
      c.field(t, tat, 'modelElemType', int(0, 64), true);
      c.field(t, tat, 'elements', num(0));
      dims(c, t.shape, `${tat}.shape`);
    });
  for (const k of ['edgeNodes', 'cloudNodes']) c.field(cut, at, k, int(0), true);
  for (const k of ['edgeMs', 'cloudMs', 'edgeFlops', 'cloudFlops', 'edgeMeasuredMs', 'cloudMeasuredMs'])
    c.field(cut, at, k, num(0), true);
}

function checkProfiles(c: JsonChecker, a: Obj): void {
  if (a.profiles === undefined) return;
  const profiles = c.object(a.profiles, 'profiles');
  for (const side of ['edge', 'cloud']) {
    const at = `profiles.${side}`;
    const p = c.object(profiles[side], at);
    c.field(p, at, 'label', str);
    c.field(p, at, 'kind', oneOf('measured', 'modeled', 'scaled'));
    c.field(p, at, 'source', str, true);
    strings(c, p.notes, `${at}.notes`);
    c.field(p, at, 'runOverheadMs', num(0));
    c.field(p, at, 'codecFactor', num(Number.MIN_VALUE), true);
    c.array(p.nodeMs, `${at}.nodeMs`).forEach((v, k) => c.value(v, `${at}.nodeMs[${k}]`, num(0)));
    if (p.boundary !== undefined) {
      const b = c.object(p.boundary, `${at}.boundary`);
      for (const k of ['edgeOutputMsPerByte', 'cloudInputMsPerByte']) c.field(b, `${at}.boundary`, k, num(0));
    }
  }
}

function checkLatency(c: JsonChecker, a: Obj, cutIndex: Rule): void {
  if (a.bandwidthsMbps !== undefined)
    c.array(a.bandwidthsMbps, 'bandwidthsMbps').forEach((v, k) =>
      c.value(v, `bandwidthsMbps[${k}]`, num(Number.MIN_VALUE)),
    );
  c.field(a, '', 'rttMs', num(0), true);
  c.field(a, '', 'maxLossPct', num(0, 100), true);
  if (a.latency === undefined) return;
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
}

function checkSweep(c: JsonChecker, a: Obj, cutIndex: Rule): void {
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
      for (const k of ['bitsPerElement', 'ratio', 'encodeMs', 'decodeMs']) c.field(row, at, k, num(0), true);
    });
  if (a.data === undefined) return;
  const d = c.object(a.data, 'data');
  c.field(d, 'data', 'samples', int(1));
  c.field(d, 'data', 'referenceAccuracy', num(0, 1), true);
  c.field(d, 'data', 'path', str);
  c.field(d, 'data', 'labels', str, true);
  for (const k of ['seed', 'sizeSamples']) c.field(d, 'data', k, int(0), true);
  // A sum of scores: an integer only for pass/fail metrics.
  c.field(d, 'data', 'referenceCorrect', num(0), true);
  c.field(d, 'data', 'labelled', bool, true);
  if (d.metric !== undefined) {
    const m = c.object(d.metric, 'data.metric');
    for (const k of ['name', 'definition']) c.field(m, 'data.metric', k, str);
  }
  c.field(d, 'data', 'sweepSeconds', num(0), true);
  c.field(d, 'data', 'coder', oneOf('auto', 'context', 'rans', 'huffman', 'raw'), true);
  if (d.options !== undefined) c.object(d.options, 'data.options');
}

function checkDecision(c: JsonChecker, raw: Json, i: number, cutCount: number): void {
  const at = `decisions[${i}]`;
  const d = c.object(raw, at);
  for (const k of ['fromMbps', 'toMbps']) c.field(d, at, k, num(0));
  c.field(d, at, 'cut', int(-1, cutCount - 1));
  c.field(d, at, 'bits', (v) =>
    v === 'mixed' || v === 16 || v === 32 || int(1, 8)(v) === undefined
      ? undefined
      : '1..8, 16, 32 or "mixed"',
  );
  for (const k of ['fixedMs', 'bytes', 'totalMs', 'totalMsAtTo', 'encodeMs', 'decodeMs'])
    c.field(d, at, k, num(0), !['fixedMs', 'bytes', 'totalMs'].includes(k));
  c.field(d, at, 'predictedLossPct', num(), true);
  c.field(d, at, 'edgeNodes', int(0), true);
  if (d.tensors !== undefined)
    c.array(d.tensors, `${at}.tensors`).forEach((rawT, k) => {
      const tat = `${at}.tensors[${k}]`;
      const t = c.object(rawT, tat);
      c.field(t, tat, 'name', str);
      c.field(t, tat, 'bits', (v) =>
        v === 'f32' || int(1, 32)(v) === undefined ? undefined : '1..32 or "f32"',
      );
      c.field(t, tat, 'bytes', num(0));
    });
}

/** The per-tensor and per-node lists (`tensors`, `nodes`). */
function checkLists(c: JsonChecker, a: Obj): void {
  if (a.tensors !== undefined)
    c.array(a.tensors, 'tensors').forEach((raw, i) => {
      const at = `tensors[${i}]`;
      const t = c.object(raw, at);
      c.field(t, at, 'name', str);
      c.field(t, at, 'elemType', int(0, 64));
      for (const k of ['elements', 'bytes']) c.field(t, at, k, num(0));
    });
  if (a.nodes !== undefined)
    c.array(a.nodes, 'nodes').forEach((raw, i) => {
      const at = `nodes[${i}]`;
      const n = c.object(raw, at);
      for (const k of ['name', 'op']) c.field(n, at, k, str);
      c.field(n, at, 'flops', num(0), true);
    });
}

/**
 * Checks that `doc` is an analysis this jalad can use: every field the solver, the simulator and
 * the reports read has its type and range (times and sizes finite and >= 0, bit widths 1..8, 16
 * or 32, cut indices within the cut points, bandwidths > 0, names and kinds strings of their kind).
 *
 * @param file the file name for messages
 * @throws InputError `BAD_ANALYSIS`: "FILE: field cutPoints[3].edgeMs: expected a number from 0, got -1"
 */
export function checkAnalysis(doc: Json, file: string): Analysis {
  const c = new JsonChecker(file, 'BAD_ANALYSIS');
  const a = c.object(doc, '(top level)');
  checkModel(c, a);
  const cuts = c.array(a.cutPoints, 'cutPoints', 1);
  cuts.forEach((raw, i) => checkCutPoint(c, raw, i));
  const cutIndex = int(0, cuts.length - 1);
  checkLists(c, a);
  checkProfiles(c, a);
  checkLatency(c, a, cutIndex);
  checkSweep(c, a, cutIndex);
  if (a.decisions !== undefined)
    c.array(a.decisions, 'decisions').forEach((raw, i) => checkDecision(c, raw, i, cuts.length));
  return a as unknown as Analysis;
}
