/** Tables, CSV, JSON, Markdown and HTML reports. */
export { renderCutTable, formatShape, formatCount, formatBytes, formatFlops, formatMs } from './cut-table';
export { renderProfile } from './profile-table';
export { renderSweepTable } from './sweep-table';
export { renderDecisionTable } from './decision-table';
