/**
 * A Triton model repository for the cloud half of a split: `<dir>/<name>/config.pbtxt` for
 * Triton's onnxruntime backend and `<dir>/<name>/1/model.onnx`, the cloud half itself, which starts
 * with the dequantizer (the codes, lo and hi come in; the model's outputs go out). The entropy
 * decoding stays outside Triton: a client decodes jalad's byte stream to codes, lo and hi (as
 * `jalad serve` does) and sends them as the model's inputs.
 */
import * as path from 'path';
import { InputError } from '../../core/errors';
import { checkOutputFolder, writeOutputSet } from '../../core/output-set';
import { DataType, decodeModel, toNumber, type ValueInfoProto } from '../../graph';
import { createTensor, openSession, type TensorMap } from '../../runtime';
import type { ServedPlan } from '../served-plan';
import { parseModelConfig } from './pbtxt';

/** Triton's DataType name for an ONNX element type. */
const TRITON_TYPES: Readonly<Record<number, string>> = {
  [DataType.FLOAT]: 'TYPE_FP32',
  [DataType.UINT8]: 'TYPE_UINT8',
  [DataType.INT8]: 'TYPE_INT8',
  [DataType.UINT16]: 'TYPE_UINT16',
  [DataType.INT16]: 'TYPE_INT16',
  [DataType.INT32]: 'TYPE_INT32',
  [DataType.INT64]: 'TYPE_INT64',
  [DataType.BOOL]: 'TYPE_BOOL',
  [DataType.FLOAT16]: 'TYPE_FP16',
  [DataType.DOUBLE]: 'TYPE_FP64',
  [DataType.UINT32]: 'TYPE_UINT32',
  [DataType.UINT64]: 'TYPE_UINT64',
};

/** Options of `tritonConfig`. */
export interface TritonOptions {
  /** The model's name in the repository (default "jalad_cloud"). */
  readonly name?: string;
  /** Largest batch Triton may form (default 8; 0 when the model's batch axis is fixed). */
  readonly maxBatchSize?: number;
}

interface Port {
  readonly name: string;
  readonly type: string;
  readonly dims: readonly number[];
}

function portsOf(list: readonly ValueInfoProto[], where: string): { ports: Port[]; dynamicBatch: boolean } {
  let dynamicBatch = true;
  const ports = list.map((v) => {
    const tt = v.type?.tensorType;
    const type = TRITON_TYPES[tt?.elemType ?? 0];
    if (!type)
      throw new InputError(
        'BAD_MODEL',
        `${where}: "${v.name}" has ONNX type ${tt?.elemType}, which Triton does not take`,
      );
    // A symbolic dim (a dim_param, or no value) is Triton's -1.
    const dims = (tt?.shape?.dim ?? []).map((d) => {
      const n = d.dimParam || d.dimValue === undefined || d.dimValue === null ? -1 : toNumber(d.dimValue);
      return n > 0 ? n : -1;
    });
    if (dims.length === 0 || dims[0] !== -1) dynamicBatch = false;
    return { name: v.name ?? '', type, dims };
  });
  return { ports, dynamicBatch };
}

/**
 * Output dims from one run on zeros (batch 1), for a model that declares outputs without a shape;
 * the batch axis becomes -1 when every input's is.
 */
async function probeOutputs(
  cloud: Uint8Array,
  inputs: readonly Port[],
  outputs: readonly Port[],
): Promise<{ ports: Port[]; dynamicBatch: boolean }> {
  const session = await openSession(cloud);
  try {
    const feeds: TensorMap = {};
    for (const i of inputs) {
      const dims = i.dims.map((d) => (d < 0 ? 1 : d));
      const n = dims.reduce((a, b) => a * b, 1);
      feeds[i.name] =
        i.type === 'TYPE_UINT8'
          ? createTensor('uint8', new Uint8Array(n), dims)
          : createTensor('float32', new Float32Array(n), dims);
    }
    const out = await session.run(feeds);
    const dynamic = inputs.every((i) => i.dims[0] === -1);
    return {
      ports: outputs.map((o) => ({
        ...o,
        dims: out[o.name].dims.map((d, k) => (k === 0 && dynamic ? -1 : d)),
      })),
      dynamicBatch: dynamic,
    };
  } finally {
    await session.release();
  }
}

/**
 * The config.pbtxt of a plan's cloud half.
 * @throws InputError BAD_MODEL for a port type Triton has no name for
 */
export async function tritonConfig(plan: ServedPlan, options: TritonOptions = {}): Promise<string> {
  const model = decodeModel(plan.cloud, `${plan.label} cloud part`);
  const inits = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  const ins = portsOf(
    (model.graph?.input ?? []).filter((i) => !inits.has(i.name)),
    'cloud part',
  );
  let outs = portsOf(model.graph?.output ?? [], 'cloud part');
  if (outs.ports.some((o) => o.dims.length === 0))
    outs = await probeOutputs(plan.cloud, ins.ports, outs.ports);
  const batched = ins.dynamicBatch && outs.dynamicBatch;
  const maxBatch = batched ? (options.maxBatchSize ?? 8) : 0;
  // With batching, Triton's dims leave the batch axis out; without, they are the model's own.
  const dimsOf = (p: Port) => (batched ? p.dims.slice(1) : p.dims.map((d) => (d < 0 ? 1 : d)));
  const block = (kind: 'input' | 'output', p: Port) =>
    `${kind} {\n  name: "${p.name}"\n  data_type: ${p.type}\n  dims: [ ${dimsOf(p).join(', ')} ]\n}\n`;
  return (
    `# The cloud half of jalad plan ${plan.label}: it starts with the dequantizer.\n` +
    `name: "${options.name ?? 'jalad_cloud'}"\n` +
    `backend: "onnxruntime"\n` +
    `max_batch_size: ${maxBatch}\n` +
    ins.ports.map((p) => block('input', p)).join('') +
    outs.ports.map((p) => block('output', p)).join('') +
    `instance_group {\n  count: 1\n  kind: KIND_CPU\n}\n`
  );
}

function modelName(options: TritonOptions): string {
  const name = options.name ?? 'jalad_cloud';
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..')
    throw new InputError('BAD_OPTION', `--triton-name ${name}: letters, digits, _ . - only`);
  return name;
}

/**
 * Checks, before any work, that `<dir>/<name>` can take the repository's model folder: missing,
 * empty, or one jalad wrote (the output rules of `writeOutputSet`); the rest of `dir` (other
 * models of the repository) is never touched.
 * @param outDir the split's own output folder, which must lie apart from the model folder
 * @throws InputError BAD_OPTION for a bad name or overlapping folders, BAD_OUTPUT naming what is in the way
 */
export function checkTritonRepository(dir: string, outDir: string, options: TritonOptions = {}): void {
  const folder = path.resolve(dir, modelName(options));
  const out = path.resolve(outDir);
  // Each is replaced as a whole: one inside the other would be a foreign file of the other.
  if (folder === out || folder.startsWith(out + path.sep) || out.startsWith(folder + path.sep))
    throw new InputError(
      'BAD_OPTION',
      `--triton ${dir}: its model folder ${path.join(dir, modelName(options))} and --out ${outDir} must not lie one inside the other`,
    );
  checkOutputFolder(folder, { flag: '--triton' });
}

/**
 * Writes the model folder `<dir>/<name>/` holding `config.pbtxt` and `1/model.onnx`, as one output
 * set (all or nothing; a folder jalad did not write, a symbolic link or a special file in the way
 * is refused), after checking the config against the schema.
 * @returns the paths written
 */
export async function writeTritonRepository(
  plan: ServedPlan,
  dir: string,
  options: TritonOptions = {},
): Promise<string[]> {
  const name = modelName(options);
  const config = await tritonConfig(plan, { ...options, name });
  parseModelConfig(config, path.join(dir, name, 'config.pbtxt'));
  return writeOutputSet(
    path.join(dir, name),
    [
      { name: 'config.pbtxt', data: config },
      { name: '1/model.onnx', data: plan.cloud },
    ],
    { flag: '--triton' },
  );
}
