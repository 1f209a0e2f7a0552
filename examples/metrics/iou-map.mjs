// A user metric for dense outputs such as a text detector's probability map:
// `jalad analyze model.onnx --data images/ --metric examples/metrics/iou-map.mjs`.
// A sample's score is the intersection over union of the regions where the split and the unsplit
// model's first output exceed THRESHOLD (1 when both are empty), so the loss is how much of the
// detected area the split model's compression moves, in percentage points. See docs/metrics.md.

const THRESHOLD = 0.3;

export const description = `IoU of the first output's regions above ${THRESHOLD}, split vs unsplit`;

export function score(split, unsplit) {
  const name = Object.keys(unsplit)[0];
  const a = split[name].data;
  const b = unsplit[name].data;
  let both = 0;
  let either = 0;
  for (let i = 0; i < b.length; i++) {
    const x = a[i] > THRESHOLD;
    const y = b[i] > THRESHOLD;
    if (x && y) both++;
    if (x || y) either++;
  }
  return either === 0 ? 1 : both / either;
}
