/**
 * Writing an analysis and its reports into a folder: analysis.json, report.md, report.html and one
 * CSV per table, as one output set (all or nothing, replacing only an earlier jalad set; see
 * src/core/output-set.ts).
 */
import { analysisJsonText, type Analysis } from '../core/analysis';
import { writeOutputSet } from '../core/output-set';
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

/** Options of `writeReports`. */
export interface WriteReportsOptions extends ReportOptions {
  /** The analysis as its file holds it, written unchanged as analysis.json (default: the analysis serialised). */
  readonly analysisText?: string;
  /** How the user named the folder, for messages (e.g. "--out"). */
  readonly flag?: string;
}

/**
 * Writes analysis.json and the rendered report files into `dir` as one output set: either every
 * file appears or none does, and files of an earlier run that this one does not write are gone.
 *
 * @returns the paths written, analysis.json first
 */
export function writeReportFiles(
  analysisText: string,
  files: readonly ReportFile[],
  dir: string,
  flag?: string,
): string[] {
  return writeOutputSet(
    dir,
    [{ name: 'analysis.json', data: analysisText }, ...files.map((f) => ({ name: f.name, data: f.text }))],
    { flag },
  );
}

/**
 * Renders every report of an analysis and writes them with analysis.json into `dir` (see
 * `renderReportFiles` for the files), all or nothing. Every renderer runs before anything is
 * written, so a failing renderer leaves the previous set untouched.
 *
 * NOTE: asynchronous, unlike the rest of the writers, because Vega renders the charts asynchronously.
 *
 * @param options.commandLine the command that produced the analysis, shown in report.md and report.html
 * @returns the paths written, analysis.json first
 * @throws InputError `BAD_ANALYSIS` for an analysis of an unknown version or without cut points;
 *   `BAD_OUTPUT` when `dir` is not jalad's to replace or cannot be written
 * @example const paths = await writeReports(analysis, 'jalad-out', { commandLine: process.argv.join(' ') });
 */
export async function writeReports(
  analysis: Analysis,
  dir: string,
  options: WriteReportsOptions = {},
): Promise<string[]> {
  const files = await renderReportFiles(analysis, options);
  const text = options.analysisText ?? analysisJsonText(analysis);
  return writeReportFiles(text, files, dir, options.flag);
}
