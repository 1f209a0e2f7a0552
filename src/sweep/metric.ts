/**
 * Scoring samples with a metric (docs/metrics.md): each sample of the split model gets a score in
 * [0, 1] from its outputs, the unsplit model's outputs and its label; the unsplit model gets
 * score(unsplit, unsplit, label). The loss is the mean difference (sweep.ts).
 */
import { InputError } from '../core/errors';
import type { MetricInfo } from '../core/metric-info';
import { oneLine } from '../core/one-line';
import { metricInfo, metricNeedsUnsplit, type MetricSpec } from './metric-spec';
import { loadUserMetric } from './metric-module';

/** One output of one sample: its values and dims, the batch axis removed. */
export interface OutputValue {
  readonly data: ArrayLike<number | bigint>;
  readonly dims: readonly number[];
}

/** A sample's outputs by output name, in the model's output order. */
export type SampleOutputs = Readonly<Record<string, OutputValue>>;

/** A loaded metric. */
export interface Metric {
  readonly spec: MetricSpec;
  readonly info: MetricInfo;
  /** False when a split sample's score needs only its own outputs and the label (top1, top5). */
  readonly needsUnsplit: boolean;
  /**
   * Scores one sample, checked.
   * @param sample the sample's index in the data set (messages name it)
   * @throws InputError 'BAD_OPTION' naming the metric when the score is not a number in [0, 1] or
   *   the metric throws
   */
  score(split: SampleOutputs, unsplit: SampleOutputs, label: number | undefined, sample: number): number;
}

type Score = (split: SampleOutputs, unsplit: SampleOutputs, label: number | undefined) => number;

/** The values of a sample's first output, and that output's dims. */
function first(o: SampleOutputs): OutputValue {
  const names = Object.keys(o);
  return o[names[0]];
}

/** Index of the largest of `n` values at `offset` with stride `step` (ties: the first). */
function argmaxOf(data: ArrayLike<number | bigint>, offset: number, n: number, step = 1): number {
  let best = 0;
  let bestValue = Number(data[offset]);
  for (let j = 1; j < n; j++) {
    const v = Number(data[offset + j * step]);
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}

/** True when `label` is among the `k` largest values (ties broken towards lower indices, as inTopK). */
function inTopK(data: ArrayLike<number | bigint>, label: number, k: number): boolean {
  const target = Number(data[label]);
  let above = 0;
  for (let j = 0; j < data.length; j++) {
    const v = Number(data[j]);
    if (v > target || (v === target && j < label)) above++;
    if (above >= k) return false;
  }
  return label < data.length;
}

/** Cosine similarity of all outputs flattened and concatenated (two zero vectors: 1; one: 0). */
function cosine(a: SampleOutputs, b: SampleOutputs): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const name of Object.keys(a)) {
    const x = a[name].data;
    const y = b[name]?.data;
    if (y === undefined) continue;
    for (let i = 0; i < x.length; i++) {
      const u = Number(x[i]);
      const v = Number(y[i]);
      dot += u * v;
      na += u * u;
      nb += v * v;
    }
  }
  if (na === 0 && nb === 0) return 1;
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

/** Share of the first output's positions whose argmax over its channel axis (the sample's axis 0) agrees. */
function argmaxAgreement(split: SampleOutputs, unsplit: SampleOutputs): number {
  const s = first(split);
  const u = first(unsplit);
  const channels = s.dims.length > 0 ? s.dims[0] : 1;
  const positions = channels > 0 ? s.data.length / channels : 0;
  if (positions === 0) return 1;
  let same = 0;
  for (let p = 0; p < positions; p++)
    if (argmaxOf(s.data, p, channels, positions) === argmaxOf(u.data, p, channels, positions)) same++;
  return same / positions;
}

/** Share of the first output's elements on the same side of `t` as the unsplit output's. */
function thresholdAgreement(split: SampleOutputs, unsplit: SampleOutputs, t: number): number {
  const s = first(split).data;
  const u = first(unsplit).data;
  if (s.length === 0) return 1;
  let same = 0;
  for (let i = 0; i < s.length; i++) if (Number(s[i]) > t === Number(u[i]) > t) same++;
  return same / s.length;
}

/** The scoring function of a built-in metric. */
function builtinScore(spec: Exclude<MetricSpec, { kind: 'module' }>): Score {
  switch (spec.kind) {
    case 'top1':
      return (s, _u, label) => (argmaxOf(first(s).data, 0, first(s).data.length) === label ? 1 : 0);
    case 'top5':
      return (s, _u, label) => (label !== undefined && inTopK(first(s).data, label, 5) ? 1 : 0);
    case 'agreement':
      return (s, u) => {
        const a = first(s).data;
        const b = first(u).data;
        return argmaxOf(a, 0, a.length) === argmaxOf(b, 0, b.length) ? 1 : 0;
      };
    case 'cosine':
      return (s, u) => (cosine(s, u) >= spec.threshold ? 1 : 0);
    case 'pixel': {
      const t = spec.threshold;
      return t === 'argmax' ? argmaxAgreement : (s, u) => thresholdAgreement(s, u, t);
    }
  }
}

/** Wraps a scoring function so that a throw or a value outside [0, 1] is an error naming the metric. */
function checked(
  name: string,
  score: (s: SampleOutputs, u: SampleOutputs, l: number | undefined) => unknown,
) {
  return (
    split: SampleOutputs,
    unsplit: SampleOutputs,
    label: number | undefined,
    sample: number,
  ): number => {
    let value: unknown;
    try {
      value = score(split, unsplit, label);
    } catch (error) {
      throw new InputError(
        'BAD_OPTION',
        oneLine(
          `--metric ${name}: score() threw on sample ${sample}: ${(error as Error)?.message ?? String(error)}`,
        ),
      );
    }
    if (typeof value !== 'number' || !(value >= 0 && value <= 1))
      throw new InputError(
        'BAD_OPTION',
        oneLine(
          `--metric ${name}: score() returned ${typeof value === 'number' ? value : `a ${typeof value}`} for sample ${sample}; ` +
            'expected a number in [0, 1]',
        ),
      );
    return value;
  };
}

/**
 * Loads a metric: a built-in, or a user module (imported here: every worker thread loads its own).
 * @throws InputError for a module that is missing, fails to load or exports no `score`
 */
export async function loadMetric(spec: MetricSpec): Promise<Metric> {
  if (spec.kind === 'module') {
    const user = await loadUserMetric(spec.path, spec.given);
    return {
      spec,
      info: metricInfo(spec, user.description),
      needsUnsplit: true,
      score: checked(spec.given, (s, u, l) => user.score(s, u, l)),
    };
  }
  const info = metricInfo(spec);
  return {
    spec,
    info,
    needsUnsplit: metricNeedsUnsplit(spec),
    score: checked(info.name, builtinScore(spec)),
  };
}

/** A batch's outputs as ONNX Runtime returns them: values and dims with the batch axis first. */
export type BatchOutputs = Readonly<
  Record<string, { readonly data: unknown; readonly dims: readonly number[] }>
>;

/**
 * The outputs of sample `k` of a batch of `count`, as views (no copy), in `names` order.
 * An output without a leading batch axis of `count` (a constant, a scalar) is given whole.
 */
export function sampleOutputs(
  outputs: BatchOutputs,
  names: readonly string[],
  k: number,
  count: number,
): SampleOutputs {
  const out: Record<string, OutputValue> = {};
  for (const name of names) {
    const t = outputs[name];
    if (t === undefined) continue;
    const data = t.data as Float32Array;
    if (t.dims.length === 0 || t.dims[0] !== count || typeof data.subarray !== 'function') {
      out[name] = { data, dims: t.dims };
      continue;
    }
    const per = data.length / count;
    out[name] = { data: data.subarray(k * per, (k + 1) * per), dims: t.dims.slice(1) };
  }
  return out;
}
