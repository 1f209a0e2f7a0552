/**
 * The input shapes an analysis ran with, read back from it. Why: a model with symbolic spatial
 * dimensions is analysed at the size `--input-shape` gave; `split`, `serve` and `run` rebuild its
 * parts and must probe them at that same size, which cut point #0 (the inputs, sent as probed)
 * records. Without this, every later command would need the same flag again.
 */
import type { Analysis } from './analysis';

/**
 * Each input of cut point #0 whose dimensions after the batch axis are all known, batch axis set
 * to 1 where it is symbolic. Inputs whose shape was not known at analysis time are left out.
 */
export function probedInputShapes(analysis: Analysis): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const d of analysis.cutPoints[0]?.detail ?? []) {
    if (d.kind !== 'input' || d.shape.length === 0) continue;
    const rest = d.shape.slice(1);
    const first = d.shape[0];
    if (rest.every((x): x is number => typeof x === 'number' && x > 0))
      shapes.set(d.name, [typeof first === 'number' && first > 0 ? first : 1, ...rest]);
  }
  return shapes;
}

/** The analysis's input shapes, each replaced by the one given on the command line, if any. */
export function inputShapesFor(
  analysis: Analysis,
  given?: ReadonlyMap<string, readonly number[]>,
): Map<string, readonly number[]> {
  return new Map<string, readonly number[]>([...probedInputShapes(analysis), ...(given ?? [])]);
}
