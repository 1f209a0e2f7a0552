// A user metric for `jalad analyze --metric examples/metrics/top1.mjs`: top-1 accuracy written as a
// module. It gives exactly the losses of the built-in `--metric top1` (the tests check that), so it
// is a template for your own: see docs/metrics.md for the signature.

/** One line stating what a sample's score means; outputs quote it. */
export const description = "1 when the first output's largest value is at the label's index";

/**
 * Scores one sample in [0, 1].
 * @param split the split model's outputs for this sample: { [outputName]: { data, dims } }, batch axis removed
 * @param unsplit the unsplit model's outputs for the same sample, the same form
 * @param label the sample's label (an integer), or undefined without --labels
 */
export function score(split, unsplit, label) {
  const values = Object.values(split)[0].data;
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best === label ? 1 : 0;
}
