/**
 * The cut tensors of the bundled Fashion-MNIST models on the first test images: what bench:codec
 * measures, and what the codec's diagnostic scripts (ab-codec, v5-sizes, v6-sizes) compare on.
 */
import { readFileSync } from 'node:fs';
import { fitToModelInput, loadDataset } from '../src/data';
import { buildDag, cutPoints, readModelFile, type ModelProto } from '../src/graph';
import { createTensor, openSession } from '../src/runtime';

const BUNDLED_DIR = 'datasets/fashion-mnist';
const BUNDLED_MODELS = ['vgg', 'resnet', 'inception'] as const;

/** One cut point's tensor: `count` samples of one shape. */
export interface BundledTensor {
  /** "<model> cut <index>", as bench:codec's table names it. */
  readonly name: string;
  /** The ONNX tensor's name. */
  readonly tensor: string;
  /** Whether it is the model's input (cut point 0, cloud-only). */
  readonly input: boolean;
  /** Shape of one sample. */
  readonly shape: readonly number[];
  readonly samples: readonly Float32Array[];
}

/**
 * The tensor of every cut point of each bundled model for the first `count` test images (the
 * model input, then each layer's output in execution order), captured by a copy of the model that
 * outputs them, one image per run.
 */
export async function bundledTensors(count: number): Promise<BundledTensor[]> {
  const meta = JSON.parse(readFileSync(`${BUNDLED_DIR}/models.json`, 'utf8')) as {
    preprocessing: { scale: number; mean: number[]; std: number[] };
  };
  const { scale, mean, std } = meta.preprocessing;
  const images = await loadDataset(`${BUNDLED_DIR}/t10k-images-idx3-ubyte.gz`, undefined, {
    scale,
    mean,
    std,
  });
  const out: BundledTensor[] = [];
  for (const name of BUNDLED_MODELS) {
    const loaded = readModelFile(`${BUNDLED_DIR}/${name}.onnx`);
    const dag = buildDag(loaded.model, name);
    const g = loaded.model.graph ?? {};
    const inputName = g.input?.[0]?.name ?? 'input';
    const cuts = cutPoints(dag).map((c) => c.tensors[0].name);
    const capture: ModelProto = {
      ...loaded.model,
      graph: { ...g, output: cuts.filter((t) => t !== inputName).map((t) => ({ name: t })) },
    };
    const dataset = fitToModelInput(images, [1, 1, 28, 28], inputName);
    const session = await openSession(capture, {});
    const samples: Float32Array[][] = cuts.map(() => []);
    const shapes: number[][] = [];
    try {
      for (let k = 0; k < count; k++) {
        const image = new Float32Array(dataset.data.subarray(k * 28 * 28, (k + 1) * 28 * 28));
        const feed = createTensor('float32', image, [1, 1, 28, 28]);
        const result = await session.run({ [inputName]: feed });
        cuts.forEach((tensor, index) => {
          const value = tensor === inputName ? feed : result[tensor];
          shapes[index] = value.dims.slice(1);
          samples[index].push(new Float32Array(value.data as Float32Array));
        });
      }
    } finally {
      await session.release();
    }
    cuts.forEach((tensor, index) =>
      out.push({
        name: `${name} cut ${index}`,
        tensor,
        input: tensor === inputName,
        shape: shapes[index],
        samples: samples[index],
      }),
    );
  }
  return out;
}
