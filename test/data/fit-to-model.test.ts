import { InputError } from '../../src/core/errors';
import { Dataset, fitToModelInput } from '../../src/data';

function dataset(shape: number[]): Dataset {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    samples: 2,
    shape,
    data: new Float32Array(2 * size),
    source: 't10k-images.gz',
    format: 'idx',
    layout: 'NCHW',
    indices: Int32Array.of(0, 1),
    warnings: [],
  };
}

describe('fitToModelInput(dataset, modelInputDims, inputName)', () => {
  test.each([
    ['[28, 28, 3] vs [batch, 1, 28, 28]', [28, 28, 3], ['batch', 1, 28, 28]],
    ['[28, 28] vs a flat [batch, 784]', [28, 28], ['batch', 784]],
    ['[3, 32, 32] vs [batch, 3, 28, 28]', [3, 32, 32], ['batch', 3, 28, 28]],
    ['[32, 32, 3] vs NCHW [N, 3, 32, 32] (a transpose, not a reshape)', [32, 32, 3], ['N', 3, 32, 32]],
    ['a scalar model input', [28, 28], []],
  ])('%s: InputError BAD_DATA naming the file, both shapes and the input', (_, shape, dims) => {
    let err: unknown;
    try {
      fitToModelInput(dataset(shape), dims, 'input');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('BAD_DATA');
    const msg = (err as Error).message;
    expect(msg).toContain('--data t10k-images.gz');
    expect(msg).toContain(`[${shape.join(', ')}]`);
    expect(msg).toContain(`"input" [${dims.join(', ')}]`);
  });

  test.each([
    ['inserts the channel dim', [28, 28], ['batch', 1, 28, 28], [1, 28, 28]],
    ['moves a singleton channel', [28, 28, 1], [-1, 1, 28, 28], [1, 28, 28]],
    ['drops a singleton', [1, 28, 28], ['batch', 28, 28], [28, 28]],
    ['resolves a symbolic channel dim to 1', [28, 28], ['batch', 'c', 28, 28], [1, 28, 28]],
    ['keeps symbolic spatial dims', [3, 224, 224], ['batch', 3, 'h', 'w'], [3, 224, 224]],
    ['a fixed batch of 1 is still the batch dim', [10], [1, 10], [10]],
    ['unknown dims given as 0 or -1 match anything', [3, 17, 19], [0, 3, -1, 0], [3, 17, 19]],
  ])('%s', (_, shape, dims, expected) => {
    const ds = dataset(shape);
    const fitted = fitToModelInput(ds, dims);
    expect(fitted.shape).toEqual(expected);
    expect(fitted.data).toBe(ds.data); // a reshape shares the data
  });

  test('returns the same dataset when the shape already matches', () => {
    const ds = dataset([1, 28, 28]);
    expect(fitToModelInput(ds, ['batch', 1, 28, 28])).toBe(ds);
  });
});
