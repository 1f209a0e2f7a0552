/**
 * Flags several commands share, declared once: the output flags (--json, --quiet), the flags of
 * measuring this machine (--threads, --runs, --warmup), the network's --rtt and the model-input
 * flags (--input-shape, --inputs). Each command words the help for what the flag does there.
 */
import type { Command } from 'commander';
import { DEFAULT_RTT_MS, PROFILE_DEFAULTS } from '../src/core/defaults';
import { FLAG_RANGES, INPUTS_HELP, parseInputShape, parseInRange } from './parsers';
import { progressReporter } from './output';

/** Values of the output flags. */
export interface OutputFlags {
  json?: boolean;
  quiet?: boolean;
}

/**
 * Adds --json (what it prints, in `jsonHelp`) and, unless `quiet` is false, -q/--quiet.
 * @example withOutputFlags(cmd, 'print the profile as JSON on stdout')
 */
export function withOutputFlags(cmd: Command, jsonHelp: string, quiet = true): Command {
  cmd.option('--json', jsonHelp);
  return quiet ? cmd.option('-q, --quiet', 'no progress messages on stderr') : cmd;
}

/** Progress on stderr unless --quiet, or --json (stdout then holds only the document). */
export function progressOf(flags: OutputFlags): (message: string) => void {
  return progressReporter(!!flags.quiet || !!flags.json);
}

/** Values of the measuring flags. */
export interface MeasureFlags {
  threads: number;
  runs: number;
  warmup: number;
}

/**
 * Adds --threads, --runs and --warmup for measuring this machine (ranges and defaults from one
 * place); `help` words each for the command. Leave `threads` out for a command that sets threads
 * per part.
 */
export function withMeasureFlags(
  cmd: Command,
  help: { readonly threads?: string; readonly runs: string; readonly warmup: string },
): Command {
  if (help.threads !== undefined)
    cmd.option('--threads <n>', help.threads, parseInRange(FLAG_RANGES.threads), PROFILE_DEFAULTS.threads);
  return cmd
    .option('--runs <n>', help.runs, parseInRange(FLAG_RANGES.runs), PROFILE_DEFAULTS.runs)
    .option('--warmup <n>', help.warmup, parseInRange(FLAG_RANGES.warmup), PROFILE_DEFAULTS.warmup);
}

/** Adds --rtt, the network round-trip time in ms. */
export function withRttFlag(cmd: Command, help: string): Command {
  return cmd.option('--rtt <ms>', help, parseInRange(FLAG_RANGES.rttMs), DEFAULT_RTT_MS);
}

/** Values of the model-input flags. */
export interface InputFlags {
  inputShape?: Map<string, number[]>;
  inputs?: string;
}

/** The usual help of --input-shape. */
export const INPUT_SHAPE_HELP =
  'shape of an input with symbolic dimensions other than the batch, e.g. input=1x3x224x224 (repeatable)';

/** Adds --input-shape (repeatable) and --inputs; `help` rewords either for the command. */
export function withInputFlags(
  cmd: Command,
  help: { readonly inputShape?: string; readonly inputs?: string } = {},
): Command {
  return cmd
    .option('--input-shape <name=dims>', help.inputShape ?? INPUT_SHAPE_HELP, parseInputShape)
    .option('--inputs <path>', help.inputs ?? INPUTS_HELP);
}
