/** What every command prints: JSON on stdout, or human text; progress on stderr. */

/** Prints a machine-readable document (stable names, see docs/formats.md). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Progress on stderr, so stdout stays clean for --json and pipes. */
export function progressReporter(quiet: boolean): (message: string) => void {
  return quiet ? () => undefined : (message: string) => process.stderr.write(`jalad: ${message}\n`);
}

/** The command line that is running, as a user would retype it (recorded in reports). */
export function commandLine(): string {
  return ['jalad', ...process.argv.slice(2)]
    .map((a) => (/^[\w./=:,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`))
    .join(' ');
}
