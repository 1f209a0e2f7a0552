import { InputError } from '../../src/core/errors';
import { nodeCost, type NodeCost, type TensorShape } from '../../src/profiler/flops';
import { modeledNodeMs, parseDeviceSpec, type DeviceSpec } from '../../src/profiler/device-spec';
import { DEVICE_PRESETS, getPreset, presetNames } from '../../src/profiler/device-presets';

const FILE = 'devices/my-board.json';
const VALID = {
  name: 'my-board',
  peakGflops: 100,
  memoryGBps: 10,
  nodeOverheadMs: 0.01,
  source: 'board datasheet',
};

function caught(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    return e as InputError;
  }
  throw new Error('expected a throw');
}

const cost = (flops: number, bytesRead: number, bytesWritten: number): NodeCost => ({
  flops,
  bytesRead,
  bytesWritten,
  kind: 'compute',
});
const spec = (extra: Partial<DeviceSpec> = {}): DeviceSpec => ({ ...VALID, ...extra });

describe('parseDeviceSpec(json, source)', () => {
  // first case: bad input is rejected with a stable code, naming the file and the field
  test.each<[string, unknown, string]>([
    ['null', null, 'JSON object'],
    ['an array', [VALID], 'an array'],
    ['a string', 'raspberry-pi-4', 'JSON object'],
    ['a number', 48, 'JSON object'],
    ['missing name', { ...VALID, name: undefined }, '"name"'],
    ['an empty name', { ...VALID, name: ' ' }, '"name"'],
    ['missing peakGflops', { name: 'x', memoryGBps: 10 }, '"peakGflops"'],
    ['missing memoryGBps', { name: 'x', peakGflops: 10 }, '"memoryGBps"'],
    ['a negative memoryGBps', { ...VALID, memoryGBps: -5 }, '"memoryGBps"'],
    ['a zero peakGflops', { ...VALID, peakGflops: 0 }, '"peakGflops"'],
    ['peakGflops as a string', { ...VALID, peakGflops: '100' }, '"peakGflops"'],
    ['an infinite peakGflops', { ...VALID, peakGflops: Number.POSITIVE_INFINITY }, '"peakGflops"'],
    ['a negative nodeOverheadMs', { ...VALID, nodeOverheadMs: -0.1 }, '"nodeOverheadMs"'],
    ['an efficiency of 0', { ...VALID, efficiency: 0 }, '"efficiency"'],
    ['an efficiency above 1', { ...VALID, efficiency: 1.5 }, '"efficiency"'],
    ['a memoryEfficiency above 1', { ...VALID, memoryEfficiency: 2 }, '"memoryEfficiency"'],
    ['a source that is not a string', { ...VALID, source: 42 }, '"source"'],
    ['a misspelt field', { ...VALID, peakGFLOPS: 100 }, '"peakGFLOPS"'],
  ])('%s: InputError BAD_PROFILE', (_, json, field) => {
    const err = caught(() => parseDeviceSpec(json, FILE));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('BAD_PROFILE');
    expect(err.message).toContain(FILE);
    expect(err.message).toContain(field);
    expect(err.message).not.toContain('\n');
  });

  test('a full spec is returned as given', () => {
    const full = { ...VALID, efficiency: 0.5, memoryEfficiency: 0.8 };
    expect(parseDeviceSpec(JSON.parse(JSON.stringify(full)), FILE)).toEqual(full);
  });

  test('optional fields take their defaults; source defaults to the file', () => {
    expect(parseDeviceSpec({ name: 'x', peakGflops: 48, memoryGBps: 12.8 }, FILE)).toEqual({
      name: 'x',
      peakGflops: 48,
      memoryGBps: 12.8,
      nodeOverheadMs: 0,
      source: FILE,
      efficiency: 1,
      memoryEfficiency: 1,
    });
  });
});

describe('modeledNodeMs(cost, spec)', () => {
  test.each<[string, NodeCost, DeviceSpec]>([
    ['negative flops', cost(-1, 0, 0), spec()],
    ['NaN bytes', cost(0, Number.NaN, 0), spec()],
    ['a spec with zero peak', cost(1, 1, 1), spec({ peakGflops: 0 })],
    ['a spec with negative overhead', cost(1, 1, 1), spec({ nodeOverheadMs: -1 })],
    ['a spec with efficiency 0', cost(1, 1, 1), spec({ efficiency: 0 })],
  ])('%s: InputError BAD_PROFILE', (_, c, s) => {
    const err = caught(() => modeledNodeMs(c, s));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('BAD_PROFILE');
  });

  // 100 GFLOP/s, 10 GB/s, 0.01 ms per node; tolerance 1e-9 ms.
  test.each<[string, NodeCost, DeviceSpec, number]>([
    ['compute-bound: 1 GFLOP, 1 MB', cost(1e9, 5e5, 5e5), spec(), 10 + 0.01],
    ['memory-bound: 1 MFLOP, 1 GB', cost(1e6, 6e8, 4e8), spec(), 100 + 0.01],
    ['balanced at the ridge point (10 FLOP/byte)', cost(1e9, 1e8, 0), spec(), 10 + 0.01],
    ['efficiency 0.5 halves the peak', cost(1e9, 5e5, 5e5), spec({ efficiency: 0.5 }), 20 + 0.01],
    [
      'efficiency 0.5 makes a memory-bound node compute-bound',
      cost(1e9, 1.5e8, 0),
      spec({ efficiency: 0.5 }),
      20 + 0.01,
    ],
    [
      'memoryEfficiency 0.5 doubles the memory time',
      cost(1e6, 1e9, 0),
      spec({ memoryEfficiency: 0.5 }),
      200 + 0.01,
    ],
    ['a view costs only the overhead', cost(0, 0, 0), spec(), 0.01],
  ])('%s', (_, c, s, ms) => {
    expect(modeledNodeMs(c, s)).toBeCloseTo(ms, 9);
  });

  test('a real Conv: 1.806 MFLOP depthwise layer is memory-bound on a Raspberry Pi 4 and faster on a V100', () => {
    const f32 = (...dims: number[]): TensorShape => ({ dims, elemType: 1 });
    const c = nodeCost({
      opType: 'Conv',
      domain: '',
      attrs: { group: 32, kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
      inputs: [f32(1, 32, 56, 56), f32(32, 1, 3, 3)],
      outputs: [f32(1, 32, 56, 56)],
    });
    const pi = getPreset('raspberry-pi-4');
    const bytes = c.bytesRead + c.bytesWritten;
    expect(bytes / (12.8e9 * 0.4)).toBeGreaterThan(c.flops / (48e9 * 0.25)); // memory-bound
    const expected = Math.max(c.flops / (48e9 * 0.25), bytes / (12.8e9 * 0.4)) * 1e3 + 0.02;
    expect(modeledNodeMs(c, pi)).toBeCloseTo(expected, 9);
    expect(modeledNodeMs(c, getPreset('cloud-v100'))).toBeLessThan(modeledNodeMs(c, pi));
  });
});

describe('device presets', () => {
  test('getPreset rejects an unknown name with BAD_OPTION listing the valid names', () => {
    for (const name of ['raspberry-pi-3', 'toString', '']) {
      const err = caught(() => getPreset(name));
      expect(err).toBeInstanceOf(InputError);
      expect(err.code).toBe('BAD_OPTION');
      expect(err.message).toContain(JSON.stringify(name));
      for (const valid of presetNames()) expect(err.message).toContain(valid);
    }
  });

  test('presetNames lists edge and cloud devices', () => {
    expect(presetNames()).toEqual(
      expect.arrayContaining([
        'raspberry-pi-4',
        'raspberry-pi-5',
        'jetson-nano',
        'jetson-orin-nano',
        'phone-big-core',
        'xeon-16-core',
        'cloud-t4',
        'cloud-v100',
        'cloud-a100',
      ]),
    );
  });

  test.each(Object.keys(DEVICE_PRESETS))('%s is a valid spec under its own name, with a source', (name) => {
    const preset = getPreset(name);
    expect(preset.name).toBe(name);
    expect(parseDeviceSpec(JSON.parse(JSON.stringify(preset)), `preset ${name}`)).toEqual(preset);
    expect(preset.source).toMatch(/datasheet|product brief|specifications/);
    expect(Object.isFrozen(preset)).toBe(true);
  });

  test.each<[string, number, number]>([
    ['jetson-nano', 235.9, 25.6],
    ['cloud-v100', 15700, 900],
    ['cloud-t4', 8100, 320],
    ['cloud-a100', 19500, 1555],
  ])('%s: %d GFLOP/s fp32 and %d GB/s from the datasheet', (name, gflops, gbps) => {
    expect(getPreset(name)).toMatchObject({ peakGflops: gflops, memoryGBps: gbps });
  });
});
