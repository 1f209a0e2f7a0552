/** jalad's library entry: the pipeline functions and the plain data they exchange. */
export { analyzeModel, type AnalyzeOptions } from './pipeline/analyze';
export {
  splitAtCut,
  buildExplicitSplit,
  verifySplit,
  SPLIT_TOLERANCE,
  type SplitReport,
  type SplitTensor,
  type ExplicitSplit,
  type SplitAtCutOptions,
} from './pipeline/split-at-cut';
export {
  ANALYSIS_VERSION,
  type Analysis,
  type CutPoint,
  type CutTensor,
  type ModelSummary,
} from './core/analysis';
export { JaladError, InputError, type ErrorCode } from './core/errors';
export { JALAD_VERSION } from './core/version';
export * as graph from './graph';
