/**
 * Validation data: loaders for IDX, .npy and image folders, preprocessing into the model's
 * layout, class-stratified subsets, and matching a dataset to a model input.
 */
export { loadDataset } from './load-dataset';
export type { Dataset, DataFormat } from './dataset';
export { DATA_DEFAULTS, parseChannelValues, parseScale, parseSize, resolveDataOptions } from './options';
export type { DataOptions, Layout, OnBadImage, ResizeSpec, ResolvedDataOptions } from './options';
export { fitShapeToModelInput, fitToModelInput } from './fit-to-model';
export { defaultImageWorkers, openImageStream } from './image-stream';
export type { ImageBatch, ImageStream, ImageStreamLimits } from './image-stream';
export { stratifiedSubset } from './subset';
export { parseIdx } from './idx';
export { parseNpy } from './npy';
export { readFileBytes } from './source-file';
export { checkLabelRange, checkLabels, readLabels } from './labels';
export { listImageFolder, loadImageFolder } from './image-folder';
export type { ImageEntry, ImageListing } from './image-folder';
export { centerCropOffsets, resizeBilinear, resizedSize } from './resize';
export type { DType, NdArray, NumericArray } from './nd-array';
export { loadInputArrays, parseNamedSources, isNpzPath, type NamedSource } from './load-inputs';
export { parseNpz } from './npz';
