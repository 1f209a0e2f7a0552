/**
 * A folder of PNG/JPEG images as a dataset.
 *
 * Listing (no decoding): files named *.png, *.jpg, *.jpeg (any case); names starting with '.'
 * are ignored, symbolic links are followed. Labels come from, in this order:
 *   1. a `file,label` CSV table (`--labels`): paths relative to the folder; labels all integers
 *      (used as class indices), or else class names (index = position in the sorted names, or
 *      in `classNames`);
 *      images not in the table are left out with a warning;
 *   2. a plain labels file (`--labels`: IDX, .npy, one integer per line): one label per image
 *      in listing order;
 *   3. class subfolders (torchvision ImageFolder): class names are the subfolder names sorted by
 *      code point, index = position; images are found recursively inside each class folder;
 *   4. none: images directly in the folder, unlabeled.
 * Images directly in the folder beside subfolders with images are an error (ambiguous).
 * Listing order (the order of `Dataset.indices`): torchvision's — by class, then by directory,
 * then by file name; a table or a flat folder: by relative path.
 *
 * Decoding: one image at a time into the preallocated output; channels 'auto' means RGB.
 * An undecodable image stops the load by default (onBadImage 'stop'): silently dropping images
 * would change the validation set, and so the accuracies, without anyone noticing; 'skip' drops
 * it and adds a warning naming it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../core/errors';
import { Dataset } from './dataset';
import { decodeImage } from './image-decode';
import { LabelRow, checkLabels, isIntegerLabel, readLabelSource } from './labels';
import { ResolvedDataOptions } from './options';
import {
  SampleGeometry,
  allocateOutput,
  effectiveScale,
  imageShape,
  luma,
  normalization,
  planGeometry,
  scaler,
  writeSample,
} from './preprocess';
import { pathKind } from './source-file';
import { stratifiedSubset } from './subset';

const IMAGE_RE = /\.(png|jpe?g)$/i;

/** One image of a listing. */
export interface ImageEntry {
  /** Path relative to the folder, '/' separators. */
  readonly file: string;
  /** Path to open. */
  readonly path: string;
}

/** An image folder's listing, before decoding. */
export interface ImageListing {
  readonly entries: readonly ImageEntry[];
  readonly labels?: Int32Array;
  readonly classNames?: readonly string[];
  readonly warnings: readonly string[];
}

/** Compare by Unicode code point (Python's str order), not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = (x.value.codePointAt(0) as number) - (y.value.codePointAt(0) as number);
    if (d !== 0) return d;
  }
}

interface Found {
  readonly files: string[]; // relative to the walked root, '/' separators
  readonly dirs: string[]; // immediate subdirectory names (only at depth 0)
}

/** Kind of a directory entry, following symbolic links; undefined for anything else. */
function entryKind(dir: string, entry: fs.Dirent): 'file' | 'dir' | undefined {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  if (entry.isSymbolicLink()) {
    try {
      const st = fs.statSync(path.join(dir, entry.name));
      return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : undefined;
    } catch {
      return undefined; // a dangling link is not an image
    }
  }
  return undefined;
}

/**
 * Image files under `root` in torchvision order: by directory path, then file name.
 * @param recurse walk subdirectories too
 */
function walkImages(root: string, recurse: boolean): Found {
  const byDir: { dir: string; names: string[] }[] = [];
  const topDirs: string[] = [];
  const visit = (rel: string): void => {
    const abs = rel === '' ? root : path.join(root, rel);
    const names: string[] = [];
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const kind = entryKind(abs, entry);
      if (kind === 'file' && IMAGE_RE.test(entry.name)) names.push(entry.name);
      if (kind === 'dir') {
        if (rel === '') topDirs.push(entry.name);
        if (recurse) visit(rel === '' ? entry.name : `${rel}/${entry.name}`);
      }
    }
    byDir.push({ dir: rel, names: names.sort(compareCodePoints) });
  };
  visit('');
  byDir.sort((a, b) => compareCodePoints(a.dir, b.dir));
  const files = byDir.flatMap(({ dir, names }) => names.map((n) => (dir === '' ? n : `${dir}/${n}`)));
  return { files, dirs: topDirs.sort(compareCodePoints) };
}

/** Class index of each name: `fixed` when given, else the sorted distinct names. */
function classIndex(names: readonly string[], fixed: readonly string[] | undefined): readonly string[] {
  return fixed ?? [...new Set(names)].sort(compareCodePoints);
}

/** An image of `dir` by its listing name (forward slashes). */
function entryOf(dir: string, file: string): ImageEntry {
  return { file, path: path.join(dir, ...file.split('/')) };
}

/** The images a file,label table lists, with their labels (class indices or class names). */
function listFromTable(
  dir: string,
  tableRows: readonly LabelRow[],
  opts: ResolvedDataOptions,
  role: string,
  labelsRole: string,
  warnings: string[],
): ImageListing {
  const toEntry = (file: string): ImageEntry => entryOf(dir, file);
  const all = new Set(walkImages(dir, true).files);
  const rows = [...tableRows].sort((a, b) => compareCodePoints(a.file, b.file));
  for (const row of rows) checkTableRow(dir, row, role, labelsRole);
  const listed = new Set(rows.map((r) => r.file));
  const unlisted = [...all].filter((f) => !listed.has(f)).length;
  if (unlisted > 0) warnings.push(`${role}: ${unlisted} image(s) not in ${labelsRole} were left out`);
  const entries = rows.map((r) => toEntry(r.file));
  if (rows.every((r) => isIntegerLabel(r.label))) {
    const labels = Int32Array.from(rows, (r) => Number(r.label));
    checkLabels(labels, entries.length, opts.numClasses ?? opts.classNames?.length, labelsRole, role);
    return {
      entries,
      labels,
      ...(opts.classNames === undefined ? {} : { classNames: opts.classNames }),
      warnings,
    };
  }
  const classNames = classIndex(
    rows.map((r) => r.label),
    opts.classNames,
  );
  const index = new Map(classNames.map((n, i) => [n, i]));
  const labels = Int32Array.from(rows, (r) => {
    const k = index.get(r.label);
    if (k === undefined) {
      throw new InputError(
        'BAD_DATA',
        `${labelsRole}: line ${r.line}: class ${JSON.stringify(r.label)} is not one of the ${classNames.length} class names`,
      );
    }
    return k;
  });
  checkClassCount(classNames.length, opts.numClasses, labelsRole, 'class names');
  return { entries, labels, classNames, warnings };
}

/**
 * List an image folder and its labels without decoding any image.
 * @param dir the folder
 * @param labelsPath an optional labels file or file,label table
 * @param role the prefix for data messages, e.g. `--data val/`
 * @param labelsRole the prefix for labels messages, e.g. `--labels val.csv`
 * @throws InputError BAD_PATH when `dir` is not a directory or a table names a directory;
 *   BAD_DATA for no images, images beside class folders, a table naming a missing image, class
 *   names outside `classNames`, a label count mismatch or out-of-range labels
 */
export function listImageFolder(
  dir: string,
  labelsPath: string | undefined,
  opts: ResolvedDataOptions,
  role: string,
  labelsRole: string,
): ImageListing {
  if (pathKind(dir, role) !== 'directory') {
    throw new InputError('BAD_PATH', `${role}: is a file, expected a folder of images`);
  }
  const warnings: string[] = [];
  const source = labelsPath === undefined ? undefined : readLabelSource(labelsPath, labelsRole);
  const toEntry = (file: string): ImageEntry => entryOf(dir, file);

  if (source?.kind === 'table') return listFromTable(dir, source.rows, opts, role, labelsRole, warnings);

  const top = walkImages(dir, false);
  const perClass = top.dirs.map((name) => ({ name, files: walkImages(path.join(dir, name), true).files }));
  const imageDirs = perClass.filter((c) => c.files.length > 0);
  if (top.files.length > 0 && imageDirs.length > 0) {
    throw new InputError(
      'BAD_DATA',
      `${role}: has both images (${top.files[0]}, ...) and subfolders with images (${imageDirs[0].name}, ...); ` +
        'put every image in a class folder, or list them in a file,label table',
    );
  }
  if (top.files.length === 0 && imageDirs.length === 0) {
    throw new InputError(
      'BAD_DATA',
      `${role}: no PNG or JPEG images found${top.dirs.length > 0 ? ` in it or its ${top.dirs.length} subfolder(s)` : ''}`,
    );
  }

  if (top.files.length > 0) {
    // a flat folder: unlabeled, or labeled in listing order by a plain labels file
    const entries = top.files.map(toEntry);
    if (source === undefined) return { entries, warnings };
    checkLabels(source.labels, entries.length, opts.numClasses, labelsRole, role);
    return { entries, labels: source.labels, warnings };
  }

  // class subfolders, in torchvision ImageFolder order: class by class, each walked recursively
  const entries = perClass.flatMap((c) => c.files.map((f) => toEntry(`${c.name}/${f}`)));
  if (source !== undefined) {
    checkLabels(source.labels, entries.length, opts.numClasses, labelsRole, role);
    return { entries, labels: source.labels, warnings };
  }
  const classNames = classIndex(top.dirs, opts.classNames);
  const index = new Map(classNames.map((n, i) => [n, i]));
  const classOf: number[] = [];
  for (const c of perClass) {
    const k = index.get(c.name);
    if (k === undefined) {
      throw new InputError(
        'BAD_DATA',
        `${role}: class folder ${JSON.stringify(c.name)} is not one of the ${classNames.length} class names`,
      );
    }
    if (c.files.length === 0) warnings.push(`${role}: class folder ${JSON.stringify(c.name)} has no images`);
    for (let i = 0; i < c.files.length; i++) classOf.push(k);
  }
  checkClassCount(classNames.length, opts.numClasses, role, 'class folders');
  return { entries, labels: Int32Array.from(classOf), classNames, warnings };
}

function checkClassCount(found: number, numClasses: number | undefined, role: string, what: string): void {
  if (numClasses !== undefined && found > numClasses) {
    throw new InputError('BAD_DATA', `${role}: ${found} ${what} but the model has ${numClasses} classes`);
  }
}

function checkTableRow(dir: string, row: LabelRow, role: string, labelsRole: string): void {
  if (path.isAbsolute(row.file) || row.file.split('/').includes('..')) {
    throw new InputError(
      'BAD_DATA',
      `${labelsRole}: line ${row.line}: ${JSON.stringify(row.file)} must be a path inside ${role.replace(/^--data /, '')}`,
    );
  }
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(path.join(dir, row.file));
  } catch {
    stat = undefined;
  }
  if (stat === undefined) {
    throw new InputError(
      'BAD_DATA',
      `${labelsRole}: line ${row.line}: image ${JSON.stringify(row.file)} not found in ${role}`,
    );
  }
  if (stat.isDirectory()) {
    throw new InputError(
      'BAD_PATH',
      `${labelsRole}: line ${row.line}: ${JSON.stringify(row.file)} is a directory, expected an image file`,
    );
  }
}

/**
 * Load a folder of images: list it, optionally take a stratified subset, decode and preprocess
 * each chosen image into one Float32Array (NCHW or NHWC). Images are read one at a time.
 * @param dir the folder
 * @param labelsPath optional labels (see the file header)
 * @param opts resolved options
 * @throws InputError BAD_DATA for an undecodable image when onBadImage is 'stop' (the default),
 *   for images of different shapes (after resize and crop), and for the listing errors of
 *   {@link listImageFolder}; BAD_OPTION when a crop is larger than an image
 */
export async function loadImageFolder(
  dir: string,
  labelsPath: string | undefined,
  opts: ResolvedDataOptions,
): Promise<Dataset> {
  const role = `--data ${dir}`;
  const labelsRole = `--labels ${labelsPath ?? ''}`;
  const listing = listImageFolder(dir, labelsPath, opts, role, labelsRole);
  const warnings = [...listing.warnings];
  const total = listing.entries.length;
  const chosen =
    opts.maxSamples === undefined
      ? Int32Array.from({ length: total }, (_, i) => i)
      : stratifiedSubset(listing.labels, total, opts.maxSamples, opts.seed);

  const outC = opts.channels === 'auto' ? 3 : opts.channels;
  const norm = normalization(opts, outC, role);
  const toScaled = scaler(effectiveScale(opts, true));
  let first: { geometry: SampleGeometry; file: string } | undefined;
  let data: Float32Array = new Float32Array(0);
  let sampleSize = 0;
  const kept: number[] = [];

  for (let i = 0; i < chosen.length; i++) {
    const entry = listing.entries[chosen[i]];
    let image;
    try {
      image = decodeImage(await fs.promises.readFile(entry.path));
    } catch (err) {
      const reason = `image ${entry.file}: cannot read or decode (${(err as Error).message})`;
      if (opts.onBadImage === 'stop') throw new InputError('BAD_DATA', `${role}: ${reason}`);
      warnings.push(`${role}: skipped ${reason}`);
      opts.onProgress?.(i + 1, chosen.length);
      continue;
    }
    const g = planGeometry(image.height, image.width, outC, opts, `${role}: image ${entry.file}`);
    if (first === undefined) {
      first = { geometry: g, file: entry.file };
      sampleSize = g.outH * g.outW * outC;
      data = allocateOutput(chosen.length * sampleSize, role, chosen.length);
    } else if (g.outH !== first.geometry.outH || g.outW !== first.geometry.outW) {
      throw new InputError(
        'BAD_DATA',
        `${role}: image ${entry.file} is ${image.height}x${image.width}, giving ${g.outH}x${g.outW} samples, but ` +
          `${first.file} gives ${first.geometry.outH}x${first.geometry.outW}; pass a resize HxW or a crop`,
      );
    }
    const hwc = new Float32Array(image.width * image.height * outC);
    const px = image.rgba;
    for (let p = 0, q = 0; p < hwc.length; p += outC, q += 4) {
      if (outC === 3) {
        hwc[p] = toScaled(px[q]);
        hwc[p + 1] = toScaled(px[q + 1]);
        hwc[p + 2] = toScaled(px[q + 2]);
      } else {
        hwc[p] = toScaled(luma(px[q], px[q + 1], px[q + 2], true));
      }
    }
    writeSample(hwc, g, norm, opts.layout, data, kept.length * sampleSize);
    kept.push(chosen[i]);
    opts.onProgress?.(i + 1, chosen.length);
  }
  if (first === undefined)
    throw new InputError('BAD_DATA', `${role}: none of the ${chosen.length} chosen images could be decoded`);

  const indices = Int32Array.from(kept);
  const labels =
    listing.labels === undefined
      ? undefined
      : Int32Array.from(kept, (k) => (listing.labels as Int32Array)[k]);
  return {
    samples: kept.length,
    shape: imageShape(first.geometry, opts.layout),
    data: kept.length === chosen.length ? data : data.subarray(0, kept.length * sampleSize),
    ...(labels === undefined ? {} : { labels }),
    ...(listing.classNames === undefined ? {} : { classNames: listing.classNames }),
    source: dir,
    ...(labelsPath === undefined ? {} : { labelsSource: labelsPath }),
    format: 'images',
    layout: opts.layout,
    indices,
    warnings,
  };
}
