/** Confidence bounds for accuracies and paired accuracy losses. */
export { wilsonInterval, pairedLoss, Z_ONE_SIDED_95, Z_TWO_SIDED_95, type PairedCounts } from './confidence';
