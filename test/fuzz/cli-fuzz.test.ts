/**
 * Fuzz test: the bundled models and data files (and an analysis.json and a device profile made
 * from them) mutated by seeded bit flips, truncations and insertions, fed to the command line
 * in-process. Every case must end with exit 0, or exit 2 and one line on stderr: never another
 * exit code, a thrown error (a stack trace), a hang, or a file left behind in the output's parent
 * folder. A few cases also run the built CLI in a child process, for the real exit code and stderr.
 * The counts are printed (`FUZZ_COUNTS=...`) and written to the file named by JALAD_FUZZ_COUNTS, if set.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { main } from '../../bin/jalad';
import { uniformRandom } from '../../src/core/random';
import { encodeModel } from '../../src/graph';
import { chain } from '../helpers/zoo';

const ROOT = path.join(__dirname, '..', '..');
const BUNDLED = path.join(ROOT, 'datasets', 'fashion-mnist');
const BIN = path.join(ROOT, 'dist', 'bin', 'jalad.js');
const SEED = 20261207;
const SAMPLES = 24;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-fuzz-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Mutation = 'flip' | 'truncate' | 'insert' | 'overwrite';

/** One seeded mutation of `bytes`: a few bit flips, a truncation, an insertion or an overwritten run. */
function mutate(bytes: Uint8Array, rand: () => number): { data: Uint8Array; kind: Mutation } {
  const at = (n: number) => Math.floor(rand() * n);
  const kinds: Mutation[] = ['flip', 'truncate', 'insert', 'overwrite'];
  const kind = kinds[at(kinds.length)];
  const data = Uint8Array.from(bytes);
  switch (kind) {
    case 'flip': {
      const flips = 1 + at(8);
      // Half the time near the start, where headers are: that is where parsers branch.
      for (let i = 0; i < flips; i++)
        data[rand() < 0.5 ? at(Math.min(64, data.length)) : at(data.length)] ^= 1 << at(8);
      return { data, kind };
    }
    case 'truncate':
      return { data: data.subarray(0, at(data.length)), kind };
    case 'insert': {
      const p = at(data.length + 1);
      const extra = Uint8Array.from({ length: 1 + at(64) }, () => at(256));
      return { data: Uint8Array.from([...data.subarray(0, p), ...extra, ...data.subarray(p)]), kind };
    }
    case 'overwrite': {
      const p = at(data.length);
      const values = [0, 0xff, 0x7f, 0x80];
      for (let i = p; i < Math.min(data.length, p + 1 + at(16)); i++) data[i] = values[at(values.length)];
      return { data, kind };
    }
  }
}

interface Outcome {
  readonly code: number | 'threw';
  readonly stderr: string;
}

/** Runs jalad in-process; stdout is swallowed, stderr captured. */
async function jalad(args: readonly string[]): Promise<Outcome> {
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    return { code: await main(['node', 'jalad', ...args]), stderr };
  } catch (e) {
    return { code: 'threw', stderr: `${stderr}${(e as Error).stack ?? String(e)}` };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** The first 24 images and labels of the bundled test set, as IDX files (what the mutations start from). */
function smallDataset(): { images: Uint8Array; labels: Uint8Array } {
  const images = zlib.gunzipSync(fs.readFileSync(path.join(BUNDLED, 't10k-images-idx3-ubyte.gz')));
  const labels = zlib.gunzipSync(fs.readFileSync(path.join(BUNDLED, 't10k-labels-idx1-ubyte.gz')));
  const img = Buffer.from(images.subarray(0, 16 + SAMPLES * 28 * 28));
  img.writeUInt32BE(SAMPLES, 4);
  const lab = Buffer.from(labels.subarray(0, 8 + SAMPLES));
  lab.writeUInt32BE(SAMPLES, 4);
  return { images: img, labels: lab };
}

/** Names in `dir` that a run left behind: staging or old folders, temp files. */
function leftovers(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.includes('.jalad-new-') || n.includes('.jalad-old-') || n.endsWith('.tmp'));
}

interface Target {
  readonly name: string;
  readonly base: Uint8Array;
  /** The file name the mutated bytes get (its extension decides how jalad reads it). */
  readonly file: string;
  readonly args: (file: string, out: string) => string[];
  readonly cases: number;
}

describe('fuzz: mutated models, data and files read back', () => {
  const counts: Record<
    string,
    { cases: number; exit0: number; exit2: number; byMutation: Record<string, number> }
  > = {};

  test('every case ends with exit 0, or exit 2 and one line; nothing is left behind', async () => {
    const { images, labels } = smallDataset();
    const resnet = fs.readFileSync(path.join(BUNDLED, 'resnet.onnx'));
    const chainModel = encodeModel(chain());
    const fixed = path.join(tmp, 'fixed');
    fs.mkdirSync(fixed);
    const resnetPath = path.join(fixed, 'resnet.onnx');
    fs.writeFileSync(resnetPath, resnet);
    const imagesPath = path.join(fixed, 'images.idx');
    const labelsPath = path.join(fixed, 'labels.idx');
    fs.writeFileSync(imagesPath, images);
    fs.writeFileSync(labelsPath, labels);
    // An analysis and a device profile to mutate, made by jalad itself from the chain model.
    const chainPath = path.join(fixed, 'chain.onnx');
    fs.writeFileSync(chainPath, chainModel);
    const made = await jalad([
      'analyze',
      chainPath,
      '--no-profile',
      '--out',
      path.join(fixed, 'a'),
      '--quiet',
    ]);
    expect(made).toEqual({ code: 0, stderr: '' });
    const analysis = fs.readFileSync(path.join(fixed, 'a', 'analysis.json'));
    const prof = await jalad([
      'profile',
      chainPath,
      '--runs',
      '1',
      '--warmup',
      '0',
      '--out',
      path.join(fixed, 'p.json'),
    ]);
    expect(prof.code).toBe(0);
    const profile = fs.readFileSync(path.join(fixed, 'p.json'));

    const data = ['--scale', '1/255', '--quiet', '--json'];
    const targets: Target[] = [
      {
        name: 'resnet.onnx',
        base: resnet,
        file: 'm.onnx',
        cases: 70,
        args: (f, out) => ['analyze', f, '--no-profile', '--out', out, '--quiet'],
      },
      {
        name: 'chain.onnx',
        base: chainModel,
        file: 'm.onnx',
        cases: 50,
        args: (f, out) => ['analyze', f, '--no-profile', '--out', out, '--quiet'],
      },
      {
        name: 'images (IDX)',
        base: images,
        file: 'x.idx',
        cases: 40,
        args: (f) => ['eval', resnetPath, '--data', f, '--labels', labelsPath, ...data],
      },
      {
        name: 'images (IDX, gzip)',
        base: zlib.gzipSync(images),
        file: 'x.idx.gz',
        cases: 25,
        args: (f) => ['eval', resnetPath, '--data', f, '--labels', labelsPath, ...data],
      },
      {
        name: 'labels (IDX)',
        base: labels,
        file: 'y.idx',
        cases: 25,
        args: (f) => ['eval', resnetPath, '--data', imagesPath, '--labels', f, ...data],
      },
      {
        name: 'analysis.json',
        base: analysis,
        file: 'analysis.json',
        cases: 50,
        args: (f, out) => ['report', f, '--out', out],
      },
      {
        name: 'profile.json',
        base: profile,
        file: 'profile.json',
        cases: 40,
        args: (f, out) => ['analyze', chainPath, '--edge', f, '--out', out, '--quiet'],
      },
    ];
    const rand = uniformRandom(SEED);
    const failures: string[] = [];
    let n = 0;
    for (const t of targets) {
      const c = (counts[t.name] = { cases: 0, exit0: 0, exit2: 0, byMutation: {} as Record<string, number> });
      for (let i = 0; i < t.cases; i++, n++) {
        const dir = path.join(tmp, `case-${n}`);
        fs.mkdirSync(dir);
        const { data: bytes, kind } = mutate(t.base, rand);
        const file = path.join(dir, t.file);
        fs.writeFileSync(file, bytes);
        const out = path.join(dir, 'out');
        const r = await jalad(t.args(file, out));
        c.cases++;
        c.byMutation[kind] = (c.byMutation[kind] ?? 0) + 1;
        const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
        const what = `${t.name} case ${i} (${kind}, ${bytes.length} bytes): exit ${r.code}: ${r.stderr.slice(0, 300)}`;
        if (r.code === 0) c.exit0++;
        else if (r.code === 2 && lines.length === 1 && lines[0].startsWith('jalad: ')) c.exit2++;
        else if (r.code === 2 && lines.length === 1 && /^error: /.test(lines[0])) c.exit2++;
        else {
          failures.push(what);
          // JALAD_FUZZ_KEEP=DIR keeps the failing inputs, to reproduce them by hand.
          if (process.env.JALAD_FUZZ_KEEP) {
            fs.mkdirSync(process.env.JALAD_FUZZ_KEEP, { recursive: true });
            fs.copyFileSync(file, path.join(process.env.JALAD_FUZZ_KEEP, `case-${n}-${t.file}`));
          }
        }
        const left = leftovers(dir);
        if (left.length > 0) failures.push(`${what}: left ${left.join(', ')}`);
        if (r.code !== 0 && fs.existsSync(out)) failures.push(`${what}: a failed run wrote ${out}`);
        if (r.code === 0 && fs.existsSync(out) && !fs.existsSync(path.join(out, '.jalad-manifest.json')))
          failures.push(`${what}: ${out} has no manifest (not a complete set)`);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    const total = Object.values(counts).reduce((s, c) => s + c.cases, 0);
    const exit0 = Object.values(counts).reduce((s, c) => s + c.exit0, 0);
    const exit2 = Object.values(counts).reduce((s, c) => s + c.exit2, 0);
    const summary = { seed: SEED, total, exit0, exit2, failures: failures.length, targets: counts };
    process.stdout.write(`FUZZ_COUNTS=${JSON.stringify(summary)}\n`);
    if (process.env.JALAD_FUZZ_COUNTS)
      fs.writeFileSync(process.env.JALAD_FUZZ_COUNTS, JSON.stringify(summary, null, 2));
    expect(failures).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(300);
  }, 240000);

  test('a few mutated models through the built CLI: exit 0 or 2, one line on stderr', () => {
    const rand = uniformRandom(SEED + 1);
    const resnet = fs.readFileSync(path.join(BUNDLED, 'resnet.onnx'));
    for (let i = 0; i < 4; i++) {
      const dir = path.join(tmp, `spawned-${i}`);
      fs.mkdirSync(dir);
      const file = path.join(dir, 'm.onnx');
      fs.writeFileSync(file, mutate(resnet, rand).data);
      const r = spawnSync(
        process.execPath,
        [BIN, 'analyze', file, '--no-profile', '--quiet', '--out', path.join(dir, 'out')],
        {
          encoding: 'utf8',
          timeout: 60000,
        },
      );
      expect(r.signal).toBeNull(); // no hang (killed at the timeout), no crash
      expect([0, 2]).toContain(r.status);
      if (r.status === 2) expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(leftovers(dir)).toEqual([]);
    }
  }, 120000);
});
