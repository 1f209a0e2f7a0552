/**
 * Outputs under hostile conditions, through the built command line: special files and foreign
 * files in the way, filesystem errors, a closed stdout, and kill -9 at random moments of a run.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeModel } from '../src/graph';
import { mulberry32 } from '../src/core/random';
import { chain, residual } from './helpers/zoo';

const BIN = path.join(__dirname, '..', 'dist', 'bin', 'jalad.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-cli-out-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const modelA = path.join(tmp, 'chain.onnx');
const modelB = path.join(tmp, 'residual.onnx');
fs.writeFileSync(modelA, encodeModel(chain()));
fs.writeFileSync(modelB, encodeModel(residual()));

function jalad(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function sh(script: string) {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', cwd: tmp });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function expectOneLine(r: { code: number | null; err: string }, code: number, mentions: string): void {
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toContain(mentions);
  expect(r.code).toBe(code);
}

/** Stale temp folders beside `dir` (jalad's staging names). */
const leftovers = (dir: string) =>
  fs.readdirSync(path.dirname(dir)).filter((n) => n.startsWith(`.${path.basename(dir)}.jalad-`));

describe('nothing jalad writes replaces what is not its own', () => {
  test('profile --out /dev/full, a FIFO, a foreign file: exit 2, one line, untouched', () => {
    expectOneLine(jalad('profile', modelA, '--out', '/dev/full'), 2, '/dev/full');
    expect(fs.lstatSync('/dev/full').isCharacterDevice()).toBe(true);
    const fifo = path.join(tmp, 'pipe.json');
    spawnSync('mkfifo', [fifo]);
    expectOneLine(jalad('profile', modelA, '--out', fifo), 2, 'a FIFO');
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    const mine = path.join(tmp, 'notes.json');
    fs.writeFileSync(mine, '{"mine": true}');
    expectOneLine(jalad('profile', modelA, '--out', mine), 2, 'not written by jalad');
    expect(fs.readFileSync(mine, 'utf8')).toBe('{"mine": true}');
  });

  test('analyze/split --out: a file, a symbolic link, a folder of foreign files are refused before any work', () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'keep');
    expectOneLine(jalad('analyze', modelA, '--no-profile', '--out', file), 2, 'not a folder');
    expectOneLine(jalad('analyze', modelA, '--no-profile', '--out', path.join(file, 'sub')), 2, 'is a file');
    fs.symlinkSync(tmp, path.join(tmp, 'link'));
    expectOneLine(jalad('split', modelA, '--cut', 'r2', '--out', 'link'), 2, 'symbolic link');
    const home = path.join(tmp, 'home');
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, 'thesis.tex'), 'keep');
    expectOneLine(jalad('analyze', modelA, '--no-profile', '--out', home), 2, 'thesis.tex');
    expect(fs.readdirSync(home)).toEqual(['thesis.tex']);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
  });

  test('a split replaces an earlier split as a whole, leaving no temp folder', () => {
    const out = path.join(tmp, 'split-out');
    expect(jalad('split', modelA, '--cut', 'r2', '--out', out, '-q').code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual([
      '.jalad-manifest.json',
      'cloud.onnx',
      'edge.onnx',
      'split.json',
    ]);
    expect(jalad('split', modelA, '--cut', 'p1', '--out', out, '-q').code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'split.json'), 'utf8')).cut).toEqual(['p1']);
    expect(leftovers(out)).toEqual([]);
  });
});

describe('filesystem errors are one line naming the path', () => {
  test('stdout closed early (--json | head -c 10): quiet, files written', () => {
    const out = path.join(tmp, 'epipe');
    const r = sh(
      `"${process.execPath}" "${BIN}" analyze "${modelA}" --no-profile --json --out "${out}" | head -c 10`,
    );
    expect(r.out).toHaveLength(10);
    expect(r.err).toBe('');
    expect(fs.existsSync(path.join(out, 'analysis.json'))).toBe(true);
  });

  test('stdout on a full disk (> /dev/full): exit 2, one line', () => {
    const r = sh(
      `"${process.execPath}" "${BIN}" analyze "${modelA}" --no-profile --json --out ef > /dev/full`,
    );
    expectOneLine(r, 2, 'stdout: no space left');
  });

  // A read-only and a full filesystem need a mount (root); without root, a folder without write
  // permission gives the same contract through EACCES.
  const canMount =
    process.getuid?.() === 0 &&
    (() => {
      const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-mnt-'));
      const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
      if (ok) spawnSync('umount', [probe]);
      fs.rmdirSync(probe);
      return ok;
    })();

  test(canMount ? 'a full and a read-only filesystem (tmpfs)' : 'a folder without write permission', () => {
    const mnt = path.join(tmp, 'mnt');
    fs.mkdirSync(mnt);
    if (canMount) {
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]).status).toBe(0);
      try {
        // 64 KB holds a small split (a few KB) but not the analysis's report.html.
        const full = path.join(mnt, 'out');
        expect(jalad('split', modelA, '--cut', 'r2', '--out', full, '-q').code).toBe(0);
        const before = fs.readFileSync(path.join(full, 'split.json'), 'utf8');
        expectOneLine(
          jalad('analyze', modelA, '--no-profile', '-q', '--out', path.join(mnt, 'big')),
          2,
          'no space left',
        );
        expect(fs.readdirSync(mnt).sort()).toEqual(['out']);
        spawnSync('mount', ['-o', 'remount,ro', mnt]);
        expectOneLine(jalad('split', modelA, '--cut', 'p1', '--out', full, '-q'), 2, 'read-only');
        expect(fs.readFileSync(path.join(full, 'split.json'), 'utf8')).toBe(before);
      } finally {
        spawnSync('umount', [mnt]);
      }
    } else {
      fs.chmodSync(mnt, 0o555);
      expectOneLine(
        jalad('split', modelA, '--cut', 'r2', '--out', path.join(mnt, 'out'), '-q'),
        2,
        'permission denied',
      );
      expect(fs.readdirSync(mnt)).toEqual([]);
    }
  });
});

describe('a run appears as a whole or not at all', () => {
  /** The folder holds exactly its manifest's files, all from one run (one model named throughout). */
  function expectCompleteSet(dir: string): string {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, '.jalad-manifest.json'), 'utf8'));
    expect(fs.readdirSync(dir).sort()).toEqual(['.jalad-manifest.json', ...manifest.files].sort());
    const model = JSON.parse(fs.readFileSync(path.join(dir, 'analysis.json'), 'utf8')).model.path as string;
    for (const f of ['report.md', 'report.html'])
      expect(fs.readFileSync(path.join(dir, f), 'utf8')).toContain(path.basename(model));
    expect(fs.readFileSync(path.join(dir, 'cut-points.csv'), 'utf8')).toContain(
      model === modelA ? 'r2' : 'stem',
    );
    return model;
  }

  test('kill -9 at up to 8 random moments of analyze leaves the old or the new complete set', async () => {
    const out = path.join(tmp, 'killed');
    const t0 = performance.now();
    expect(jalad('analyze', modelA, '--no-profile', '-q', '--out', out).code).toBe(0);
    const fullMs = performance.now() - t0;
    expect(expectCompleteSet(out)).toBe(modelA);
    const rand = mulberry32(16);
    const seen = new Set<string>();
    // Bounded in time too: on a shared, loaded machine one run can take tens of seconds.
    const started = performance.now();
    let kills = 0;
    for (let i = 0; i < 8 && (i < 3 || performance.now() - started < 120_000); i++) {
      kills++;
      const model = i % 2 === 0 ? modelB : modelA;
      // Spread the kills over the whole run, most of them late, where the files are written.
      const delayMs = fullMs * (0.4 + 0.7 * rand());
      const child = spawn(process.execPath, [BIN, 'analyze', model, '--no-profile', '-q', '--out', out], {
        cwd: tmp,
        stdio: 'ignore',
      });
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      // Between the two renames of the swap neither folder is in place; the staged set is then
      // complete, and the next write finishes the swap (what `checkOutputFolder` does first).
      if (!fs.existsSync(out)) {
        expect(leftovers(out).length).toBeGreaterThan(0);
        expect(jalad('analyze', modelA, '--no-profile', '-q', '--out', out).code).toBe(0);
      }
      seen.add(expectCompleteSet(out));
    }
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(seen.size).toBeGreaterThan(0);
    expect(jalad('analyze', modelB, '--no-profile', '-q', '--out', out).code).toBe(0);
    expect(expectCompleteSet(out)).toBe(modelB);
    expect(leftovers(out)).toEqual([]);
  }, 600_000); // about 20 s on an idle 2-core machine; minutes when it is shared
});
