/**
 * External data as ONNX IR defines it (a tensor's `location`, `offset`, `length`), read the safe way:
 * relative to the model's folder, real paths (symbolic links) inside it, regular files only, exactly
 * `length` bytes. Every failure is built here: escapes through file and folder links, a FIFO,
 * /dev/zero, a short file, and a model read from another working directory.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeModel, encodeModel, readModelFile, type ModelProto } from '../../src/graph';
import { InputError } from '../../src/core/errors';
import { inputSpecs, maxAbsDiff, openSession, syntheticFeeds } from '../../src/runtime';
import { chain } from '../helpers/zoo';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-ext-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The one-line InputError `fn` throws (fails the test if it throws nothing else). */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).not.toContain('\n');
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

/**
 * Writes DIR/model.onnx whose first weight lives at `location` (offset 8, its own length), and
 * DIR/weights.bin holding 8 bytes of padding then the weight. Returns the model path.
 */
function withExternal(location: string, edit?: (ext: Record<string, string>) => void): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'm-'));
  const m: ModelProto = chain();
  const w = m.graph!.initializer![0];
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat([Buffer.alloc(8), Buffer.from(w.rawData!)]));
  const ext: Record<string, string> = { location, offset: '8', length: String(w.rawData!.length) };
  edit?.(ext);
  const moved = {
    ...w,
    dataLocation: 1,
    externalData: Object.entries(ext).map(([key, value]) => ({ key, value })),
  };
  delete moved.rawData;
  m.graph!.initializer![0] = moved;
  const p = path.join(dir, 'model.onnx');
  fs.writeFileSync(p, encodeModel(m));
  return p;
}

const weightName = chain().graph!.initializer![0].name!;

describe('external data is read from the model folder, exactly', () => {
  test('the loaded model runs like the inline one, and only `length` bytes are read', async () => {
    const p = withExternal('weights.bin');
    fs.appendFileSync(path.join(path.dirname(p), 'weights.bin'), Buffer.alloc(100, 7));
    const loaded = readModelFile(p);
    const w = chain().graph!.initializer![0].rawData!;
    expect(Buffer.compare(Buffer.from(loaded.model.graph!.initializer![0].rawData!), Buffer.from(w))).toBe(0);
    const feeds = syntheticFeeds(inputSpecs(loaded.model), 1, 1);
    const [s1, s2] = [await openSession(loaded.sessionBytes), await openSession(chain())];
    expect(maxAbsDiff((await s1.run(feeds)).logits, (await s2.run(feeds)).logits)).toBe(0);
    await s1.release();
    await s2.release();
  });

  test('a link inside the folder to a file inside it is followed', () => {
    const p = withExternal('link.bin');
    fs.symlinkSync('weights.bin', path.join(path.dirname(p), 'link.bin'));
    expect(readModelFile(p).model.graph!.initializer![0].rawData!.length).toBeGreaterThan(0);
  });

  test('a model read from another working directory, which holds another weights.bin, gets its own weights', () => {
    const p = withExternal('weights.bin');
    const elsewhere = fs.mkdtempSync(path.join(tmp, 'cwd-'));
    fs.writeFileSync(path.join(elsewhere, 'weights.bin'), Buffer.alloc(100000, 1));
    const script = `const {readModelFile}=require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'src', 'graph'))});
      const t=readModelFile(${JSON.stringify(path.relative(elsewhere, p))}).model.graph.initializer[0];
      process.stdout.write(Buffer.from(t.rawData).toString('hex'));`;
    const hex = execFileSync(process.execPath, ['-e', script], { cwd: elsewhere, encoding: 'utf8' });
    expect(hex).toBe(Buffer.from(chain().graph!.initializer![0].rawData!).toString('hex'));
  });
});

describe('every violation is a one-line InputError naming the model, the tensor and the location', () => {
  const outside = fs.mkdtempSync(path.join(tmp, 'outside-'));
  fs.writeFileSync(path.join(outside, 'weights.bin'), Buffer.alloc(4096));

  test.each([
    ['a parent path', '../../etc/passwd'],
    ['an absolute path', '/etc/passwd'],
    ['a path that climbs out', 'sub/../../weights.bin'],
  ])('%s is refused (BAD_PATH)', (_what, location) => {
    const p = withExternal(location);
    const err = inputError(() => readModelFile(p));
    expect(err.code).toBe('BAD_PATH');
    expect(err.message).toContain(p);
    expect(err.message).toContain(`"${weightName}"`);
    expect(err.message).toContain(location);
  });

  test('a file link that points outside the folder', () => {
    const p = withExternal('escape.bin');
    fs.symlinkSync(path.join(outside, 'weights.bin'), path.join(path.dirname(p), 'escape.bin'));
    const err = inputError(() => readModelFile(p));
    expect(err.code).toBe('BAD_PATH');
    expect(err.message).toMatch(/outside the model's folder/);
  });

  test('a folder link that points outside the folder', () => {
    const p = withExternal('sub/weights.bin');
    fs.symlinkSync(outside, path.join(path.dirname(p), 'sub'));
    const err = inputError(() => readModelFile(p));
    expect(err.code).toBe('BAD_PATH');
    expect(err.message).toContain('sub/weights.bin');
  });

  test('a named pipe is refused at once, not read forever', () => {
    const p = withExternal('pipe.bin');
    execFileSync('mkfifo', [path.join(path.dirname(p), 'pipe.bin')]);
    const err = inputError(() => readModelFile(p));
    expect(err.code).toBe('BAD_PATH');
    expect(err.message).toMatch(/not a regular file \(a named pipe\)/);
  });

  test('/dev/zero through a link is refused', () => {
    const p = withExternal('zero.bin');
    fs.symlinkSync('/dev/zero', path.join(path.dirname(p), 'zero.bin'));
    expect(inputError(() => readModelFile(p)).code).toBe('BAD_PATH');
  });

  test('a folder as the location is refused', () => {
    const p = withExternal('dir');
    fs.mkdirSync(path.join(path.dirname(p), 'dir'));
    expect(inputError(() => readModelFile(p)).message).toMatch(/not a regular file \(a folder\)/);
  });

  test('a missing file', () => {
    expect(inputError(() => readModelFile(withExternal('missing.bin'))).message).toMatch(/does not exist/);
  });

  test('a file shorter than offset + length', () => {
    const p = withExternal('weights.bin');
    fs.truncateSync(path.join(path.dirname(p), 'weights.bin'), 20);
    const err = inputError(() => readModelFile(p));
    expect(err.code).toBe('BAD_MODEL');
    expect(err.message).toMatch(/the file has 20/);
  });

  test('a length that does not match the dims', () => {
    const p = withExternal('weights.bin', (e) => (e.length = '12'));
    expect(inputError(() => readModelFile(p)).message).toMatch(/length 12 bytes, but dims/);
  });

  test.each(['-8', '1e3', 'eight'])('an offset that is not a whole number of bytes (%s)', (offset) => {
    const p = withExternal('weights.bin', (e) => (e.offset = offset));
    expect(inputError(() => readModelFile(p)).code).toBe('BAD_MODEL');
  });

  test('a 2^40-element external tensor is refused before anything is read or allocated', () => {
    const p = withExternal('weights.bin', (e) => delete e.length);
    const big = decodeModel(fs.readFileSync(p), p);
    big.graph!.initializer![0].dims = [2 ** 20, 2 ** 20];
    fs.writeFileSync(p, encodeModel(big));
    const err = inputError(() => readModelFile(p));
    expect(err.code).toBe('BAD_MODEL');
    expect(err.message).toContain(`"${weightName}"`);
  });

  test('the model file itself must be a regular file (a FIFO is refused, not waited on)', () => {
    const fifo = path.join(tmp, 'model-fifo.onnx');
    execFileSync('mkfifo', [fifo]);
    expect(inputError(() => readModelFile(fifo)).code).toBe('BAD_PATH');
  });
});
