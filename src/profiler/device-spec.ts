/**
 * The "modeled" device profile: a node's time predicted from its FLOPs and bytes by a
 * roofline (Williams, Waterman and Patterson, "Roofline: an insightful visual performance
 * model for multicore architectures", CACM 52(4), 2009), plus a fixed per-node overhead:
 *
 *   ms = max(flops / (peakGflops·efficiency·1e9), bytes / (memoryGBps·memoryEfficiency·1e9))·1000 + nodeOverheadMs
 *
 * with bytes = bytes read + bytes written and 1 GB = 1e9 bytes. The roofline is an
 * optimistic bound: caches, layouts and small layers keep real kernels below it. The
 * efficiencies fold that into one factor each instead of a more detailed model; a measured
 * profile (`jalad profile` run on the device) is always better when the device is at hand.
 */
import { InputError } from '../core/errors';
import type { NodeCost } from './flops';

/** A device described by its public figures, for the modeled profile. */
export interface DeviceSpec {
  /** Short name, e.g. 'raspberry-pi-4'. */
  readonly name: string;
  /** Peak arithmetic throughput in GFLOP/s (1e9 FLOP/s; a multiply-add = 2 FLOPs), as the datasheet states it. */
  readonly peakGflops: number;
  /** Peak memory bandwidth in GB/s (1e9 bytes/s), as the datasheet states it. */
  readonly memoryGBps: number;
  /** Fixed time per node in ms (kernel launch, runtime dispatch), added to the roofline time; >= 0. */
  readonly nodeOverheadMs: number;
  /** Where the figures come from (datasheet names, assumptions), printed with every modeled result. */
  readonly source: string;
  /**
   * Fraction of `peakGflops` that kernels reach, in (0, 1]; default 1. Peak FLOP/s is rarely
   * reached, least of all by small layers at batch 1: a typical value is 0.3 to 0.6.
   */
  readonly efficiency?: number;
  /** Fraction of `memoryGBps` that kernels sustain, in (0, 1]; default 1 (STREAM-like codes reach 0.6 to 0.9). */
  readonly memoryEfficiency?: number;
}

/** Fields a device spec JSON object may hold. */
const SPEC_FIELDS: readonly string[] = [
  'name',
  'peakGflops',
  'memoryGBps',
  'nodeOverheadMs',
  'source',
  'efficiency',
  'memoryEfficiency',
];

/**
 * Modeled time of one node on a device: the roofline bound plus the per-node overhead.
 * @param cost FLOPs and bytes of the node (from `nodeCost`)
 * @param spec the device (from `parseDeviceSpec` or a preset)
 * @returns time in ms
 * @throws InputError 'BAD_PROFILE' when the cost or the spec holds a negative or non-finite figure
 * @example
 * // 1 GFLOP and 1 MB on 100 GFLOP/s, 10 GB/s, 0.01 ms overhead: compute-bound, 10 ms + 0.01 ms
 * modeledNodeMs({ flops: 1e9, bytesRead: 5e5, bytesWritten: 5e5, kind: 'compute' },
 *   { name: 'x', peakGflops: 100, memoryGBps: 10, nodeOverheadMs: 0.01, source: 'example' }) // 10.01
 */
export function modeledNodeMs(cost: NodeCost, spec: DeviceSpec): number {
  checkSpec(spec, `modeledNodeMs: device "${spec?.name}"`);
  for (const field of ['flops', 'bytesRead', 'bytesWritten'] as const) {
    const v = cost?.[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InputError(
        'BAD_PROFILE',
        `modeledNodeMs: cost field "${field}" must be a finite number >= 0, got ${describe(v)}`,
      );
    }
  }
  const computeMs = (cost.flops / (spec.peakGflops * (spec.efficiency ?? 1) * 1e9)) * 1e3;
  const memoryMs =
    ((cost.bytesRead + cost.bytesWritten) / (spec.memoryGBps * (spec.memoryEfficiency ?? 1) * 1e9)) * 1e3;
  return Math.max(computeMs, memoryMs) + spec.nodeOverheadMs;
}

/**
 * Reads a device spec from parsed JSON, e.g.
 * `{"name": "my-board", "peakGflops": 48, "memoryGBps": 12.8, "nodeOverheadMs": 0.02,
 *   "efficiency": 0.3, "source": "vendor datasheet"}`.
 * Required: `name` (non-empty string), `peakGflops` (GFLOP/s, > 0), `memoryGBps` (GB/s, > 0).
 * Optional: `nodeOverheadMs` (ms, >= 0, default 0), `efficiency` and `memoryEfficiency`
 * (in (0, 1], default 1), `source` (string, default: the file it was read from).
 * Unknown fields are rejected so that a misspelt field is not silently ignored.
 * @param json the parsed JSON value
 * @param source the file it came from, named in errors
 * @returns the spec with every optional field resolved
 * @throws InputError 'BAD_PROFILE' naming the file and the field, and the value received
 */
export function parseDeviceSpec(json: unknown, source: string): DeviceSpec {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InputError(
      'BAD_PROFILE',
      `${source}: a device spec must be a JSON object, got ${Array.isArray(json) ? 'an array' : describe(json)}`,
    );
  }
  const o = json as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!SPEC_FIELDS.includes(key)) {
      throw new InputError(
        'BAD_PROFILE',
        `${source}: device spec field "${key}" is unknown (expected ${SPEC_FIELDS.join(', ')})`,
      );
    }
  }
  const field = (key: string, what: string, ok: (v: number) => boolean, fallback?: number): number => {
    const v = o[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw new InputError(
        'BAD_PROFILE',
        `${source}: device spec field "${key}" must be ${what}, got ${v === undefined ? 'nothing (missing)' : describe(v)}`,
      );
    }
    return v;
  };
  const text = (key: string, fallback?: string): string => {
    const v = o[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string' || v.trim() === '') {
      throw new InputError(
        'BAD_PROFILE',
        `${source}: device spec field "${key}" must be a non-empty string, got ${v === undefined ? 'nothing (missing)' : describe(v)}`,
      );
    }
    return v;
  };
  return {
    name: text('name'),
    peakGflops: field('peakGflops', 'a number of GFLOP/s > 0', (v) => v > 0),
    memoryGBps: field('memoryGBps', 'a number of GB/s > 0', (v) => v > 0),
    nodeOverheadMs: field('nodeOverheadMs', 'a number of ms >= 0', (v) => v >= 0, 0),
    source: text('source', source),
    efficiency: field('efficiency', 'a fraction in (0, 1]', (v) => v > 0 && v <= 1, 1),
    memoryEfficiency: field('memoryEfficiency', 'a fraction in (0, 1]', (v) => v > 0 && v <= 1, 1),
  };
}

/** Throws unless the spec's figures are usable (a spec built in code skips parseDeviceSpec). */
function checkSpec(spec: DeviceSpec, where: string): void {
  const bad = (field: string, v: unknown): never => {
    throw new InputError('BAD_PROFILE', `${where} has ${field} = ${describe(v)}`);
  };
  if (typeof spec !== 'object' || spec === null) bad('spec', spec);
  if (!(spec.peakGflops > 0) || !Number.isFinite(spec.peakGflops)) bad('peakGflops', spec.peakGflops);
  if (!(spec.memoryGBps > 0) || !Number.isFinite(spec.memoryGBps)) bad('memoryGBps', spec.memoryGBps);
  if (!(spec.nodeOverheadMs >= 0) || !Number.isFinite(spec.nodeOverheadMs))
    bad('nodeOverheadMs', spec.nodeOverheadMs);
  for (const key of ['efficiency', 'memoryEfficiency'] as const) {
    const v = spec[key];
    if (v !== undefined && !(v > 0 && v <= 1)) bad(key, v);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  return typeof v;
}
