import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MANIFEST_NAME } from '../../src/core/output-set';
import { writeReports } from '../../src/report';
import { cutPointsOnly, resnet, vgg } from './fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-report-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('writeReports(analysis, dir, options)', () => {
  it('rejects an analysis of an unknown version and writes nothing', async () => {
    const dir = path.join(tmp, 'bad');
    await expect(writeReports({ ...vgg(), version: 2 }, dir)).rejects.toMatchObject({ code: 'BAD_ANALYSIS' });
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('writes analysis.json, report.md, report.html and the CSVs of the tables the analysis has, with its manifest', async () => {
    const dir = path.join(tmp, 'vgg');
    const paths = await writeReports(vgg(), dir, { commandLine: 'jalad analyze vgg.onnx' });
    const names = [
      'analysis.json',
      'report.md',
      'report.html',
      'cut-points.csv',
      'sweep.csv',
      'latency.csv',
      'nodes.csv',
    ];
    expect(paths).toEqual(names.map((n) => path.join(dir, n)));
    expect(fs.readdirSync(dir).sort()).toEqual([MANIFEST_NAME, ...names].sort());
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'analysis.json'), 'utf8'))).toEqual(vgg());
    for (const p of paths) expect(fs.statSync(p).size).toBeGreaterThan(100);
    expect(fs.readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('jalad analyze vgg.onnx');
  });

  it('adds decisions.csv when the analysis has a decision table', async () => {
    const dir = path.join(tmp, 'resnet');
    const paths = await writeReports(resnet(), dir);
    expect(paths.map((p) => path.basename(p))).toContain('decisions.csv');
    expect(fs.readdirSync(dir)).toHaveLength(9);
  });

  it('writes the four files an analysis of cut points only supports', async () => {
    const dir = path.join(tmp, 'bare');
    const paths = await writeReports(cutPointsOnly(), dir);
    expect(fs.readdirSync(dir).sort()).toEqual([
      MANIFEST_NAME,
      'analysis.json',
      'cut-points.csv',
      'nodes.csv',
      'report.html',
      'report.md',
    ]);
    expect(paths).toHaveLength(5);
  });

  it('replaces the files of an earlier run as a whole: none of its files stays beside the new ones', async () => {
    const dir = path.join(tmp, 'again');
    await writeReports(resnet(), dir);
    fs.writeFileSync(path.join(dir, 'report.md'), 'stale');
    await writeReports(cutPointsOnly(), dir);
    expect(fs.readFileSync(path.join(dir, 'report.md'), 'utf8')).toMatch(/^# jalad report/);
    expect(fs.readdirSync(dir)).toHaveLength(6);
    expect(fs.existsSync(path.join(dir, 'decisions.csv'))).toBe(false);
  });

  it('keeps the previous set when a renderer fails', async () => {
    const dir = path.join(tmp, 'kept');
    await writeReports(vgg(), dir);
    const before = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    await expect(writeReports({ ...vgg(), cutPoints: [] }, dir)).rejects.toMatchObject({
      code: 'BAD_ANALYSIS',
    });
    expect(fs.readFileSync(path.join(dir, 'report.html'), 'utf8')).toBe(before);
    expect(fs.readdirSync(tmp).filter((n) => n.includes('.jalad-'))).toEqual([]);
  });
});
