/** How `analyze` and `merge` finish: analysis.json and the reports in --out, then the analysis on stdout. */
import * as path from 'path';
import type { Analysis } from '../src/core/analysis';
import { analysisText } from '../src/pipeline/command-text';
import { writeReports } from '../src/report';
import { printJson } from './output';

/** Writes analysis.json and every report into `out`, then prints the analysis (JSON or tables). */
export async function writeAndPrintAnalysis(
  analysis: Analysis,
  out: string,
  json: boolean | undefined,
): Promise<void> {
  const [file, ...reports] = await writeReports(analysis, out, {
    commandLine: analysis.commandLine,
    flag: '--out',
  });
  if (json) printJson(analysis);
  else
    process.stdout.write(
      `${analysisText(analysis, process.stdout.columns)}analysis written to ${file}; ` +
        `reports: ${reports.map((r) => path.basename(r)).join(', ')}\n`,
    );
}
