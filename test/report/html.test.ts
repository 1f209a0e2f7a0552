import { lossBudget, renderHtml, renderSvg, reportCharts, scopeSvgIds } from '../../src/report';
import { cutPointsOnly, resnet, vgg, withoutSweep } from './fixtures';

const svgCount = (html: string) => (html.match(/<svg[\s>]/g) ?? []).length;

/** Every src=, href=, url( or @import that points outside the document. */
function externalRefs(html: string): string[] {
  const refs = [...html.matchAll(/\b(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?([^"'\s>]+)/gi)]
    .map((m) => m[1])
    .filter((u) => !u.startsWith('#') && !u.startsWith('data:'));
  const urls = [...html.matchAll(/url\(\s*["']?([^"')]+)/gi)]
    .map((m) => m[1])
    .filter((u) => !u.startsWith('#') && !u.startsWith('data:'));
  const imports = [...html.matchAll(/@import[^;]*/gi)].map((m) => m[0]);
  return [...refs, ...urls, ...imports];
}

describe('renderHtml(analysis, options)', () => {
  it('rejects an analysis of an unknown version', async () => {
    await expect(renderHtml({ ...vgg(), version: 0 })).rejects.toMatchObject({ code: 'BAD_ANALYSIS' });
  });

  describe('on the VGG analysis', () => {
    const a = vgg();
    let html = '';
    beforeAll(async () => {
      html = await renderHtml(a, { commandLine: 'jalad analyze vgg.onnx --data "t10k" <all>' });
    });

    it('draws one SVG per chart it has data for, and says why the decision regions are missing', () => {
      expect(svgCount(html)).toBe(4);
      for (const id of ['latency-along-network', 'size-per-cut', 'loss-heatmap', 'latency-vs-bandwidth'])
        expect(html).toMatch(new RegExp(`<figure id="${id}"><div class="chart"><svg`));
      expect(html).toContain('<figure class="omitted" id="decision-regions">');
      expect(html).toContain('The analysis has no decision table');
    });

    it('is self-contained: no script, no external resource, a policy that forbids loads', () => {
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<link\b/i);
      expect(html).not.toMatch(/<(img|iframe|object|embed)\b/i);
      expect(externalRefs(html)).toEqual([]);
      expect(html).toContain(
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
      );
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html.trimEnd().endsWith('</html>')).toBe(true);
    });

    it('gives every element id once, across all inline SVGs', () => {
      const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
      expect(ids.length).toBeGreaterThan(5);
      expect(new Set(ids).size).toBe(ids.length);
      for (const m of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(m[1]);
    });

    it('states the machine, the profiles, the data, the seed, the version and the command line (escaped)', () => {
      expect(html).toContain(
        'Intel(R) Xeon(R) Processor, 2 cores, 1 thread, Linux 6.18.44-fc-v657 x64, ONNX Runtime 1.30.0, Node v20.20.2',
      );
      expect(html).toContain('this machine (measured)');
      expect(html).toContain('this machine / 10 (scaled: this machine scaled 10x faster)');
      expect(html).toContain('times divided by 10: an assumption, not a measurement');
      expect(html).toContain('2,000 samples of datasets/fashion-mnist/t10k-images-idx3-ubyte.gz');
      expect(html).toMatch(/<dt>seed<\/dt><dd>0<\/dd>/);
      expect(html).toContain('version 0.1.0');
      expect(html).toContain('<pre>jalad analyze vgg.onnx --data &quot;t10k&quot; &lt;all&gt;</pre>');
    });

    it('has figure captions with units and the speed-up table', () => {
      expect(html).toContain('Figure 4. Latency against uplink bandwidth.');
      expect(html).toMatch(/bytes per sample \(log scale\)/);
      expect(html).toContain('Speed-up at 1.1 / 5.85 / 18.88 Mbps');
      expect(html).toContain('#19 Gemm @ 4-bit</span>: 0.370 ms');
    });

    it("is the same for the same analysis (Vega's global id counters do not leak into the output)", async () => {
      expect(await renderHtml(a, { commandLine: 'jalad analyze vgg.onnx --data "t10k" <all>' })).toBe(html);
    });
  });

  it('draws the decision regions when the analysis has a decision table', async () => {
    const html = await renderHtml(resnet());
    expect(svgCount(html)).toBe(5);
    expect(html).toMatch(/<figure id="decision-regions"><div class="chart"><svg/);
    expect(html).toContain('<section id="decisions">');
  });

  it('renders an analysis of cut points only: the size chart, and a sentence for each missing chart', async () => {
    const html = await renderHtml(cutPointsOnly());
    expect(svgCount(html)).toBe(1);
    expect(html).toMatch(/<figure id="size-per-cut"><div class="chart"><svg/);
    expect(html).toContain('no compressed sizes: the analysis has no compression sweep');
    expect(html).toContain(
      'The analysis has no device profiles, so the cut points have no predicted edge or cloud times.',
    );
    expect(html).toContain(
      'The analysis has no compression sweep (no --data), so there are no measured losses.',
    );
    expect(html).toContain('The analysis has no device profiles, so there are no predicted latencies.');
    expect(html).toContain('No speed-up table');
    expect(html).not.toMatch(/<script/i);
  });

  it('renders an analysis without a sweep: latency charts without JALAD', async () => {
    const html = await renderHtml(withoutSweep());
    expect(svgCount(html)).toBe(3);
    expect(html).toContain('there is no JALAD curve: the analysis has no compression sweep');
  });
});

describe('reportCharts(analysis, budget) → renderSvg(spec)', () => {
  it.each([
    ['vgg', vgg],
    ['resnet', resnet],
    ['cut points only', cutPointsOnly],
  ])('compiles every %s chart without a Vega warning', async (_, make) => {
    const a = make();
    for (const f of reportCharts(a, lossBudget(a))) {
      if (!f.spec) continue;
      const { svg, warnings } = await renderSvg(f.spec, f.id);
      expect(warnings).toEqual([]);
      expect(svg.startsWith('<svg')).toBe(true);
    }
  });
});

describe('scopeSvgIds(svg, prefix)', () => {
  it('renumbers ids and their references in order of appearance', () => {
    const svg =
      '<svg><defs><clipPath id="clip7"/><linearGradient id="gradient_3"/></defs>' +
      '<g clip-path="url(#clip7)" fill="url(#gradient_3)"/><use href="#clip7"/></svg>';
    expect(scopeSvgIds(svg, 'fig2')).toBe(
      '<svg><defs><clipPath id="fig2-1"/><linearGradient id="fig2-2"/></defs>' +
        '<g clip-path="url(#fig2-1)" fill="url(#fig2-2)"/><use href="#fig2-1"/></svg>',
    );
  });
});
