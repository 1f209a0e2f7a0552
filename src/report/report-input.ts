/** Validation of the analysis every report entry point receives (an error names where, what, and the value received). */
import { ANALYSIS_VERSION, type Analysis } from '../core/analysis';
import { InputError } from '../core/errors';

/**
 * Checks that `analysis` is one the reports can render: a known version and at least one cut point.
 *
 * @param where the public function, named in the message (e.g. "renderHtml")
 * @throws InputError `BAD_ANALYSIS` otherwise
 */
export function checkReportable(analysis: Analysis, where: string): void {
  if (typeof analysis !== 'object' || analysis === null) {
    throw new InputError(
      'BAD_ANALYSIS',
      `${where}: expected an analysis object, got ${analysis === null ? 'null' : typeof analysis}`,
    );
  }
  if (analysis.version !== ANALYSIS_VERSION) {
    throw new InputError(
      'BAD_ANALYSIS',
      `${where}: analysis version ${String(analysis.version)} is not one this jalad renders (${ANALYSIS_VERSION})`,
    );
  }
  if (!Array.isArray(analysis.cutPoints) || analysis.cutPoints.length === 0) {
    throw new InputError(
      'BAD_ANALYSIS',
      `${where}: the analysis has no cut points (cutPoints: ${JSON.stringify(analysis.cutPoints)})`,
    );
  }
}
