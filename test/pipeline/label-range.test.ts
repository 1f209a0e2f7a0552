/**
 * Labels are checked against the model's classes in every command: from the declared output shape
 * before any decoding, or, when the class dim is not declared, as soon as the model has run (the
 * sweep's reference pass) — never counted silently as a miss.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { encodeModel } from '../../src/graph';
import { analyzeModel } from '../../src/pipeline/analyze';
import { declaredClasses } from '../../src/pipeline/validation-data';
import { uniformRandom } from '../../src/core/random';
import { npyBytes, npyPayload, tempDir } from '../data/fixtures';
import { chain } from '../helpers/zoo';

const N = 24;
const dir = tempDir('jalad-label-range-');
afterAll(() => dir.remove());

test('declaredClasses: the second dim of a [batch, C] first output, else undefined', () => {
  const m = chain();
  expect(declaredClasses(m)).toBeUndefined(); // the zoo declares no output shape
  const out = m.graph!.output![0];
  out.type = { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 10 }] } } };
  expect(declaredClasses(m)).toBe(10);
  out.type = {
    tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'classes' }] } },
  };
  expect(declaredClasses(m)).toBeUndefined();
});

test('analyze: a label outside the classes of a model whose class dim is not declared is an error', async () => {
  const modelPath = path.join(dir.root, 'chain.onnx');
  fs.writeFileSync(modelPath, encodeModel(chain()));
  const rand = uniformRandom(5);
  const x = dir.write(
    'x.npy',
    npyBytes(1, '<f4', [N, 3, 8, 8], npyPayload('<f4', Array.from({ length: N * 192 }, rand))),
  );
  const y = dir.write(
    'y.npy',
    npyBytes(
      1,
      '<i8',
      [N],
      npyPayload(
        '<i8',
        Array.from({ length: N }, (_, i) => (i === 17 ? 10 : i % 10)),
      ),
    ),
  );
  const err = await analyzeModel(modelPath, {
    data: { data: x, labels: y },
    bits: [8],
    runs: 1,
    warmup: 0,
  }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err).toBeInstanceOf(InputError);
  expect(err?.message).toBe(
    `--labels ${y}: label 10 of sample 17 is out of range [0, 10) for a model with 10 classes`,
  );
});
