import type { Analysis } from '../../src/core/analysis';
import { predictedLatencyMs } from '../../src/core/latency';
import { bitsText, mbpsText, msText, renderMarkdown, speedupText } from '../../src/report';
import { cutPointsOnly, resnet, vgg, withoutSweep } from './fixtures';

/** The cells of the Markdown table row that starts with `first`. */
function rowOf(md: string, first: string): string[] {
  const line = md.split('\n').find((l) => l.startsWith(`| ${first} |`));
  if (!line) throw new Error(`no row starting with ${first}`);
  return line.slice(2, -2).split(' | ');
}

/** The four decisions recomputed here from stored fields with the documented formula, independently of src/report. */
function expected(a: Analysis, b: number, budget: number) {
  const total = (cut: number, bytes: number) => {
    const c = a.cutPoints[cut];
    return predictedLatencyMs({
      edgeMs: c.edgeMs!,
      cloudMs: c.cloudMs!,
      rttMs: a.rttMs ?? 0,
      bytes,
      bandwidthMbps: b,
    }).totalMs;
  };
  const raw = a.cutPoints.map((c) => ({ cut: c.index, ms: total(c.index, c.bytes) }));
  const best = raw.reduce((m, x) => (x.ms < m.ms ? x : m));
  const compressed = a
    .sweep!.filter((r) => r.lossUpperPct <= budget)
    .map((r) => ({ cut: r.cut, bits: r.bits, ms: total(r.cut, r.bytesMean) }))
    .reduce((m, x) => (x.ms < m.ms ? x : m));
  // sending float32 is JALAD's choice too when it is faster (bits 32)
  const jalad = best.ms < compressed.ms ? { ...best, bits: 32 } : compressed;
  return { edge: raw[raw.length - 1].ms, cloud: raw[0].ms, best, jalad };
}

describe('renderMarkdown(analysis, options)', () => {
  it('rejects an analysis without cut points', () => {
    expect(() => renderMarkdown({ ...vgg(), cutPoints: [] })).toThrow(
      expect.objectContaining({ code: 'BAD_ANALYSIS' }),
    );
  });

  const a = vgg();
  const md = renderMarkdown(a, { commandLine: 'jalad analyze datasets/fashion-mnist/vgg.onnx --data t10k' });

  it('names the model, the data, the profiles with the cloud assumption, and the budget it used', () => {
    expect(md).toMatch(/^# jalad report: `vgg.onnx`/);
    expect(md).toContain('jalad analyze datasets/fashion-mnist/vgg.onnx --data t10k');
    expect(md).toContain('2,000 samples of datasets/fashion-mnist/t10k-images-idx3-ubyte.gz');
    expect(md).toContain('seed 0');
    expect(md).toContain('this machine / 10 (scaled: this machine scaled 10x faster)');
    expect(md).toContain('> **Assumption.** cloud: times divided by 10: an assumption, not a measurement.');
    expect(md).toContain('1 pp (the default: the analysis records no --max-loss)');
  });

  it('has the speed-up table at 1.1 / 5.85 / 18.88 Mbps whose numbers equal the formula on the stored fields', () => {
    expect(md).toContain('## Speed-up at 1.1 / 5.85 / 18.88 Mbps');
    for (const b of [1.1, 5.85, 18.88]) {
      const x = expected(a, b, 1);
      const cells = rowOf(md, String(b));
      expect(cells[1]).toBe(msText(x.edge));
      expect(cells[2]).toBe(msText(x.cloud));
      expect(cells[3]).toBe(`#${x.best.cut} ${a.cutPoints[x.best.cut].op}: ${msText(x.best.ms)} ms`);
      expect(cells[4]).toBe(
        `#${x.jalad.cut} ${a.cutPoints[x.jalad.cut].op} @ ${bitsText(x.jalad.bits)}: ${msText(x.jalad.ms)} ms`,
      );
      expect(cells.slice(5)).toEqual([
        speedupText(x.edge, x.jalad.ms),
        speedupText(x.cloud, x.jalad.ms),
        speedupText(x.best.ms, x.jalad.ms),
      ]);
    }
    // The raw columns are the stored latency table itself.
    expect(rowOf(md, '5.85')[2]).toBe(msText(a.latency![1].cuts[0].totalMs));
  });

  it('condenses the cut points: raw KB, and the smallest bit width within the budget with its size and loss', () => {
    const cells = rowOf(md, '10');
    const r = a.sweep!.filter((x) => x.cut === 10 && x.lossUpperPct <= 1).sort((p, q) => p.bits - q.bits)[0];
    expect(cells[1]).toBe('`/features/features.9/MaxPool_output_0`');
    expect(cells[4]).toBe('6.27');
    expect(cells.slice(5)).toEqual([
      String(r.bits),
      '0.25',
      `${r.lossPct.toFixed(2)} (${r.lossUpperPct.toFixed(2)})`,
      // an analysis made before the sweep timed the codec: no encode and decode ms
      '–',
      '–',
    ]);
    const timed = renderMarkdown({
      ...a,
      sweep: a.sweep!.map((x) => ({ ...x, encodeMs: 0.5, decodeMs: 0.25 })),
      profiles: {
        edge: { ...a.profiles!.edge, codecFactor: 4 },
        cloud: { ...a.profiles!.cloud, codecFactor: 0.1 },
      },
    });
    // the sweep's times on this machine, times each device's codec factor
    expect(rowOf(timed, '10').slice(8)).toEqual([msText(2), msText(0.025)]);
  });

  it('says which budget applies when the analysis records one', () => {
    const b = renderMarkdown({ ...a, data: { ...a.data!, maxLossPct: 0.5 } });
    expect(b).toContain('0.5 pp (the --max-loss of the sweep)');
    expect(b).toContain('JALAD (best compressed cut, loss bound ≤ 0.5 pp)');
  });

  it('lists the decision regions when the analysis has them', () => {
    expect(md).not.toContain('## Decision regions');
    const r = resnet();
    const text = renderMarkdown(r);
    expect(text).toContain('## Decision regions');
    expect(rowOf(text, '0.1')[1]).toBe(mbpsText(r.decisions![0].toMbps));
    expect(rowOf(text, '0.1').slice(5, 7)).toEqual(['–', '–']); // made before codec times
    expect(rowOf(text, '0.1')[7]).toBe(
      `${msText(r.decisions![0].totalMs)} → ${msText(r.decisions![0].totalMsAtTo)}`,
    );
  });

  it('renders an analysis of cut points only, saying what is missing', () => {
    const text = renderMarkdown(cutPointsOnly());
    expect(text).toContain('No device profiles');
    expect(text).toContain('No speed-up table');
    expect(text).toContain('No validation data');
    expect(rowOf(text, '19')).toEqual(['19', '`logits`', 'Gemm', '[batch, 10]', '0.040']);
  });

  it('renders an analysis without a sweep: raw columns, no JALAD', () => {
    const text = renderMarkdown(withoutSweep());
    expect(rowOf(text, '1.1')[4]).toBe('none');
    expect(text).toContain('no JALAD column');
  });

  it('escapes pipes in tensor names inside table cells', () => {
    const odd = { ...a, cutPoints: a.cutPoints.map((c) => (c.index === 3 ? { ...c, tensors: ['a|b'] } : c)) };
    expect(rowOf(renderMarkdown(odd), '3')[1]).toBe('`a\\|b`');
  });
});
