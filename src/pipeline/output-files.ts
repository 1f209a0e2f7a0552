/**
 * Files the commands write or read besides models and analyses: a device profile, a bandwidth
 * trace. Outputs go through the output-set rules (src/core/output-set.ts): checked before the
 * work, written atomically.
 */
import * as fs from 'fs';
import { InputError } from '../core/errors';
import { checkOutputFile, writeOutputFile } from '../core/output-set';
import { parseTrace, simulateTrace, type SimulationResult } from '../ilp';
import { profileModelFile, type DeviceProfile, type MeasureOptions } from '../profiler';
import { readAnalysis } from './read-analysis';

/**
 * Measures this machine on the model in `modelPath` and writes the device profile to `file`
 * (checked first, so a bad path fails before minutes of measuring).
 * @throws InputError 'BAD_OUTPUT' naming `--out` when `file` cannot be written
 */
export async function profileToFile(
  modelPath: string,
  options: MeasureOptions & { readonly inputs?: string },
  file: string,
): Promise<DeviceProfile> {
  checkOutputFile(file, { flag: '--out' });
  const profile = await profileModelFile(modelPath, options);
  writeOutputFile(file, JSON.stringify(profile, null, 2) + '\n', { flag: '--out' });
  return profile;
}

/**
 * Replays the bandwidth trace in `tracePath` against the decision table of the analysis in
 * `analysisPath`.
 * @throws InputError 'BAD_PATH' naming the trace when it cannot be read
 */
export function simulateTraceFile(tracePath: string, analysisPath: string): SimulationResult {
  let text: string;
  try {
    text = fs.readFileSync(tracePath, 'utf8');
  } catch {
    throw new InputError('BAD_PATH', `--trace ${tracePath}: no such file`);
  }
  return simulateTrace(readAnalysis(analysisPath), parseTrace(text, tracePath));
}
