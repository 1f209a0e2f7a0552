/**
 * Benchmark: analyze and split a model with ~100 MB of float32 weights.
 * Prints wall times, peak RSS and whether initializer bytes stayed views of the file
 * buffer (no needless copies). Run: npm run bench:large
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { DataType, encodeModel, model, node, readModelFile, valueInfo, type TensorProto } from '../src/graph';
import { analyzeModel } from '../src/pipeline/analyze';
import { splitAtCut } from '../src/pipeline/split-at-cut';

/** A float32 initializer of small deterministic values (content does not matter for timing). */
function weight(name: string, dims: number[]): TensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 2654435761) % 1000) / 1e6 - 5e-4;
  return { name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(data.buffer) };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-large-'));
  const widths = [1024, 4096, 4096, 1024, 10];
  const nodes = [];
  const inits: TensorProto[] = [];
  let x = 'input';
  for (let i = 0; i + 1 < widths.length; i++) {
    inits.push(weight(`W${i}`, [widths[i + 1], widths[i]]), weight(`b${i}`, [widths[i + 1]]));
    nodes.push(node('Gemm', [x, `W${i}`, `b${i}`], [`fc${i}`], { transB: 1 }));
    x = `fc${i}`;
    if (i + 2 < widths.length) {
      nodes.push(node('Relu', [x], [`relu${i}`]));
      x = `relu${i}`;
    }
  }
  const file = path.join(dir, 'large.onnx');
  fs.writeFileSync(
    file,
    encodeModel(
      model({
        nodes,
        initializers: inits,
        inputs: [valueInfo('input', DataType.FLOAT, ['batch', 1024])],
        outputs: [valueInfo(x, DataType.FLOAT, ['batch', 10])],
      }),
    ),
  );
  const mb = fs.statSync(file).size / 1e6;

  const loaded = readModelFile(file);
  const views = (loaded.model.graph?.initializer ?? []).every(
    (t) => t.rawData?.buffer === loaded.bytes.buffer,
  );

  let t0 = performance.now();
  const analysis = await analyzeModel(file);
  const analyzeMs = performance.now() - t0;
  const cut = analysis.cutPoints[Math.floor(analysis.cutPoints.length / 2)].tensors[0];
  t0 = performance.now();
  const report = await splitAtCut(file, [cut], path.join(dir, 'split'));
  const splitMs = performance.now() - t0;
  const sizes = ['edge.onnx', 'cloud.onnx'].map((f) => fs.statSync(path.join(dir, 'split', f)).size / 1e6);

  console.log(
    `model: ${mb.toFixed(1)} MB on disk, ` +
      `${analysis.model.parameters.toLocaleString('en-US')} parameters, ${analysis.cutPoints.length} cut points`,
  );
  console.log(`initializer bytes are views of the file buffer: ${views ? 'yes' : 'NO'}`);
  console.log(`analyze: ${analyzeMs.toFixed(0)} ms`);
  console.log(
    `split at ${cut}: ${splitMs.toFixed(0)} ms (includes verification in ONNX Runtime); ` +
      `edge ${sizes[0].toFixed(1)} MB + cloud ${sizes[1].toFixed(1)} MB; max |diff| ${report.maxAbsDiff}`,
  );
  console.log(
    `peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (` +
      `${(process.resourceUsage().maxRSS / 1024 / mb).toFixed(1)}x the model)`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
