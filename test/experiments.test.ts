/** Quick experiments are reproducible: two runs give the same accuracy and size tables. */
import { analyzeBundled } from '../experiments/run-experiments';

// NOTE: 300 s: the default (context) coder's size measurements made the quick sweep's CPU time
// about 1.4-1.6x that of rANS (issue #18), and two runs exceeded 180 s on a loaded 2-core machine.
test('two quick runs of the VGG experiment give identical sweep and data tables', async () => {
  const a = await analyzeBundled('vgg', true);
  const b = await analyzeBundled('vgg', true);
  expect(a.sweep!.length).toBeGreaterThan(0);
  expect(b.sweep).toEqual(a.sweep);
  expect({ ...b.data, sweepSeconds: 0 }).toEqual({ ...a.data, sweepSeconds: 0 });
}, 300000);
