/** Quick experiments are reproducible: two runs give the same accuracy and size tables. */
import { analyzeBundled } from '../experiments/run-experiments';
import type { SweepRowJson } from '../src/core/analysis';

/** A sweep without the codec's measured times (wall clock: equal only by chance between runs). */
const untimed = (rows: readonly SweepRowJson[]) =>
  rows.map(({ encodeMs: _e, decodeMs: _d, ...rest }) => rest);

test('two quick runs of the VGG experiment give identical sweep and data tables', async () => {
  const a = await analyzeBundled('vgg', true);
  const b = await analyzeBundled('vgg', true);
  expect(a.sweep!.length).toBeGreaterThan(0);
  expect(untimed(b.sweep!)).toEqual(untimed(a.sweep!));
  for (const r of [...a.sweep!, ...b.sweep!]) expect(r.encodeMs).toBeGreaterThan(0);
  expect({ ...b.data, sweepSeconds: 0 }).toEqual({ ...a.data, sweepSeconds: 0 });
}, 180000);
