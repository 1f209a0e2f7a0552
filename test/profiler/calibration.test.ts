import { calibration } from '../../src/profiler/node-times';

describe('calibration(kernelMs, targetMs)', () => {
  test('no target or no kernels: unchanged', () => {
    expect(calibration([1, 2], 0)).toEqual({ deltaMs: 0, scale: 1 });
    expect(calibration([], 3)).toEqual({ deltaMs: 0, scale: 1 });
  });
  test('profiled kernels sum to more than the unprofiled run: subtract the same cost from each', () => {
    const { deltaMs, scale } = calibration([1, 2, 3], 4.5);
    expect(scale).toBe(1);
    expect(deltaMs).toBeCloseTo(0.5, 9);
  });
  test('kernels shorter than the cost floor at zero', () => {
    const { deltaMs } = calibration([0.1, 5], 4);
    expect(deltaMs).toBeCloseTo(1, 9);
    expect(Math.max(0, 0.1 - deltaMs) + Math.max(0, 5 - deltaMs)).toBeCloseTo(4, 9);
  });
  test('kernels sum to less than the run (time between kernels): scale up', () => {
    expect(calibration([1, 1], 3)).toEqual({ deltaMs: 0, scale: 1.5 });
  });
  test('200,000 kernels (beyond what Math.max(...) takes as arguments): the overhead is still found', () => {
    const kernels = Array.from({ length: 200_000 }, (_, i) => (i % 2 === 0 ? 0.01 : 0.03));
    // The overhead of 0.005 ms per kernel is taken off each kernel: sum 4000 -> 3000 ms.
    const { deltaMs, scale } = calibration(kernels, 3000);
    expect(scale).toBe(1);
    expect(deltaMs).toBeCloseTo(0.005, 6);
  });
});
