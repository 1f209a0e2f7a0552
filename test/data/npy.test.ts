import { InputError } from '../../src/core/errors';
import { loadDataset, parseNpy } from '../../src/data';
import { NpyDescr, TempDir, caught, gzip, npyBytes, npyPayload, npyWithHeader, tempDir } from './fixtures';

let dir: TempDir;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.remove());

// Files written by numpy 2.4 itself (numpy.lib.format.write_array), base64.
const NUMPY_WRITTEN = {
  // (np.arange(6).reshape(2, 3) * 1.5).astype('<f4'), version (1, 0)
  v1f4:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAg' +
    'ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADAPwAAQEAAAJBAAADAQAAA8EA=',
  // np.arange(6).reshape(2, 3).astype('|u1'), version (2, 0)
  v2u1:
    'k05VTVBZAgB0AAAAeydkZXNjcic6ICd8dTEnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0g' +
    'ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAQIDBAU=',
  // np.arange(6).reshape(2, 3).astype('<i8') - 2, version (3, 0)
  v3i8:
    'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8aTgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0g' +
    'ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr+' +
    '////////////////////AAAAAAAAAAABAAAAAAAAAAIAAAAAAAAAAwAAAAAAAAA=',
  // np.save of np.asfortranarray(np.arange(6).reshape(2, 3).astype('<f4'))
  fortran:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAg' +
    'ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBAAAAAQAAAoEA=',
  // np.save of np.arange(6).reshape(2, 3).astype('>f4')
  bigEndian:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAg' +
    'ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAP4AAAEAAAABAQAAAQIAAAECgAAA=',
};
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

describe('parseNpy(bytes, role)', () => {
  const f4 = npyPayload('<f4', [1, 2, 3, 4]);
  const malformed: [string, Buffer][] = [
    [
      'wrong magic',
      Buffer.concat([Buffer.from('\x93NUMPX', 'latin1'), npyBytes(1, '<f4', [2, 2], f4).subarray(6)]),
    ],
    [
      'unknown version',
      Buffer.concat([
        npyBytes(1, '<f4', [2, 2], f4).subarray(0, 6),
        Buffer.from([4, 0]),
        npyBytes(1, '<f4', [2, 2], f4).subarray(8),
      ]),
    ],
    ['fortran_order True (numpy-written)', b64(NUMPY_WRITTEN.fortran)],
    ['big-endian (numpy-written)', b64(NUMPY_WRITTEN.bigEndian)],
    ['unsupported dtype complex64', npyBytes(1, '<c8', [2], Buffer.alloc(16))],
    ['unsupported dtype float16', npyBytes(1, '<f2', [2], Buffer.alloc(4))],
    [
      'structured dtype',
      npyWithHeader(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", Buffer.alloc(8)),
    ],
    ['header is not a dict', npyWithHeader(1, "('descr', '<f4')", Buffer.alloc(8))],
    ['no fortran_order', npyWithHeader(1, "{'descr': '<f4', 'shape': (2,), }", Buffer.alloc(8))],
    ['unreadable header', Buffer.from("\x93NUMPY\x01\x00\x0c\x00{'descr': <\n", 'latin1')],
    [
      'HEADER_LEN beyond the file',
      Buffer.concat([npyBytes(1, '<f4', [2, 2], f4).subarray(0, 8), Buffer.from([0xff, 0x7f])]),
    ],
    ['truncated payload', npyBytes(2, '<f4', [2, 2], f4.subarray(0, 12))],
    ['extra bytes', npyBytes(3, '<f4', [2, 2], Buffer.concat([f4, Buffer.alloc(4)]))],
    ['negative shape', npyBytes(1, '<f4', [-2, 2], f4)],
  ];
  test.each(malformed)('%s: InputError BAD_DATA naming the file (via loadDataset)', async (name, bytes) => {
    const file = dir.write(`bad-${name.replace(/\W+/g, '-')}.npy`, bytes);
    const err = await caught(() => loadDataset(file));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('BAD_DATA');
    expect(err.message).toContain(file);
    expect(err.message).not.toContain('\n');
  });

  const values = [0, 1, 2, 250, 4, 5];
  const cases: [1 | 2 | 3, NpyDescr, string][] = [];
  for (const v of [1, 2, 3] as const) {
    for (const [d, t] of [
      ['<f4', 'float32'],
      ['<f8', 'float64'],
      ['|u1', 'uint8'],
      ['<i8', 'int64'],
      ['<i4', 'int32'],
    ] as const)
      cases.push([v, d, t]);
  }
  test.each(cases)('version %i.0, %s -> %s', (version, descr, dtype) => {
    const arr = parseNpy(npyBytes(version, descr, [3, 2], npyPayload(descr, values)), 'test');
    expect(arr.dtype).toBe(dtype);
    expect(arr.dims).toEqual([3, 2]);
    expect(Array.from(arr.data as ArrayLike<number | bigint>, Number)).toEqual(values);
  });

  test.each([
    ['v1 <f4', NUMPY_WRITTEN.v1f4, 'float32', [0, 1.5, 3, 4.5, 6, 7.5]],
    ['v2 |u1', NUMPY_WRITTEN.v2u1, 'uint8', [0, 1, 2, 3, 4, 5]],
    ['v3 <i8', NUMPY_WRITTEN.v3i8, 'int64', [-2, -1, 0, 1, 2, 3]],
  ])('reads a file numpy wrote (%s)', (_, data, dtype, expected) => {
    const arr = parseNpy(b64(data), 'test');
    expect(arr.dtype).toBe(dtype);
    expect(arr.dims).toEqual([2, 3]);
    expect(Array.from(arr.data as ArrayLike<number | bigint>, Number)).toEqual(expected);
  });

  test('a 1-d shape written as (n,) parses', () => {
    expect(parseNpy(npyBytes(1, '|u1', [4], Buffer.from([1, 2, 3, 4])), 't').dims).toEqual([4]);
  });
});

describe('loadDataset(npy file)', () => {
  test.each([
    ['float32', '<f4', [0.5, -2, 3, 1e-3], undefined, [0.5, -2, 3, 1e-3]],
    ['float64', '<f8', [0.5, -2, 3, 1e-3], undefined, [0.5, -2, 3, 1e-3]],
    ['uint8 (auto scale 1/255)', '|u1', [0, 51, 255, 1], undefined, [0, 0.2, 1, 1 / 255]],
    ['int64 (auto scale 1)', '<i8', [0, 51, 255, -7], undefined, [0, 51, 255, -7]],
    ['int32 with scale 0.5', '<i4', [0, 51, 255, -7], 0.5, [0, 25.5, 127.5, -3.5]],
    ['float32 with scale 2', '<f4', [0.5, -2, 3, 1], 2, [1, -4, 6, 2]],
  ] as const)('%s', async (name, descr, vals, scale, expected) => {
    const file = dir.write(
      `ok-${name.replace(/\W+/g, '-')}.npy`,
      npyBytes(1, descr, [2, 2], npyPayload(descr, vals)),
    );
    const ds = await loadDataset(file, undefined, { scale });
    expect(ds.format).toBe('npy');
    expect(ds.samples).toBe(2);
    expect(ds.shape).toEqual([2]);
    Array.from(ds.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  test('a gzipped .npy loads', async () => {
    const file = dir.write('x.npy.gz', gzip(npyBytes(1, '<f4', [1, 3], npyPayload('<f4', [1, 2, 3]))));
    expect(Array.from((await loadDataset(file)).data)).toEqual([1, 2, 3]);
  });

  test('an untouched float32 file is returned without copying', async () => {
    const file = dir.write('view.npy', npyBytes(1, '<f4', [2, 2], npyPayload('<f4', [1, 2, 3, 4])));
    const ds = await loadDataset(file);
    expect(ds.data.byteOffset).toBeGreaterThan(0); // a view behind the .npy header
    expect(Array.from(ds.data)).toEqual([1, 2, 3, 4]);
  });
});

describe('.npy headers are read without recursion', () => {
  test.each([
    [
      '100,000 nested tuples',
      `{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(100_000)}${')'.repeat(100_000)}, }`,
    ],
    ['100,000 open brackets', '['.repeat(100_000)],
    ['a dict nested 33 deep', `${"{'a': ".repeat(33)}1${'}'.repeat(33)}`],
  ])('%s: one-line error, no stack overflow', async (_, header) => {
    const file = dir.write('deep.npy', npyWithHeader(2, header, Buffer.alloc(8)));
    const err = await caught(() => loadDataset(file));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.message).toMatch(/deep\.npy: unreadable \.npy header .*nested deeper than 32 levels/);
    expect(err.message.length).toBeLessThan(400);
  });

  test('the literal forms numpy writes still read: nested containers, trailing commas, None, True', () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': [(1, [None, True]), {}], }";
    const parsed = parseNpy(npyWithHeader(1, header, Buffer.alloc(8)), '--data t.npy');
    expect(parsed.dims).toEqual([2]);
  });
});
