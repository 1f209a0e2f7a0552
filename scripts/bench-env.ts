/** What several benchmark scripts share: their flags and the machine's load printed beside figures. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

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

/** The `node --require` hook that records a child's peak memory and CPU time (rss-on-exit.ts, built beside this file). */
export const USAGE_HOOK = path.join(__dirname, 'rss-on-exit.js');

/** The variables that make USAGE_HOOK write a child's figures into `dir` (read back by `readUsage`). */
export function usageEnv(dir: string): Record<string, string> {
  return { JALAD_RSS_FILE: path.join(dir, 'rss.txt'), JALAD_CPU_FILE: path.join(dir, 'cpu.txt') };
}

/** What USAGE_HOOK wrote into `dir` (undefined where the child died first), removed once read. */
export function readUsage(dir: string): { peakBytes?: number; cpuSeconds?: number } {
  const { JALAD_RSS_FILE: rss, JALAD_CPU_FILE: cpu } = usageEnv(dir);
  const read = (file: string) => (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : undefined);
  const kb = read(rss);
  const ms = read(cpu);
  fs.rmSync(rss, { force: true });
  fs.rmSync(cpu, { force: true });
  return {
    ...(kb !== undefined ? { peakBytes: kb * 1024 } : {}),
    ...(ms !== undefined ? { cpuSeconds: ms / 1000 } : {}),
  };
}

/**
 * CPU time of the calling thread alone, ms: the first field of Linux's /proc/thread-self/schedstat
 * (nanoseconds on a CPU). Why not `process.cpuUsage()`: on Node 20 it is the whole process, so V8's
 * compiler and garbage-collector threads count in a timed loop's CPU time (session 10 saw a decode
 * row at 117 MB/s by process CPU and 184 by wall clock on an idle machine); Node 23's
 * `process.threadCpuUsage` is not here. NOTE: the kernel advances it in scheduler ticks (4 ms on
 * this machine: a read does not bring it up to date), so time windows of hundreds of ms with it, not
 * single short runs. Undefined where the file is missing (not Linux, or a kernel
 * without scheduler statistics): callers then fall back to the process's CPU time.
 */
export function threadCpuMs(): number | undefined {
  try {
    const ns = Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/** Which CPU clock `cpuClockMs` reads, for a benchmark's header. */
export const CPU_CLOCK_TEXT =
  threadCpuMs() !== undefined
    ? "this thread's CPU time (/proc/thread-self/schedstat)"
    : "the process's CPU time";

/** The process's CPU time in ms (user + system, all threads; microseconds, exact at any length). */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU time in ms: the thread's own when the kernel tells it (tick-granular, above), else the process's. */
export function cpuClockMs(): number {
  return threadCpuMs() ?? processCpuMs();
}
