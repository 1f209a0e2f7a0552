import type { Analysis } from '../../src/core/analysis';
import { MAX_TERMINAL_CUT_ROWS, MAX_TERMINAL_EXTRA_TENSORS, renderCutTable } from '../../src/report';
import { cutPointsOnly } from './fixtures';

/** The VGG fixture's cut points repeated to `count` rows, the first one sending `extra` more tensors. */
function longAnalysis(count: number, extra = 0): Analysis {
  const a = cutPointsOnly();
  const template = a.cutPoints[1];
  const cutPoints = Array.from({ length: count }, (_, index) => ({
    ...template,
    index,
    tensors: [`t${index}`],
    detail: [
      { ...template.detail[0], name: `t${index}` },
      ...(index === 0
        ? Array.from({ length: extra }, (_, k) => ({
            ...template.detail[0],
            name: `in${k}`,
            kind: 'input' as const,
          }))
        : []),
    ],
  }));
  return { ...a, cutPoints };
}

describe('renderCutTable on long lists', () => {
  test('a short list is shown whole, without a note', () => {
    const text = renderCutTable(longAnalysis(MAX_TERMINAL_CUT_ROWS));
    expect(text).toContain(`│ ${MAX_TERMINAL_CUT_ROWS - 1} `);
    expect(text).not.toContain('not shown');
  });

  test('thousands of cut points: both ends, and a note naming what was left out', () => {
    const text = renderCutTable(longAnalysis(20_000));
    const half = MAX_TERMINAL_CUT_ROWS / 2;
    expect(text).toContain(`│ t${half - 1} `);
    expect(text).toContain(`│ t${20_000 - half} `);
    expect(text).not.toContain(`│ t${half} `);
    expect(text).toContain(`(19,800 cut points not shown, #${half} to #${20_000 - half - 1}:`);
    expect(text).toContain('20000 cut points: #0 sends the inputs');
  });

  test('a cut point sending thousands of tensors lists a few and counts the rest', () => {
    const text = renderCutTable(longAnalysis(3, 5000));
    expect(text).toContain(`+ in${MAX_TERMINAL_EXTRA_TENSORS - 1} (input)`);
    expect(text).not.toContain(`+ in${MAX_TERMINAL_EXTRA_TENSORS} (input)`);
    expect(text).toContain(`+ ${(5000 - MAX_TERMINAL_EXTRA_TENSORS).toLocaleString('en-US')} more`);
  });
});
