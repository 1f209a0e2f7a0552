/**
 * The runtime bench's per-trace edge: the same analysis with the edge k times slower (which edge
 * speed a trace gets is measured on the link: bench-runtime.ts traceSetting).
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
