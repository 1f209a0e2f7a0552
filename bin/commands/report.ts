/** `jalad report`: re-render the reports of an analysis.json (no recomputation). */
import * as path from 'path';
import { Command } from 'commander';
import { analysisText } from '../../src/pipeline/command-text';
import { readAnalysisFile } from '../../src/pipeline/read-analysis';
import { writeReports } from '../../src/report';
import { commandLine, printJson } from '../output';
import { withOutputFlags, type OutputFlags } from '../common-flags';

interface ReportFlags extends OutputFlags {
  out?: string;
}

/** Builds the `report` command. */
export function reportCommand(): Command {
  const cmd = new Command('report')
    .description(
      're-render the reports of an analysis: terminal tables, CSV, Markdown and a self-contained HTML file with charts',
    )
    .argument('[analysis]', 'analysis.json written by `jalad analyze`', 'jalad-out/analysis.json')
    .option(
      '--out <dir>',
      "folder for report.md, report.html and the CSV files, with a copy of analysis.json (default: the analysis's own folder)",
    );
  return withOutputFlags(cmd, 'print the list of files written as JSON', false)
    .addHelpText(
      'after',
      `
Every number comes from analysis.json; nothing is measured again.

Example:
  jalad report jalad-out/analysis.json --out paper/figures`,
    )
    .action(async (file: string, flags: ReportFlags) => {
      const { analysis, text } = readAnalysisFile(file);
      const written = await writeReports(analysis, flags.out ?? path.dirname(file), {
        commandLine: analysis.commandLine ?? `(not recorded; re-rendered by: ${commandLine()})`,
        analysisText: text,
        flag: flags.out ? '--out' : undefined,
      });
      if (flags.json) {
        printJson({ files: written });
        return;
      }
      process.stdout.write(
        `${analysisText(analysis, process.stdout.columns)}reports written: ${written.join(', ')}\n`,
      );
    });
}
