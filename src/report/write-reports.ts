/**
 * Writing the reports of an analysis into a folder: report.md, report.html and one CSV per table,
 * all or nothing (written to temporary files first, then renamed into place).
 */
import * as path from 'path';
import type { Analysis } from '../core/analysis';
import { writeFilesAtomic } from '../core/atomic-write';
import { renderCsvFiles } from './csv';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import type { ReportOptions } from './report-options';

/** One report file, in memory. */
export interface ReportFile {
  /** File name inside the output folder, e.g. "report.html". */
  readonly name: string;
  readonly text: string;
}

/**
 * Renders every report of an analysis in memory: report.md, report.html, cut-points.csv, and
 * sweep.csv, latency.csv, nodes.csv, decisions.csv when the analysis has that data.
 */
export async function renderReportFiles(
  analysis: Analysis,
  options: ReportOptions = {},
): Promise<ReportFile[]> {
  return [
    { name: 'report.md', text: renderMarkdown(analysis, options) },
    { name: 'report.html', text: await renderHtml(analysis, options) },
    ...renderCsvFiles(analysis),
  ];
}

/**
 * Writes rendered report files into `dir` (created if needed) atomically: either every file appears
 * or none does.
 *
 * @returns the paths written, in the order of `files`
 */
export function writeReportFiles(files: readonly ReportFile[], dir: string): string[] {
  const out = files.map((f) => ({ path: path.join(dir, f.name), data: f.text }));
  writeFilesAtomic(out);
  return out.map((f) => f.path);
}

/**
 * Renders and writes every report of an analysis into `dir` (see `renderReportFiles` for the files).
 *
 * NOTE: asynchronous, unlike the rest of the writers, because Vega renders the charts asynchronously.
 *
 * @param options.commandLine the command that produced the analysis, shown in report.md and report.html
 * @returns the paths written
 * @throws InputError `BAD_ANALYSIS` for an analysis of an unknown version or without cut points
 * @example const paths = await writeReports(analysis, 'jalad-out', { commandLine: process.argv.join(' ') });
 */
export async function writeReports(
  analysis: Analysis,
  dir: string,
  options: ReportOptions = {},
): Promise<string[]> {
  return writeReportFiles(await renderReportFiles(analysis, options), dir);
}
