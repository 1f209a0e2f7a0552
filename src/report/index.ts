/** Tables, CSV, JSON, Markdown and HTML reports. */
export { renderCutTable, formatShape, formatCount, formatBytes } from './cut-table';
