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
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../core/errors';
import { Dataset } from './dataset';
import { runAhead } from './decode-ahead';
import { badImage, imageGeometry, type FirstImage } from './image-checks';
import { decodeImage } from './image-decode';
import { checkImageFile, decodedBytes, readImageBytes } from './image-limits';
import { checkInMemorySize, defaultInMemoryBytes } from './memory-bound';
import { scaledPixels } from './image-pixels';
import { LabelRow, checkLabels, isIntegerLabel, readLabelSource } from './labels';
import { ResolvedDataOptions } from './options';
import { allocateOutput, effectiveScale, imageShape, normalization, scaler, writeSample } from './preprocess';
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

/**
 * What a folder walk has seen so far: the directories and files it has counted (by device and
 * inode, so a hard link, a bind mount or a loop is counted once), and the links and duplicates
 * it passed over (for one warning).
 */
export interface WalkState {
  readonly seen: Set<string>;
  links: number;
  duplicates: number;
}

/** A fresh walk state. */
export function newWalkState(): WalkState {
  return { seen: new Set(), links: 0, duplicates: 0 };
}

/** True the first time a file or directory (by device and inode) is met in this walk. */
function firstVisit(abs: string, state: WalkState): boolean {
  const st = fs.statSync(abs, { bigint: true });
  const key = `${st.dev}:${st.ino}`;
  if (state.seen.has(key)) return false;
  state.seen.add(key);
  return true;
}

/**
 * Image files under `root` in torchvision order: by directory path, then file name.
 * Symbolic links inside the folder are not followed (a link may lead out of the folder, or back
 * into it and count its images twice or loop); they are counted in `state.links`. A file or
 * directory met a second time (a hard link, a bind mount) is counted once, in the first place
 * the walk meets it.
 * @param recurse walk subdirectories too
 */
function walkImages(root: string, recurse: boolean, state: WalkState): Found {
  const byDir: { dir: string; names: string[] }[] = [];
  const topDirs: string[] = [];
  // NOTE: an explicit stack, not recursion: a deep tree cannot overflow the call stack.
  const stack: string[] = [''];
  while (stack.length > 0) {
    const rel = stack.pop() as string;
    const abs = rel === '' ? root : path.join(root, rel);
    if (!firstVisit(abs, state)) {
      state.duplicates++;
      continue;
    }
    const names: string[] = [];
    const entries = fs
      .readdirSync(abs, { withFileTypes: true })
      .sort((a, b) => compareCodePoints(a.name, b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isSymbolicLink()) {
        state.links++;
        continue;
      }
      if (entry.isFile() && IMAGE_RE.test(entry.name)) {
        if (firstVisit(path.join(abs, entry.name), state)) names.push(entry.name);
        else state.duplicates++;
      }
      if (entry.isDirectory()) {
        if (rel === '') topDirs.push(entry.name);
        if (recurse) stack.push(rel === '' ? entry.name : `${rel}/${entry.name}`);
      }
    }
    byDir.push({ dir: rel, names });
  }
  byDir.sort((a, b) => compareCodePoints(a.dir, b.dir));
  const files = byDir.flatMap(({ dir, names }) => names.map((n) => (dir === '' ? n : `${dir}/${n}`)));
  return { files, dirs: topDirs };
}

/** The warning for links not followed and files met twice, if any. */
function walkWarnings(state: WalkState, role: string): string[] {
  const out: string[] = [];
  if (state.links > 0)
    out.push(
      `${role}: ${state.links} symbolic link(s) inside the folder were not followed (copy or hard-link the images)`,
    );
  if (state.duplicates > 0)
    out.push(
      `${role}: ${state.duplicates} file(s) or folder(s) met twice (hard links, bind mounts) were counted once`,
    );
  return out;
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
  const state = newWalkState();
  const all = new Set(walkImages(dir, true, state).files);
  warnings.push(...walkWarnings(state, role));
  const rows = [...tableRows].sort((a, b) => compareCodePoints(a.file, b.file));
  const realDir = fs.realpathSync(dir);
  const seen = new Map<string, number>();
  for (const row of rows) checkTableRow(dir, realDir, row, seen, role, labelsRole);
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

  const state = newWalkState();
  const top = walkImages(dir, false, state);
  const perClass = top.dirs.map((name) => ({
    name,
    files: walkImages(path.join(dir, name), true, state).files,
  }));
  warnings.push(...walkWarnings(state, role));
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

/**
 * A table row must name a regular file inside the folder, reached without symbolic links (the
 * file and every folder on its way), and a file no earlier row names (by device and inode, so
 * `a/x.png`, `a//x.png` and a hard link of it are one file).
 */
function checkTableRow(
  dir: string,
  realDir: string,
  row: LabelRow,
  seen: Map<string, number>,
  role: string,
  labelsRole: string,
): void {
  const at = `${labelsRole}: line ${row.line}: ${JSON.stringify(row.file)}`;
  if (path.isAbsolute(row.file) || row.file.split('/').includes('..')) {
    throw new InputError('BAD_DATA', `${at} must be a path inside ${role.replace(/^--data /, '')}`);
  }
  const abs = path.join(dir, row.file);
  let stat: fs.BigIntStats | undefined;
  let real: string | undefined;
  try {
    stat = fs.lstatSync(abs, { bigint: true });
    real = fs.realpathSync(abs);
  } catch {
    stat = undefined;
  }
  if (stat === undefined || real === undefined)
    throw new InputError('BAD_DATA', `${at}: image not found in ${role}`);
  if (stat.isDirectory()) throw new InputError('BAD_PATH', `${at} is a directory, expected an image file`);
  if (real !== path.join(realDir, row.file)) {
    throw new InputError(
      'BAD_DATA',
      `${at} goes through a symbolic link; jalad does not follow links inside ${role}`,
    );
  }
  if (!stat.isFile()) throw new InputError('BAD_PATH', `${at} is not a regular file`);
  const key = `${stat.dev}:${stat.ino}`;
  const earlier = seen.get(key);
  if (earlier !== undefined) throw new InputError('BAD_DATA', `${at} is the same file as line ${earlier}`);
  seen.set(key, row.line);
}

/** How many images decode at once, and the most their decoded bytes may sum to while they do. */
const READ_AHEAD = { maxInFlight: Math.max(2, Math.min(8, os.availableParallelism() + 2)), maxCost: 2 ** 29 };

/**
 * Refuse, before decoding, a chosen set whose samples would not fit the in-memory bound: the
 * sample size comes from the first chosen image's header (an image whose header fails is left to
 * the decoding loop, which names it in order).
 */
function checkFolderFits(
  listing: ImageListing,
  chosen: Int32Array,
  opts: ResolvedDataOptions,
  outC: 1 | 3,
  role: string,
): void {
  if (chosen.length === 0) return;
  let shape: number[];
  try {
    const { header } = checkImageFile(listing.entries[chosen[0]].path, role);
    // NOTE: the per-image limits first (a resize over the pixel limit): those errors name the image.
    const g = imageGeometry(header.height, header.width, outC, opts, role, undefined);
    shape = [outC, g.outH, g.outW];
  } catch {
    return;
  }
  const bound = opts.maxDataBytes ?? defaultInMemoryBytes();
  const why = opts.maxDataBytes === undefined ? "half of this machine's memory" : 'maxDataBytes';
  checkInMemorySize(chosen.length, shape, bound, role, why);
}

/** The listing positions of the images to read: all, or a class-stratified subset (`maxSamples`). */
export function chosenImages(listing: ImageListing, opts: ResolvedDataOptions): Int32Array {
  const total = listing.entries.length;
  return opts.maxSamples === undefined
    ? Int32Array.from({ length: total }, (_, i) => i)
    : stratifiedSubset(listing.labels, total, opts.maxSamples, opts.seed);
}

/**
 * Load a folder of images: list it, optionally take a stratified subset, decode and preprocess
 * each chosen image into one Float32Array (NCHW or NHWC). Every image's header is read and
 * checked against the limits (image-limits.ts) before its file is read whole or decoded; a few
 * images decode at once on libuv's thread pool while the main thread resizes the previous ones.
 * @param dir the folder
 * @param labelsPath optional labels (see the file header)
 * @param opts resolved options
 * @throws InputError BAD_DATA for an image over the limits, for an undecodable or truncated image
 *   when onBadImage is 'stop' (the default), for images of different shapes (after resize and
 *   crop), and for the listing errors of {@link listImageFolder}; BAD_OPTION when a crop is
 *   larger than an image
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
  const chosen = chosenImages(listing, opts);

  const outC = opts.channels === 'auto' ? 3 : opts.channels;
  const norm = normalization(opts, outC, role);
  const toScaled = scaler(effectiveScale(opts, true));
  let first: FirstImage | undefined;
  let data: Float32Array = new Float32Array(0);
  let sampleSize = 0;
  const kept: number[] = [];
  const whatOf = (i: number): string => `${role}: image ${listing.entries[chosen[i]].file}`;
  checkFolderFits(listing, chosen, opts, outC, role);
  const decoded = runAhead(
    chosen.length,
    (i) => checkImageFile(listing.entries[chosen[i]].path, whatOf(i)),
    (checked) => decodedBytes(checked.header) + checked.sizeBytes,
    async (checked) => decodeImage(await readImageBytes(checked), checked.header, opts.decoder),
    READ_AHEAD,
  );

  let i = 0;
  for await (const outcome of decoded) {
    const entry = listing.entries[chosen[i]];
    if (!outcome.ok) {
      // NOTE: a header over the limits is a refusal, not a bad image: never skipped.
      if (outcome.error instanceof InputError) throw outcome.error;
      badImage(role, entry.file, outcome.error, opts.onBadImage, warnings);
    } else {
      const image = outcome.value;
      const g = imageGeometry(image.height, image.width, outC, opts, whatOf(i), first);
      if (first === undefined) {
        first = { geometry: g, file: entry.file };
        sampleSize = g.outH * g.outW * outC;
        data = allocateOutput(chosen.length * sampleSize, role, chosen.length);
      }
      writeSample(scaledPixels(image, outC, toScaled), g, norm, opts.layout, data, kept.length * sampleSize);
      kept.push(chosen[i]);
    }
    i++;
    opts.onProgress?.(i, chosen.length);
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
