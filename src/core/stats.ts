/** Statistics: confidence bounds for accuracies and paired accuracy losses; percentiles. */
export {
  wilsonInterval,
  pairedLoss,
  pairedScoreLoss,
  Z_ONE_SIDED_95,
  Z_TWO_SIDED_95,
  type PairedCounts,
  type PairedScoreSums,
} from './confidence';
export { p95 } from './percentile';
