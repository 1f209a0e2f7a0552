/**
 * A device profile read back (`--edge FILE`, `--cloud FILE`), checked field by field: a file
 * edited by hand or cut short (a NaN or negative time, a node without a name, a missing list) is
 * refused with one line naming the file and the field, before any of its figures reach the
 * latency model or the solver.
 */
import { JsonChecker, int, isObject, num, oneOf, str, type Json } from '../core/json-check';
import { PROFILE_VERSION, type DeviceProfile } from './device-profile';

/**
 * True when a parsed JSON object claims to be a device profile (it has `nodes` or `kind`), as
 * opposed to a device spec; such a document is then checked by `checkProfile`.
 */
export function looksLikeProfile(doc: Json): boolean {
  return isObject(doc) && (doc.nodes !== undefined || doc.kind !== undefined);
}

/**
 * Checks that `doc` is a device profile this jalad can use: version, kind, model, every node's
 * name, op and times (finite, >= 0), the run overhead, the fitted boundary costs, the measured cut
 * points and the notes.
 *
 * @param file the file name for messages (e.g. "--edge pi.json")
 * @throws InputError `BAD_PROFILE`: "--edge pi.json: field nodes[3].ms: expected a number from 0, got -1"
 */
export function checkProfile(doc: Json, file: string): DeviceProfile {
  const c = new JsonChecker(file, 'BAD_PROFILE');
  const p = c.object(doc, '(top level)');
  c.field(p, '', 'version', int(1, PROFILE_VERSION));
  c.field(p, '', 'kind', oneOf('measured', 'modeled', 'scaled'));
  for (const k of ['label', 'jalad', 'createdAt']) c.field(p, '', k, str);
  c.field(p, '', 'source', str, true);
  c.field(p, '', 'mode', oneOf('fast', 'thorough'), true);
  if (p.auto !== undefined) {
    const a = c.object(p.auto, 'auto');
    for (const k of ['extraS', 'budgetS']) c.field(a, 'auto', k, num(0));
    c.field(a, 'auto', 'basis', oneOf('sample', 'runs'));
  }
  const model = c.object(p.model, 'model');
  for (const k of ['path', 'sha256']) c.field(model, 'model', k, str);
  if (p.machine !== undefined) c.object(p.machine, 'machine');
  if (p.settings !== undefined) {
    const s = c.object(p.settings, 'settings');
    for (const k of ['runs', 'warmup', 'threads', 'batch']) c.field(s, 'settings', k, int(0));
    c.field(s, 'settings', 'mode', oneOf('fast', 'thorough'), true);
  }
  c.field(p, '', 'runOverheadMs', num(0));
  if (p.boundary !== undefined) {
    const b = c.object(p.boundary, 'boundary');
    for (const k of ['edgeOutputMsPerByte', 'cloudInputMsPerByte']) c.field(b, 'boundary', k, num(0));
  }
  const names = new Set<string>();
  c.array(p.nodes, 'nodes').forEach((raw, i) => {
    const at = `nodes[${i}]`;
    const n = c.object(raw, at);
    c.field(n, at, 'name', str);
    c.field(n, at, 'op', str);
    c.field(n, at, 'ms', num(0));
    c.field(n, at, 'p90Ms', num(0), true);
    c.field(n, at, 'edgeMs', num(0), true);
    c.field(n, at, 'cloudMs', num(0), true);
    // NOTE: a repeated name would make one of the two times silently win in every lookup by name.
    if (names.has(n.name as string)) c.fail(`${at}.name`, 'a name not used by an earlier node', n.name);
    names.add(n.name as string);
  });
  if (p.cutPoints !== undefined)
    c.array(p.cutPoints, 'cutPoints').forEach((raw, i) => {
      const at = `cutPoints[${i}]`;
      const cut = c.object(raw, at);
      c.field(cut, at, 'index', int(0));
      for (const k of ['edgeMs', 'edgeP90Ms', 'cloudMs', 'cloudP90Ms']) c.field(cut, at, k, num(0));
      c.array(cut.tensors, `${at}.tensors`, 1).forEach((t, k) => c.value(t, `${at}.tensors[${k}]`, str));
    });
  c.array(p.notes, 'notes').forEach((v, k) => c.value(v, `notes[${k}]`, str));
  return p as unknown as DeviceProfile;
}
