/**
 * `--data` for a model with several graph inputs: one array per input, given as
 * `NAME=PATH,NAME=PATH` (IDX or .npy files, possibly gzipped) or as one .npz archive whose arrays
 * are named after the inputs. The arrays share the labels and the subset: sample i of every array
 * is one sample. Every name, count and label is checked before any array is preprocessed.
 */
import * as fs from 'fs';
import { InputError } from '../core/errors';
import { detectArrayFormat, parseArrayFile } from './array-file';
import type { Dataset } from './dataset';
import { checkLabels, readLabels } from './labels';
import type { NdArray } from './nd-array';
import { looksLikeZip, parseNpz } from './npz';
import { resolveDataOptions, type DataOptions } from './options';
import { preprocessArray } from './preprocess';
import { hexPrefix, readFileBytes } from './source-file';
import { stratifiedSubset } from './subset';

/** One `NAME=PATH` of `--data`. */
export interface NamedSource {
  readonly name: string;
  readonly path: string;
}

/**
 * `--data` as a list of `NAME=PATH` (comma-separated), or undefined when it is one path: an
 * existing file or folder, or text without `=`.
 * @example parseNamedSources('image=x.npy,scale=s.npy') // [{ name: 'image', path: 'x.npy' }, { name: 'scale', path: 's.npy' }]
 * @throws InputError 'BAD_OPTION' for an empty name or path, or a name given twice
 */
export function parseNamedSources(text: string): NamedSource[] | undefined {
  if (!text.includes('=') || fs.existsSync(text)) return undefined;
  const out: NamedSource[] = [];
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? '' : part.slice(0, eq).trim();
    const path = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (name === '' || path === '')
      throw new InputError(
        'BAD_OPTION',
        `--data ${text}: "${part}" is not NAME=PATH (one per model input, comma-separated)`,
      );
    if (out.some((s) => s.name === name))
      throw new InputError('BAD_OPTION', `--data ${text}: input "${name}" is given twice`);
    out.push({ name, path });
  }
  return out;
}

/** True when `path` names an .npz archive (by content, else by name). */
export function isNpzPath(path: string): boolean {
  if (/\.npz$/i.test(path)) return true;
  try {
    const fd = fs.openSync(path, 'r');
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    fs.closeSync(fd);
    return looksLikeZip(head);
  } catch {
    return false;
  }
}

/** An array with the flag text that names it in messages. */
interface NamedArray {
  readonly array: NdArray;
  readonly role: string;
  readonly source: string;
}

/** The arrays of `--data` by input name: from NAME=PATH files or from an .npz archive. */
function readArrays(
  data: string,
  named: readonly NamedSource[] | undefined,
  inputNames: readonly string[],
): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  if (named) {
    for (const { name, path } of named) {
      const role = `--data ${name}=${path}`;
      const { bytes } = readFileBytes(path, role);
      const format = detectArrayFormat(bytes, path);
      if (format === undefined)
        throw new InputError(
          'BAD_DATA',
          `${role}: unrecognized array format (first bytes ${hexPrefix(bytes, 8)}); expected .npy or IDX (optionally gzipped)`,
        );
      out.set(name, { array: parseArrayFile(bytes, format, role), role, source: path });
    }
    return out;
  }
  if (!isNpzPath(data))
    throw new InputError(
      'BAD_DATA',
      `--data ${data}: one array, but the model has inputs ${inputNames.join(', ')}: give NAME=FILE for each of them, ` +
        'or an .npz whose arrays are named after them',
    );
  const { bytes } = readFileBytes(data, `--data ${data}`);
  for (const [name, array] of parseNpz(bytes, `--data ${data}`))
    out.set(name, { array, role: `--data ${data} (array "${name}")`, source: data });
  return out;
}

/**
 * Checks the arrays against the model's inputs: one per input, no other, the same sample count.
 * A single-input model also takes an archive's only array whatever its name (numpy's `arr_0`).
 */
function matchInputs(
  arrays: Map<string, NamedArray>,
  inputNames: readonly string[],
  data: string,
): NamedArray[] {
  if (inputNames.length === 1 && arrays.size === 1 && !arrays.has(inputNames[0])) return [...arrays.values()];
  const list = inputNames.join(', ');
  for (const [name, a] of arrays)
    if (!inputNames.includes(name))
      throw new InputError('BAD_DATA', `${a.role}: the model has no input "${name}" (its inputs: ${list})`);
  const missing = inputNames.filter((n) => !arrays.has(n));
  if (missing.length > 0)
    throw new InputError(
      'BAD_DATA',
      `--data ${data}: no data for input${missing.length > 1 ? 's' : ''} ${missing.map((n) => `"${n}"`).join(', ')} ` +
        `(give NAME=FILE for each of: ${list})`,
    );
  const ordered = inputNames.map((n) => arrays.get(n)!);
  const first = ordered[0];
  for (const a of ordered) {
    if (a.array.dims.length === 0)
      throw new InputError('BAD_DATA', `${a.role}: a scalar array has no sample dimension`);
    if (a.array.dims[0] !== first.array.dims[0])
      throw new InputError(
        'BAD_DATA',
        `${a.role}: ${a.array.dims[0]} samples, but ${first.role} has ${first.array.dims[0]}; every input needs one array row per sample`,
      );
  }
  return ordered;
}

/**
 * Loads one array per graph input, preprocessed alike (the preprocessing options apply to every
 * input), with the labels and the subset shared.
 * @param data `NAME=PATH,...` or an .npz path
 * @param inputNames the model's graph inputs, in order
 * @returns one dataset per input, in `inputNames` order, sample for sample
 * @throws InputError naming the file, the input or the array: an input the model lacks, an input
 *   without data, sample counts that differ, labels that do not fit
 */
export function loadInputArrays(
  data: string,
  labelsPath: string | undefined,
  options: DataOptions,
  inputNames: readonly string[],
): Dataset[] {
  const opts = resolveDataOptions(options);
  const named = parseNamedSources(data);
  const arrays = matchInputs(readArrays(data, named, inputNames), inputNames, data);
  const total = arrays[0].array.dims[0];
  let labels: Int32Array | undefined;
  if (labelsPath !== undefined) {
    labels = readLabels(labelsPath, `--labels ${labelsPath}`);
    checkLabels(labels, total, opts.numClasses, `--labels ${labelsPath}`, arrays[0].role);
  }
  const indices =
    opts.maxSamples === undefined
      ? Int32Array.from({ length: total }, (_, i) => i)
      : stratifiedSubset(labels, total, opts.maxSamples, opts.seed);
  const chosen = labels && indices.length !== total ? Int32Array.from(indices, (i) => labels![i]) : labels;
  return arrays.map((a) => {
    const { shape, data: values } = preprocessArray(a.array, indices, opts, a.role);
    return {
      samples: indices.length,
      shape,
      data: values,
      ...(chosen ? { labels: chosen } : {}),
      source: data,
      ...(labelsPath === undefined ? {} : { labelsSource: labelsPath }),
      format: 'npy',
      layout: opts.layout,
      indices,
      warnings: [],
    };
  });
}
