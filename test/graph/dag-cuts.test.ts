/** dagCuts: cuts of several tensors inside blocks, the smallest per stretch of the execution order. */
import { buildDag, cutPoints, dagCuts, tryPartition } from '../../src/graph';
import { chain, inception, residual } from '../helpers/zoo';

describe('dagCuts(dag, existing, bytesOf, count)', () => {
  test('asks for nothing: none', () => {
    const dag = buildDag(residual());
    expect(dagCuts(dag, cutPoints(dag), () => 1, 0)).toEqual([]);
  });

  test('a chain has no cut of several tensors', () => {
    const dag = buildDag(chain());
    expect(dagCuts(dag, cutPoints(dag), () => 1, 8)).toEqual([]);
  });

  test('one stretch: the smallest pair inside a residual block (main path and shortcut)', () => {
    const dag = buildDag(residual());
    const small = new Set(['a1r', 's']);
    const [cut, ...rest] = dagCuts(dag, cutPoints(dag), (t) => (small.has(t) ? 1 : 100), 1);
    expect(rest).toEqual([]);
    expect(cut.op).toBe('dag');
    expect(cut.tensors.map((t) => t.name).sort()).toEqual(['a1r', 's']);
    expect(cut.tensors.every((t) => t.kind === 'data')).toBe(true);
    const r = tryPartition(dag, ['a1r', 's']);
    expect(r.ok && r.partition.edgeNodes).toEqual([...cut.edgeNodes]);
  });

  test.each([
    ['residual', residual],
    ['inception', inception],
  ])('%s: every cut is valid, of two or more tensors, none repeats a cut point or another', (_, make) => {
    const dag = buildDag(make());
    const points = cutPoints(dag);
    const cuts = dagCuts(dag, points, () => 4, 50);
    expect(cuts.length).toBeGreaterThan(0);
    const keys = new Set(
      points.map((c) =>
        c.tensors
          .map((t) => t.name)
          .sort()
          .join(','),
      ),
    );
    for (const c of cuts) {
      const names = c.tensors.map((t) => t.name);
      expect(names.length).toBeGreaterThanOrEqual(2);
      expect(tryPartition(dag, names).ok).toBe(true);
      const k = [...names].sort().join(',');
      expect(keys.has(k)).toBe(false);
      keys.add(k);
    }
    // In execution order: the edge parts grow.
    for (let i = 1; i < cuts.length; i++)
      expect(cuts[i].edgeNodeCount).toBeGreaterThanOrEqual(cuts[i - 1].edgeNodeCount);
  });
});
