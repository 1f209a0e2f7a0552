/**
 * Loading a user metric module (`--metric PATH.js` or `.mjs`): a file exporting
 * `score(split, unsplit, label)` that scores one sample in [0, 1] (docs/metrics.md). Loaded in the
 * main thread and in every sweep worker thread, each its own copy.
 */
import * as fs from 'fs';
import { pathToFileURL } from 'url';
import { InputError } from '../core/errors';
import { oneLine } from '../core/one-line';

/** What a metric module provides. */
export interface UserMetric {
  /** Scores one sample; the caller checks the value (metric.ts). */
  readonly score: (split: unknown, unsplit: unknown, label: number | undefined) => unknown;
  /** The module's `description` export: one line on what its score means. */
  readonly description?: string;
}

/**
 * A real dynamic `import()`.
 * NOTE: built from a string because this package compiles to CommonJS, where TypeScript turns
 * `import()` into `require()`, which cannot load an ES module (.mjs) on Node 20.
 */
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

/** The module's exports: `require` for CommonJS, `import()` for ES modules. */
async function exportsOf(file: string): Promise<unknown> {
  if (file.toLowerCase().endsWith('.mjs')) return importModule(pathToFileURL(file).href);
  try {
    return require(file);
  } catch (error) {
    // An ES module in a .js file (Node's module detection, or "type": "module" beside it).
    if ((error as { code?: string }).code === 'ERR_REQUIRE_ESM')
      return importModule(pathToFileURL(file).href);
    throw error;
  }
}

/**
 * Loads a metric module.
 * @param file its absolute path
 * @param given the path as the user gave it (messages name it)
 * @throws InputError 'BAD_PATH' when the file does not exist; 'BAD_OPTION' when it fails to load or
 *   exports no `score` function
 */
export async function loadUserMetric(file: string, given: string): Promise<UserMetric> {
  const role = `--metric ${given}`;
  if (!fs.existsSync(file)) throw new InputError('BAD_PATH', `${role}: no such file`);
  if (!fs.statSync(file).isFile()) throw new InputError('BAD_PATH', `${role}: not a file`);
  let mod: unknown;
  try {
    mod = await exportsOf(file);
  } catch (error) {
    throw new InputError(
      'BAD_OPTION',
      oneLine(`${role}: the module failed to load: ${(error as Error).message}`),
    );
  }
  const m = (mod ?? {}) as { score?: unknown; description?: unknown; default?: { score?: unknown } };
  const score = typeof m.score === 'function' ? m.score : m.default?.score;
  if (typeof score !== 'function')
    throw new InputError(
      'BAD_OPTION',
      `${role}: the module exports no function "score" (export function score(split, unsplit, label) { ... })`,
    );
  const description = typeof m.description === 'string' ? oneLine(m.description).trim() : undefined;
  return {
    score: score as UserMetric['score'],
    ...(description ? { description } : {}),
  };
}
