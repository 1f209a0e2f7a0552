/** Deployable splits: edge ends in the quantizer, cloud starts with the dequantizer. */
import {
  attachCodec,
  buildDag,
  cutPoints,
  defaultOpset,
  encodeModel,
  extractSplit,
  valueInfo,
  withQuantDequant,
  DataType,
} from '../../src/graph';
import { inputSpecs, maxAbsDiff, openSession, probeTensors, syntheticFeeds } from '../../src/runtime';
import { chain, residual } from '../helpers/zoo';

describe('attachCodec', () => {
  test.each([
    ['chain', chain],
    ['residual', residual],
  ] as const)('%s: every cut point at 3 bits equals the model with Q/DQ inside', async (_n, make) => {
    const m = make();
    const dag = buildDag(m);
    const cuts = cutPoints(dag);
    const info = await probeTensors(m, [...new Set(cuts.flatMap((c) => c.tensors.map((t) => t.name)))]);
    const feeds = syntheticFeeds(inputSpecs(m), 4, 5);
    for (const c of cuts) {
      const typed = (t: string) => valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims);
      const split = extractSplit(
        m,
        dag,
        { edgeNodes: c.edgeNodes, cloudNodes: c.cloudNodes, crossing: c.tensors },
        typed,
      );
      const wire = c.tensors.map((t) => ({
        name: t.name,
        bits: 3,
        dims: info.get(t.name)!.dims,
        elemType: info.get(t.name)!.elemType,
      }));
      const deployable = attachCodec(split, wire, defaultOpset(m));
      const edge = await openSession(encodeModel(deployable.edge), { optimization: 'disabled' });
      const cloud = await openSession(encodeModel(deployable.cloud), { optimization: 'disabled' });
      const sent = await edge.run(Object.fromEntries(edge.inputNames.map((n) => [n, feeds[n]])));
      for (const t of c.tensors) expect(sent[`${t.name}.code`].type).toBe('uint8');
      const got = await cloud.run(sent);
      let q = m;
      for (const t of c.tensors)
        q = withQuantDequant(q, t.name, 3, info.get(t.name)!.dims.length, defaultOpset(m));
      const whole = await openSession(encodeModel(q), { optimization: 'disabled' });
      const want = await whole.run(feeds);
      expect(maxAbsDiff(got.logits, want.logits)).toBe(0);
      for (const s of [edge, cloud, whole]) await s.release();
    }
  });

  test('f32 tensors pass through unchanged', async () => {
    const m = chain();
    const dag = buildDag(m);
    const c = cutPoints(dag)[4];
    const info = await probeTensors(m, [c.tensors[0].name]);
    const split = extractSplit(
      m,
      dag,
      { edgeNodes: c.edgeNodes, cloudNodes: c.cloudNodes, crossing: c.tensors },
      (t) => valueInfo(t, DataType.FLOAT, info.get(t)!.dims),
    );
    const d = attachCodec(
      split,
      [
        {
          name: c.tensors[0].name,
          bits: 'f32',
          dims: info.get(c.tensors[0].name)!.dims,
          elemType: DataType.FLOAT,
        },
      ],
      17,
    );
    expect(d.edge.graph!.output!.map((o) => o.name)).toEqual([c.tensors[0].name]);
    expect(d.cloud.graph!.node!.length).toBe(split.cloud.graph!.node!.length);
  });
});
