/**
 * The decision problem of an analysis: every data-dependent node with its edge and cloud
 * time, every tensor that could cross with its options (bit widths measured by the sweep, with
 * the codec's encode and decode times scaled to each device, and 'f32': sent uncompressed,
 * lossless, no codec time).
 *
 * NOTE: losses are the sweep's one-sided 95% upper bounds, so the budget constraint is
 * stated on the bound (docs/method.md#accuracy-loss-and-its-bound). A tensor's compressed options
 * come from the swept cuts that send it compressed: a cut point of one tensor, or a cut of several
 * (`--dag-cuts`), whose loss was measured with all its tensors compressed together and is shared
 * among them (docs/method.md#cuts-of-several-tensors). Other tensors (shape metadata, tensors no
 * swept cut sends) cross only uncompressed, whose loss is 0 by construction (splits are exact).
 */
import type { Analysis } from '../core/analysis';
import { InputError } from '../core/errors';
import { sweepCodecMs } from '../core/latency';
import type { Dag } from '../graph';
import type { DecisionNode, DecisionTensor, TableProblem, TensorOption } from './types';

/** A decision problem with the map back to DAG nodes. */
export interface AnalysisProblem {
  readonly problem: TableProblem;
  /** DAG index of each decision node. */
  readonly dagIndex: readonly number[];
}

/** Options: the budget, the RTT, and optionally one bit width for every compressed tensor. */
export interface ProblemOptions {
  readonly maxLossPct: number;
  readonly rttMs: number;
  /** Compress every measured tensor at this width (others go uncompressed); default: any measured width or f32. */
  readonly fixedBits?: number;
}

/**
 * Builds the decision problem of an analysis (which must hold profiles, tensor sizes and,
 * for compression, a sweep).
 * @throws InputError 'BAD_ANALYSIS' when the analysis lacks profiles or tensors
 */
export function problemFromAnalysis(analysis: Analysis, dag: Dag, options: ProblemOptions): AnalysisProblem {
  if (!analysis.profiles)
    throw new InputError(
      'BAD_ANALYSIS',
      'the analysis has no device profiles: run `jalad analyze` without --no-profile',
    );
  if (!analysis.tensors)
    throw new InputError(
      'BAD_ANALYSIS',
      'the analysis has no tensor sizes: run `jalad analyze` again with this version',
    );
  const { edge, cloud } = analysis.profiles;
  const dagIndex = dag.nodes.filter((n) => !dag.isStatic[n.index] && dag.isLive[n.index]).map((n) => n.index);
  const position = new Map(dagIndex.map((d, i) => [d, i]));
  const nodes: DecisionNode[] = dagIndex.map((d) => ({
    id: dag.nodes[d].name,
    edgeMs: edge.nodeMs[d] ?? 0,
    cloudMs: cloud.nodeMs[d] ?? 0,
  }));

  const measured = measuredOptions(analysis);

  const tensors: DecisionTensor[] = [];
  for (const t of analysis.tensors) {
    const producerDag = dag.producer.get(t.name);
    const producer = producerDag === undefined ? -1 : position.get(producerDag);
    if (producer === undefined) continue;
    const consumers = (dag.consumers.get(t.name) ?? [])
      .map((c) => position.get(c))
      .filter((c): c is number => c !== undefined);
    const isGraphOutput = dag.outputs.includes(t.name);
    if (consumers.length === 0 && !isGraphOutput) continue;
    const raw: TensorOption = { bits: 'f32', bytes: t.bytes, lossPct: 0 };
    const swept = t.elemType === 1 ? (measured.get(t.name) ?? []) : [];
    let opts: TensorOption[];
    if (options.fixedBits !== undefined && swept.length > 0) {
      opts = swept.filter((o) => o.bits === options.fixedBits);
      if (opts.length === 0)
        throw new InputError(
          'BAD_OPTION',
          `--bits ${options.fixedBits}: the analysis swept only ${[...new Set(swept.map((o) => o.bits))].join(', ')} bits; run ` +
            `analyze with --bits including ${options.fixedBits}`,
        );
    } else {
      opts = [raw, ...swept];
    }
    // The boundary cost of a crossing tensor, on the size it has before compression (float32).
    const edgeCrossMs = (edge.boundary?.edgeOutputMsPerByte ?? 0) * t.bytes;
    const cloudCrossMs = (cloud.boundary?.cloudInputMsPerByte ?? 0) * t.bytes;
    tensors.push({
      name: t.name,
      producer,
      consumers,
      isGraphOutput,
      options: opts,
      ...(edgeCrossMs > 0 ? { edgeCrossMs } : {}),
      ...(cloudCrossMs > 0 ? { cloudCrossMs } : {}),
    });
  }
  return {
    problem: {
      nodes,
      tensors,
      rttMs: options.rttMs,
      maxLossPct: options.maxLossPct,
      edgeRunMs: edge.runOverheadMs,
      cloudRunMs: cloud.runOverheadMs,
    },
    dagIndex,
  };
}

/**
 * Per tensor, the compressed options the sweep measured: for each swept cut and bit width, each of
 * its k compressed tensors gets 1/k of the cut's loss bound and a share of its bytes (what the
 * uncompressed tensors of the cut take is left out first; the rest is shared by element count), so
 * a plan sending exactly that cut adds up to the cut's measured figures (the codec's times are
 * shared like the bytes). A tensor sent by several
 * swept cuts takes its own cut point's figures if it is one, else the largest share.
 */
function measuredOptions(analysis: Analysis): Map<string, TensorOption[]> {
  const byTensor = new Map<string, Map<number, TensorOption & { readonly alone: boolean }>>();
  const rowsByCut = new Map<number, NonNullable<Analysis['sweep']>[number][]>();
  const sizes = new Map((analysis.tensors ?? []).map((t) => [t.name, t.bytes]));
  for (const r of analysis.sweep ?? []) rowsByCut.set(r.cut, [...(rowsByCut.get(r.cut) ?? []), r]);
  for (const c of analysis.cutPoints) {
    const rows = rowsByCut.get(c.index) ?? [];
    if (rows.length === 0) continue;
    const compressed = c.detail.filter((d) => d.elemType === 1 && d.kind !== 'shape');
    if (compressed.length === 0) continue;
    const alone = c.tensors.length === 1;
    const rawBytes = c.detail
      .filter((d) => !compressed.includes(d))
      .reduce((sum, d) => sum + (sizes.get(d.name) ?? 0), 0);
    const elements = compressed.reduce((sum, d) => sum + d.elements, 0);
    for (const d of compressed) {
      const options = byTensor.get(d.name) ?? new Map();
      byTensor.set(d.name, options);
      for (const r of rows) {
        const share = elements > 0 ? d.elements / elements : 1 / compressed.length;
        // The sweep timed the codec on this machine; each device takes its factor of that time.
        const codec = sweepCodecMs(r, analysis.profiles);
        const option = {
          bits: r.bits,
          bytes: Math.max(0, r.bytesMean - rawBytes) * share,
          lossPct: Math.max(0, r.lossUpperPct) / compressed.length,
          encodeMs: codec.encodeMs * share,
          decodeMs: codec.decodeMs * share,
          alone,
        };
        const held = options.get(r.bits);
        if (held === undefined || (!held.alone && (alone || option.lossPct > held.lossPct)))
          options.set(r.bits, option);
      }
    }
  }
  return new Map(
    [...byTensor].map(([name, options]) => [
      name,
      [...options.values()].map(({ bits, bytes, lossPct, encodeMs, decodeMs }) => ({
        bits,
        bytes,
        lossPct,
        encodeMs,
        decodeMs,
      })),
    ]),
  );
}
