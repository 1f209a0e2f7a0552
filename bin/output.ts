/** What every command prints: JSON on stdout, or human text; progress on stderr. */

/** Prints a machine-readable document (stable names, see DESIGN.md). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Progress on stderr, so stdout stays clean for --json and pipes. */
export function progressReporter(quiet: boolean): (message: string) => void {
  return quiet ? () => undefined : (message: string) => process.stderr.write(`jalad: ${message}\n`);
}
