/**
 * Every image is bounded before it is decoded: its header's dimensions and decoded bytes against
 * the limits, its file size against its pixels, `--size` against its upper limit; truncated
 * images are errors naming the file; folder walks never follow symbolic links and never count a
 * file twice.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { InputError } from '../../src/core/errors';
import { loadDataset, parseSize, resolveDataOptions } from '../../src/data';
import { MAX_IMAGE_PIXELS, MAX_SIZE_SIDE } from '../../src/data/image-limits';
import { TempDir, caught, jpegBytes, pngBytes, rawPng, rgbaImage, tempDir } from './fixtures';

const dir: TempDir = tempDir('jalad-bounds-');
afterAll(() => dir.remove());

let serial = 0;
/** A fresh folder with `files` (relative path → bytes); returns its path. */
function folder(files: Record<string, Buffer>): string {
  const root = path.join(dir.root, `f${serial++}`);
  for (const [rel, bytes] of Object.entries(files))
    dir.write(path.relative(dir.root, path.join(root, rel)), bytes);
  return root;
}

const small = pngBytes(
  4,
  3,
  rgbaImage(4, 3, (x, y) => [x * 50, y * 60, 9]),
);
const smallJpeg = jpegBytes(
  8,
  8,
  rgbaImage(8, 8, (x, y) => [x * 30, y * 30, 90]),
  90,
);

/** A copy of a JPEG whose frame header declares another size (nothing else changed). */
function jpegDeclaring(bytes: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 2; i < out.length - 9; i++) {
    if (out[i] === 0xff && out[i + 1] === 0xc0) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
  }
  throw new Error('no SOF0 in the test JPEG');
}

/** Loads `root`, expecting a one-line InputError; returns it with the time taken. */
async function refused(root: string, options = {}): Promise<{ message: string; ms: number }> {
  const started = performance.now();
  const err = await caught(() => loadDataset(root, undefined, options));
  const ms = performance.now() - started;
  expect(err).toBeInstanceOf(InputError);
  expect(err.message.split('\n')).toHaveLength(1);
  return { message: err.message, ms };
}

describe('image headers checked against the limits before decoding', () => {
  test('a tiny PNG declaring 20000x20000 is refused quickly, naming file, dims and limit', async () => {
    const bomb = rawPng(20000, 20000, 8, 0, Buffer.alloc(10));
    expect(bomb.length).toBeLessThan(100);
    const { message, ms } = await refused(folder({ 'a/ok.png': small, 'b/bomb.png': bomb }));
    expect(message).toContain('bomb.png');
    expect(message).toContain('20000x20000');
    expect(message).toContain(String(MAX_IMAGE_PIXELS));
    // decoding it took 3.9 GB before; refusing it costs a few small reads
    expect(ms).toBeLessThan(5000);
  });

  test('a valid 1-bit 20000x20000 PNG (under 100 KB) is refused quickly', async () => {
    const rows = Buffer.alloc(20000 * (1 + 2500)); // filter byte + 20000 bits per row, all zero
    const bitmap = rawPng(20000, 20000, 1, 0, rows);
    expect(bitmap.length).toBeLessThan(100_000);
    expect(zlib.inflateSync(bitmap.subarray(41, bitmap.length - 16)).length).toBe(rows.length); // really valid
    const { message, ms } = await refused(folder({ 'a/ok.png': small, 'a/wide.png': bitmap }));
    expect(message).toMatch(/wide\.png: 20000x20000 pixels .* over the limit/);
    expect(ms).toBeLessThan(5000);
  });

  test('a JPEG declaring 20000x20000 in its frame header is refused', async () => {
    const { message } = await refused(folder({ 'a/big.jpg': jpegDeclaring(smallJpeg, 20000, 20000) }));
    expect(message).toMatch(/big\.jpg: 20000x20000 pixels/);
  });

  test('a file far larger than its pixels is refused before it is read whole', async () => {
    const padded = Buffer.concat([small, Buffer.alloc(17 * 2 ** 20)]);
    const { message } = await refused(folder({ 'a/padded.png': padded }));
    expect(message).toMatch(/padded\.png: file of \d+ bytes for 4x3 pixels is over the limit/);
  });

  test('a header over the limit is refused even with onBadImage skip', async () => {
    const bomb = rawPng(30000, 30000, 8, 2, Buffer.alloc(10));
    const { message } = await refused(folder({ 'a/ok.png': small, 'a/z.png': bomb }), { onBadImage: 'skip' });
    expect(message).toContain('z.png');
  });

  test('a resize whose result would exceed the limit is refused before allocating it', async () => {
    const thin = pngBytes(
      1,
      200,
      rgbaImage(1, 200, () => [1, 2, 3]),
    );
    const { message } = await refused(folder({ 'a/thin.png': thin }), { resize: MAX_SIZE_SIDE });
    expect(message).toMatch(/thin\.png: 200x1 resized to \d+x8192 is over the limit/);
  });

  test('--size and --crop have an upper limit per side', () => {
    expect(parseSize('8192', '--size')).toBe(8192);
    expect(() => parseSize('8193', '--size')).toThrow(
      /--size: "8193": 8193 pixels is over the limit of 8192/,
    );
    expect(() => parseSize('224x100000', '--crop')).toThrow(/--crop/);
    expect(() => resolveDataOptions({ resize: [9000, 10] })).toThrow(
      /resize height: 9000 pixels is over the limit/,
    );
  });
});

describe('truncated images are errors naming the file', () => {
  test('a JPEG cut short stops the load (one line naming it) or is skipped with a warning', async () => {
    const cut = smallJpeg.subarray(0, smallJpeg.length - 40);
    const root = folder({ 'a/ok.jpg': smallJpeg, 'a/cut.jpg': cut });
    const { message } = await refused(root);
    expect(message).toMatch(/image a\/cut\.jpg: cannot read or decode/);
    const skipped = await loadDataset(root, undefined, { onBadImage: 'skip' });
    expect(skipped.samples).toBe(1);
    expect(skipped.warnings.join('\n')).toContain('a/cut.jpg');
  });

  test('a PNG whose data ends early (fewer rows than declared) stops the load', async () => {
    const short = rawPng(8, 8, 8, 0, Buffer.alloc(3 * 9));
    const { message } = await refused(folder({ 'a/short.png': short }));
    expect(message).toMatch(/image a\/short\.png: cannot read or decode/);
  });

  test('a header cut inside its frame is an error naming the file', async () => {
    const { message } = await refused(folder({ 'a/head.jpg': smallJpeg.subarray(0, 25) }));
    expect(message).toMatch(/head\.jpg: cannot read or decode/);
  });
});

describe('folder walks: no symbolic links followed, no file counted twice', () => {
  test('a symlink loop inside a class folder is not followed; every image counted once', async () => {
    const root = folder({ 'cat/a.png': small, 'cat/sub/b.png': small, 'dog/c.png': small });
    fs.symlinkSync('..', path.join(root, 'cat', 'sub', 'loop')); // back to cat/: a loop
    fs.symlinkSync(root, path.join(root, 'dog', 'all')); // back to the root
    fs.symlinkSync(path.join(root, 'cat', 'a.png'), path.join(root, 'dog', 'a-again.png'));
    const ds = await loadDataset(root);
    expect(ds.samples).toBe(3);
    expect(Array.from(ds.labels ?? [])).toEqual([0, 0, 1]);
    expect(ds.warnings.join('\n')).toMatch(/3 symbolic link\(s\) inside the folder were not followed/);
  });

  test('a symlink out of the folder (a class folder or an image) is not followed', async () => {
    const outside = folder({ 'x/far.png': small, 'far.png': small });
    const root = folder({ 'cat/a.png': small });
    fs.symlinkSync(path.join(outside, 'x'), path.join(root, 'dog'));
    fs.symlinkSync(path.join(outside, 'far.png'), path.join(root, 'cat', 'far.png'));
    const ds = await loadDataset(root);
    expect(ds.samples).toBe(1);
    expect(ds.classNames).toEqual(['cat']);
  });

  test('a hard link in two class folders is counted once, with a warning', async () => {
    const root = folder({ 'cat/a.png': small, 'dog/b.png': small });
    fs.linkSync(path.join(root, 'cat', 'a.png'), path.join(root, 'dog', 'a.png'));
    const ds = await loadDataset(root);
    expect(ds.samples).toBe(2);
    expect(ds.warnings.join('\n')).toMatch(/1 file\(s\) or folder\(s\) met twice/);
  });

  test('a file,label table may not name a link, a path through a link, or one file twice', async () => {
    const root = folder({ 'a/x.png': small, 'a/y.png': small });
    fs.symlinkSync('x.png', path.join(root, 'a', 'link.png'));
    fs.symlinkSync('a', path.join(root, 'b'));
    const table = (rows: string): string => dir.write(`t${serial++}.csv`, `file,label\n${rows}`);
    const bad: [string, RegExp][] = [
      ['a/link.png,0\n', /line 2: "a\/link\.png" goes through a symbolic link/],
      ['a/x.png,0\nb/y.png,1\n', /line 3: "b\/y\.png" goes through a symbolic link/],
      ['a/x.png,0\na//x.png,1\n', /line [23]: "a\/\/?x\.png" is the same file as line [23]/],
    ];
    for (const [rows, reason] of bad) {
      const err = await caught(() => loadDataset(root, table(rows)));
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toMatch(reason);
    }
  });
});
