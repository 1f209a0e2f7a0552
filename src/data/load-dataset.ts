/**
 * The single entry for `--data D [--labels L]`: an IDX file, a .npy file (either possibly
 * gzipped), or a folder of PNG/JPEG images; validated, optionally subset, preprocessed into one
 * Float32Array. Nothing is written.
 */
import { InputError } from '../core/errors';
import { detectArrayFormat, parseArrayFile } from './array-file';
import { Dataset } from './dataset';
import { loadImageFolder } from './image-folder';
import { checkLabels, readLabels } from './labels';
import { DataOptions, resolveDataOptions } from './options';
import { formatDims, product } from './nd-array';
import { preprocessArray } from './preprocess';
import { hexPrefix, pathKind, readFileBytes } from './source-file';
import { stratifiedSubset } from './subset';

const SINGLE_IMAGE_RE = /\.(png|jpe?g)$/i;

/**
 * Load and preprocess a validation set.
 *
 * Order of work: options are validated; labels are read and checked (count = samples, range
 * when `numClasses` is given); a stratified subset is chosen when `maxSamples` is given (before
 * any image is decoded); then the chosen samples are preprocessed.
 *
 * @param dataPath an IDX or .npy file (gzip detected by content) or a folder of images
 * @param labelsPath optional labels: IDX, .npy, one integer per line, or (folders) a file,label CSV
 * @param options preprocessing and validation options, merged over DATA_DEFAULTS
 * @returns the dataset; its `shape` is per sample in `options.layout` (pass it through
 *   fitToModelInput to match a model input)
 * @throws InputError with code BAD_PATH (missing path, directory vs file), BAD_DATA (malformed
 *   data or labels), NON_FINITE (NaN/Infinity in float data) or BAD_OPTION (options); every
 *   message is one line that starts with `--data PATH:` or `--labels PATH:` (option errors
 *   name the option)
 * @example
 *   const ds = await loadDataset('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', { maxSamples: 1000 });
 *   // ds.samples === 1000, ds.shape = [28, 28], values in [0, 1]
 */
export async function loadDataset(
  dataPath: string,
  labelsPath?: string,
  options: DataOptions = {},
): Promise<Dataset> {
  const opts = resolveDataOptions(options);
  const role = `--data ${dataPath}`;
  const labelsRole = `--labels ${labelsPath ?? ''}`;
  if (pathKind(dataPath, role) === 'directory') return loadImageFolder(dataPath, labelsPath, opts);
  if (SINGLE_IMAGE_RE.test(dataPath)) {
    throw new InputError(
      'BAD_PATH',
      `${role}: is a single image file, expected a folder of images, an IDX or a .npy file`,
    );
  }
  const { bytes } = readFileBytes(dataPath, role);
  const format = detectArrayFormat(bytes, dataPath);
  if (format === undefined) {
    throw new InputError(
      'BAD_DATA',
      `${role}: unrecognized data format (first bytes ${hexPrefix(bytes, 8)}); ` +
        `expected IDX or .npy (optionally gzipped) or a folder of PNG/JPEG images`,
    );
  }
  const array = parseArrayFile(bytes, format, role);
  if (array.dims.length === 0 || product(array.dims) === 0) {
    throw new InputError(
      'BAD_DATA',
      `${role}: no data (shape ${formatDims(array.dims)}); expected [samples, ...]`,
    );
  }
  const total = array.dims[0];
  let labels: Int32Array | undefined;
  if (labelsPath !== undefined) {
    labels = readLabels(labelsPath, labelsRole);
    checkLabels(labels, total, opts.numClasses, labelsRole, role);
  }
  const indices =
    opts.maxSamples === undefined
      ? Int32Array.from({ length: total }, (_, i) => i)
      : stratifiedSubset(labels, total, opts.maxSamples, opts.seed);
  const { shape, data } = preprocessArray(array, indices, opts, role);
  return {
    samples: indices.length,
    shape,
    data,
    ...(labels === undefined
      ? {}
      : {
          labels:
            indices.length === total ? labels : Int32Array.from(indices, (i) => (labels as Int32Array)[i]),
        }),
    source: dataPath,
    ...(labelsPath === undefined ? {} : { labelsSource: labelsPath }),
    format,
    layout: opts.layout,
    indices,
    warnings: [],
  };
}
