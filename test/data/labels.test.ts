import { InputError } from '../../src/core/errors';
import { loadDataset, readLabels } from '../../src/data';
import { TempDir, caught, gzip, idxBytes, npyBytes, npyPayload, tempDir } from './fixtures';

let dir: TempDir;
let data: string; // 6 samples of 2x2 ubyte
beforeAll(() => {
  dir = tempDir();
  data = dir.write('images-idx3-ubyte', idxBytes('ubyte', [6, 2, 2], new Uint8Array(24).fill(9)));
});
afterAll(() => dir.remove());

describe('readLabels(path, role) through loadDataset(data, labels)', () => {
  const bad: [string, string, () => Buffer | string, number | undefined][] = [
    ['fewer labels than images', 'BAD_DATA', () => idxBytes('ubyte', [5], [0, 1, 2, 3, 4]), undefined],
    ['more labels than images (text)', 'BAD_DATA', () => '0\n1\n2\n3\n4\n5\n6\n', undefined],
    [
      'a label out of range for numClasses',
      'BAD_DATA',
      () => idxBytes('ubyte', [6], [0, 1, 2, 3, 10, 5]),
      10,
    ],
    [
      'a negative label',
      'BAD_DATA',
      () => npyBytes(1, '<i8', [6], npyPayload('<i8', [0, 1, -1, 3, 4, 5])),
      undefined,
    ],
    ['a non-integer text line', 'BAD_DATA', () => '0\n1\n2.5\n3\n4\n5\n', undefined],
    [
      'a non-integer float label',
      'BAD_DATA',
      () => npyBytes(1, '<f8', [6], npyPayload('<f8', [0, 1, 2, 3, 4, 5.5])),
      undefined,
    ],
    [
      'labels of shape [N, 2]',
      'BAD_DATA',
      () => npyBytes(1, '<i4', [3, 2], npyPayload('<i4', [0, 1, 2, 3, 4, 5])),
      undefined,
    ],
    ['a binary file of unknown format', 'BAD_DATA', () => Buffer.from([1, 0, 2, 0, 3, 0]), undefined],
    ['an empty text file', 'BAD_DATA', () => '\n\n', undefined],
    ['a file,label table for array data', 'BAD_DATA', () => 'file,label\na.png,1\n', undefined],
    [
      'a wrong IDX magic in a labels file',
      'BAD_DATA',
      () => Buffer.from([0, 1, 8, 1, 0, 0, 0, 6, 0, 1, 2, 3, 4, 5]),
      undefined,
    ],
  ];
  test.each(bad)('%s: InputError %s naming the labels file', async (name, code, bytes, numClasses) => {
    const file = dir.write(`bad-${name.replace(/\W+/g, '-')}.idx1-ubyte`, bytes());
    const err = await caught(() => loadDataset(data, file, { numClasses }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe(code);
    expect(err.message).toContain(`--labels ${file}`);
    expect(err.message).not.toContain('\n');
  });

  test.each([
    ['a directory', (): string => dir.mkdir('labels-dir')],
    ['a missing file', (): string => `${dir.root}/nope.txt`],
  ])('labels path that is %s: InputError BAD_PATH naming it', async (_, make) => {
    const p = make();
    const err = await caught(() => loadDataset(data, p));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('BAD_PATH');
    expect(err.message).toContain(p);
  });

  const expected = [9, 0, 3, 3, 1, 7];
  const good: [string, () => Buffer | string][] = [
    ['IDX ubyte', () => idxBytes('ubyte', [6], expected)],
    ['IDX ubyte gzipped', () => gzip(idxBytes('ubyte', [6], expected))],
    ['IDX int', () => idxBytes('int', [6], expected)],
    ['npy uint8', () => npyBytes(1, '|u1', [6], npyPayload('|u1', expected))],
    ['npy int32', () => npyBytes(2, '<i4', [6], npyPayload('<i4', expected))],
    ['npy int64 [N, 1]', () => npyBytes(3, '<i8', [6, 1], npyPayload('<i8', expected))],
    ['npy float64 with whole values', () => npyBytes(1, '<f8', [6], npyPayload('<f8', expected))],
    ['text, one per line', () => expected.join('\n')],
    ['text with a header, CRLF, BOM and blank tail', () => `\ufefflabel\r\n${expected.join('\r\n')}\r\n\r\n`],
  ];
  test.each(good)('%s', async (name, bytes) => {
    const file = dir.write(`good-${name.replace(/\W+/g, '-')}`, bytes());
    expect(Array.from(readLabels(file, `--labels ${file}`))).toEqual(expected);
    const ds = await loadDataset(data, file, { numClasses: 10 });
    expect(Array.from(ds.labels ?? [])).toEqual(expected);
    expect(ds.labelsSource).toBe(file);
  });

  test('labels follow a subset (maxSamples)', async () => {
    const file = dir.write('subset-labels.txt', expected.join('\n'));
    const ds = await loadDataset(data, file, { maxSamples: 3, seed: 5 });
    expect(ds.samples).toBe(3);
    expect(Array.from(ds.labels ?? [])).toEqual(Array.from(ds.indices, (i) => expected[i]));
  });
});
