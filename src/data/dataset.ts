/**
 * The validation set as every command consumes it: preprocessed samples in the model's layout,
 * one contiguous Float32Array, with optional labels.
 */
import { Layout } from './options';

/** Where a dataset came from: an IDX file, a .npy file, or a folder of PNG/JPEG images. */
export type DataFormat = 'idx' | 'npy' | 'images';

/** A loaded, preprocessed validation set. */
export interface Dataset {
  /** Number of samples. */
  readonly samples: number;
  /** Per-sample shape, in the model's layout (e.g. [1, 28, 28] or [3, 224, 224]). */
  readonly shape: readonly number[];
  /** samples × product(shape) float32 values, sample after sample. */
  readonly data: Float32Array;
  /** One class index per sample, when labels were given or found (folder names). */
  readonly labels?: Int32Array;
  /** Class index → name, when labels are names (class folders or a file,label table). */
  readonly classNames?: readonly string[];
  /** The data path as given. */
  readonly source: string;
  /** The labels path as given, if any. */
  readonly labelsSource?: string;
  readonly format: DataFormat;
  /** Layout the image dims of `shape` are in. */
  readonly layout: Layout;
  /** For each sample, its index in the source order (file order, or sorted image paths). */
  readonly indices: Int32Array;
  /** Non-fatal problems, one line each (skipped images, unlabeled images, empty class folders). */
  readonly warnings: readonly string[];
}
