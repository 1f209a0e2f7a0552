/**
 * Models with nothing to split: no nodes, or outputs that are inputs or weights. Every command
 * refuses them with one InputError before any work, never a crash in a renderer.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DataType, encodeModel, floatTensor, model, valueInfo } from '../../src/graph';
import { analyzeModel } from '../../src/pipeline/analyze';
import { profileModelFile } from '../../src/profiler';

const F = DataType.FLOAT;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-degenerate-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cases: [string, Uint8Array][] = [
  [
    'zero nodes, the output is the input',
    encodeModel(
      model({ nodes: [], inputs: [valueInfo('x', F, ['N', 4])], outputs: [valueInfo('x', F, ['N', 4])] }),
    ),
  ],
  [
    'the output is an initializer',
    encodeModel(
      model({
        nodes: [],
        inputs: [valueInfo('x', F, ['N', 4])],
        outputs: [valueInfo('w', F, [4])],
        initializers: [floatTensor('w', [4], [1, 2, 3, 4])],
      }),
    ),
  ],
];

describe.each(cases)('a model whose %s', (_name, bytes) => {
  const file = path.join(tmp, `${_name.replace(/\W+/g, '-')}.onnx`);
  beforeAll(() => fs.writeFileSync(file, bytes));

  it('analyze refuses it: BAD_MODEL naming the file', async () => {
    for (const edge of [false, 'local'] as const)
      await expect(analyzeModel(file, { edge })).rejects.toMatchObject({
        name: 'InputError',
        code: 'BAD_MODEL',
        message: expect.stringContaining(`${file}: has no cut points`),
      });
  });

  it('profile refuses it the same way', async () => {
    await expect(profileModelFile(file, { threads: 1, runs: 1, warmup: 0 })).rejects.toMatchObject({
      code: 'BAD_MODEL',
    });
  });
});
