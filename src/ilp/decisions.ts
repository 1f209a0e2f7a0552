/**
 * The decision table of an analysis (docs/method.md#adaptation): bandwidth intervals with
 * the fastest plan within the budget, as analysis.json records it.
 */
import type { Analysis, DecisionJson } from '../core/analysis';
import { DECISION_TABLE_MBPS } from '../core/defaults';
import { fixedMs } from '../core/latency';
import type { Dag } from '../graph';
import { decisionTable } from './decision-table';
import { problemFromAnalysis } from './from-analysis';
import type { Solver } from './types';

/** One bandwidth interval of the decision table (the shape analysis.json stores; fields documented there). */
export type Decision = DecisionJson;

/** Options of `analysisDecisions`. */
export interface DecisionsOptions {
  readonly maxLossPct: number;
  readonly rttMs: number;
  readonly fromMbps?: number;
  readonly toMbps?: number;
  readonly solver?: Solver;
}

/** Computes the exact decision table of an analysis (profiles required; a sweep adds compressed options). */
export async function analysisDecisions(
  analysis: Analysis,
  dag: Dag,
  options: DecisionsOptions,
): Promise<Decision[]> {
  const { problem } = problemFromAnalysis(analysis, dag, {
    maxLossPct: options.maxLossPct,
    rttMs: options.rttMs,
  });
  const segments = await decisionTable(problem, {
    fromMbps: options.fromMbps ?? DECISION_TABLE_MBPS.fromMbps,
    toMbps: options.toMbps ?? DECISION_TABLE_MBPS.toMbps,
    ...(options.solver ? { solver: options.solver } : {}),
  });
  const byTensors = new Map(analysis.cutPoints.map((c) => [[...c.tensors].sort().join('\u0000'), c.index]));
  return segments.map((s) => {
    const p = s.plan;
    const names = p.crossing.map((c) => c.tensor);
    const widths = [...new Set(p.crossing.map((c) => c.bits))];
    return {
      fromMbps: s.fromMbps,
      toMbps: s.toMbps,
      cut: byTensors.get([...names].sort().join('\u0000')) ?? -1,
      bits: widths.length === 1 ? (widths[0] === 'f32' ? 32 : widths[0]) : 'mixed',
      tensors: p.crossing.map((c) => ({ name: c.tensor, bits: c.bits, bytes: c.bytes })),
      // Run overheads are in the problem (edgeRunMs, cloudRunMs), so the breakpoints account for them.
      fixedMs: fixedMs(
        p.predictedMs.edge,
        p.predictedMs.cloud,
        p.predictedMs.rtt,
        p.predictedMs.encode,
        p.predictedMs.decode,
      ),
      encodeMs: p.predictedMs.encode,
      decodeMs: p.predictedMs.decode,
      bytes: p.crossing.reduce((sum, c) => sum + c.bytes, 0),
      totalMs: s.totalMsAtFrom,
      totalMsAtTo: s.totalMsAtTo,
      predictedLossPct: p.predictedLossPct,
      edgeNodes: p.edgeNodes.length,
    };
  });
}
