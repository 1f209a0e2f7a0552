/**
 * Data bounds as a user meets them: the built bin/jalad.js in a child process (`npm test` builds
 * first) refuses an image bomb and an out-of-range label with exit 2 and one line; and the libvips
 * decoder leaves a classifier's accuracy unchanged on real JPEGs (Fashion-MNIST test images, made
 * into class folders here), against the portable decoder jalad used before.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import sharp from 'sharp';
import { evaluateModel } from '../src/pipeline/evaluate';
import { idxBytes, rawPng } from './data/fixtures';

const BIN = path.join(__dirname, '..', 'dist', 'bin', 'jalad.js');
const MODEL = path.join(__dirname, '..', 'datasets', 'fashion-mnist', 'resnet.onnx');
const IMAGES = path.join(__dirname, '..', 'datasets', 'fashion-mnist', 't10k-images-idx3-ubyte.gz');
const LABELS = path.join(__dirname, '..', 'datasets', 'fashion-mnist', 't10k-labels-idx1-ubyte.gz');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-cli-data-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const pixels = zlib.gunzipSync(fs.readFileSync(IMAGES)).subarray(16);
const labels = zlib.gunzipSync(fs.readFileSync(LABELS)).subarray(8);

function jalad(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp });
  return { code: r.status, err: r.stderr };
}

/** Exit 2, the error as the last line of stderr (progress lines may precede it), no stack trace. */
function expectRefused(r: ReturnType<typeof jalad>, ...mentions: string[]): void {
  expect(r.code).toBe(2);
  const last = r.err.trim().split('\n').pop() as string;
  for (const m of mentions) expect(last).toContain(m);
  expect(r.err).not.toMatch(/\n\s+at /);
}

describe('the CLI refuses unbounded or inconsistent data with exit 2 and one line', () => {
  test('a 97-byte PNG declaring 20000x20000 in an image folder', () => {
    const root = path.join(tmp, 'bomb');
    fs.mkdirSync(path.join(root, 'a'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'bomb.png'), rawPng(20000, 20000, 8, 0, Buffer.alloc(10)));
    const r = jalad('eval', MODEL, '--data', root, '--channels', '1');
    expectRefused(r, 'bomb.png', '20000x20000', 'limit');
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  test('--size over its limit', () => {
    const r = jalad('eval', MODEL, '--data', tmp, '--size', '100000');
    expectRefused(r, '--size', '8192');
  });

  describe('a label outside the model classes, in every command that reads labels', () => {
    const n = 40;
    const x = path.join(tmp, 'x.idx');
    const y = path.join(tmp, 'y.txt');
    fs.writeFileSync(x, idxBytes('ubyte', [n, 28, 28], pixels.subarray(0, n * 784)));
    fs.writeFileSync(y, Array.from({ length: n }, (_, i) => (i === 7 ? 12 : i % 10)).join('\n') + '\n');
    test.each([
      ['eval', ['eval', MODEL]],
      ['analyze', ['analyze', MODEL, '--no-profile', '--out', path.join(tmp, 'never')]],
    ])('%s', (_, args) => {
      expectRefused(jalad(...args, '--data', x, '--labels', y), y, 'label 12');
      expect(fs.existsSync(path.join(tmp, 'never'))).toBe(false);
    });
  });
});

describe('libvips decoding keeps the accuracy of the portable decoder on real JPEGs', () => {
  test('300 Fashion-MNIST test images as JPEG class folders: same top-1, same predictions within 1%', async () => {
    const root = path.join(tmp, 'fashion-jpeg');
    for (let i = 0; i < 300; i++) {
      const dir = path.join(root, `class${labels[i]}`);
      fs.mkdirSync(dir, { recursive: true });
      const image = Buffer.from(pixels.subarray(i * 784, (i + 1) * 784));
      const jpeg = await sharp(image, { raw: { width: 28, height: 28, channels: 1 } })
        .jpeg({ quality: 90 })
        .toBuffer();
      fs.writeFileSync(path.join(dir, `${String(i).padStart(4, '0')}.jpg`), jpeg);
    }
    const run = (decoder: 'libvips' | 'portable') =>
      evaluateModel(MODEL, {
        data: root,
        options: { channels: 1, mean: [0.286], std: [0.353], decoder },
      });
    const vips = await run('libvips');
    const portable = await run('portable');
    expect(vips.report.samples).toBe(300);
    expect(vips.report.top1?.correct).toBe(portable.report.top1?.correct);
    expect(vips.report.top1?.accuracy).toBeGreaterThan(0.8); // the model really classifies them
    let same = 0;
    for (let i = 0; i < 300; i++) if (vips.predictions[i] === portable.predictions[i]) same++;
    expect(same).toBeGreaterThanOrEqual(297);
  });
});

describe("a streamed image folder gives the in-memory path's results exactly (real ONNX Runtime)", () => {
  const root = path.join(tmp, 'fashion-stream');
  beforeAll(async () => {
    for (let i = 0; i < 200; i++) {
      const dir = path.join(root, `class${labels[i]}`);
      fs.mkdirSync(dir, { recursive: true });
      const image = Buffer.from(pixels.subarray(i * 784, (i + 1) * 784));
      const jpeg = await sharp(image, { raw: { width: 28, height: 28, channels: 1 } })
        .resize(40, 36) // images of another size: the loader resizes and crops them back to 28x28
        .jpeg({ quality: 90 })
        .toBuffer();
      fs.writeFileSync(path.join(dir, `${String(i).padStart(4, '0')}.jpg`), jpeg);
    }
  });
  const options = { channels: 1 as const, resize: 30, crop: 28, mean: [0.286], std: [0.353] };

  test.each([7, 32])('batch size %i: same top-1, top-5 and every prediction', async (batchSize) => {
    const streamed = await evaluateModel(MODEL, { data: root, options }, { batchSize });
    const whole = await evaluateModel(MODEL, { data: root, options }, { batchSize, inMemory: true });
    expect(streamed.report.samples).toBe(200);
    expect(streamed.report.top1).toEqual(whole.report.top1);
    expect(streamed.report.top5).toEqual(whole.report.top5);
    expect(Array.from(streamed.predictions)).toEqual(Array.from(whole.predictions));
    expect(streamed.report.top1?.accuracy).toBeGreaterThan(0.6); // the model really classifies them
  });

  test('a truncated JPEG: stop is exit 2 and one line naming it; skip evaluates the others', () => {
    const bad = path.join(tmp, 'fashion-bad');
    fs.cpSync(root, bad, { recursive: true });
    const victim = path.join(bad, `class${labels[150]}`, '0150.jpg');
    fs.writeFileSync(victim, fs.readFileSync(victim).subarray(0, 200));
    const args = [
      BIN,
      'eval',
      MODEL,
      '--data',
      bad,
      '--channels',
      '1',
      '--size',
      '30',
      '--crop',
      '28',
      '--json',
    ];
    const stop = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: tmp });
    expect(stop.status).toBe(2);
    expect(stop.stderr.trim().split('\n')).toHaveLength(1);
    expect(stop.stderr).toContain('0150.jpg: cannot read or decode');
    expect(stop.stdout).toBe('');
    const skip = spawnSync(process.execPath, [...args, '--on-bad-image', 'skip'], {
      encoding: 'utf8',
      cwd: tmp,
    });
    expect(skip.status).toBe(0);
    const report = JSON.parse(skip.stdout) as { samples: number; warnings: string[] };
    expect(report.samples).toBe(199);
    expect(report.warnings.some((w) => w.includes('skipped image') && w.includes('0150.jpg'))).toBe(true);
  });

  test('the built CLI streams it on its compiled worker threads, with the same counts', async () => {
    const whole = await evaluateModel(MODEL, { data: root, options }, { inMemory: true });
    const r = spawnSync(
      process.execPath,
      [BIN, 'eval', MODEL, '--data', root, '--channels', '1', '--size', '30', '--crop', '28'].concat([
        '--mean',
        '0.286',
        '--std',
        '0.353',
        '--json',
      ]),
      { encoding: 'utf8', cwd: tmp },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { samples: number; top1: { correct: number } };
    expect(report.samples).toBe(200);
    expect(report.top1.correct).toBe(whole.report.top1?.correct);
  });
});
