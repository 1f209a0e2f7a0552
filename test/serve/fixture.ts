/**
 * A small split to serve: the zoo's chain model, 40 random samples labelled by the model itself
 * (a quarter relabelled so accuracy is not 100%), an analysis with a decision table, and a
 * plan directory solved from it with its tensors quantized.
 */
import * as fs from 'fs';
import * as path from 'path';
import { encodeModel } from '../../src/graph';
import { loadDataset, type Dataset } from '../../src/data';
import { analyzeModel } from '../../src/pipeline/analyze';
import { solveAndSplit } from '../../src/pipeline/solve-split';
import { mulberry32 } from '../../src/core/random';
import { argmax, createTensor, openSession } from '../../src/runtime';
import { npyBytes, npyPayload, tempDir, type TempDir } from '../data/fixtures';
import { chain } from '../helpers/zoo';

/** Paths and the loaded data of the fixture. */
export interface ServeFixture {
  readonly dir: TempDir;
  readonly modelPath: string;
  readonly dataPath: string;
  readonly labelsPath: string;
  readonly analysisPath: string;
  readonly planDir: string;
  readonly dataset: Dataset;
}

/** Builds the fixture in a temporary folder (the caller removes `dir`). */
export async function serveFixture(samples = 40): Promise<ServeFixture> {
  const dir = tempDir('jalad-serve-');
  const modelPath = path.join(dir.root, 'chain.onnx');
  const dataPath = path.join(dir.root, 'x.npy');
  const labelsPath = path.join(dir.root, 'y.npy');
  fs.writeFileSync(modelPath, encodeModel(chain()));
  const rand = mulberry32(5);
  const inputs = new Float32Array(samples * 3 * 8 * 8).map(() => (rand() / 2 ** 32) * 2 - 0.5);
  fs.writeFileSync(dataPath, npyBytes(1, '<f4', [samples, 3, 8, 8], npyPayload('<f4', inputs)));
  const s = await openSession(fs.readFileSync(modelPath));
  const out = (await s.run({ input: createTensor('float32', inputs, [samples, 3, 8, 8]) })).logits;
  await s.release();
  const labels = Array.from({ length: samples }, (_, i) => {
    const p = argmax(out.data as Float32Array, i * 10, 10);
    return i % 4 === 3 ? (p + 3) % 10 : p;
  });
  fs.writeFileSync(labelsPath, npyBytes(1, '<i8', [samples], npyPayload('<i8', labels)));
  const analysis = await analyzeModel(modelPath, {
    data: { data: dataPath, labels: labelsPath },
    bits: [2, 8],
    runs: 3,
    warmup: 1,
    maxLossPct: 100,
    batchSize: 40,
  });
  const analysisPath = path.join(dir.root, 'analysis.json');
  fs.writeFileSync(analysisPath, JSON.stringify(analysis));
  const planDir = path.join(dir.root, 'plan');
  await solveAndSplit({
    analysisPath,
    outDir: planDir,
    maxLossPct: 100,
    bandwidthMbps: 1,
    rttMs: 0,
    bits: 2,
  });
  const dataset = await loadDataset(dataPath, labelsPath);
  return { dir, modelPath, dataPath, labelsPath, analysisPath, planDir, dataset };
}
