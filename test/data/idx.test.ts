import { InputError } from '../../src/core/errors';
import { loadDataset, parseIdx } from '../../src/data';
import { IdxType, TempDir, caught, gzip, idxBytes, tempDir } from './fixtures';

let dir: TempDir;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.remove());

describe('parseIdx(bytes, role)', () => {
  // first case: bad input is rejected with a stable code and the file named
  const malformed: [string, Buffer][] = [
    ['wrong magic', Buffer.concat([Buffer.from([0x1a, 0x2b, 0x08, 0x01]), Buffer.alloc(8)])],
    ['unknown type code', Buffer.from([0, 0, 0x0a, 1, 0, 0, 0, 1, 7])],
    ['zero dims', Buffer.from([0, 0, 0x08, 0])],
    ['header shorter than 4 bytes', Buffer.from([0, 0])],
    ['truncated dims', Buffer.from([0, 0, 0x08, 3, 0, 0, 0, 2])],
    ['truncated payload', idxBytes('ubyte', [3, 2, 2], new Uint8Array(12)).subarray(0, 20)],
    ['extra bytes', Buffer.concat([idxBytes('float', [2, 2], [1, 2, 3, 4]), Buffer.alloc(4)])],
  ];
  test.each(malformed)('%s: InputError BAD_DATA naming the file (via loadDataset)', async (_, bytes) => {
    const file = dir.write(`bad-${_.replace(/\W+/g, '-')}-idx3-ubyte`, bytes);
    const err = await caught(() => loadDataset(file));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('BAD_DATA');
    expect(err.message).toContain(file);
    expect(err.message).not.toContain('\n');
  });

  test('a truncated gzip stream is BAD_DATA naming the file', async () => {
    const whole = gzip(idxBytes('ubyte', [4, 3, 3], new Uint8Array(36)));
    const file = dir.write('cut.idx3-ubyte.gz', whole.subarray(0, whole.length - 10));
    const err = await caught(() => loadDataset(file));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('BAD_DATA');
    expect(err.message).toContain(file);
  });

  const types: [IdxType, number[], string][] = [
    ['ubyte', [0, 1, 128, 255, 7, 9], 'uint8'],
    ['byte', [-128, -1, 0, 1, 127, 5], 'int8'],
    ['short', [-32768, -1, 0, 300, 32767, 5], 'int16'],
    ['int', [-(2 ** 31), -1, 0, 70000, 2 ** 31 - 1, 5], 'int32'],
    ['float', [-1.5, 0, 0.25, 3.5e10, 1e-20, 5], 'float32'],
    ['double', [-1.5, 0, 0.1, 1e300, 1e-300, 5], 'float64'],
  ];
  test.each(types)('reads %s elements big-endian into host order', (type, values, dtype) => {
    const arr = parseIdx(idxBytes(type, [3, 2], values), 'test');
    expect(arr.dtype).toBe(dtype);
    expect(arr.dims).toEqual([3, 2]);
    const expected = type === 'float' ? Array.from(Float32Array.from(values)) : values;
    expect(Array.from(arr.data as ArrayLike<number>)).toEqual(expected);
  });

  test('reads a payload at an odd byte offset (pooled buffers) correctly', () => {
    const bytes = idxBytes('float', [2], [1.25, -2]);
    const shifted = Buffer.concat([Buffer.alloc(1), bytes]).subarray(1);
    expect(Array.from(parseIdx(shifted, 'test').data as Float32Array)).toEqual([1.25, -2]);
  });
});

describe('loadDataset(idx file)', () => {
  const pixels = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 37) % 256);

  test.each([
    ['plain', false],
    ['gzipped', true],
  ] as const)('%s IDX images: [N, H, W] -> per-sample [H, W], ubyte scaled by 1/255', async (name, gz) => {
    const raw = idxBytes('ubyte', [3, 4, 5], pixels);
    const file = dir.write(`images-${name}-idx3-ubyte${gz ? '.gz' : ''}`, gz ? gzip(raw) : raw);
    const ds = await loadDataset(file);
    expect(ds.format).toBe('idx');
    expect(ds.samples).toBe(3);
    expect(ds.shape).toEqual([4, 5]);
    expect(ds.data).toHaveLength(60);
    for (let i = 0; i < 60; i++) expect(ds.data[i]).toBe(Math.fround(pixels[i] / 255));
  });

  test('gzip is detected by content, not by the name', async () => {
    const file = dir.write('no-extension', gzip(idxBytes('ubyte', [2, 2], [0, 255, 255, 0])));
    const ds = await loadDataset(file);
    expect(Array.from(ds.data)).toEqual([0, 1, 1, 0]);
  });

  test('float IDX data is used as is', async () => {
    const file = dir.write('f.idx', idxBytes('float', [2, 2], [0.5, -3, 100, 2]));
    expect(Array.from((await loadDataset(file)).data)).toEqual([0.5, -3, 100, 2]);
  });
});
