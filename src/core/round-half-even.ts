/**
 * Rounds to the nearest integer, ties to even (as ONNX Round, numpy.round, torch.round and Python's
 * round()). Used by the codec's quantizer and by torchvision-style center crops.
 * @example roundHalfEven(2.5) === 2; roundHalfEven(3.5) === 4; roundHalfEven(-0.5) === -0
 */
export function roundHalfEven(v: number): number {
  const r = Math.round(v); // ties toward +Infinity
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
