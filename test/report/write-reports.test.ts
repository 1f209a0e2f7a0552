import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
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

  it('writes report.md, report.html and the CSVs of the tables the analysis has, and nothing else', async () => {
    const dir = path.join(tmp, 'vgg');
    const paths = await writeReports(vgg(), dir, { commandLine: 'jalad analyze vgg.onnx' });
    const names = ['report.md', 'report.html', 'cut-points.csv', 'sweep.csv', 'latency.csv', 'nodes.csv'];
    expect(paths).toEqual(names.map((n) => path.join(dir, n)));
    expect(fs.readdirSync(dir).sort()).toEqual([...names].sort());
    for (const p of paths) expect(fs.statSync(p).size).toBeGreaterThan(100);
    expect(fs.readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('jalad analyze vgg.onnx');
  });

  it('adds decisions.csv when the analysis has a decision table', async () => {
    const dir = path.join(tmp, 'resnet');
    const paths = await writeReports(resnet(), dir);
    expect(paths.map((p) => path.basename(p))).toContain('decisions.csv');
    expect(fs.readdirSync(dir)).toHaveLength(7);
  });

  it('writes the four files an analysis of cut points only supports', async () => {
    const dir = path.join(tmp, 'bare');
    const paths = await writeReports(cutPointsOnly(), dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['cut-points.csv', 'nodes.csv', 'report.html', 'report.md']);
    expect(paths).toHaveLength(4);
  });

  it('replaces the files of an earlier run in place', async () => {
    const dir = path.join(tmp, 'again');
    await writeReports(vgg(), dir);
    fs.writeFileSync(path.join(dir, 'report.md'), 'stale');
    await writeReports(vgg(), dir);
    expect(fs.readFileSync(path.join(dir, 'report.md'), 'utf8')).toMatch(/^# jalad report/);
    expect(fs.readdirSync(dir)).toHaveLength(6);
  });
});
