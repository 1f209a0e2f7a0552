import { InputError } from '../../src/core/errors';
import { DATA_DEFAULTS, parseChannelValues, parseScale, parseSize, resolveDataOptions } from '../../src/data';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof InputError ? err.code : 'NOT_INPUT_ERROR';
  }
  return undefined;
}

describe('option parsers', () => {
  test.each(['', 'abc', '1/0', '0', '1/2/3', 'NaN', 'Infinity', '0/5'])(
    'parseScale(%j): InputError BAD_OPTION',
    (text) => {
      expect(code(() => parseScale(text))).toBe('BAD_OPTION');
    },
  );
  test.each([
    ['1/255', 1 / 255],
    [' 1 / 255 ', 1 / 255],
    ['0.5', 0.5],
    ['2e-3', 0.002],
    ['auto', 'auto'],
    ['-1', -1],
  ])('parseScale(%j) = %p', (text, value) => {
    expect(parseScale(text)).toBe(value);
  });

  test('parseChannelValues', () => {
    expect(parseChannelValues('0.485,0.456, 0.406', 'mean')).toEqual([0.485, 0.456, 0.406]);
    expect(parseChannelValues('0.5', 'std')).toEqual([0.5]);
    expect(code(() => parseChannelValues('0.5,,1', 'mean'))).toBe('BAD_OPTION');
  });

  test.each([
    ['224', 224],
    ['224x192', [224, 192]],
    ['32,48', [32, 48]],
  ] as const)('parseSize(%j)', (text, value) => {
    expect(parseSize(text, 'resize')).toEqual(value);
  });
  test.each(['0', '12.5', '1x2x3', 'x', '-4'])('parseSize(%j): InputError BAD_OPTION', (text) => {
    expect(code(() => parseSize(text, 'crop'))).toBe('BAD_OPTION');
  });
});

describe('resolveDataOptions(options)', () => {
  test.each([
    ['scale NaN', { scale: Number.NaN }],
    ['mean empty', { mean: [] }],
    ['mean Infinity', { mean: [Number.POSITIVE_INFINITY] }],
    ['std 0', { std: [0] }],
    ['channels 2', { channels: 2 as 1 }],
    ['resize 0', { resize: 0 }],
    ['crop [4, 0]', { crop: [4, 0] as [number, number] }],
    ['maxSamples 1.5', { maxSamples: 1.5 }],
    ['seed 0.5', { seed: 0.5 }],
    ['numClasses 0', { numClasses: 0 }],
    ['duplicate classNames', { classNames: ['a', 'a'] }],
    ['dataLayout HWC', { dataLayout: 'HWC' as 'NHWC' }],
  ])('%s: InputError BAD_OPTION', (_, options) => {
    expect(code(() => resolveDataOptions(options))).toBe('BAD_OPTION');
  });

  test('defaults are merged once; undefined fields take the default', () => {
    const o = resolveDataOptions({ scale: undefined, crop: 224 });
    expect(o).toMatchObject({ ...DATA_DEFAULTS, crop: [224, 224], resize: undefined, maxSamples: undefined });
  });
});
