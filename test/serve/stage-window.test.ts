/** The run's own compute terms (stage-window.ts): medians per plan over its last samples. */
import { createStageWindow } from '../../src/serve/stage-window';

const terms = (edgeMs: number, serverDecodeMs = 1) => ({
  edgeMs,
  encodeMs: edgeMs / 2,
  serverMs: 10 * edgeMs,
  serverDecodeMs,
});

describe('createStageWindow', () => {
  test('nothing before minSamples; then the medians of the last `window` samples of that plan only', () => {
    const w = createStageWindow(3, 2);
    w.observe('a', terms(4));
    expect(w.termsOf('a')).toBeUndefined();
    w.observe('b', terms(100));
    expect(w.termsOf('a')).toBeUndefined();
    w.observe('a', terms(2));
    expect(w.termsOf('a')).toEqual({ edgeMs: 3, encodeMs: 1.5, serverMs: 30, serverDecodeMs: 1 });
    w.observe('a', terms(9));
    w.observe('a', terms(8)); // 4 falls out: 2, 9, 8
    expect(w.termsOf('a')!.edgeMs).toBe(8);
    expect(w.termsOf('b')).toBeUndefined();
  });

  test('a server that does not say its decoding time leaves it out of that median (NaN when none did)', () => {
    const w = createStageWindow(4, 1);
    w.observe('a', terms(1, NaN));
    expect(w.termsOf('a')!.serverDecodeMs).toBeNaN();
    w.observe('a', terms(1, 3));
    expect(w.termsOf('a')!.serverDecodeMs).toBe(3);
  });

  test('a window or minimum out of range is refused', () => {
    expect(() => createStageWindow(0, 1)).toThrow(RangeError);
    expect(() => createStageWindow(2.5, 1)).toThrow(/integer >= 1/);
    expect(() => createStageWindow(3, 4)).toThrow(/minSamples must be an integer 1..3/);
  });
});
