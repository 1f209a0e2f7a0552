/** `jalad simulate`: replay a bandwidth trace; static vs adaptive decoupling vs edge-only vs cloud-only. */
import * as fs from 'fs';
import { Command } from 'commander';
import Table from 'cli-table3';
import { InputError } from '../../src/core/errors';
import { parseTrace, simulateTrace } from '../../src/ilp';
import { readAnalysis } from '../../src/pipeline/read-analysis';
import { printJson } from '../output';

interface SimulateFlags {
  trace?: string;
  analysis: string;
  json?: boolean;
}

/** Builds the `simulate` command. */
export function simulateCommand(): Command {
  return new Command('simulate')
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
    )
    .option('--json', 'print the result as JSON')
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
      let text: string;
      try {
        text = fs.readFileSync(flags.trace, 'utf8');
      } catch {
        throw new InputError('BAD_PATH', `--trace ${flags.trace}: no such file`);
      }
      const result = simulateTrace(readAnalysis(flags.analysis), parseTrace(text, flags.trace));
      if (flags.json) {
        printJson(result);
        return;
      }
      const t = new Table({
        head: ['strategy', 'mean ms', 'p95 ms', 'plan switches'],
        style: { head: [], border: [] },
      });
      for (const s of result.strategies)
        t.push([
          s.strategy,
          s.meanMs.toFixed(3),
          s.p95Ms.toFixed(3),
          s.strategy === 'adaptive' ? s.switches : '-',
        ]);
      process.stdout.write(
        `${flags.trace}: ${result.frames} frames, mean ${result.meanMbps.toFixed(2)} Mbps\n${t.toString()}\n`,
      );
    });
}
