import { roundHalfEven } from '../../src/core/round-half-even';

describe('roundHalfEven(v)', () => {
  it.each([
    [2.5, 2],
    [3.5, 4],
    [-2.5, -2],
    [-3.5, -4],
    [0.5, 0],
    [1.5, 2],
    [2.4999, 2],
    [2.5001, 3],
    [7, 7],
    [2 ** 53, 2 ** 53],
  ])('roundHalfEven(%p) === %p', (v, expected) => {
    expect(roundHalfEven(v)).toBe(expected);
  });
  it('rounds -0.5 to -0', () => {
    expect(Object.is(roundHalfEven(-0.5), -0)).toBe(true);
  });
});
