/** `run --csv FILE` follows the output rules: checked before any sample runs, never replacing what jalad did not write. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { InputError } from '../../src/core/errors';
import { writeOutputFile } from '../../src/core/output-set';
import { SAMPLES_CSV_COLUMNS, runLive, samplesCsv } from '../../src/serve/run-live';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-run-csv-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function refusal(csvPath: string): Promise<InputError> {
  return runLive({
    planDir: path.join(tmp, 'no-plan'),
    serverUrl: 'http://127.0.0.1:9',
    data: path.join(tmp, 'no-data.npy'),
    adaptive: false,
    csvPath,
  }).then(
    () => {
      throw new Error('accepted');
    },
    (e: InputError) => e,
  );
}

describe('run --csv', () => {
  test.each([
    ['a FIFO', (p: string) => execFileSync('mkfifo', [p]), /a FIFO/],
    ['a symbolic link', (p: string) => fs.symlinkSync(path.join(tmp, 'target.csv'), p), /a symbolic link/],
    ['a foreign CSV', (p: string) => fs.writeFileSync(p, 'a,b\n1,2\n'), /not written by jalad/],
    ['a folder', (p: string) => fs.mkdirSync(p), /a folder/],
  ])('%s at the path is refused before any work, and left as it was', async (_what, make, reason) => {
    const p = path.join(tmp, `${_what.replace(/\W/g, '-')}.csv`);
    make(p);
    const before = fs.lstatSync(p);
    const err = await refusal(p);
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('BAD_OUTPUT');
    expect(err.message).toMatch(reason);
    expect(err.message).toContain('--csv');
    const after = fs.lstatSync(p);
    expect([after.ino, after.mode]).toEqual([before.ino, before.mode]);
  });

  test('a CSV jalad wrote (its header) is replaced; the check passes and the run goes on to the plan', async () => {
    const p = path.join(tmp, 'samples.csv');
    writeOutputFile(p, samplesCsv([]), { flag: '--csv' });
    expect(fs.readFileSync(p, 'utf8').split('\n')[0]).toBe(SAMPLES_CSV_COLUMNS.join(','));
    const err = await refusal(p);
    expect(err.code).not.toBe('BAD_OUTPUT'); // it got past the output check: the missing plan stops it
    expect(err.message).toContain('no-plan');
  });
});
