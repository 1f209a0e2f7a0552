/**
 * Atomic file output: a reader never sees a half-written file, and a failed run leaves
 * nothing behind. Write to a temporary file in the same folder, then rename over.
 */
import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes `data` to `filePath` atomically (temp file + rename in the same directory).
 * Creates the parent directory if needed.
 */
export function writeFileAtomic(filePath: string, data: Uint8Array | string): void {
  const dir = path.dirname(filePath);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(filePath)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, filePath);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes several files so that either all appear or none does: each goes to a temp
 * file first; only when every write succeeded are they renamed into place.
 */
export function writeFilesAtomic(
  files: ReadonlyArray<{ readonly path: string; readonly data: Uint8Array | string }>,
): void {
  const temps: { tmp: string; final: string }[] = [];
  try {
    for (const f of files) {
      const dir = path.dirname(f.path);
      fs.mkdirSync(dir, { recursive: true });
      const tmp = path.join(dir, `.${path.basename(f.path)}.${process.pid}.${Date.now()}.tmp`);
      temps.push({ tmp, final: f.path });
      fs.writeFileSync(tmp, f.data);
    }
  } catch (err) {
    for (const t of temps) fs.rmSync(t.tmp, { force: true });
    throw err;
  }
  for (const t of temps) fs.renameSync(t.tmp, t.final);
}
