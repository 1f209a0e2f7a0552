/**
 * Output sets: the files of one run appear together or not at all, and nothing jalad writes can
 * replace anything but the files it owns.
 *
 * A run's files (analysis.json, the reports and CSVs; edge.onnx, cloud.onnx and plan.json) are
 * written into a staging folder beside the output folder, with a manifest listing them written
 * last; then the old folder is renamed aside, the staging folder renamed into its place, and the
 * old one removed. A kill -9 at any moment leaves the previous complete folder or the new complete
 * one; the only moment with neither in place lies between two renames, and the next write to that
 * folder finishes the swap (the staged folder is complete: it has its manifest). Temp folders of
 * runs that are no longer alive are removed by the next write to the same folder.
 *
 * Ownership: a folder is jalad's when it is empty or every entry is a regular file listed in its
 * manifest (`.jalad-manifest.json`), or, for folders written before manifests existed, when every
 * entry has a name jalad writes and its JSON document carries jalad's marker (a `jalad` version
 * field). Anything else in the way (a symbolic link, a FIFO or device, a file jalad did not write)
 * is refused with an InputError naming it.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { InputError, JaladError } from './errors';
import { fsErrorText, systemErrorCode } from './fs-errors';
import { JALAD_VERSION } from './version';

/** The file in every output folder listing what jalad wrote there. */
export const MANIFEST_NAME = '.jalad-manifest.json';

/** File names jalad wrote before manifests existed; a folder of only these (and a marked JSON) is adopted. */
const LEGACY_NAMES = new Set([
  'analysis.json',
  'report.md',
  'report.html',
  'cut-points.csv',
  'sweep.csv',
  'latency.csv',
  'nodes.csv',
  'decisions.csv',
  'edge.onnx',
  'cloud.onnx',
  'plan.json',
  'split.json',
]);
const MARKED_JSON = ['analysis.json', 'plan.json', 'split.json'];
// Temp files of the per-file atomic writes of earlier versions: `.name.PID.MS.tmp`.
const LEGACY_TEMP = /^\..+\.\d+\.\d+\.tmp$/;

/** One file of an output set, in memory. */
export interface OutputFile {
  /** A plain file name (no folder part), e.g. "report.html". */
  readonly name: string;
  readonly data: Uint8Array | string;
}

/** Options of `writeOutputSet` and `writeOutputFile`. */
export interface OutputOptions {
  /** How the user named the path, for messages (e.g. "--out"). */
  readonly flag?: string;
  /**
   * `writeOutputFile` only: whether an existing regular file is one jalad wrote and may replace
   * (default: a JSON document with jalad's marker, `isJaladJson`; a CSV passes `startsWithLine`).
   */
  readonly owned?: (file: string) => boolean;
}

interface Manifest {
  readonly jalad: string;
  readonly files: readonly string[];
}

function stagingName(base: string, kind: 'new' | 'old'): string {
  return `.${base}.jalad-${kind}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a process with this id is running (on this machine). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return systemErrorCode(err) === 'EPERM';
  }
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function userError(p: string, err: unknown, flag?: string): InputError {
  if (err instanceof JaladError) return err as InputError;
  return new InputError('BAD_OUTPUT', `${flag ? `${flag} ` : ''}${fsErrorText(p, err)}`);
}

/** The manifest of a folder: its file list, undefined when there is none; throws when it is not jalad's. */
function readManifest(dir: string): readonly string[] | undefined {
  const file = path.join(dir, MANIFEST_NAME);
  const st = lstatOrUndefined(file);
  if (!st) return undefined;
  const bad = () =>
    new InputError('BAD_OUTPUT', `${file}: not a jalad manifest; remove it or choose another folder`);
  if (!st.isFile() || st.size > 1 << 20) throw bad();
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch {
    throw bad();
  }
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.jalad !== 'string' ||
    !Array.isArray(m.files) ||
    !m.files.every((f) => typeof f === 'string' && isRelativeName(f))
  )
    throw bad();
  return m.files;
}

/**
 * A file name inside an output set: plain names, or a path of plain names joined by "/" (a Triton
 * repository's `1/model.onnx`); never absolute, never "." or "..", never a backslash.
 */
function isRelativeName(name: string): boolean {
  return (
    name !== '' &&
    !name.includes('\\') &&
    name.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
  );
}

/**
 * Whether a regular file's first line is `line` (how a CSV jalad wrote is recognised: its header).
 * Reads at most the first 64 KB.
 */
export function startsWithLine(file: string, line: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(65536, line.length * 4 + 2));
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      const first = buf.subarray(0, n).toString('utf8').split(/\r?\n/)[0];
      return first === line;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** Whether a JSON file carries jalad's marker (a string `jalad` field at the top level). */
export function isJaladJson(file: string): boolean {
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { jalad?: unknown } | null;
    return typeof doc === 'object' && doc !== null && typeof doc.jalad === 'string';
  } catch {
    return false;
  }
}

/**
 * Checks that `dir` (which exists) is a folder jalad may replace; throws an InputError naming the
 * first thing in the way.
 */
function checkOwnedFolder(dir: string, shown: string, flag?: string): void {
  const listed = readManifest(dir);
  const entries = fs.readdirSync(dir);
  const foreign: string[] = [];
  const walk = (rel: string, names: readonly string[]) => {
    for (const name of names) {
      if (rel === '' && name === MANIFEST_NAME) continue;
      const relName = rel === '' ? name : `${rel}/${name}`;
      const full = path.join(dir, relName);
      const st = fs.lstatSync(full);
      // A folder is jalad's when a listed file lies inside it (e.g. a Triton repository's "1/").
      if (listed && st.isDirectory() && listed.some((f) => f.startsWith(`${relName}/`))) {
        walk(relName, fs.readdirSync(full));
        continue;
      }
      const known = listed ? listed.includes(relName) : LEGACY_NAMES.has(name) || LEGACY_TEMP.test(name);
      if (!known) foreign.push(relName);
      else if (!st.isFile())
        throw new InputError(
          'BAD_OUTPUT',
          `${path.join(shown, relName)}: is ${kindOf(st)}, not a file jalad wrote; remove it or choose another folder`,
        );
    }
  };
  walk('', entries);
  if (foreign.length > 0)
    throw new InputError(
      'BAD_OUTPUT',
      `${flag ? `${flag} ` : ''}${shown}: holds files jalad did not write ` +
        `(${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}); choose a new or empty folder`,
    );
  if (
    !listed &&
    entries.length > 0 &&
    !MARKED_JSON.some((n) => entries.includes(n) && isJaladJson(path.join(dir, n)))
  )
    throw new InputError(
      'BAD_OUTPUT',
      `${flag ? `${flag} ` : ''}${shown}: holds files that jalad did not mark as its own (no ${MANIFEST_NAME}); choose a new or ` +
        `empty folder`,
    );
}

/** Creates the parent folders of an output; a file where a folder should be is named as such. */
function makeParent(parent: string, shown: string, flag: string | undefined): void {
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (err) {
    const code = systemErrorCode(err);
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw new InputError(
        'BAD_OUTPUT',
        `${flag ? `${flag} ` : ''}${shown}: a folder on the way is a file (${code})`,
      );
    throw err;
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'a file';
}

/**
 * Finishes or removes what killed runs left beside `target` (its staging and old folders):
 * when the target is missing (a kill between the two renames of a swap), the newest complete
 * staged set is renamed into place, else the old one; every other leftover is removed.
 * Leftovers of runs still alive are left alone.
 */
export function recoverStaleOutputs(target: string): void {
  const parent = path.dirname(target);
  const base = path.basename(target);
  const pattern = new RegExp(`^\\.${escapeRegExp(base)}\\.jalad-(new|old)-(\\d+)-[0-9a-f]+$`);
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return; // no parent yet: nothing to recover
  }
  const stale = names
    .map((n) => ({ name: n, m: pattern.exec(n) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => !!e.m && !processAlive(Number(e.m[2])))
    .map((e) => ({ path: path.join(parent, e.name), kind: e.m[1] as 'new' | 'old' }));
  if (stale.length === 0) return;
  if (!lstatOrUndefined(target)) {
    const complete = (p: string) => {
      const st = lstatOrUndefined(p);
      return !!st && st.isDirectory() && !!lstatOrUndefined(path.join(p, MANIFEST_NAME));
    };
    const pick =
      stale.filter((s) => s.kind === 'new' && complete(s.path)).sort(byMtimeDesc)[0] ??
      stale.filter((s) => s.kind === 'old').sort(byMtimeDesc)[0];
    if (pick) fs.renameSync(pick.path, target);
  }
  for (const s of stale) fs.rmSync(s.path, { recursive: true, force: true });
}

function byMtimeDesc(a: { path: string }, b: { path: string }): number {
  const t = (p: string) => lstatOrUndefined(p)?.mtimeMs ?? 0;
  return t(b.path) - t(a.path);
}

/**
 * Checks, before any work, that `dir` can take a jalad output set: missing (its parent is created),
 * empty, or an earlier jalad output folder; also finishes or removes what killed runs left beside it.
 *
 * @throws InputError `BAD_OUTPUT` naming what is in the way
 */
export function checkOutputFolder(dir: string, options: OutputOptions = {}): void {
  inspectOutputFolder(dir, options.flag);
}

function inspectOutputFolder(dir: string, flag: string | undefined): fs.Stats | undefined {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  if (target === parent || base === '')
    throw new InputError('BAD_OUTPUT', `${flag ? `${flag} ` : ''}${dir}: cannot replace the root folder`);
  try {
    makeParent(parent, dir, flag);
    recoverStaleOutputs(target);
    const existing = lstatOrUndefined(target);
    if (existing) {
      if (!existing.isDirectory())
        throw new InputError(
          'BAD_OUTPUT',
          `${flag ? `${flag} ` : ''}${dir}: is ${kindOf(existing)}, not a folder; jalad writes its files into a folder`,
        );
      if (existing.dev !== fs.statSync(parent).dev)
        throw new InputError(
          'BAD_OUTPUT',
          `${flag ? `${flag} ` : ''}${dir}: is a mount point; jalad replaces its output folder as a whole, so give a folder inside it`,
        );
      checkOwnedFolder(target, dir, flag);
    }
    return existing;
  } catch (err) {
    throw userError(dir, err, flag);
  }
}

/**
 * Writes `files` as the complete content of the folder `dir`, all or nothing (see the file header):
 * the previous content, if jalad's, is replaced as a whole, so files of an earlier run that this
 * run does not write do not survive beside the new ones.
 *
 * @returns the paths written, in the order of `files`
 * @throws InputError `BAD_OUTPUT` when `dir` or something in it is not jalad's to replace, or the
 *   filesystem refuses (permissions, read-only, full disk, a path that is a file): one line naming the path
 * @throws JaladError `IO` when swapping the written folder into place fails after every check passed
 * @example writeOutputSet('jalad-out', [{ name: 'analysis.json', data: text }], { flag: '--out' });
 */
export function writeOutputSet(
  dir: string,
  files: readonly OutputFile[],
  options: OutputOptions = {},
): string[] {
  const { flag } = options;
  const names = files.map((f) => f.name);
  for (const n of names)
    if (!isRelativeName(n) || n === MANIFEST_NAME)
      throw new JaladError('IO', `writeOutputSet: "${n}" is not a plain file name or relative path`);
  if (new Set(names).size !== names.length)
    throw new JaladError('IO', 'writeOutputSet: a file name appears twice');
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  const existing = inspectOutputFolder(dir, flag);

  const staging = path.join(parent, stagingName(base, 'new'));
  let staged = false;
  try {
    fs.mkdirSync(staging);
    staged = true;
    if (existing) fs.chmodSync(staging, existing.mode & 0o7777);
    for (const f of files) {
      if (f.name.includes('/')) fs.mkdirSync(path.dirname(path.join(staging, f.name)), { recursive: true });
      fs.writeFileSync(path.join(staging, f.name), f.data, { flag: 'wx' });
    }
    const manifest: Manifest = { jalad: JALAD_VERSION, files: names };
    // Written last: a staged folder with its manifest is complete (see recoverStaleOutputs).
    fs.writeFileSync(path.join(staging, MANIFEST_NAME), JSON.stringify(manifest, null, 2) + '\n', {
      flag: 'wx',
    });
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    // Without the staging folder the parent is what refused (e.g. read-only, no permission).
    throw userError(staged ? dir : path.dirname(dir) || '.', err, flag);
  }

  const old = path.join(parent, stagingName(base, 'old'));
  try {
    if (existing) fs.renameSync(target, old);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw userError(dir, err, flag);
  }
  try {
    fs.renameSync(staging, target);
  } catch (err) {
    // Put the previous set back; leave nothing of ours behind.
    if (existing) fs.renameSync(old, target);
    fs.rmSync(staging, { recursive: true, force: true });
    throw new JaladError('IO', `could not move the new files into ${dir}: ${fsErrorText(staging, err)}`);
  }
  if (existing) fs.rmSync(old, { recursive: true, force: true });
  return names.map((n) => path.join(dir, n));
}

/**
 * Checks, before any work, that `file` can take a jalad output file: missing, or a regular file
 * jalad wrote (see `writeOutputFile`); removes temp files that killed runs left beside it.
 *
 * @throws InputError `BAD_OUTPUT` naming what is in the way
 */
export function checkOutputFile(file: string, options: OutputOptions = {}): void {
  inspectOutputFile(file, options.flag, options.owned);
}

function inspectOutputFile(
  file: string,
  flag: string | undefined,
  owned: (file: string) => boolean = isJaladJson,
): void {
  const target = path.resolve(file);
  const parent = path.dirname(target);
  const base = path.basename(target);
  const prefix = flag ? `${flag} ` : '';
  try {
    makeParent(parent, file, flag);
    const pattern = new RegExp(`^\\.${escapeRegExp(base)}\\.jalad-new-(\\d+)-[0-9a-f]+$`);
    for (const n of fs.readdirSync(parent)) {
      const m = pattern.exec(n);
      if (m && !processAlive(Number(m[1]))) fs.rmSync(path.join(parent, n), { force: true });
    }
    const st = lstatOrUndefined(target);
    if (st && !st.isFile())
      throw new InputError(
        'BAD_OUTPUT',
        `${prefix}${file}: is ${kindOf(st)}; jalad writes only regular files and replaces only its own`,
      );
    if (st && !owned(target))
      throw new InputError(
        'BAD_OUTPUT',
        `${prefix}${file}: exists and was not written by jalad; remove it or choose another path`,
      );
  } catch (err) {
    throw userError(file, err, flag);
  }
}

/**
 * Writes one file atomically (a temp file beside it, then a rename). An existing file is replaced
 * only when it is a regular file that jalad wrote (a JSON document with jalad's marker, or what
 * `options.owned` recognises, e.g. a CSV by its header line); a symbolic
 * link, a FIFO, a device, a folder or a foreign file in the way is refused.
 *
 * @throws InputError `BAD_OUTPUT` naming the path, as `writeOutputSet`
 * @example writeOutputFile('pi4.json', JSON.stringify(profile), { flag: '--out' });
 */
export function writeOutputFile(
  file: string,
  data: Uint8Array | string,
  options: OutputOptions = {},
): string {
  const { flag } = options;
  const target = path.resolve(file);
  const parent = path.dirname(target);
  const base = path.basename(target);
  inspectOutputFile(file, flag, options.owned);
  const tmp = path.join(parent, stagingName(base, 'new'));
  try {
    fs.writeFileSync(tmp, data, { flag: 'wx' });
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw userError(systemErrorCode(err) === 'EACCES' ? parent : file, err, flag);
  }
  return file;
}
