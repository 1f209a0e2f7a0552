/** Options shared by the Markdown and HTML reports and `writeReports`. */
export interface ReportOptions {
  /** The command line that produced the analysis, printed verbatim (e.g. "jalad analyze vgg.onnx --data ..."). */
  readonly commandLine?: string;
}
