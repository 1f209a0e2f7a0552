/** A device profile computed from a device spec (roofline per node) instead of measured. */
import type { Dag } from '../graph';
import { JALAD_VERSION } from '../core/version';
import { PROFILE_VERSION, type DeviceProfile } from './device-profile';
import { modeledNodeMs, type DeviceSpec } from './device-spec';
import type { NodeShapes } from './flops';
import { nodeCosts } from './node-shapes';

/**
 * Per-node times of a model on a device described by its spec.
 * @param shapes NodeShapes of every DAG node, at batch 1
 */
export function modeledProfile(
  spec: DeviceSpec,
  dag: Dag,
  shapes: readonly NodeShapes[],
  modelRef: { readonly path: string; readonly sha256: string },
): DeviceProfile {
  return {
    version: PROFILE_VERSION,
    kind: 'modeled',
    label: spec.name,
    jalad: JALAD_VERSION,
    createdAt: new Date().toISOString(),
    model: modelRef,
    runOverheadMs: 0,
    // Weight-only nodes are folded away before running, so they cost nothing.
    nodes: nodeCosts(dag, shapes).map((c, i) => ({
      name: dag.nodes[i].name,
      op: dag.nodes[i].opType,
      ms: dag.isStatic[i] ? 0 : modeledNodeMs(c, spec),
    })),
    notes: [
      `modeled, not measured: roofline of ${spec.peakGflops} GFLOP/s x ${spec.efficiency ?? 1} ` +
        `and ${spec.memoryGBps} GB/s x ${spec.memoryEfficiency ?? 1}, plus ${spec.nodeOverheadMs} ms per node`,
    ],
    source: spec.source,
  };
}
