import { oneLine } from '../../src/core/one-line';

describe('oneLine', () => {
  test.each([
    ['not valid JSON ("z\n  versi"...)', 'not valid JSON ("z   versi"...)'],
    ['a\r\nb\tc\u0000d\u001be', 'a b c d e'],
    ['trailing\n', 'trailing'],
    ['plain text stays', 'plain text stays'],
  ])('%j -> %j', (text, want) => {
    expect(oneLine(text)).toBe(want);
    expect(oneLine(text)).not.toMatch(/[\n\r]/);
  });
});
