/**
 * Label files: IDX or .npy integer arrays of shape [N] (or [N, 1]), a text file with one integer
 * per line (an optional one-word header such as `label` is skipped), and — for image folders — a
 * `file,label` CSV table whose labels are integers or class names.
 */
import { InputError } from '../core/errors';
import { detectArrayFormat, parseArrayFile } from './array-file';
import { NdArray, elementAt, formatDims } from './nd-array';
import { hexPrefix, readFileBytes } from './source-file';

/** One row of a `file,label` table. */
export interface LabelRow {
  /** Image path relative to the image folder, with '/' separators. */
  readonly file: string;
  /** The label as written: an integer or a class name. */
  readonly label: string;
  /** 1-based line number in the CSV file. */
  readonly line: number;
}

/** A labels file after reading: plain integers, or a file,label table (image folders only). */
export type LabelSource =
  | { readonly kind: 'labels'; readonly labels: Int32Array }
  | { readonly kind: 'table'; readonly rows: readonly LabelRow[] };

const INT_RE = /^[+-]?\d+$/;

/**
 * Read a labels file of any supported format.
 * @param path the labels file
 * @param role the prefix for messages, e.g. `--labels t10k-labels-idx1-ubyte.gz`
 * @throws InputError BAD_PATH for a missing path or a directory; BAD_DATA for a malformed file
 */
export function readLabelSource(path: string, role: string): LabelSource {
  const { bytes } = readFileBytes(path, role);
  const format = detectArrayFormat(bytes, path);
  if (format !== undefined)
    return { kind: 'labels', labels: labelsFromArray(parseArrayFile(bytes, format, role), role) };
  if (bytes.includes(0)) {
    throw new InputError(
      'BAD_DATA',
      `${role}: unrecognized labels format (first bytes ${hexPrefix(bytes, 8)}); expected IDX, .npy, or text with one integer per line`,
    );
  }
  const lines = splitLines(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  const first = lines.find((l) => l.text.trim() !== '');
  if (first !== undefined && splitCsvLine(first.text).length >= 2)
    return { kind: 'table', rows: parseLabelTable(lines, role) };
  return { kind: 'labels', labels: parseLabelLines(lines, role) };
}

/**
 * Read a labels file that must hold plain integer labels (IDX, .npy or text).
 * @throws InputError BAD_DATA for a file,label table (those only go with an image folder)
 */
export function readLabels(path: string, role: string): Int32Array {
  const source = readLabelSource(path, role);
  if (source.kind === 'table') {
    throw new InputError(
      'BAD_DATA',
      `${role}: a file,label table only goes with a folder of images; give one integer per line`,
    );
  }
  return source.labels;
}

/**
 * Integer labels from an IDX/.npy array of shape [N] or [N, 1]. Float arrays are accepted when
 * every value is an integer.
 * @throws InputError BAD_DATA for another shape, a non-integer value, or a value outside int32
 */
export function labelsFromArray(array: NdArray, role: string): Int32Array {
  const { dims, data } = array;
  if (!(dims.length === 1 || (dims.length === 2 && dims[1] === 1))) {
    throw new InputError(
      'BAD_DATA',
      `${role}: labels must have shape [N] or [N, 1], got ${formatDims(dims)}`,
    );
  }
  if (data instanceof Int32Array) return data;
  const labels = new Int32Array(dims[0]);
  for (let i = 0; i < labels.length; i++) {
    const v = elementAt(data, i);
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
      throw new InputError(
        'BAD_DATA',
        `${role}: label ${v} at index ${i} is not a 32-bit integer (${array.dtype} labels)`,
      );
    }
    labels[i] = v;
  }
  return labels;
}

interface Line {
  readonly text: string;
  readonly line: number;
}

function splitLines(text: string): Line[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // drop a UTF-8 BOM
  return body.split(/\r?\n/).map((t, i) => ({ text: t, line: i + 1 }));
}

function parseLabelLines(lines: readonly Line[], role: string): Int32Array {
  const nonEmpty = lines.filter((l) => l.text.trim() !== '');
  // NOTE: a first line that is one non-numeric word is a header ("label"), as CSV exports write.
  const start = nonEmpty.length > 0 && /^[A-Za-z_][\w ]*$/.test(nonEmpty[0].text.trim()) ? 1 : 0;
  const labels = new Int32Array(nonEmpty.length - start);
  for (let i = start; i < nonEmpty.length; i++) {
    const t = nonEmpty[i].text.trim();
    const v = Number(t);
    if (!INT_RE.test(t) || v < -(2 ** 31) || v >= 2 ** 31) {
      throw new InputError(
        'BAD_DATA',
        `${role}: line ${nonEmpty[i].line} ${JSON.stringify(t)} is not an integer label (expected one integer per line)`,
      );
    }
    labels[i - start] = v;
  }
  if (labels.length === 0) throw new InputError('BAD_DATA', `${role}: no labels in the file`);
  return labels;
}

/** Split one CSV line into fields (RFC 4180 double quotes; fields trimmed). */
function splitCsvLine(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field.trim());
      field = '';
    } else field += ch;
  }
  fields.push(field.trim());
  return fields;
}

function parseLabelTable(lines: readonly Line[], role: string): LabelRow[] {
  const nonEmpty = lines.filter((l) => l.text.trim() !== '');
  const header = splitCsvLine(nonEmpty[0].text).map((h) => h.toLowerCase());
  const fileCol = header.indexOf('file');
  const labelCol = header.indexOf('label');
  if (fileCol < 0 || labelCol < 0) {
    throw new InputError(
      'BAD_DATA',
      `${role}: line ${nonEmpty[0].line}: a labels table needs a header with columns file and label, ` +
        `got ${JSON.stringify(nonEmpty[0].text.trim())}`,
    );
  }
  const rows: LabelRow[] = [];
  const seen = new Set<string>();
  for (const l of nonEmpty.slice(1)) {
    const fields = splitCsvLine(l.text);
    if (fields.length !== header.length) {
      throw new InputError(
        'BAD_DATA',
        `${role}: line ${l.line} has ${fields.length} fields, the header has ${header.length}`,
      );
    }
    const file = fields[fileCol].replace(/\\/g, '/').replace(/^\.\//, '');
    const label = fields[labelCol];
    if (file === '' || label === '')
      throw new InputError('BAD_DATA', `${role}: line ${l.line} has an empty file or label`);
    if (seen.has(file))
      throw new InputError(
        'BAD_DATA',
        `${role}: line ${l.line}: file ${JSON.stringify(file)} is listed twice`,
      );
    seen.add(file);
    rows.push({ file, label, line: l.line });
  }
  if (rows.length === 0)
    throw new InputError('BAD_DATA', `${role}: the labels table has a header but no rows`);
  return rows;
}

/** True when `text` is an integer literal (labels tables: integer labels vs class names). */
export function isIntegerLabel(text: string): boolean {
  return INT_RE.test(text);
}

/**
 * Check labels against the data: one label per sample, and each in [0, numClasses) when
 * numClasses is given (labels are never negative).
 * @param samples the number of samples in the data
 * @param dataRole names the data in the count message, e.g. `--data t10k-images.gz`
 * @throws InputError BAD_DATA naming the labels file and the first offending value
 */
export function checkLabels(
  labels: Int32Array,
  samples: number,
  numClasses: number | undefined,
  role: string,
  dataRole: string,
): void {
  if (labels.length !== samples) {
    throw new InputError(
      'BAD_DATA',
      `${role}: ${labels.length} labels but ${dataRole} has ${samples} samples`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v < 0) throw new InputError('BAD_DATA', `${role}: label ${v} at index ${i} is negative`);
    if (numClasses !== undefined && v >= numClasses) {
      throw new InputError(
        'BAD_DATA',
        `${role}: label ${v} at index ${i} is out of range [0, ${numClasses}) for ${numClasses} classes`,
      );
    }
  }
}

/**
 * Check labels `start..start+count-1` against a model output's class count, known only once the
 * model has run (a class dim that is not declared as a number).
 * @param labelsPath the labels file, for the message
 * @throws InputError BAD_DATA naming the labels file, the value and the sample
 */
export function checkLabelRange(
  labels: Int32Array,
  start: number,
  count: number,
  classes: number,
  labelsPath: string | undefined,
): void {
  for (let i = start; i < start + count; i++) {
    const v = labels[i];
    if (v < 0 || v >= classes) {
      throw new InputError(
        'BAD_DATA',
        `--labels ${labelsPath ?? '(class folders)'}: label ${v} of sample ${i} is out of range [0, ${classes}) ` +
          `for a model with ${classes} classes`,
      );
    }
  }
}
