/**
 * The accuracy and size sweep: drives ONNX Runtime over every cut point and bit width with the codec.
 * Other folders import only from here.
 */
export { runSweep, evaluateConfigs } from './sweep';
export { workerStart, WORKER_ENTRY_VARIABLE, type WorkerStart } from './pool';
export type {
  SweepRow,
  SweepResult,
  SweepOptions,
  SweepReference,
  SizeStats,
  SizeCoder,
  SweepConfig,
} from './sweep';
export {
  parseMetric,
  metricInfo,
  metricName,
  chooseMetric,
  metricNeedsUnsplit,
  METRIC_NAMES_HELP,
  type MetricSpec,
} from './metric-spec';
export { loadMetric, sampleOutputs, type Metric, type SampleOutputs, type OutputValue } from './metric';
export { topOne } from './batch';
