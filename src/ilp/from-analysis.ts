/**
 * The decision problem of an analysis: every data-dependent node with its edge and cloud
 * time, every tensor that could cross with its options (bit widths measured by the sweep,
 * and 'f32': sent uncompressed, lossless).
 *
 * NOTE: losses are the sweep's one-sided 95% upper bounds, so the budget constraint is
 * stated on the bound (docs/method.md#accuracy-loss-and-its-bound). A tensor's loss is measured when it is the only
 * tensor of a cut point; other tensors (inside residual blocks, shape metadata) can cross
 * only uncompressed, whose loss is 0 by construction (splits are exact).
 */
import type { Analysis } from '../core/analysis';
import { InputError } from '../core/errors';
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

  // Measured options of tensors that are a cut point on their own.
  const measured = new Map<string, TensorOption[]>();
  for (const c of analysis.cutPoints) {
    if (c.tensors.length !== 1) continue;
    const rows = (analysis.sweep ?? []).filter((r) => r.cut === c.index);
    measured.set(
      c.tensors[0],
      rows.map((r) => ({ bits: r.bits, bytes: r.bytesMean, lossPct: Math.max(0, r.lossUpperPct) })),
    );
  }

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
