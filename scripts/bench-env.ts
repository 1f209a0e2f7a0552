/** What several benchmark scripts share: their flags and the machine's load printed beside figures. */
import * as fs from 'fs';
import * as os from 'os';

/** The value after flag `name` on the command line, or `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** "load average 1.20 0.90 0.75 on 2 cores": printed with every timing, since load moves them. */
export function loadText(): string {
  return `load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} on ${os.cpus().length} cores`;
}

/**
 * The variables the `jalad` launcher's first line sets (`#!/usr/bin/env -S NAME=VALUE ... node`):
 * benchmarks spawn `node <bin>` to hook it, and pass these so that the process is the one a user
 * starts with `npx jalad` or the installed `jalad` (bin/jalad.ts says why it sets them).
 */
export function launcherEnv(binFile: string): Record<string, string> {
  const first = fs.readFileSync(binFile, 'utf8').split('\n', 1)[0];
  const words = first.replace(/^#!\S*env\s+(-S\s+)?/, '').split(/\s+/);
  const out: Record<string, string> = {};
  for (const w of words) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(w);
    if (!m) break;
    out[m[1]] = m[2];
  }
  return out;
}

/** `launcherEnv` as `NAME=VALUE` words, or "none", for a benchmark's header. */
export function launcherText(env: Readonly<Record<string, string>>): string {
  const words = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return words.length > 0 ? words.join(' ') : 'none';
}
