/**
 * Where ONNX Runtime runs a model: this machine's CPU, or a GPU through one of ORT's execution
 * providers (`--device cpu|webgpu|cuda[:N]`).
 *
 * A GPU provider is checked before any work, in a child process: the WebGPU provider's adapter
 * search (Dawn) and the CUDA provider's library loader write to the process's own stderr from
 * native code, which no log setting of ORT silences, and a broken driver can abort the process.
 * The child's output is read here and reduced to one line; the user's terminal sees nothing else.
 */
import { execFile } from 'child_process';
import * as os from 'os';
import { InputError } from '../core/errors';
import { encodeModel } from '../graph/model-io';
import { model, node, valueInfo } from '../graph/build';

/** The execution providers jalad can use. */
export type DeviceKind = 'cpu' | 'webgpu' | 'cuda';

/** A device as given on the command line: the provider and, for CUDA, the GPU's index. */
export interface DeviceChoice {
  readonly kind: DeviceKind;
  /** The GPU's index for CUDA (`cuda:1`); 0 when not given. */
  readonly index: number;
}

/** What a profile records about the device it was measured on. */
export interface DeviceInfo {
  readonly kind: DeviceKind;
  readonly index: number;
  /** The device's name as the system reports it (CPU model, `nvidia-smi`'s GPU name), or 'unknown'. */
  readonly name: string;
  /** The GPU driver's version where the system reports one; null for the CPU or when unknown. */
  readonly driver: string | null;
  /** The execution-provider options given to ONNX Runtime. */
  readonly providerOptions: ProviderOptions;
}

/** One execution provider's options, as ONNX Runtime takes them. */
export interface ProviderOptions {
  readonly name: DeviceKind;
  /** CUDA's GPU index. */
  readonly deviceId?: number;
}

/** The CPU, ONNX Runtime's default. */
export const CPU: DeviceChoice = { kind: 'cpu', index: 0 };

const KINDS: readonly DeviceKind[] = ['cpu', 'webgpu', 'cuda'];

/**
 * Parses `cpu`, `webgpu` or `cuda[:N]`.
 * @param flag the flag it came from, for the message ('--device')
 * @throws InputError 'BAD_OPTION' naming the flag and the value
 */
export function parseDevice(text: string, flag = '--device'): DeviceChoice {
  const m = /^(cpu|webgpu|cuda)(?::(\d{1,2}))?$/.exec(text.trim());
  if (!m || (m[2] !== undefined && m[1] !== 'cuda'))
    throw new InputError(
      'BAD_OPTION',
      `${flag} ${JSON.stringify(text)}: expected ${KINDS.join(', ')} or cuda:N (N the GPU's index, 0-99)`,
    );
  return { kind: m[1] as DeviceKind, index: m[2] === undefined ? 0 : Number(m[2]) };
}

/** `cpu`, `webgpu`, `cuda:1`: the device as the user writes it. */
export function deviceLabel(d: DeviceChoice): string {
  return d.kind === 'cuda' && d.index !== 0 ? `cuda:${d.index}` : d.kind;
}

/** The execution-provider options ONNX Runtime gets for a device (CPU: none beyond its default). */
export function providerOptions(d: DeviceChoice): ProviderOptions {
  if (d.kind === 'cuda') return { name: 'cuda', deviceId: d.index };
  if (d.kind === 'webgpu') return { name: 'webgpu' };
  return { name: 'cpu' };
}

/**
 * ORT's `executionProviders` session option for a device. A GPU provider comes first and the CPU
 * after it: ORT places each node on the first provider that implements it, so an operator the GPU
 * provider lacks runs on the CPU instead of failing the whole model.
 */
export function executionProviders(d: DeviceChoice): Array<'cpu' | ProviderOptions> {
  return d.kind === 'cpu' ? ['cpu'] : [providerOptions(d), 'cpu'];
}

/** What the child process reports. */
interface ProbeResult {
  readonly ok: boolean;
  readonly error?: string;
}

// NOTE: plain JavaScript for `node -e`, so it runs from the built CLI and from ts-jest alike. It
// opens a one-node model on the provider, runs it once (an adapter or driver failure may only show
// on the first run) and prints one JSON line.
const PROBE_SCRIPT = `
const ort = require(process.argv[1]);
ort.env.logLevel = 'fatal';
const bytes = Buffer.from(process.argv[2], 'base64');
const eps = JSON.parse(process.argv[3]);
(async () => {
  try {
    const s = await ort.InferenceSession.create(bytes, { executionProviders: eps, logSeverityLevel: 4 });
    const x = new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [4]);
    await s.run({ x });
    await s.release();
    process.stdout.write(JSON.stringify({ ok: true }) + '\\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, error: String((e && e.message) || e) }) + '\\n');
  }
})();
`;

/** A model of one Relu, enough to make a provider find its device and compile a kernel. */
function probeModel(): Uint8Array {
  return encodeModel(
    model({
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [valueInfo('x', 1, [4])],
      outputs: [valueInfo('y', 1, [4])],
    }),
  );
}

/** How long a provider may take to find its device before jalad gives up on it. */
const PROBE_TIMEOUT_MS = 60_000;

function runProbe(d: DeviceChoice): Promise<ProbeResult> {
  const args = [
    '-e',
    PROBE_SCRIPT,
    require.resolve('onnxruntime-node'),
    Buffer.from(probeModel()).toString('base64'),
    JSON.stringify([providerOptions(d)]),
  ];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20, env: process.env },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (line) {
          try {
            resolve(JSON.parse(line) as ProbeResult);
            return;
          } catch {
            // fall through: not our line
          }
        }
        const killed = err && (err as NodeJS.ErrnoException & { killed?: boolean }).killed;
        resolve({
          ok: false,
          error: killed
            ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s`
            : `the check process ended without an answer (${lastLine(stderr) || String(err?.message ?? 'no output')})`,
        });
      },
    );
  });
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

const INSTALL_CUDA =
  'ONNX Runtime for Node ships it outside npm: remove "onnxruntime-node-install=skip" from .npmrc, then run ' +
  '`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (downloads from NuGet; needs CUDA 12 and cuDNN 9 on the machine)';

/**
 * The one line a user sees when a device cannot be used: which device, what is missing, what to do.
 * Exported for tests, which check the wording for each known failure of ORT.
 */
export function refusalLine(d: DeviceChoice, runtimeMessage: string): string {
  const label = `--device ${deviceLabel(d)}`;
  const msg = runtimeMessage.replace(/\s+/g, ' ').trim();
  if (d.kind === 'webgpu' && /adapter/i.test(msg))
    return (
      `${label}: no GPU adapter found (ONNX Runtime's bundled WebGPU provider found no Vulkan-capable GPU ` +
      'on this machine); use --device cpu'
    );
  if (d.kind === 'cuda' && /failed to load shared library|providers_shared|providers_cuda/i.test(msg))
    return `${label}: ONNX Runtime's CUDA provider library is not installed; ${INSTALL_CUDA}`;
  if (
    d.kind === 'cuda' &&
    /no CUDA-capable device|invalid device ordinal|CUDA failure 100|CUDA failure 101/i.test(msg)
  )
    return `${label}: no such CUDA GPU on this machine (the CUDA provider is installed); use --device cpu or another index`;
  if (/backend not found|no available backend/i.test(msg))
    return `${label}: this build of ONNX Runtime has no ${d.kind} provider for ${os.platform()}/${os.arch()}`;
  const short = msg.length > 300 ? `${msg.slice(0, 297)}...` : msg;
  return `${label}: ONNX Runtime could not use the device: ${short}`;
}

/** `nvidia-smi`'s name and driver for a GPU, or unknowns when the tool is absent. */
function nvidiaSmi(index: number): Promise<{ name: string; driver: string | null }> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,driver_version', '--format=csv,noheader', '-i', String(index)],
      { timeout: 10_000 },
      (err, stdout) => {
        const [name, driver] = err ? [] : stdout.trim().split(/\s*,\s*/);
        resolve({ name: name || 'unknown', driver: driver || null });
      },
    );
  });
}

const checked = new Map<string, Promise<DeviceInfo>>();

/**
 * Makes sure a device can run models, once per process, and describes it.
 * @throws InputError 'NO_DEVICE' with one line saying which device, what is missing and what to do
 */
export function checkDevice(d: DeviceChoice): Promise<DeviceInfo> {
  const key = deviceLabel(d);
  let pending = checked.get(key);
  if (!pending) {
    pending = describeDevice(d);
    checked.set(key, pending);
    // A refused device is asked again next time (the user may have fixed it in between).
    pending.catch(() => checked.delete(key));
  }
  return pending;
}

async function describeDevice(d: DeviceChoice): Promise<DeviceInfo> {
  const providerOpts = providerOptions(d);
  if (d.kind === 'cpu')
    return {
      ...d,
      name: os.cpus()[0]?.model.trim() ?? 'unknown',
      driver: null,
      providerOptions: providerOpts,
    };
  const probe = await runProbe(d);
  if (!probe.ok) throw new InputError('NO_DEVICE', refusalLine(d, probe.error ?? 'unknown failure'));
  // NOTE: ORT's Node binding reports neither the adapter nor the driver; for CUDA nvidia-smi does.
  // A WebGPU adapter's name stays unknown rather than guessed.
  const smi = d.kind === 'cuda' ? await nvidiaSmi(d.index) : { name: 'unknown', driver: null };
  return { ...d, name: smi.name, driver: smi.driver, providerOptions: providerOpts };
}
