/**
 * The bundled reference models on the bundled test set: jalad's evaluation reproduces
 * PyTorch's predictions at export, image by image (counts equal, predictions equal).
 */
import * as fs from 'fs';
import * as path from 'path';
import { evaluateModel } from '../../src/pipeline/evaluate';

const DIR = path.join(__dirname, '..', '..', 'datasets', 'fashion-mnist');
const models = JSON.parse(fs.readFileSync(path.join(DIR, 'models.json'), 'utf8')) as {
  preprocessing: { scale: number; mean: number[]; std: number[] };
  models: Record<string, { file: string; testCorrect: number }>;
};
const pytorch = JSON.parse(fs.readFileSync(path.join(DIR, 'pytorch-predictions.json'), 'utf8')) as Record<
  string,
  string
>;

describe('bundled models reproduce PyTorch on the 10,000 test images', () => {
  test.each(Object.keys(models.models))('%s', async (name) => {
    const m = models.models[name];
    const p = models.preprocessing;
    const { report, predictions } = await evaluateModel(
      path.join(DIR, m.file),
      {
        data: path.join(DIR, 't10k-images-idx3-ubyte.gz'),
        labels: path.join(DIR, 't10k-labels-idx1-ubyte.gz'),
        options: { scale: p.scale, mean: p.mean, std: p.std },
      },
      { batchSize: 256 },
    );
    expect(report.samples).toBe(10000);
    expect(report.top1!.correct).toBe(m.testCorrect);
    expect(Array.from(predictions).join('')).toBe(pytorch[name]);
  });
});
