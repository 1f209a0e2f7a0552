/**
 * The environment variables the `jalad` launcher's first line sets (`#!/usr/bin/env -S NAME=VALUE ...
 * node`; bin/jalad.ts says why). `npm start` and the benchmarks spawn `node <bin>` and pass these, so
 * that the process is the one a user starts with `npx jalad` or an installed `jalad`.
 */
import * as fs from 'fs';

/** The `NAME=VALUE` words after `env [-S]` on the first line of `binFile`, in order, up to the program. */
export function launcherEnv(binFile: string): Record<string, string> {
  const first = fs.readFileSync(binFile, 'utf8').split('\n', 1)[0];
  const out: Record<string, string> = {};
  for (const word of first.replace(/^#!\S*env\s+(-S\s+)?/, '').split(/\s+/)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(word);
    if (!m) break;
    out[m[1]] = m[2];
  }
  return out;
}
