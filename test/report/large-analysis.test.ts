/**
 * Reports of analyses with thousands of cut points: tables keep both ends and say what they left
 * out, charts draw a thinned set that keeps every curve's extremes, analysis.json goes compact.
 */
import { analysisJsonText, MAX_INDENTED_ANALYSIS_BYTES, type Analysis } from '../../src/core/analysis';
import { lossBudget, renderHtml, renderMarkdown, reportCharts } from '../../src/report';
import { chartCuts, MAX_CHART_CUTS } from '../../src/report/chart-cuts';
import { MAX_REPORT_CUT_ROWS } from '../../src/report/cut-rows';
import { vgg, withoutSweep } from './fixtures';

const SPIKE = 12_345;
const DIP = 777;

/** The VGG analysis (profiles, no sweep) with `count` cut points whose times and sizes vary, one size spike and one time dip. */
function longAnalysis(count: number): Analysis {
  const a = withoutSweep(vgg());
  const template = a.cutPoints[1];
  const cutPoints = Array.from({ length: count }, (_, index) => ({
    ...template,
    index,
    tensors: [`t${index}`],
    detail: [{ ...template.detail[0], name: `t${index}` }],
    bytes: index === SPIKE ? 9e9 : 1000 + (index % 50),
    edgeMs: index === DIP ? 0.001 : 1 + index / count,
    cloudMs: 2 - index / count,
  }));
  return { ...a, cutPoints, decisions: undefined };
}

describe('chartCuts', () => {
  test('up to the limit every cut point is drawn, without a note', () => {
    const a = longAnalysis(MAX_CHART_CUTS);
    expect(chartCuts(a.cutPoints)).toEqual({ cuts: a.cutPoints, note: '' });
  });

  test('20,000 cut points: about the limit drawn, ends and extremes kept, the note says so', () => {
    const a = longAnalysis(20_000);
    const { cuts, note } = chartCuts(a.cutPoints);
    expect(cuts.length).toBeLessThanOrEqual(MAX_CHART_CUTS + 2);
    expect(cuts.length).toBeGreaterThan(MAX_CHART_CUTS / 4);
    const kept = new Set(cuts.map((c) => c.index));
    for (const i of [0, 19_999, SPIKE, DIP]) expect(kept.has(i)).toBe(true);
    // In execution order, no repeats.
    expect(cuts.map((c) => c.index)).toEqual([...kept].sort((x, y) => x - y));
    expect(note).toContain(`draws ${cuts.length} of the 20000 cut points`);
  });
});

describe('reports of 20,000 cut points', () => {
  const a = longAnalysis(20_000);
  const half = MAX_REPORT_CUT_ROWS / 2;

  test('report.md lists both ends and names the rows left out', () => {
    const md = renderMarkdown(a);
    expect(md).toContain(`| ${half - 1} | \`t${half - 1}\``);
    expect(md).toContain(`| ${20_000 - half} | \`t${20_000 - half}\``);
    expect(md).not.toContain(`\`t${half}\``);
    expect(md).toContain(`(18,000 cut points not shown, #${half} to #${20_000 - half - 1}:`);
  });

  test('report.html: the same rows, and charts with the thinned points and the note in the caption', async () => {
    const html = await renderHtml(a);
    expect(html).toContain(`t${20_000 - half}`);
    expect(html).toContain(`<code>t${half - 1}</code>`);
    expect(html).not.toContain(`<code>t${half}</code>`);
    expect(html).toContain('18,000 cut points not shown');
    const figures = reportCharts(a, lossBudget(a));
    for (const id of ['latency-along-network', 'size-per-cut']) {
      const f = figures.find((x) => x.id === id)!;
      const values = (f.spec!.data as { values: { index: number }[] }).values;
      expect(new Set(values.map((v) => v.index)).size).toBeLessThanOrEqual(MAX_CHART_CUTS + 2);
      expect(f.caption).toContain('of the 20000 cut points');
    }
    // Linear in what it shows: far below the 100 bytes per cut point that a full table and charts took.
    expect(html.length).toBeLessThan(2_000_000);
  });
});

describe('analysisJsonText', () => {
  test('indented while its one-line form is small, one line above; both parse back to the analysis', () => {
    const small = longAnalysis(20);
    const large = longAnalysis(20_000);
    expect(JSON.stringify(small).length).toBeLessThanOrEqual(MAX_INDENTED_ANALYSIS_BYTES);
    expect(JSON.stringify(large).length).toBeGreaterThan(MAX_INDENTED_ANALYSIS_BYTES);
    expect(analysisJsonText(small)).toContain('\n  "version"');
    expect(analysisJsonText(large).trimEnd()).not.toContain('\n');
    expect(JSON.parse(analysisJsonText(large))).toEqual(JSON.parse(JSON.stringify(large)));
  });
});

describe('a cut point sending 100,000 inputs', () => {
  test('report.md and report.html list 50 names and count the rest', async () => {
    const a = longAnalysis(3);
    const many = Array.from({ length: 100_000 }, (_, k) => `in${k}`);
    const wide: Analysis = {
      ...a,
      model: { ...a.model, inputs: many.map((name) => ({ name, dims: [1, 2] })) },
      cutPoints: [{ ...a.cutPoints[0], tensors: many }, ...a.cutPoints.slice(1)],
    };
    const md = renderMarkdown(wide);
    const html = await renderHtml(wide);
    for (const text of [md, html]) {
      expect(text).toContain('in49');
      expect(text).not.toContain('in50<');
      expect(text).not.toContain('`in50`');
      expect(text).toContain('+ 99,950 more');
      expect(text.length).toBeLessThan(2_000_000);
    }
  });
});
