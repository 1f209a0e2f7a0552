import { buildDag, cutPoints } from '../../src/graph';
import { cheaperSides, LIGHTER_SIDE_MAX_SLOWDOWN, tensorBytes } from '../../src/profiler';
import { chain } from '../helpers/zoo';

describe("cheaperSides (the part a slow model's fast profile times)", () => {
  const m = chain();
  const dag = buildDag(m);
  const inner = cutPoints(dag).filter((c) => c.edgeNodes.length > 0 && c.cloudNodes.length > 0);
  const mid = inner[Math.floor(inner.length / 2)];
  const bytesOf = new Map(m.graph!.initializer!.map((t) => [t.name, tensorBytes(t)]));
  const held = (nodes: readonly number[]) =>
    nodes.flatMap((i) => dag.nodes[i].inputs).reduce((sum, x) => sum + (bytesOf.get(x) ?? 0), 0);
  /** Node times that make the edge part `ratio` times as long as the cloud part. */
  const times = (ratio: number) => {
    const edge = new Set(mid.edgeNodes);
    return dag.nodes.map((_, i) => (edge.has(i) ? ratio / mid.edgeNodes.length : 1 / mid.cloudNodes.length));
  };

  test('the part with fewer weight bytes, when it is not much slower', () => {
    // The classifier's weights are last: the edge part of a middle cut point holds fewer bytes.
    expect(held(mid.edgeNodes)).toBeLessThan(held(mid.cloudNodes));
    expect(cheaperSides(m, dag, [mid], times(1)).get(mid.index)).toBe('edge');
    expect(cheaperSides(m, dag, [mid], times(LIGHTER_SIDE_MAX_SLOWDOWN)).get(mid.index)).toBe('edge');
    // Faster and lighter: the same side.
    expect(cheaperSides(m, dag, [mid], times(0.1)).get(mid.index)).toBe('edge');
  });

  test('the faster part when the lighter one runs over LIGHTER_SIDE_MAX_SLOWDOWN times longer', () => {
    expect(cheaperSides(m, dag, [mid], times(LIGHTER_SIDE_MAX_SLOWDOWN * 1.01)).get(mid.index)).toBe('cloud');
    expect(cheaperSides(m, dag, [mid], times(20)).get(mid.index)).toBe('cloud');
  });

  test('one answer per cut point asked for', () => {
    const sides = cheaperSides(
      m,
      dag,
      inner,
      dag.nodes.map(() => 1),
    );
    expect([...sides.keys()]).toEqual(inner.map((c) => c.index));
    for (const s of sides.values()) expect(['edge', 'cloud']).toContain(s);
  });
});
