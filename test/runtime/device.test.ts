import { InputError } from '../../src/core/errors';
import {
  CPU,
  checkDevice,
  deviceLabel,
  executionProviders,
  parseDevice,
  refusalLine,
} from '../../src/runtime/device';
import { listSupportedBackends } from 'onnxruntime-node';
import { openSession } from '../../src/runtime/session';
import { createTensor } from '../../src/runtime/tensor';
import { model, node, valueInfo } from '../../src/graph/build';

describe('parseDevice', () => {
  it.each([
    ['cpu', 'cpu', 0],
    ['webgpu', 'webgpu', 0],
    ['cuda', 'cuda', 0],
    ['cuda:1', 'cuda', 1],
    [' cuda:12 ', 'cuda', 12],
  ])('%s', (text, kind, index) => {
    expect(parseDevice(text)).toEqual({ kind, index });
  });

  it.each(['', 'gpu', 'CUDA', 'cuda:', 'cuda:-1', 'cuda:100', 'webgpu:0', 'cpu:1', 'tensorrt'])(
    'refuses %j naming the flag',
    (text) => {
      expect(() => parseDevice(text, '--device')).toThrow(InputError);
      expect(() => parseDevice(text, '--device')).toThrow(/^--device .*expected cpu, webgpu, cuda or cuda:N/);
    },
  );

  it('labels and providers', () => {
    expect(deviceLabel({ kind: 'cuda', index: 2 })).toBe('cuda:2');
    expect(deviceLabel({ kind: 'cuda', index: 0 })).toBe('cuda');
    expect(executionProviders(CPU)).toEqual(['cpu']);
    expect(executionProviders({ kind: 'cuda', index: 1 })).toEqual([{ name: 'cuda', deviceId: 1 }, 'cpu']);
    expect(executionProviders({ kind: 'webgpu', index: 0 })).toEqual([{ name: 'webgpu' }, 'cpu']);
  });
});

describe('refusalLine', () => {
  it('names the missing adapter for WebGPU', () => {
    const line = refusalLine(
      { kind: 'webgpu', index: 0 },
      'webgpu_context.cc:136 ... Failed to get a WebGPU adapter: No supported adapters',
    );
    expect(line).toMatch(/^--device webgpu: no GPU adapter found/);
    expect(line).not.toMatch(/\n/);
  });
  it('says how to install the CUDA provider', () => {
    const line = refusalLine(
      { kind: 'cuda', index: 0 },
      'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
    );
    expect(line).toMatch(/^--device cuda: ONNX Runtime's CUDA provider library is not installed/);
    expect(line).toMatch(/onnxruntime-node-install=skip/);
    expect(line).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
  });
  it('names a missing GPU index', () => {
    expect(refusalLine({ kind: 'cuda', index: 3 }, 'CUDA failure 101: invalid device ordinal')).toMatch(
      /^--device cuda:3: no such CUDA GPU/,
    );
  });
  it('keeps an unknown reason to one bounded line', () => {
    const line = refusalLine({ kind: 'cuda', index: 0 }, `weird\n${'x'.repeat(1000)}`);
    expect(line).not.toMatch(/\n/);
    expect(line.length).toBeLessThan(400);
  });
});

describe('checkDevice (real ONNX Runtime, this machine)', () => {
  it('describes the CPU without a check process', async () => {
    const info = await checkDevice(CPU);
    expect(info.kind).toBe('cpu');
    expect(info.name.length).toBeGreaterThan(0);
    expect(info.driver).toBeNull();
  });

  // The bundled WebGPU provider needs a GPU adapter. Where the machine has none (CI, this
  // project's build machines) the check must refuse with the one line; where it has one, it must
  // pass and a model must run on it.
  it('refuses or accepts WebGPU consistently with a real session', async () => {
    expect(listSupportedBackends().map((b) => b.name)).toContain('webgpu');
    const d = { kind: 'webgpu' as const, index: 0 };
    let info;
    try {
      info = await checkDevice(d);
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).code).toBe('NO_DEVICE');
      expect((err as Error).message).toMatch(/^--device webgpu: /);
      expect((err as Error).message).not.toMatch(/\n/);
      // And a session on the provider really fails here.
      await expect(openSession(relu(), { device: d })).rejects.toThrow();
      return;
    }
    expect(info.kind).toBe('webgpu');
    const s = await openSession(relu(), { device: d });
    const out = await s.run({ x: createTensor('float32', new Float32Array([-1, 2]), [2]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([0, 2]);
    await s.release();
  }, 90_000);

  it('refuses CUDA with the install hint when the provider library is absent', async () => {
    const present = listSupportedBackends().find((b) => b.name === 'cuda');
    const d = { kind: 'cuda' as const, index: 0 };
    const result = await checkDevice(d).then(
      (info) => ({ ok: true as const, info }),
      (err: Error) => ({ ok: false as const, err }),
    );
    if (result.ok) {
      // A machine with the provider installed and a GPU: the name comes from nvidia-smi.
      expect(result.info.kind).toBe('cuda');
      return;
    }
    expect(result.err).toBeInstanceOf(InputError);
    expect(result.err.message).toMatch(/^--device cuda: /);
    expect(result.err.message).not.toMatch(/\n/);
    if (present && !present.bundled) expect(result.err.message).toMatch(/not installed|no such CUDA GPU/);
  }, 90_000);
});

function relu() {
  return model({
    nodes: [node('Relu', ['x'], ['y'])],
    inputs: [valueInfo('x', 1, [2])],
    outputs: [valueInfo('y', 1, [2])],
  });
}
