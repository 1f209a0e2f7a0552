/**
 * Turns an `--edge` / `--cloud` value into a device profile:
 *   local            measure this machine now (on `--device`, the CPU by default)
 *   local:DEVICE     measure this machine's cpu, webgpu or cuda[:N] now
 *   <preset>         a named device spec (modeled), e.g. raspberry-pi-4
 *   file.json        a profile made by `jalad profile` on the device, or a device spec
 *   <any of these>/N the same device N times faster (e.g. local/10)
 */
import * as fs from 'fs';
import { InputError } from '../core/errors';
import type { Dag, LoadedModel } from '../graph';
import { checkProfile, looksLikeProfile } from './check-profile';
import { checkProfileMatches, scaleProfile, type DeviceProfile } from './device-profile';
import { getPreset, presetNames } from './device-presets';
import { parseDeviceSpec, type DeviceSpec } from './device-spec';
import { CPU, deviceLabel, parseDevice, type DeviceChoice } from '../runtime';
import type { NodeShapes } from './flops';
import { measureProfile } from './measure-profile';
import { modeledProfile } from './modeled-profile';
import type { MeasureOptions } from './node-times';
import { nodeShapes } from './node-shapes';
import type { TensorInfo } from '../runtime';

/** What resolving a profile may need, and a cache so each is computed once per run. */
export interface ProfileContext {
  readonly loaded: LoadedModel;
  readonly dag: Dag;
  /** Types and shapes of the model's tensors when the caller has probed them already (at least the cut tensors). */
  readonly tensors?: ReadonlyMap<string, TensorInfo>;
  readonly measure: MeasureOptions;
  /**
   * Filled on first use: this machine's measured profile (on `measure.device`), node shapes, and
   * profiles measured on other devices (`local:cuda`), by device label.
   */
  readonly cache: { local?: DeviceProfile; shapes?: NodeShapes[]; devices?: Map<string, DeviceProfile> };
}

async function modeled(spec: DeviceSpec, ctx: ProfileContext): Promise<DeviceProfile> {
  ctx.cache.shapes ??= await nodeShapes(ctx.loaded.model, ctx.dag, ctx.measure);
  return modeledProfile(spec, ctx.dag, ctx.cache.shapes, {
    path: ctx.loaded.path,
    sha256: ctx.loaded.sha256,
  });
}

/**
 * Resolves a profile spec.
 * @param flag the flag it came from, for messages ('--edge')
 * @throws InputError 'BAD_PROFILE' / 'BAD_OPTION' naming the flag and the value
 */
export async function resolveProfile(
  value: string,
  ctx: ProfileContext,
  flag: string,
): Promise<DeviceProfile> {
  const slash = value.lastIndexOf('/');
  const tail = value.slice(slash + 1);
  if (slash > 0 && /^\d+(\.\d+)?$/.test(tail)) {
    const factor = Number(tail);
    if (!(factor > 0))
      throw new InputError('BAD_OPTION', `${flag} ${value}: the speed-up after "/" must be > 0`);
    return scaleProfile(await resolveProfile(value.slice(0, slash), ctx, flag), factor);
  }
  if (value === 'local') {
    ctx.cache.local ??= await measureProfile(ctx.loaded, ctx.measure, { dag: ctx.dag, tensors: ctx.tensors });
    return ctx.cache.local;
  }
  if (value.startsWith('local:')) {
    const device = parseDevice(value.slice('local:'.length), flag);
    const key = deviceLabel(device);
    ctx.cache.devices ??= new Map();
    let profile = ctx.cache.devices.get(key);
    if (!profile) {
      profile = await measureProfile(
        ctx.loaded,
        { ...ctx.measure, device },
        { dag: ctx.dag, tensors: ctx.tensors },
      );
      ctx.cache.devices.set(key, profile);
    }
    return profile;
  }
  if (value.endsWith('.json')) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(value, 'utf8'));
    } catch (err) {
      const why =
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'no such file'
          : `not valid JSON (${(err as Error).message})`;
      throw new InputError('BAD_PROFILE', `${flag} ${value}: ${why}`);
    }
    if (looksLikeProfile(json)) {
      const profile = checkProfile(json, `${flag} ${value}`);
      checkProfileMatches(profile, ctx.dag, `${flag} ${value}`);
      return profile;
    }
    return modeled(parseDeviceSpec(json, value), ctx);
  }
  if (presetNames().includes(value)) return modeled(getPreset(value), ctx);
  throw new InputError(
    'BAD_OPTION',
    `${flag} ${value}: expected local, local:DEVICE (cpu, webgpu, cuda[:N]), a profile or device-spec .json file, or a preset ` +
      `(${presetNames().join(', ')}), optionally followed by /N for N times faster`,
  );
}

/**
 * The devices that `local` and `local:DEVICE` values will measure on (`local` on `fallback`, the
 * CPU by default), so that a GPU that cannot be used is refused before any work.
 * @throws InputError 'BAD_OPTION' for a malformed `local:DEVICE`
 */
export function localDevices(
  values: readonly { readonly value: string; readonly flag: string }[],
  fallback: DeviceChoice = CPU,
): DeviceChoice[] {
  const out = new Map<string, DeviceChoice>();
  for (const { value, flag } of values) {
    const base = value.replace(/\/\d+(\.\d+)?$/, '');
    if (base === 'local') out.set(deviceLabel(fallback), fallback);
    else if (base.startsWith('local:')) {
      const d = parseDevice(base.slice('local:'.length), flag);
      out.set(deviceLabel(d), d);
    }
  }
  return [...out.values()];
}
