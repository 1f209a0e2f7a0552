/** Tables, CSV, JSON, Markdown and HTML reports. */
export {
  renderCutTable,
  formatShape,
  formatCount,
  formatBytes,
  formatFlops,
  formatMs,
  MAX_TERMINAL_CUT_ROWS,
  MAX_TERMINAL_EXTRA_TENSORS,
} from './cut-table';
export { renderProfile, type ProfileTableInput } from './profile-table';
export { renderSweepTable } from './sweep-table';
export { renderDecisionTable } from './decision-table';
export { latencyFormulaText } from './latency-model';
export {
  lossBudget,
  withinBudget,
  sweepByCut,
  smallestBitsWithinBudget,
  type LossBudget,
  type LossBudgetSource,
} from './loss-budget';
export {
  comparePlans,
  hasTimes,
  reportBandwidthsMbps,
  type PlanComparison,
  type Strategy,
  type StrategyLatency,
} from './plan-comparison';
export { msText, kbText, mbpsText, ppText, speedupText, bitsText } from './report-format';
export {
  cutPointsCsv,
  sweepCsv,
  latencyCsv,
  nodesCsv,
  decisionsCsv,
  renderCsv,
  renderCsvFiles,
  type CsvTable,
} from './csv';
export { renderMarkdown } from './markdown';
export { renderHtml, escapeHtml } from './html';
export {
  reportCharts,
  latencyAlongNetworkChart,
  sizePerCutChart,
  lossHeatmapChart,
  latencyVsBandwidthChart,
  decisionRegionsChart,
  CURVE_RANGE_MBPS,
  type ChartFigure,
  type ChartId,
} from './chart-specs';
export { renderSvg, scopeSvgIds, type RenderedSvg } from './svg-render';
export {
  terminalColumns,
  truncateMiddle,
  tableOverhead,
  flexColumnWidth,
  DEFAULT_TERMINAL_COLUMNS,
  ELLIPSIS,
} from './terminal';
export { renderReportFiles, writeReportFiles, writeReports, type ReportFile } from './write-reports';
export type { ReportOptions } from './report-options';
export { checkReportable } from './report-input';
