/**
 * `--device` as a user meets it (the built bin/jalad.js in a child process): on a machine without
 * a usable GPU, every command that times or verifies refuses a GPU device in one line, exit 2,
 * before it writes anything; `cpu` works and is recorded.
 *
 * NOTE: the refusals are asserted only where this machine really cannot use the device (the
 * check is the same child-process probe jalad runs); on a machine with a GPU the same cases must
 * succeed instead, which `scripts/gpu-check.sh` exercises.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeModel } from '../src/graph';
import { checkDevice, type DeviceChoice } from '../src/runtime/device';
import { chain } from './helpers/zoo';

const BIN = path.join(__dirname, '..', 'dist', 'bin', 'jalad.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-cli-device-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const modelPath = path.join(tmp, 'chain.onnx');
fs.writeFileSync(modelPath, encodeModel(chain({ batch: 1 })));

function jalad(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function expectRefusal(r: ReturnType<typeof jalad>, device: string): void {
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(new RegExp(`^jalad: --device ${device}: `));
  expect(r.err).not.toMatch(/\n\s+at |onnxruntime:|XDG_RUNTIME_DIR|Vulkan shader/);
}

async function usable(d: DeviceChoice): Promise<boolean> {
  return checkDevice(d).then(
    () => true,
    () => false,
  );
}

describe('a GPU this machine cannot use', () => {
  let webgpu = true;
  let cuda = true;
  beforeAll(async () => {
    webgpu = await usable({ kind: 'webgpu', index: 0 });
    cuda = await usable({ kind: 'cuda', index: 0 });
  }, 120_000);

  test('profile --device webgpu / cuda: one line, no profile written', () => {
    if (!webgpu) {
      const out = path.join(tmp, 'p-webgpu.json');
      expectRefusal(jalad('profile', modelPath, '--device', 'webgpu', '-q', '--out', out), 'webgpu');
      expect(fs.existsSync(out)).toBe(false);
    }
    if (!cuda) {
      const out = path.join(tmp, 'p-cuda.json');
      const r = jalad('profile', modelPath, '--device', 'cuda:1', '-q', '--out', out);
      expectRefusal(r, 'cuda:1');
      expect(fs.existsSync(out)).toBe(false);
    }
  }, 120_000);

  test('analyze: --device and local:DEVICE are checked before any work', () => {
    if (webgpu) return;
    const out = path.join(tmp, 'a-webgpu');
    expectRefusal(jalad('analyze', modelPath, '--device', 'webgpu', '-q', '--out', out), 'webgpu');
    expectRefusal(jalad('analyze', modelPath, '--cloud', 'local:webgpu/2', '-q', '--out', out), 'webgpu');
    expect(fs.existsSync(out)).toBe(false);
  }, 120_000);

  test('bench --cloud-device and split --cut --device', () => {
    if (webgpu) return;
    expectRefusal(jalad('bench', modelPath, '--cut', 'r2', '--cloud-device', 'webgpu', '-q'), 'webgpu');
    const out = path.join(tmp, 's-webgpu');
    expectRefusal(
      jalad('split', modelPath, '--cut', 'r2', '--device', 'webgpu', '-q', '--out', out),
      'webgpu',
    );
    expect(fs.existsSync(out)).toBe(false);
  }, 120_000);
});

describe('--device values', () => {
  test('a malformed device is a usage error naming the flag', () => {
    const r = jalad('profile', modelPath, '--device', 'gpu0', '--out', path.join(tmp, 'x.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--device/);
    expect(r.err).toMatch(/expected cpu, webgpu, cuda or cuda:N/);
    const bad = jalad('analyze', modelPath, '--edge', 'local:tpu', '-q', '--out', path.join(tmp, 'y'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^jalad: --edge "tpu": expected cpu, webgpu, cuda or cuda:N/);
  });

  test('--device with --no-profile or with a solved split is refused as not applying', () => {
    const a = jalad(
      'analyze',
      modelPath,
      '--no-profile',
      '--device',
      'cpu',
      '-q',
      '--out',
      path.join(tmp, 'z'),
    );
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--device/);
    const s = jalad('split', '--device', 'cpu', '-q', '--out', path.join(tmp, 'z2'));
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/--device.*explicit --cut/);
  });

  test('profile --device cpu records the device; analyze --edge local:cpu measures it', () => {
    const out = path.join(tmp, 'cpu.json');
    const r = jalad(
      'profile',
      modelPath,
      '--device',
      'cpu',
      '--runs',
      '3',
      '--warmup',
      '1',
      '-q',
      '--out',
      out,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const profile = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(profile.device.kind).toBe('cpu');
    expect(profile.device.index).toBe(0);
    expect(profile.device.name).toBe(os.cpus()[0].model.trim());
    expect(profile.device.providerOptions).toEqual({ name: 'cpu' });
    expect(profile.label).toBe('this machine');

    const dir = path.join(tmp, 'a-cpu');
    const a = jalad(
      'analyze',
      modelPath,
      '--edge',
      'local:cpu',
      '--cloud',
      'raspberry-pi-4',
      '--runs',
      '3',
      '--warmup',
      '1',
      '-q',
      '--out',
      dir,
      '--json',
    );
    expect(a.code).toBe(0);
    const analysis = JSON.parse(a.out);
    expect(analysis.profiles.edge.device.kind).toBe('cpu');
    expect(analysis.profiles.edge.kind).toBe('measured');
  }, 180_000);
});
