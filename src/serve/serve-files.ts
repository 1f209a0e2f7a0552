/** `jalad serve` in one call: load the plans of a plan directory or an analysis, start the server. */
import { InputError } from '../core/errors';
import { loadAnalysisPlans, loadPlanDir } from './load-plans';
import type { ServedPlan } from './served-plan';
import { startServer, type ServerHandle, type ServerOptions } from './server';

/** Options of `serveFiles`. */
export interface ServeFilesOptions extends ServerOptions {
  readonly planDir?: string;
  readonly analysisPath?: string;
  /** With analysisPath: shapes of inputs with symbolic dimensions (`--input-shape`). */
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
}

/** The running server and the plans it holds. */
export interface ServeFilesResult {
  readonly server: ServerHandle;
  readonly plans: readonly ServedPlan[];
}

/**
 * Loads the plans and starts serving them.
 * @throws InputError BAD_OPTION unless exactly one of planDir and analysisPath is given
 */
export async function serveFiles(options: ServeFilesOptions): Promise<ServeFilesResult> {
  if (!options.planDir === !options.analysisPath)
    throw new InputError('BAD_OPTION', 'jalad serve: give --plan DIR or --analysis FILE (one of them)');
  const plans = options.planDir
    ? [loadPlanDir(options.planDir)]
    : await loadAnalysisPlans(options.analysisPath!, { inputShapes: options.inputShapes });
  const server = await startServer(plans, options);
  return { server, plans };
}
