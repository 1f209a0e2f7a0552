/**
 * How the codec's times, measured on this machine by the sweep, carry over to a profiled device:
 * the same way as its node times do. A device predicted to run the whole model k times slower
 * than this machine (summed node times of its profile over this machine's measured profile) is
 * taken to quantize and code k times slower too; a profile scaled N times faster gets 1/N.
 */
import type { DeviceProfile } from './device-profile';

/** A device's codec factor with the note a report shows beside it. */
export interface CodecFactor {
  /** Multiplier of this machine's codec ms on that device, > 0. */
  readonly factor: number;
  readonly note: string;
}

function nodeTotalMs(profile: Pick<DeviceProfile, 'nodes'>): number {
  let total = 0;
  for (const n of profile.nodes) total += n.ms;
  return total;
}

/**
 * The codec factor of `profile` given this machine's measured CPU profile `local` (when one was
 * measured in this run).
 * @example codecFactor(scaleProfile(local, 10), local).factor // 0.1 (up to rounding)
 */
export function codecFactor(profile: DeviceProfile, local: DeviceProfile | undefined): CodecFactor {
  if (local !== undefined && profile === local)
    return { factor: 1, note: 'codec times as measured on this machine' };
  // A model timed on a GPU says nothing of the host CPU, where the codec runs.
  if (profile.device !== undefined && profile.device.kind !== 'cpu')
    return {
      factor: 1,
      note: `codec times as measured on this machine (the codec runs on the host CPU, not the ${profile.device.kind})`,
    };
  const base = local === undefined ? 0 : nodeTotalMs(local);
  const mine = nodeTotalMs(profile);
  if (local === undefined || !(base > 0) || !(mine > 0))
    return {
      factor: 1,
      note: 'codec times as measured on this machine, unscaled (no measured profile of this machine to scale them by)',
    };
  const factor = mine / base;
  return {
    factor,
    note: `codec times = this machine's x ${factor.toPrecision(3)} (this profile's model time over this machine's)`,
  };
}
