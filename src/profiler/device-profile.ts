/**
 * Device profiles: per-node times of one model on one device, plus the run overhead.
 * A profile is measured (`jalad profile` on the device), modeled (a device spec), or
 * scaled (another profile divided by a factor). It is plain JSON, tied to its model by
 * the node names and ops.
 */
import { InputError } from '../core/errors';
import type { Dag } from '../graph';
import type { DeviceInfo } from '../runtime';
import type { MachineInfo } from './machine';
import { crossingBytes, type BoundaryCost, type CrossingSize } from './boundary-cost';
import type { PartTime } from './part-times';
import type { AutoChoice, ProfileMode } from './profile-mode';

/** What a profile records of `--profile auto`'s choice. */
export type AutoRecord = Pick<AutoChoice, 'extraS' | 'budgetS' | 'basis'>;

/** Bump when a field changes meaning. */
export const PROFILE_VERSION = 1;

/** How the times were obtained. */
export type ProfileKind = 'measured' | 'modeled' | 'scaled';

/** Per-node time in a profile. */
export interface ProfileNode {
  readonly name: string;
  readonly op: string;
  /** Median time, ms per sample (batch 1). */
  readonly ms: number;
  readonly p90Ms?: number;
  /** `ms` apportioned to the measured edge parts (apportion-parts.ts); predicts edge parts when present. */
  readonly edgeMs?: number;
  /** `ms` apportioned to the measured cloud parts; predicts cloud parts when present. */
  readonly cloudMs?: number;
}

/** A device profile (the content of profile.json). */
export interface DeviceProfile {
  readonly version: number;
  readonly kind: ProfileKind;
  /** How reports name this device: "this machine", "raspberry-pi-4", "this machine / 10". */
  readonly label: string;
  readonly jalad: string;
  readonly createdAt: string;
  readonly model: { readonly path: string; readonly sha256: string };
  readonly machine?: MachineInfo;
  /**
   * The device a measured profile was timed on: kind (cpu, webgpu, cuda), index, name and driver
   * as the system reports them, and the execution-provider options (absent in profiles made
   * before devices existed, which were all measured on the CPU).
   */
  readonly device?: DeviceInfo;
  /**
   * What a measured profile timed (profile-mode.ts): 'fast' (the real parts of a sample of cut
   * points) or 'thorough' (every cut point's); absent in older profiles (thorough) and modeled ones.
   */
  readonly mode?: ProfileMode;
  /**
   * Present when the user asked for `--profile auto` (the default): why it chose `mode`: its
   * estimate of what timing every cut point's parts after fast's sample would take, s, its budget, s, and
   * what the estimate rests on (profile-mode.ts AutoChoice).
   */
  readonly auto?: AutoRecord;
  readonly settings?: {
    readonly runs: number;
    readonly warmup: number;
    readonly threads: number;
    readonly batch: number;
    /** The profile's mode again, so that reports listing the settings show it. */
    readonly mode?: ProfileMode;
  };
  /** Cost of one inference call beyond its nodes (session.run overhead), ms. */
  readonly runOverheadMs: number;
  /**
   * Cost of a cut's boundary per byte of crossing tensors, ms (see boundary-cost.ts); fitted in
   * measured profiles, absent (0) in modeled ones.
   */
  readonly boundary?: BoundaryCost;
  readonly nodes: readonly ProfileNode[];
  /**
   * Measured times of the real edge and cloud models of the cut points timed (measured profiles):
   * every cut point in thorough mode, a sample in fast mode; find one by `index`.
   */
  readonly cutPoints?: readonly (PartTime & { readonly tensors: readonly string[] })[];
  /** What a reader should know: large spread between runs, modeled figures, scaling assumptions. */
  readonly notes: readonly string[];
  /** Where modeled figures come from, or what a scaled profile was scaled from. */
  readonly source?: string;
}

/**
 * Checks that a profile was made for this model (same node names and ops).
 * @throws InputError 'BAD_PROFILE' naming the profile and the first node that differs
 */
export function checkProfileMatches(profile: DeviceProfile, dag: Dag, where: string): void {
  const mine = new Map(dag.nodes.map((n) => [n.name, n.opType]));
  const missing = profile.nodes.filter((n) => mine.get(n.name) !== n.op);
  const theirs = new Set(profile.nodes.map((n) => n.name));
  const extra = dag.nodes.filter((n) => !theirs.has(n.name));
  if (missing.length > 0 || extra.length > 0) {
    const first = missing[0]
      ? `profile node "${missing[0].name}" (${missing[0].op}) is not in the model`
      : `model node "${extra[0].name}" is not in the profile`;
    throw new InputError(
      'BAD_PROFILE',
      `${where}: made for another model (${profile.model.path}): ${missing.length + extra.length} nodes differ; ${first}`,
    );
  }
}

/** Divides every time of a profile by `factor` (a device that many times faster). */
export function scaleProfile(profile: DeviceProfile, factor: number): DeviceProfile {
  const div = (x: number) => x / factor;
  return {
    ...profile,
    kind: 'scaled',
    label: `${profile.label} / ${factor}`,
    runOverheadMs: div(profile.runOverheadMs),
    ...(profile.boundary
      ? {
          boundary: {
            edgeOutputMsPerByte: div(profile.boundary.edgeOutputMsPerByte),
            cloudInputMsPerByte: div(profile.boundary.cloudInputMsPerByte),
          },
        }
      : {}),
    nodes: profile.nodes.map((n) => ({
      ...n,
      ms: div(n.ms),
      ...(n.p90Ms !== undefined ? { p90Ms: div(n.p90Ms) } : {}),
      ...(n.edgeMs !== undefined ? { edgeMs: div(n.edgeMs) } : {}),
      ...(n.cloudMs !== undefined ? { cloudMs: div(n.cloudMs) } : {}),
    })),
    ...(profile.cutPoints
      ? {
          cutPoints: profile.cutPoints.map((c) => ({
            ...c,
            edgeMs: div(c.edgeMs),
            edgeP90Ms: div(c.edgeP90Ms),
            cloudMs: div(c.cloudMs),
            cloudP90Ms: div(c.cloudP90Ms),
          })),
        }
      : {}),
    notes: [...profile.notes, `times divided by ${factor}: an assumption, not a measurement`],
    source: `${profile.label} scaled ${factor}x faster`,
  };
}

/**
 * Predicted time of a set of nodes on a device: the run overhead plus their node times, plus the
 * boundary cost of the tensors that cross (as outputs of an edge part, inputs of a cloud part);
 * 0 when the set is empty (that part does not run at all).
 * @param nodeIndices Dag indices
 * @param crossing the tensors crossing the cut with their float32 bytes per sample
 * @param side which side of the cut the nodes are on (default 'edge')
 */
export function predictPartMs(
  profile: Pick<DeviceProfile, 'nodes' | 'runOverheadMs' | 'boundary'>,
  dag: Dag,
  nodeIndices: readonly number[],
  crossing: readonly CrossingSize[] = [],
  side: 'edge' | 'cloud' = 'edge',
): number {
  if (nodeIndices.length === 0) return 0;
  // A side's own apportioned times when the profile has them (apportion-parts.ts), else the traced ones.
  const ms = new Map(profile.nodes.map((n) => [n.name, (side === 'edge' ? n.edgeMs : n.cloudMs) ?? n.ms]));
  let total = profile.runOverheadMs;
  for (const i of nodeIndices) total += ms.get(dag.nodes[i].name) ?? 0;
  const b = profile.boundary;
  if (b === undefined) return total;
  return total + (side === 'edge' ? b.edgeOutputMsPerByte : b.cloudInputMsPerByte) * crossingBytes(crossing);
}
