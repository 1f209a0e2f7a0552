import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  checkOutputFolder,
  MANIFEST_NAME,
  recoverStaleOutputs,
  writeOutputFile,
  writeOutputSet,
} from '../../src/core/output-set';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-outset-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const files = (tag: string) => [
  { name: 'analysis.json', data: JSON.stringify({ jalad: '0', tag }) },
  { name: 'report.md', data: `# ${tag}` },
];
/** What a folder holds, sorted; the parent's leftovers beside it too. */
const listing = (dir: string) => fs.readdirSync(dir).sort();
const leftovers = (dir: string) =>
  fs.readdirSync(path.dirname(dir)).filter((n) => n.startsWith(`.${path.basename(dir)}.jalad-`));

describe('writeOutputSet(dir, files)', () => {
  it('refuses a FIFO, a symbolic link, a file and a folder of foreign files, writing nothing', () => {
    const fifo = path.join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const link = path.join(tmp, 'link');
    fs.mkdirSync(path.join(tmp, 'real'));
    fs.symlinkSync(path.join(tmp, 'real'), link);
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, 'mine');
    const foreign = path.join(tmp, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    for (const [dir, says] of [
      [fifo, 'a FIFO'],
      [link, 'a symbolic link'],
      [file, 'a file'],
      [foreign, 'notes.txt'],
      [path.join(file, 'sub'), 'is a file'],
    ]) {
      expect(() => writeOutputSet(dir, files('a'), { flag: '--out' })).toThrow(
        expect.objectContaining({ code: 'BAD_OUTPUT', message: expect.stringContaining(says) }),
      );
      expect(() => checkOutputFolder(dir)).toThrow(expect.objectContaining({ code: 'BAD_OUTPUT' }));
    }
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(listing(path.join(tmp, 'real'))).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
    expect(listing(foreign)).toEqual(['notes.txt']);
    expect(leftovers(foreign)).toEqual([]);
  });

  it('writes the set with a manifest, and replaces an earlier set as a whole', () => {
    const dir = path.join(tmp, 'set');
    writeOutputSet(dir, [...files('a'), { name: 'sweep.csv', data: 'x' }]);
    expect(listing(dir)).toEqual([MANIFEST_NAME, 'analysis.json', 'report.md', 'sweep.csv']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_NAME), 'utf8')).files).toEqual([
      'analysis.json',
      'report.md',
      'sweep.csv',
    ]);
    const paths = writeOutputSet(dir, files('b'));
    expect(paths).toEqual([path.join(dir, 'analysis.json'), path.join(dir, 'report.md')]);
    // sweep.csv of the earlier run is gone, not left beside the new files.
    expect(listing(dir)).toEqual([MANIFEST_NAME, 'analysis.json', 'report.md']);
    expect(fs.readFileSync(path.join(dir, 'report.md'), 'utf8')).toBe('# b');
    expect(leftovers(dir)).toEqual([]);
  });

  it('refuses a listed name that became a symbolic link or a FIFO', () => {
    const dir = path.join(tmp, 'tampered');
    writeOutputSet(dir, files('a'));
    fs.rmSync(path.join(dir, 'report.md'));
    fs.symlinkSync('/etc/passwd', path.join(dir, 'report.md'));
    expect(() => writeOutputSet(dir, files('b'))).toThrow(/report\.md: is a symbolic link/);
    expect(fs.readFileSync(path.join(dir, 'analysis.json'), 'utf8')).toContain('"a"');
  });

  it('adopts a folder written before manifests (jalad names, a JSON with the jalad marker)', () => {
    const legacy = path.join(tmp, 'legacy');
    fs.mkdirSync(legacy);
    fs.writeFileSync(path.join(legacy, 'analysis.json'), JSON.stringify({ jalad: '0.0.1' }));
    fs.writeFileSync(path.join(legacy, 'nodes.csv'), 'a,b');
    writeOutputSet(legacy, files('new'));
    expect(listing(legacy)).toEqual([MANIFEST_NAME, 'analysis.json', 'report.md']);
    const unmarked = path.join(tmp, 'unmarked');
    fs.mkdirSync(unmarked);
    fs.writeFileSync(path.join(unmarked, 'analysis.json'), '{"mine": 1}');
    expect(() => writeOutputSet(unmarked, files('new'))).toThrow(/did not mark/);
  });

  it('finishes a swap that a kill interrupted between its two renames, and removes dead leftovers', () => {
    const dir = path.join(tmp, 'interrupted');
    writeOutputSet(dir, files('old'));
    // What a kill between the renames leaves: the old folder aside, the complete new one staged.
    const dead = spawnSync(process.execPath, ['-e', '']).pid; // a process that has exited
    fs.renameSync(dir, path.join(tmp, `.interrupted.jalad-old-${dead}-00aa`));
    const staged = path.join(tmp, `.interrupted.jalad-new-${dead}-00cc`);
    fs.mkdirSync(staged);
    for (const f of files('new')) fs.writeFileSync(path.join(staged, f.name), f.data);
    fs.writeFileSync(
      path.join(staged, MANIFEST_NAME),
      JSON.stringify({ jalad: '0', files: ['analysis.json', 'report.md'] }),
    );
    // A partial staging folder (no manifest) of another dead run.
    fs.mkdirSync(path.join(tmp, `.interrupted.jalad-new-${dead}-00dd`));
    recoverStaleOutputs(dir);
    expect(fs.readFileSync(path.join(dir, 'report.md'), 'utf8')).toBe('# new');
    expect(leftovers(dir)).toEqual([]);
  });

  it('leaves the temp folders of a live run alone', () => {
    const dir = path.join(tmp, 'live');
    writeOutputSet(dir, files('a'));
    const mine = path.join(tmp, `.live.jalad-new-${process.pid}-0011`);
    fs.mkdirSync(mine);
    recoverStaleOutputs(dir);
    expect(fs.existsSync(mine)).toBe(true);
  });
});

describe('writeOutputFile(file, data)', () => {
  it('refuses a device, a FIFO, a symbolic link and a file jalad did not write', () => {
    const fifo = path.join(tmp, 'p.fifo');
    execFileSync('mkfifo', [fifo]);
    const link = path.join(tmp, 'p-link.json');
    fs.symlinkSync(path.join(tmp, 'target.json'), link);
    const foreign = path.join(tmp, 'theirs.json');
    fs.writeFileSync(foreign, '{"a": 1}');
    for (const [file, says] of [
      ['/dev/full', 'a device'],
      [fifo, 'a FIFO'],
      [link, 'a symbolic link'],
      [foreign, 'not written by jalad'],
      [tmp, 'a folder'],
    ]) {
      expect(() => writeOutputFile(file, '{}', { flag: '--out' })).toThrow(
        expect.objectContaining({ code: 'BAD_OUTPUT', message: expect.stringContaining(says) }),
      );
    }
    expect(fs.lstatSync('/dev/full').isCharacterDevice()).toBe(true);
    expect(fs.existsSync(path.join(tmp, 'target.json'))).toBe(false);
    expect(fs.readFileSync(foreign, 'utf8')).toBe('{"a": 1}');
  });

  it('replaces its own file and leaves no temp file', () => {
    const file = path.join(tmp, 'profile.json');
    writeOutputFile(file, JSON.stringify({ jalad: '0', n: 1 }));
    writeOutputFile(file, JSON.stringify({ jalad: '0', n: 2 }));
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).n).toBe(2);
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith('.profile.json'))).toEqual([]);
  });
});
