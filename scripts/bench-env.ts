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

export { launcherEnv } from '../src/core/launcher-env';

/** `launcherEnv` as `NAME=VALUE` words, or "none", for a benchmark's header. */
export function launcherText(env: Readonly<Record<string, string>>): string {
  const words = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return words.length > 0 ? words.join(' ') : 'none';
}

/**
 * Peak resident memory of this process since it started its program, kB: Linux's VmHWM, else
 * getrusage's maxrss. Why not maxrss on Linux: it also counts the forked copy of the parent that
 * ran before exec, so a child spawned by a benchmark holding 300 MB reported at least 300 MB
 * (bench:large's 100 MB model "peaked" at 308 MB in `analyze --no-profile`, whose own peak was 100).
 */
export function peakRssKb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: getrusage below
  }
  return process.resourceUsage().maxRSS;
}

/**
 * Source of a `node --require` preload that writes the process's peak RSS (bytes, as `peakRssKb`
 * measures it) and CPU seconds to the file named by JALAD_BENCH_RSS at exit, for benchmarks that
 * write it beside a model in a folder of their own.
 */
export const RSS_PRELOAD = `process.on('exit', () => {
  const fs = require('fs');
  const u = process.resourceUsage();
  let kb = u.maxRSS;
  try { const m = /VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8')); if (m) kb = Number(m[1]); } catch {}
  fs.writeFileSync(process.env.JALAD_BENCH_RSS, kb * 1024 + ' ' + (u.userCPUTime + u.systemCPUTime) / 1e6);
});
`;
