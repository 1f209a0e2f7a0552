/**
 * Exactness: for EVERY cut point of every zoo model, edge.onnx then cloud.onnx run in
 * ONNX Runtime reproduce the original outputs.
 */
import { buildDag, cutPoints } from '../../src/graph';
import { buildExplicitSplit, SPLIT_TOLERANCE } from '../../src/pipeline/split-at-cut';
import { chain, OPSETS, ZOO } from '../helpers/zoo';

describe('split at every cut point reproduces the original outputs', () => {
  for (const [name, make] of Object.entries(ZOO)) {
    test(name, async () => {
      const m = make();
      const cuts = cutPoints(buildDag(m));
      expect(cuts.length).toBeGreaterThanOrEqual(3);
      for (const c of cuts) {
        const data = c.tensors.filter((t) => t.kind !== 'shape').map((t) => t.name);
        const split = await buildExplicitSplit(m, data);
        expect(split.report.maxAbsDiff).toBeLessThanOrEqual(SPLIT_TOLERANCE);
        expect(split.report.tensors.map((t) => t.name).sort()).toEqual(c.tensors.map((t) => t.name).sort());
      }
    });
  }
});

describe('opsets 7 to 21', () => {
  for (const [opset, ir] of OPSETS) {
    test(`chain at opset ${opset}, IR ${ir}`, async () => {
      const m = chain({ opset, irVersion: ir });
      const cuts = cutPoints(buildDag(m));
      expect(cuts.map((c) => c.tensors[0].name)).toEqual([
        'input',
        'c1',
        'r1',
        'c2',
        'r2',
        'p1',
        'c3',
        'r3',
        'flat',
        'logits',
      ]);
      for (const c of cuts) {
        const split = await buildExplicitSplit(m, [c.tensors[0].name]);
        expect(split.report.maxAbsDiff).toBeLessThanOrEqual(SPLIT_TOLERANCE);
      }
    });
  }
});
