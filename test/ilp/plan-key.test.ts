import { InputError } from '../../src/core/errors';
import { parsePlanKey, planKey } from '../../src/ilp';

describe('parsePlanKey(key)', () => {
  test.each([
    ['not JSON', 'a@8'],
    ['not an array', '{"a":8}'],
    ['an entry that is not a pair', '[["a"]]'],
    ['a name that is not a string', '[[1,8]]'],
    ['bits 0', '[["a",0]]'],
    ['bits 33', '[["a",33]]'],
    ['bits 4.5', '[["a",4.5]]'],
    ['bits "f16"', '[["a","f16"]]'],
    ['a tensor listed twice', '[["a",8],["a",4]]'],
  ])('rejects %s with BAD_OPTION', (_, key) => {
    expect(() => parsePlanKey(key)).toThrow(InputError);
    expect(() => parsePlanKey(key)).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
  });

  test('reads back what planKey wrote', () => {
    const entries = [
      { tensor: 'conv3_out', bits: 8 },
      { tensor: 'input', bits: 'f32' as const },
    ];
    expect(parsePlanKey(planKey(entries))).toEqual(entries);
    expect(parsePlanKey('[]')).toEqual([]);
  });
});

describe('planKey(crossing)', () => {
  test('sorts by tensor name so that the order of the crossing list does not matter', () => {
    const key = planKey([
      { tensor: 'b', bits: 8 },
      { tensor: 'a', bits: 'f32' },
    ]);
    expect(key).toBe('[["a","f32"],["b",8]]');
    expect(
      planKey([
        { tensor: 'a', bits: 'f32' },
        { tensor: 'b', bits: 8 },
      ]),
    ).toBe(key);
  });

  test('keeps names with commas, quotes and @ apart', () => {
    const a = planKey([{ tensor: 'x,y', bits: 8 }]);
    const b = planKey([
      { tensor: 'x', bits: 8 },
      { tensor: 'y', bits: 8 },
    ]);
    expect(a).not.toBe(b);
    expect(parsePlanKey(planKey([{ tensor: 'a"@,b', bits: 4 }]))).toEqual([{ tensor: 'a"@,b', bits: 4 }]);
  });
});
