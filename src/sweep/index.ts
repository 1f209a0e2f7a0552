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
export { shardPlan, shardShares, type PlanGrid, type PlanCut } from './shard-plan';
export { encodeShard, decodeShard, SHARD_MAGIC, type ShardFile, type ShardGrid } from './shard-file';
export { mergeSweep, type NamedShard, type MergedSweep } from './merge-sweep';
export type { RecordedSweep, RecordedConfig, SampleRange } from './recorded';
