/** What several benchmark scripts share: their flags and the machine's load printed beside figures. */
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
