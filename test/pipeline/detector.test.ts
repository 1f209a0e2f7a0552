/**
 * The bundled text detector on the bundled rendered images (datasets/ocr-text): loaded through
 * jalad's image loader with PaddleOCR's normalisation, the pretrained model marks the drawn lines
 * of text as text and little else, so the images are inputs the model really works on.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadDataset } from '../../src/data';
import { readModelFile } from '../../src/graph';
import { createTensor, openSession } from '../../src/runtime';

const DIR = path.join(__dirname, '..', '..', 'datasets', 'ocr-text');
const SIDE = 160;

test('the detector finds the drawn lines of text in a few bundled images', async () => {
  const boxes = (
    JSON.parse(fs.readFileSync(path.join(DIR, 'boxes.json'), 'utf8')) as {
      boxes: Record<string, [number, number, number, number][]>;
    }
  ).boxes;
  const ds = await loadDataset(path.join(DIR, 'images'), undefined, {
    maxSamples: 6,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  });
  expect(ds.shape).toEqual([3, SIDE, SIDE]);
  const session = await openSession(readModelFile(path.join(DIR, 'ppocr-v4-det.onnx')).model);
  try {
    const out = await session.run({ x: createTensor('float32', ds.data, [ds.samples, 3, SIDE, SIDE]) });
    const map = out['sigmoid_0.tmp_0'].data as Float32Array;
    let lines = 0;
    for (let s = 0; s < ds.samples; s++) {
      const file = `img-${String(ds.indices[s]).padStart(3, '0')}.jpg`;
      const inText = new Uint8Array(SIDE * SIDE);
      for (const [x0, y0, x1, y1] of boxes[file]) {
        let marked = 0;
        for (let y = y0; y < y1; y++)
          for (let x = x0; x < x1; x++) {
            inText[y * SIDE + x] = 1;
            if (map[s * SIDE * SIDE + y * SIDE + x] > 0.3) marked++;
          }
        // A line's box holds gaps between letters: a fifth of it marked is a detection.
        expect(marked / ((x1 - x0) * (y1 - y0))).toBeGreaterThan(0.2);
        lines++;
      }
      let outside = 0;
      for (let p = 0; p < SIDE * SIDE; p++) if (!inText[p] && map[s * SIDE * SIDE + p] > 0.3) outside++;
      expect(outside / (SIDE * SIDE)).toBeLessThan(0.01);
    }
    expect(lines).toBeGreaterThan(0);
  } finally {
    await session.release();
  }
});
