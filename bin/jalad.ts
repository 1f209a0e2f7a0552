#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=1048576 node
/**
 * jalad's command line: parse flags, call src/, print. No logic lives here.
 * Exit codes: 0 ok, 1 the work failed, 2 bad input or usage (one line on stderr).
 *
 * NOTE: the first line fixes glibc's mmap threshold at 1 MiB for jalad's process (other C libraries
 * ignore the variable). By default glibc raises the threshold each time a large block is freed, after
 * which ONNX Runtime's weight buffers come from the heap and stay with the process when a session
 * closes: two halves of ResNet-50 opened and closed in turn left 184 MiB resident against 70 before;
 * with the threshold fixed, 103 (docs/profiler.md, "Memory"). It is read when the process starts, so
 * only the launcher can set it; `node dist/bin/jalad.js` runs without it.
 */
import { Command, CommanderError } from 'commander';
import { InputError, JaladError } from '../src/core/errors';
import { JALAD_VERSION } from '../src/core/version';
import { fsErrorText, systemErrorCode } from '../src/core/fs-errors';
import { oneLine } from '../src/core/one-line';
import { analyzeCommand } from './commands/analyze';
import { splitCommand } from './commands/split';
import { profileCommand } from './commands/profile';
import { benchCommand } from './commands/bench';
import { evalCommand } from './commands/eval';
import { simulateCommand } from './commands/simulate';
import { reportCommand } from './commands/report';
import { serveCommand } from './commands/serve';
import { runCommand } from './commands/run';
import { mergeCommand } from './commands/merge';
import { setRuntimeVerbose } from '../src/runtime';

// Commander puts "(Did you mean ...?)" on a second line, and a flag's value may hold a line break:
// keep every error to one line.
const ONE_LINE_ERRORS = {
  outputError: (text: string, write: (s: string) => void) => write(`${oneLine(text)}\n`),
};

function program(): Command {
  const p = new Command('jalad')
    .description(
      'Decide where to cut a deep neural network between an edge device and the cloud (JALAD, ICPADS 2018), for any ONNX model.',
    )
    .version(JALAD_VERSION)
    .option('--verbose', "show ONNX Runtime's own log messages (warnings, errors) on stderr")
    .showSuggestionAfterError(true)
    .configureOutput(ONE_LINE_ERRORS)
    .addHelpText(
      'after',
      `
Units: bandwidth in Mbps, time in ms, accuracy loss in percentage points, sizes in bytes.
Exit codes: 0 ok, 1 the work failed (e.g. no plan meets the budget), 2 bad input or usage.`,
    );
  for (const c of [
    analyzeCommand(),
    splitCommand(),
    profileCommand(),
    benchCommand(),
    evalCommand(),
    simulateCommand(),
    reportCommand(),
    serveCommand(),
    runCommand(),
    mergeCommand(),
  ]) {
    p.addCommand(c.exitOverride().configureOutput(ONE_LINE_ERRORS));
  }
  // ONNX Runtime's log level is process-wide and read at the first session: set it before any action.
  p.hook('preAction', (root) => setRuntimeVerbose(!!root.opts().verbose));
  return p.exitOverride();
}

/**
 * Runs the command line on `argv` (node, script, args...) and returns the exit code; errors are
 * one line on stderr. Exported for in-process tests (the fuzz test); the process entry is below.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its one-line message (or the help/version).
      return err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
        ? 0
        : 2;
    }
    if (err instanceof JaladError) {
      process.stderr.write(`jalad: ${oneLine(err.message)}\n`);
      return err instanceof InputError ? 2 : 1;
    }
    const code = systemErrorCode(err);
    const file = (err as { path?: unknown }).path;
    if (code && typeof file === 'string') {
      // A filesystem error no check foresaw: still one line naming the path; jalad's own failure.
      process.stderr.write(`jalad: ${oneLine(fsErrorText(file, err))}\n`);
      return 1;
    }
    throw err; // a bug: keep the stack trace
  }
}

if (require.main === module) {
  // A closed stdout (`jalad analyze m.onnx --json | head -c 10`) is the reader's choice: every file
  // is written before anything is printed, so stop quietly. Any other stdout failure (a full disk
  // behind a redirect) is the user's destination: one line, exit 2.
  process.stdout.on('error', (err) => {
    if (systemErrorCode(err) === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`jalad: ${fsErrorText('stdout', err)}\n`);
    process.exit(2);
  });
  process.stderr.on('error', () => undefined);

  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
