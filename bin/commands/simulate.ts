/** `jalad simulate`: replay a bandwidth trace; static vs adaptive decoupling vs edge-only vs cloud-only. */
import { Command } from 'commander';
import { InputError } from '../../src/core/errors';
import { simulationText } from '../../src/pipeline/command-text';
import { simulateTraceFile } from '../../src/pipeline/output-files';
import { printJson } from '../output';
import { withOutputFlags, type OutputFlags } from '../common-flags';

interface SimulateFlags extends OutputFlags {
  trace?: string;
  analysis: string;
}

/** Builds the `simulate` command. */
export function simulateCommand(): Command {
  const cmd = new Command('simulate')
    .description(
      'replay a bandwidth trace frame by frame and compare static decoupling, adaptive switching (JALAD), edge-only and cloud-only',
    )
    .option(
      '--trace <csv>',
      'bandwidth trace: a header line, then "time_s,mbps" rows (see experiments/traces/)',
    )
    .option(
      '--analysis <file>',
      'analysis written by `jalad analyze` (its decision table is used)',
      'jalad-out/analysis.json',
    );
  return withOutputFlags(cmd, 'print the result as JSON', false)
    .addHelpText(
      'after',
      `
Per frame, latency = fixed ms of the plan + bytes*8 / bandwidth. Static keeps the plan that
is best at the trace's mean bandwidth; adaptive takes, at every frame, the decision-table
plan for the bandwidth measured at the previous frame (the first frame uses its own).
Edge-only and cloud-only send raw float32 outputs / inputs. Times in ms.

Example:
  jalad simulate --trace experiments/traces/4g.csv --analysis jalad-out/analysis.json`,
    )
    .action((flags: SimulateFlags) => {
      if (!flags.trace) throw new InputError('BAD_OPTION', 'simulate: --trace FILE.csv is required');
      const result = simulateTraceFile(flags.trace, flags.analysis);
      if (flags.json) printJson(result);
      else process.stdout.write(simulationText(flags.trace, result));
    });
}
