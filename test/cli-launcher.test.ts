import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { launcherEnv, launcherText } from '../scripts/bench-env';

const ROOT = path.join(__dirname, '..');
const firstLine = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n', 1)[0];

describe("the jalad launcher's first line (glibc's mmap threshold, see bin/jalad.ts)", () => {
  test('the source and the built bin start with the same line, which sets the threshold', () => {
    expect(firstLine('bin/jalad.ts')).toBe('#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=1048576 node');
    expect(firstLine('dist/bin/jalad.js')).toBe(firstLine('bin/jalad.ts'));
  });

  test('run as the kernel runs it (the rest of the line one argument to env), node sees the variable', () => {
    const rest = firstLine('bin/jalad.ts').slice('#!/usr/bin/env '.length);
    const r = spawnSync(
      '/usr/bin/env',
      [rest, '-e', 'process.stdout.write(String(process.env.MALLOC_MMAP_THRESHOLD_))'],
      {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` },
      },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('1048576');
  });

  test('benchmarks read the same variables from it', () => {
    const env = launcherEnv(path.join(ROOT, 'dist/bin/jalad.js'));
    expect(env).toEqual({ MALLOC_MMAP_THRESHOLD_: '1048576' });
    expect(launcherText(env)).toBe('MALLOC_MMAP_THRESHOLD_=1048576');
    expect(launcherText({})).toBe('none');
  });
});
