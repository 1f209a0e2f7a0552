/**
 * Named device specs for the modeled profile (see device-spec.ts), for when the device is not
 * at hand to measure. Peak figures are fp32 and come from the vendors' public datasheets and
 * product briefs, named in each `source`; where a datasheet gives cores and clocks rather than
 * FLOP/s, the peak is derived as cores × clock × FLOPs per cycle, and the derivation is stated.
 *
 * NOTE: `efficiency`, `memoryEfficiency` and `nodeOverheadMs` are assumptions, not datasheet
 * figures: a batch-1 CNN layer in ONNX Runtime typically reaches a quarter to a half of peak
 * FLOP/s (the lower end on small ARM boards), sustained bandwidth is 60-85 % of
 * the datasheet figure on GPUs and servers but far less on single-channel boards, and each
 * node costs a kernel launch or runtime dispatch (tens of µs on embedded hosts, ~10 µs on
 * servers). Measure the device (`jalad profile`) when precision matters.
 */
import { InputError } from '../core/errors';
import type { DeviceSpec } from './device-spec';

const ASSUMED = 'efficiency, memoryEfficiency and nodeOverheadMs are assumptions';

/** Named device specs, edge devices first, then cloud ones. Frozen: copy to modify. */
export const DEVICE_PRESETS: Readonly<Record<string, DeviceSpec>> = Object.freeze({
  // 4 × Cortex-A72 @ 1.5 GHz; one 128-bit NEON FMLA per cycle per core = 8 fp32 FLOPs/cycle.
  // LPDDR4-3200 on a 32-bit bus: 3.2e9 T/s × 4 B = 12.8 GB/s.
  'raspberry-pi-4': Object.freeze<DeviceSpec>({
    name: 'raspberry-pi-4',
    peakGflops: 48,
    memoryGBps: 12.8,
    efficiency: 0.25,
    memoryEfficiency: 0.4,
    nodeOverheadMs: 0.02,
    source:
      `Raspberry Pi 4 Model B product brief (BCM2711, 4x Cortex-A72 @ 1.5 GHz, LPDDR4-3200); ` +
      `Arm Cortex-A72 Software Optimization Guide (8 fp32 FLOP/cycle/core); ${ASSUMED}`,
  }),
  // 4 × Cortex-A76 @ 2.4 GHz; two 128-bit NEON FMA pipes per core = 16 fp32 FLOPs/cycle.
  // LPDDR4X-4267 on a 32-bit bus: 4.267e9 T/s × 4 B = 17.07 GB/s.
  'raspberry-pi-5': Object.freeze<DeviceSpec>({
    name: 'raspberry-pi-5',
    peakGflops: 153.6,
    memoryGBps: 17.07,
    efficiency: 0.25,
    memoryEfficiency: 0.5,
    nodeOverheadMs: 0.01,
    source:
      `Raspberry Pi 5 product brief (BCM2712, 4x Cortex-A76 @ 2.4 GHz, LPDDR4X-4267); ` +
      `Arm Cortex-A76 Software Optimization Guide (16 fp32 FLOP/cycle/core); ${ASSUMED}`,
  }),
  // 128 Maxwell CUDA cores @ 921.6 MHz × 2 = 235.9 GFLOP/s fp32 (the datasheet's 472 GFLOPS is fp16).
  // 4 GB 64-bit LPDDR4 at 25.6 GB/s.
  'jetson-nano': Object.freeze<DeviceSpec>({
    name: 'jetson-nano',
    peakGflops: 235.9,
    memoryGBps: 25.6,
    efficiency: 0.4,
    memoryEfficiency: 0.7,
    nodeOverheadMs: 0.05,
    source: `NVIDIA Jetson Nano module datasheet (128-core Maxwell GPU, 472 GFLOPS fp16 = 235.9 fp32, 64-bit LPDDR4 25.6 GB/s); ${ASSUMED}`,
  }),
  // 1024 Ampere CUDA cores @ 625 MHz × 2 = 1280 GFLOP/s fp32; 8 GB 128-bit LPDDR5 at 68 GB/s.
  // (JetPack 6.1 "Super" clocks raise these to 1020 MHz and 102 GB/s: define your own spec.)
  'jetson-orin-nano': Object.freeze<DeviceSpec>({
    name: 'jetson-orin-nano',
    peakGflops: 1280,
    memoryGBps: 68,
    efficiency: 0.4,
    memoryEfficiency: 0.7,
    nodeOverheadMs: 0.02,
    source: `NVIDIA Jetson Orin Nano series datasheet, 8GB module (1024-core Ampere GPU, max 625 MHz, 128-bit LPDDR5 68 GB/s); ${ASSUMED}`,
  }),
  // One big core of a flagship phone SoC, the Cortex-A78 @ 2.42 GHz of the Snapdragon 888
  // (two 128-bit NEON FMA pipes = 16 fp32 FLOPs/cycle: 38.72 GFLOP/s), single-threaded.
  // LPDDR5-6400 on 4 × 16-bit channels = 51.2 GB/s, of which one core sustains little.
  'phone-big-core': Object.freeze<DeviceSpec>({
    name: 'phone-big-core',
    peakGflops: 38.72,
    memoryGBps: 51.2,
    efficiency: 0.4,
    memoryEfficiency: 0.3,
    nodeOverheadMs: 0.01,
    source:
      `Qualcomm Snapdragon 888 product brief (Cortex-A78 @ 2.42 GHz, LPDDR5 @ 3200 MHz); ` +
      `Arm Cortex-A78 Software Optimization Guide (16 fp32 FLOP/cycle/core); one core; ${ASSUMED}`,
  }),
  // 16 cores × 2 AVX-512 FMA units (64 fp32 FLOPs/cycle) × an assumed 2.0 GHz all-core AVX-512
  // clock = 2048 GFLOP/s; 6 channels of DDR4-2933 = 6 × 23.47 = 140.8 GB/s (one socket).
  'xeon-16-core': Object.freeze<DeviceSpec>({
    name: 'xeon-16-core',
    peakGflops: 2048,
    memoryGBps: 140.8,
    efficiency: 0.5,
    memoryEfficiency: 0.7,
    nodeOverheadMs: 0.005,
    source:
      `Intel Xeon Scalable 2nd gen (Cascade Lake) Gold 62xx product specifications (16 cores, 2 AVX-512 FMA units, 6x DDR4-2933); ` +
      `2.0 GHz AVX-512 clock assumed; ${ASSUMED}`,
  }),
  'cloud-t4': Object.freeze<DeviceSpec>({
    name: 'cloud-t4',
    peakGflops: 8100,
    memoryGBps: 320,
    efficiency: 0.35,
    memoryEfficiency: 0.75,
    nodeOverheadMs: 0.01,
    source: `NVIDIA T4 Tensor Core GPU datasheet (8.1 TFLOPS fp32, 320 GB/s GDDR6); ${ASSUMED}`,
  }),
  'cloud-v100': Object.freeze<DeviceSpec>({
    name: 'cloud-v100',
    peakGflops: 15700,
    memoryGBps: 900,
    efficiency: 0.45,
    memoryEfficiency: 0.85,
    nodeOverheadMs: 0.01,
    source: `NVIDIA Tesla V100 datasheet, SXM2 (15.7 TFLOPS fp32, 900 GB/s HBM2); ${ASSUMED}`,
  }),
  // fp32 without TF32 tensor cores (156 TFLOPS TF32 would be the figure if TF32 is enabled).
  'cloud-a100': Object.freeze<DeviceSpec>({
    name: 'cloud-a100',
    peakGflops: 19500,
    memoryGBps: 1555,
    efficiency: 0.45,
    memoryEfficiency: 0.85,
    nodeOverheadMs: 0.01,
    source: `NVIDIA A100 Tensor Core GPU datasheet, 40 GB (19.5 TFLOPS fp32, 1555 GB/s HBM2); ${ASSUMED}`,
  }),
});

/**
 * Names of the device presets, in declaration order (edge devices first).
 * @example presetNames() // ['raspberry-pi-4', 'raspberry-pi-5', ..., 'cloud-a100']
 */
export function presetNames(): string[] {
  return Object.keys(DEVICE_PRESETS);
}

/**
 * The device spec of a named preset.
 * @param name a preset name, e.g. 'raspberry-pi-4'
 * @throws InputError 'BAD_OPTION' naming the value received and listing the valid names
 * @example modeledNodeMs(cost, getPreset('jetson-nano'))
 */
export function getPreset(name: string): DeviceSpec {
  if (typeof name !== 'string' || !Object.hasOwn(DEVICE_PRESETS, name)) {
    throw new InputError(
      'BAD_OPTION',
      `getPreset: device preset ${JSON.stringify(name)} is unknown (valid: ${presetNames().join(', ')})`,
    );
  }
  return DEVICE_PRESETS[name];
}
