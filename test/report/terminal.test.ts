import {
  DEFAULT_TERMINAL_COLUMNS,
  ELLIPSIS,
  flexColumnWidth,
  tableOverhead,
  terminalColumns,
  truncateMiddle,
} from '../../src/report';

describe('terminalColumns(columns)', () => {
  it('falls back to 120 when stdout is not a terminal or reports nonsense', () => {
    expect(DEFAULT_TERMINAL_COLUMNS).toBe(120);
    for (const bad of [undefined, 0, -3, 80.5, NaN]) expect(terminalColumns(bad)).toBe(120);
    expect(terminalColumns(80)).toBe(80);
  });
});

describe('truncateMiddle(text, maxWidth)', () => {
  const name = '/features/features.13/Relu_output_0';

  it('returns "" for a width of 0 or less and the ellipsis alone for 1', () => {
    expect(truncateMiddle(name, 0)).toBe('');
    expect(truncateMiddle(name, -4)).toBe('');
    expect(truncateMiddle(name, 1)).toBe(ELLIPSIS);
  });

  it('leaves text that fits alone', () => {
    expect(truncateMiddle(name, name.length)).toBe(name);
    expect(truncateMiddle('logits', 6)).toBe('logits');
  });

  it('cuts a slash path at whole segments, keeping the scope and the op', () => {
    expect(truncateMiddle(name, 26)).toBe('/features/…/Relu_output_0');
    expect(truncateMiddle('/layer1/layer1.0/conv1/Conv_output_0', 30)).toBe('/layer1/…/conv1/Conv_output_0');
  });

  it.each([8, 12, 17, 20, 25, 30, 34])('keeps both ends within %i columns', (w) => {
    const t = truncateMiddle(name, w);
    expect(Array.from(t).length).toBeLessThanOrEqual(w);
    expect(t).toContain(ELLIPSIS);
    const [head, tail] = t.split(ELLIPSIS);
    expect(name.startsWith(head)).toBe(true);
    expect(name.endsWith(tail)).toBe(true);
    expect(head.length).toBeGreaterThan(0);
    expect(tail.length).toBeGreaterThan(0);
  });

  it('cuts characters when no segment cut fits, keeping a little more of the end', () => {
    expect(truncateMiddle('abcdefghij', 7)).toBe('abc…hij');
    expect(truncateMiddle('abcdefghij', 6)).toBe('ab…hij');
    expect(truncateMiddle(name, 2)).toBe('…0');
  });
});

describe('flexColumnWidth(totalWidth, otherWidths, minWidth)', () => {
  it('leaves the flexible column what the other columns and the borders do not take, never below minWidth', () => {
    expect(tableOverhead(4)).toBe(13);
    expect(flexColumnWidth(80, [3, 8, 10])).toBe(80 - 21 - 13);
    expect(flexColumnWidth(30, [10, 10, 10])).toBe(16);
    expect(flexColumnWidth(30, [10, 10, 10], 4)).toBe(4);
  });
});
