import { buildDag, cutPoints, partitionAt } from '../../src/graph';
import { InputError } from '../../src/core/errors';
import { buildExplicitSplit } from '../../src/pipeline/split-at-cut';
import {
  channelShuffle,
  chain,
  controlFlow,
  dense,
  inception,
  lateInput,
  residual,
  squeezeExcite,
  twoOutputs,
} from '../helpers/zoo';

const names = (m: ReturnType<typeof chain>) =>
  cutPoints(buildDag(m)).map((c) => c.tensors.map((t) => t.name).join('+'));

function cutError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('BAD_CUT');
    return err as InputError;
  }
  throw new Error('expected a BAD_CUT error');
}

describe('partitionAt rejects what is not a cut', () => {
  test('an unknown tensor, suggesting similar names', () => {
    expect(cutError(() => partitionAt(buildDag(residual()), ['block'])).message).toContain('"block1"');
  });
  test('a constant (weights are copied, never sent)', () => {
    expect(cutError(() => partitionAt(buildDag(chain()), ['w0'])).message).toContain('constant');
  });
  test('one tensor inside a residual block, naming the path that avoids it', () => {
    const err = cutError(() => partitionAt(buildDag(residual()), ['a1r']));
    expect(err.message).toContain('input -> stem -> s -> add1');
  });
  test('a tensor no cloud node reads', () => {
    expect(cutError(() => partitionAt(buildDag(chain()), ['c1', 'r2'])).message).toContain('"c1"');
  });
  test('an empty cut', () => {
    cutError(() => partitionAt(buildDag(chain()), []));
  });
});

describe('cut points', () => {
  test('chain: every layer output, in execution order', () => {
    expect(names(chain())).toEqual(['input', 'c1', 'r1', 'c2', 'r2', 'p1', 'c3', 'r3', 'flat', 'logits']);
  });
  test('residual: block outputs only, never inside a block', () => {
    expect(names(residual())).toEqual([
      'input',
      'stem',
      's',
      'add1',
      'block1',
      'add2',
      'block2',
      'gap',
      'flat',
      'logits',
    ]);
  });
  test('inception: before the branches and after the Concat', () => {
    expect(names(inception())).toEqual(['input', 'stem', 's', 'mixed', 'gap', 'flat', 'logits']);
  });
  test('dense: no cut while an earlier map is still concatenated', () => {
    expect(names(dense())).toEqual(['input', 'x0', 'cat2', 'trans', 'transr', 'gap', 'flat', 'logits']);
  });
  test('squeeze-excitation: not between the pooled branch and the Mul', () => {
    expect(names(squeezeExcite())).toEqual(['input', 'f', 'fr', 'scaled', 'gap', 'flat', 'logits']);
  });
  test('channel shuffle: shape tensors are not cut points; a cut between Reshapes sends the tiny shape too', () => {
    const cuts = cutPoints(buildDag(channelShuffle()));
    expect(cuts.map((c) => c.tensors[0].name)).toEqual([
      'input',
      'f',
      'x',
      'x5',
      'x5t',
      'shuffled',
      'dw',
      'dwr',
      'gap',
      'flat',
      'logits',
    ]);
    expect(cuts[3].tensors).toEqual([
      { name: 'x5', kind: 'data' },
      { name: 'shape4', kind: 'shape' },
    ]);
  });
  test('control flow: If and Loop are opaque nodes; the If reads h through its branches', () => {
    expect(names(controlFlow())).toEqual(['input', 'c1', 'h', 'branched', 'looped', 'gap', 'flat', 'logits']);
  });
  test('a second input read late crosses with every cut before it', () => {
    const cuts = cutPoints(buildDag(lateInput()));
    expect(cuts[1].tensors).toEqual([
      { name: 'c1', kind: 'data' },
      { name: 'meta', kind: 'input' },
    ]);
    expect(cuts.at(-2)!.tensors).toEqual([{ name: 'joined', kind: 'data' }]);
  });
  test('two outputs: edge-only sends both; a cut after the early head sends its result', () => {
    const cuts = cutPoints(buildDag(twoOutputs()));
    expect(cuts.map((c) => c.tensors.map((t) => t.name).join('+'))).toContain('r2+aux');
    expect(
      cuts.some(
        (c) =>
          c.op === 'output' ||
          c.tensors
            .map((t) => t.name)
            .sort()
            .join('+') === 'aux+logits',
      ),
    ).toBe(true);
  });
});

describe('explicit splits', () => {
  test('two tensors inside a residual block are a cut', async () => {
    const split = await buildExplicitSplit(residual(), ['a1r', 's']);
    expect(split.report.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(split.report.tensors.map((t) => t.name)).toEqual(['a1r', 's']);
  });
  test('the late input is recorded as crossing', async () => {
    const split = await buildExplicitSplit(lateInput(), ['flat']);
    expect(split.report.tensors.map((t) => [t.name, t.kind])).toEqual([
      ['flat', 'data'],
      ['meta', 'input'],
    ]);
    expect(split.report.tensors[0].bytes).toBe(4 * 4);
  });
});
