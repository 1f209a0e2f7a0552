import { crossingKind, planCrossing, type CrossingGraph } from '../../src/core/crossing';

// A two-headed model: input -> conv -> (early head "aux", main path "feat" -> "logits"); "shape" is metadata.
const graph: CrossingGraph = {
  inputs: ['input', 'late'],
  outputs: ['aux', 'logits'],
  metaTensors: new Set(['shape']),
};

describe('crossingKind(graph, name, named)', () => {
  it.each([
    ['input', 'input'],
    ['shape', 'shape'],
    ['feat', 'data'],
    ['aux', 'output'],
  ])('%s crossing beside the named cut "feat" is %s', (name, kind) => {
    expect(crossingKind(graph, name, new Set(['feat']))).toBe(kind);
  });
  it('calls a graph output the cut names data (edge-only sends the outputs as its cut)', () => {
    expect(crossingKind(graph, 'logits', new Set(['logits']))).toBe('data');
  });
});

describe('planCrossing(graph, names)', () => {
  it("counts a plan's feature maps as its cut, so an output sent beside them is an early head", () => {
    expect(planCrossing(graph, ['feat', 'aux', 'late', 'shape'])).toEqual([
      { name: 'feat', kind: 'data' },
      { name: 'aux', kind: 'output' },
      { name: 'late', kind: 'input' },
      { name: 'shape', kind: 'shape' },
    ]);
  });
  it('calls the outputs of an edge-only plan data, as the cut points do', () => {
    expect(planCrossing(graph, ['aux', 'logits'])).toEqual([
      { name: 'aux', kind: 'data' },
      { name: 'logits', kind: 'data' },
    ]);
  });
});
