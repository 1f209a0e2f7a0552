/**
 * `--metric NAME`: the metrics a loss can be measured in, parsed from their names, with the
 * definition every output states (docs/metrics.md). Plain data only: the spec crosses to the
 * sweep's worker threads, which load the scoring from it (metric.ts).
 */
import * as path from 'path';
import { InputError } from '../core/errors';
import { AGREEMENT_DEFINITION, TOP1_DEFINITION, type MetricInfo } from '../core/metric-info';

/** A metric by name. `module` holds a user module's absolute path and the name as given. */
export type MetricSpec =
  | { readonly kind: 'top1' }
  | { readonly kind: 'top5' }
  | { readonly kind: 'agreement' }
  | { readonly kind: 'cosine'; readonly threshold: number }
  | { readonly kind: 'pixel'; readonly threshold: number | 'argmax' }
  | { readonly kind: 'module'; readonly path: string; readonly given: string };

/** The names `--metric` takes, for help texts. */
export const METRIC_NAMES_HELP =
  'top1 (default with --labels), top5, agreement (default without labels), cosine:T, pixel:T, pixel:argmax, ' +
  'or PATH.js/.mjs (a module exporting score(split, unsplit, label) in [0, 1]); see docs/metrics.md';

const MODULE_RE = /\.(c|m)?js$/i;

function bad(text: string, why: string): never {
  throw new InputError('BAD_OPTION', `--metric ${text}: ${why}`);
}

/** A threshold after `name:`, a finite number. */
function threshold(text: string, value: string, low: number, high: number): number {
  const v = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(v) || v < low || v > high)
    bad(text, `the threshold "${value}" is not a number in [${low}, ${high}]`);
  return v;
}

/**
 * Parses a `--metric` value.
 * @param cwd a module path is resolved against it
 * @example parseMetric('cosine:0.999') // { kind: 'cosine', threshold: 0.999 }
 * @throws InputError 'BAD_OPTION' naming the value for an unknown name or a bad threshold
 */
export function parseMetric(text: string, cwd: string = process.cwd()): MetricSpec {
  const t = text.trim();
  if (MODULE_RE.test(t)) return { kind: 'module', path: path.resolve(cwd, t), given: t };
  if (t === 'top1' || t === 'top5' || t === 'agreement') return { kind: t };
  const colon = t.indexOf(':');
  const head = colon < 0 ? t : t.slice(0, colon);
  const value = colon < 0 ? undefined : t.slice(colon + 1);
  if (head === 'cosine') {
    if (value === undefined) bad(text, 'give the threshold, e.g. cosine:0.999');
    return { kind: 'cosine', threshold: threshold(text, value, -1, 1) };
  }
  if (head === 'pixel') {
    if (value === undefined) bad(text, 'give a threshold or argmax, e.g. pixel:0.5 or pixel:argmax');
    if (value.trim() === 'argmax') return { kind: 'pixel', threshold: 'argmax' };
    return { kind: 'pixel', threshold: threshold(text, value, -Number.MAX_VALUE, Number.MAX_VALUE) };
  }
  return bad(text, `unknown metric; expected ${METRIC_NAMES_HELP}`);
}

/** The metric's name as outputs record it (a module: the path as given). */
export function metricName(spec: MetricSpec): string {
  switch (spec.kind) {
    case 'cosine':
      return `cosine:${spec.threshold}`;
    case 'pixel':
      return `pixel:${spec.threshold}`;
    case 'module':
      return spec.given;
    default:
      return spec.kind;
  }
}

/** The definitions outputs state, by kind (docs/metrics.md states the same). */
function definitionOf(spec: MetricSpec, description?: string): string {
  switch (spec.kind) {
    case 'top1':
      return TOP1_DEFINITION;
    case 'top5':
      return "score 1 when the label is among the first output's 5 highest scores; loss = unsplit minus split top-5 accuracy, pp";
    case 'agreement':
      return AGREEMENT_DEFINITION;
    case 'cosine':
      return (
        `score 1 when the cosine similarity of the split and unsplit outputs (all outputs, flattened) is >= ${spec.threshold}; ` +
        `loss = share of samples below ${spec.threshold}, pp`
      );
    case 'pixel':
      return spec.threshold === 'argmax'
        ? "score = share of positions whose argmax over the first output's channel axis (axis 1) equals the unsplit's; " +
            'loss = 100 x (1 - mean score), pp'
        : `score = share of the first output's elements on the same side of ${spec.threshold} (value > ${spec.threshold}) ` +
            'as the unsplit output; loss = 100 x (1 - mean score), pp';
    case 'module':
      return (
        `score = ${description ? `${description} (` : ''}score(split, unsplit, label) of ${spec.given}${description ? ')' : ''}, ` +
        'in [0, 1]; loss = mean unsplit score minus mean split score, pp'
      );
  }
}

/**
 * What outputs record about a metric.
 * @param description a user module's `description` export, if any
 */
export function metricInfo(spec: MetricSpec, description?: string): MetricInfo {
  return {
    name: metricName(spec),
    definition: definitionOf(spec, description),
    outcome: spec.kind === 'pixel' || spec.kind === 'module' ? 'score' : 'pass-fail',
    usesLabels: spec.kind === 'top1' || spec.kind === 'top5' || spec.kind === 'module',
  };
}

/**
 * The metric a command uses: the one given, else top1 with labels and agreement without.
 * @throws InputError 'BAD_OPTION' for top1 or top5 without labels
 */
export function chooseMetric(spec: MetricSpec | undefined, labelled: boolean): MetricSpec {
  if (spec === undefined) return { kind: labelled ? 'top1' : 'agreement' };
  if ((spec.kind === 'top1' || spec.kind === 'top5') && !labelled)
    throw new InputError(
      'BAD_OPTION',
      `--metric ${spec.kind}: needs --labels (without labels use agreement, cosine:T, pixel:T or a module)`,
    );
  return spec;
}

/** True when a split sample's score needs the unsplit model's outputs (all but top1 and top5). */
export function metricNeedsUnsplit(spec: MetricSpec): boolean {
  return spec.kind !== 'top1' && spec.kind !== 'top5';
}
