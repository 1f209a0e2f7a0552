/** Reading analysis.json back, with the checks `jalad split` and reports need. */
import * as fs from 'fs';
import { ANALYSIS_VERSION, type Analysis } from '../core/analysis';
import { checkAnalysis } from '../core/check-analysis';
import { InputError } from '../core/errors';

/**
 * Reads and checks an analysis file.
 * @throws InputError 'BAD_ANALYSIS' when it is missing, not JSON, or of an unknown version
 */
export function readAnalysis(file: string): Analysis {
  return readAnalysisFile(file).analysis;
}

/** Reads and checks an analysis file, returning its text too (to copy it unchanged). */
export function readAnalysisFile(file: string): { readonly analysis: Analysis; readonly text: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError(
      'BAD_ANALYSIS',
      `${file}: no such file; run \`jalad analyze model.onnx --out DIR\` first, or pass --analysis`,
    );
  }
  let a: Analysis;
  try {
    a = JSON.parse(text) as Analysis;
  } catch (err) {
    throw new InputError('BAD_ANALYSIS', `${file}: not valid JSON (${(err as Error).message})`);
  }
  if (
    typeof a !== 'object' ||
    a === null ||
    typeof a.version !== 'number' ||
    !a.model ||
    !Array.isArray(a.cutPoints)
  ) {
    throw new InputError('BAD_ANALYSIS', `${file}: not a jalad analysis (no version, model or cutPoints)`);
  }
  if (a.version !== ANALYSIS_VERSION) {
    throw new InputError(
      'BAD_ANALYSIS',
      `${file}: analysis version ${a.version} is not one this jalad reads (${ANALYSIS_VERSION}); run \`jalad analyze\` again`,
    );
  }
  return { analysis: checkAnalysis(a, file), text };
}
