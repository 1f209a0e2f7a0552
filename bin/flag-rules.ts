/** Flags that do not apply to what a command was asked to do are errors, not silently ignored. */
import type { Command } from 'commander';
import { InputError } from '../src/core/errors';

/**
 * Throws a usage error (exit 2) naming the first of `flags` that the user gave on the command line.
 *
 * @param flags long flag names, e.g. ['--bits', '--max-loss']
 * @param why what the flags would need, e.g. 'apply to the solved split only (without --cut)'
 */
export function rejectGiven(cmd: Command, flags: readonly string[], why: string): void {
  for (const flag of flags) {
    const option = cmd.options.find((o) => o.long === flag);
    if (option && cmd.getOptionValueSource(option.attributeName()) === 'cli')
      throw new InputError('BAD_OPTION', `${flag}: does not apply here: it ${why}`);
  }
}
