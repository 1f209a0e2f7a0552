import { parse } from 'csv-parse/sync';
import {
  cutPointsCsv,
  decisionsCsv,
  latencyCsv,
  nodesCsv,
  renderCsv,
  renderCsvFiles,
  sweepCsv,
} from '../../src/report';
import { cutPointsOnly, resnet, vgg } from './fixtures';

/** Parses CSV text into its header and records (strings). */
function read(text: string): { header: string[]; rows: string[][] } {
  const [header, ...rows] = parse(text) as string[][];
  return { header, rows };
}

describe('renderCsvFiles(analysis)', () => {
  it('rejects an analysis of an unknown version', () => {
    expect(() => renderCsvFiles({ ...vgg(), version: 99 })).toThrow(
      expect.objectContaining({ code: 'BAD_ANALYSIS' }),
    );
  });

  it('renders every table of the VGG analysis except decisions, which it lacks', () => {
    expect(renderCsvFiles(vgg()).map((f) => f.name)).toEqual([
      'cut-points.csv',
      'sweep.csv',
      'latency.csv',
      'nodes.csv',
    ]);
  });

  it('adds decisions.csv when the analysis has a decision table', () => {
    expect(renderCsvFiles(resnet()).map((f) => f.name)).toEqual([
      'cut-points.csv',
      'sweep.csv',
      'latency.csv',
      'nodes.csv',
      'decisions.csv',
    ]);
  });

  it('renders only cut-points.csv and nodes.csv (without times) for an analysis of cut points only', () => {
    const files = renderCsvFiles(cutPointsOnly());
    expect(files.map((f) => f.name)).toEqual(['cut-points.csv', 'nodes.csv']);
    expect(read(files[1].text).header).toEqual(['index', 'name', 'op', 'flops']);
  });
});

describe('cutPointsCsv(analysis)', () => {
  const a = vgg();
  const { header, rows } = read(renderCsv(cutPointsCsv(a)));

  it('has units in its header and the measured edge times the fixture holds', () => {
    expect(header).toEqual([
      'index',
      'tensors',
      'op',
      'shape',
      'elements',
      'float32_bytes',
      'edge_nodes',
      'cloud_nodes',
      'edge_flops',
      'cloud_flops',
      'edge_ms',
      'cloud_ms',
      'edge_measured_ms',
    ]);
  });

  it('has one row per cut point whose numbers parse back to the stored fields exactly', () => {
    expect(rows).toHaveLength(a.cutPoints.length);
    rows.forEach((r, i) => {
      const c = a.cutPoints[i];
      expect(Number(r[0])).toBe(c.index);
      expect(r[1]).toBe(c.tensors.join(';'));
      expect(r[3]).toBe(`[${c.shape.join(', ')}]`);
      expect(Number(r[5])).toBe(c.bytes);
      expect(Number(r[10])).toBe(c.edgeMs);
      expect(Number(r[11])).toBe(c.cloudMs);
    });
  });

  it('leaves time cells out without profiles', () => {
    const t = cutPointsCsv(cutPointsOnly());
    expect(t.header).not.toContain('edge_measured_ms');
    expect(read(renderCsv(t)).rows[3][10]).toBe('');
  });
});

describe('sweepCsv(analysis)', () => {
  const a = vgg();
  const { header, rows } = read(renderCsv(sweepCsv(a)!));

  it('has every field of a sweep row, one column pair per coder', () => {
    expect(header).toEqual([
      'cut',
      'tensor',
      'bits',
      'loss_pp',
      'loss_upper_pp',
      'agreement',
      'accuracy',
      'samples',
      'stopped_early',
      'bytes_mean',
      'bytes_p95',
      'bits_per_element',
      'ratio',
      'auto_bytes_mean',
      'auto_bytes_p95',
      'huffman_bytes_mean',
      'huffman_bytes_p95',
      'raw_bytes_mean',
      'raw_bytes_p95',
      'encode_ms',
      'decode_ms',
    ]);
  });

  it('has one row per cut point and bit width (20 × 6)', () => {
    expect(rows).toHaveLength(120);
    expect(rows).toHaveLength(a.cutPoints.length * a.bits!.length);
    const r = a.sweep![10];
    const col = (name: string) => rows[10][header.indexOf(name)];
    expect([col('cut'), col('bits'), col('loss_pp'), col('loss_upper_pp')].map(Number)).toEqual([
      r.cut,
      r.bits,
      r.lossPct,
      r.lossUpperPct,
    ]);
    expect(Number(col('huffman_bytes_mean'))).toBe(r.byCoder.huffman.bytesMean);
    expect(col('stopped_early')).toBe(String(r.stoppedEarly));
  });

  it('is undefined without a sweep', () => {
    expect(sweepCsv(cutPointsOnly())).toBeUndefined();
  });
});

describe('latencyCsv(analysis)', () => {
  const a = vgg();
  const { header, rows } = read(renderCsv(latencyCsv(a)!));

  it('has one row per bandwidth and cut point, with exactly one best cut per bandwidth', () => {
    expect(header).toEqual(['bandwidth_mbps', 'rtt_ms', 'cut', 'tensor', 'transfer_ms', 'total_ms', 'best']);
    expect(rows).toHaveLength(3 * 20);
    for (const l of a.latency!) {
      const best = rows.filter((r) => Number(r[0]) === l.bandwidthMbps && r[6] === 'true');
      expect(best.map((r) => Number(r[2]))).toEqual([l.bestCut]);
    }
    expect(Number(rows[21][5])).toBe(a.latency![1].cuts[1].totalMs);
  });
});

describe('nodesCsv(analysis)', () => {
  it("aligns the profiles' ms per node with the node names", () => {
    const a = vgg();
    const { header, rows } = read(renderCsv(nodesCsv(a)!));
    expect(header).toEqual(['index', 'name', 'op', 'flops', 'edge_ms', 'cloud_ms']);
    expect(rows).toHaveLength(a.nodes!.length);
    expect(rows[2].slice(1, 3)).toEqual([a.nodes![2].name, a.nodes![2].op]);
    expect(Number(rows[2][4])).toBe(a.profiles!.edge.nodeMs[2]);
    expect(Number(rows[2][5])).toBe(a.profiles!.cloud.nodeMs[2]);
  });
});

describe('decisionsCsv(analysis)', () => {
  it('has the documented fields with units, one row per interval', () => {
    const a = resnet();
    const { header, rows } = read(renderCsv(decisionsCsv(a)!));
    expect(header.slice(0, 4)).toEqual(['from_mbps', 'to_mbps', 'cut', 'bits']);
    expect(header).toContain('total_ms');
    expect(rows).toHaveLength(a.decisions!.length);
    expect(Number(rows[0][header.indexOf('total_ms')])).toBe(a.decisions![0].totalMs);
    expect(Number(rows[1][0])).toBe(a.decisions![1].fromMbps);
  });

  it('is undefined without decisions', () => {
    expect(decisionsCsv(vgg())).toBeUndefined();
  });
});
