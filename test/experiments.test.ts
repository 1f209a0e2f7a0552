/** Quick experiments are reproducible: two runs give the same accuracy and size tables. */
import { analyzeBundled } from '../experiments/run-experiments';

test('two quick runs of the VGG experiment give identical sweep and data tables', async () => {
  const a = await analyzeBundled('vgg', true);
  const b = await analyzeBundled('vgg', true);
  expect(a.sweep!.length).toBeGreaterThan(0);
  expect(b.sweep).toEqual(a.sweep);
  expect({ ...b.data, sweepSeconds: 0 }).toEqual({ ...a.data, sweepSeconds: 0 });
}, 180000);
