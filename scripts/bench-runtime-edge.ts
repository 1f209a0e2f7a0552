/**
 * The runtime bench's per-trace edge: the same analysis with the edge k times slower, and the
 * edge speed that puts a breakpoint of the decision table inside a bandwidth trace.
 */
import { buildDag, readModelFile } from '../src/graph';
import type { Analysis } from '../src/core/analysis';
import { addDecisions } from '../src/pipeline/analyze';

/**
 * The analysis with every edge time multiplied by `k` (the edge k times slower: what `--edge
 * local/(1/(k·R))` gives for an analysis made with `local/(1/R)`, without profiling again), and
 * its decision table solved again. The sweep (sizes, losses, this machine's codec times) is
 * unchanged; the edge's codec time scales with the profile's `codecFactor`.
 */
export async function withSlowerEdge(analysis: Analysis, k: number): Promise<Analysis> {
  const edge = analysis.profiles!.edge;
  const times = (x: number | undefined) => (x === undefined ? undefined : x * k);
  const scaled: Analysis = {
    ...analysis,
    profiles: {
      ...analysis.profiles!,
      edge: {
        ...edge,
        label: `${edge.label} x${k}`,
        runOverheadMs: edge.runOverheadMs * k,
        nodeMs: edge.nodeMs.map((ms) => ms * k),
        codecFactor: (edge.codecFactor ?? 1) * k,
        ...(edge.boundary
          ? {
              boundary: {
                edgeOutputMsPerByte: edge.boundary.edgeOutputMsPerByte * k,
                cloudInputMsPerByte: edge.boundary.cloudInputMsPerByte * k,
              },
            }
          : {}),
      },
    },
    cutPoints: analysis.cutPoints.map((c) => ({
      ...c,
      ...(c.edgeMs !== undefined ? { edgeMs: times(c.edgeMs) } : {}),
      ...(c.edgeMeasuredMs !== undefined ? { edgeMeasuredMs: times(c.edgeMeasuredMs) } : {}),
    })),
    decisions: undefined,
  };
  const dag = buildDag(readModelFile(analysis.model.path).model, analysis.model.path);
  return addDecisions(scaled, dag, { maxLossPct: analysis.maxLossPct, rttMs: analysis.rttMs });
}

/** The breakpoints of a decision table, Mbps. */
export function breakpointsMbps(analysis: Analysis): number[] {
  return (analysis.decisions ?? []).slice(0, -1).map((d) => d.toMbps);
}

/**
 * Of the edge slow-downs `factors` (ascending), the one whose decision table has a breakpoint
 * nearest (in log bandwidth) to `medianMbps`, with that table; a slower edge must come nearer by
 * more than 0.1 (10%) to be preferred, since it makes every sample of the bench slower.
 * NOTE: chosen from the profiles' predictions only, before any run: the adaptive comparison is only
 * a test when the trace crosses a breakpoint, and which edge speed gives one depends on the profile
 * measured in this run.
 */
export async function edgeForTrace(
  analysis: Analysis,
  factors: readonly number[],
  medianMbps: number,
): Promise<{ k: number; analysis: Analysis; distance: number }> {
  let best: { k: number; analysis: Analysis; distance: number } | undefined;
  for (const k of factors) {
    const a = await withSlowerEdge(analysis, k);
    const distance = Math.min(...breakpointsMbps(a).map((b) => Math.abs(Math.log(b / medianMbps))));
    if (!best || distance < best.distance - 0.1) best = { k, analysis: a, distance };
  }
  return best!;
}
