/** A served run gives exactly the offline outputs of the same plan: same codes, same scores, same top-1. */
import { encodeCodes, decodeTensor } from '../../src/codec';
import {
  decodeCloudInputs,
  encodeEdgeOutputs,
  loadPlanDir,
  runEdge,
  runOffline,
  startServer,
  type ServerHandle,
} from '../../src/serve';
import { openPartSession } from '../../src/runtime/part-session';
import { serveFixture, type ServeFixture } from './fixture';

let fx: ServeFixture;
let server: ServerHandle;
beforeAll(async () => {
  fx = await serveFixture();
  server = await startServer([loadPlanDir(fx.planDir)]);
}, 120000);
afterAll(async () => {
  await server?.close();
  fx?.dir.remove();
});

describe('encodeCodes', () => {
  test('rejects a code that does not fit the bit width', () => {
    expect(() => encodeCodes(Uint8Array.of(0, 4), [2], { bits: 2, lo: 0, hi: 1 })).toThrow(
      /does not fit 2 bits/,
    );
  });
  test('round-trips codes and range exactly through decodeTensor', () => {
    const codes = Uint8Array.of(0, 3, 1, 2, 2, 0);
    const t = decodeTensor(encodeCodes(codes, [2, 3], { bits: 2, lo: -0.1, hi: 2.7 }));
    expect(Array.from(t.codes!)).toEqual(Array.from(codes));
    expect(t.lo).toBe(Math.fround(-0.1));
    expect(t.hi).toBe(Math.fround(2.7));
    expect(t.shape).toEqual([2, 3]);
  });
});

describe('served run', () => {
  test('the cloud part receives exactly the codes the edge part computed', async () => {
    const plan = loadPlanDir(fx.planDir);
    expect(plan.wire.every((w) => w.bits === 2)).toBe(true);
    const edge = await openPartSession(plan.edge);
    try {
      const per = fx.dataset.shape.reduce((a, b) => a * b, 1);
      const out = await edge.run({
        [plan.inputName]: {
          type: 'float32',
          data: fx.dataset.data.subarray(0, per),
          dims: [1, ...fx.dataset.shape],
        },
      });
      const feeds = decodeCloudInputs(plan, encodeEdgeOutputs(plan, out));
      for (const name of Object.keys(feeds)) {
        expect(Array.from(feeds[name].data as Uint8Array | Float32Array)).toEqual(
          Array.from(out[name].data as Uint8Array | Float32Array),
        );
      }
    } finally {
      await edge.release();
    }
  });

  test('outputs and top-1 equal the offline run of the same plan, sample by sample', async () => {
    const plan = loadPlanDir(fx.planDir);
    const offline = await runOffline(plan, fx.dataset);
    const report = await runEdge({ plans: [plan], serverUrl: server.url, dataset: fx.dataset, rttPings: 1 });
    expect(report.samples).toBe(fx.dataset.samples);
    expect(report.fallbacks).toBe(0);
    report.records.forEach((r, i) => {
      expect(r.mode).toBe('split');
      expect(Array.from(r.scores)).toEqual(Array.from(offline.scores[i]));
    });
    expect(report.top1).toEqual({
      correct: offline.top1!.correct,
      total: offline.top1!.total,
      accuracy: offline.top1!.correct / offline.top1!.total,
    });
    // The labels were made so that a quarter disagree: the accuracy is a real figure, not 100%.
    expect(report.top1!.accuracy).toBeLessThan(0.9);
    expect(server.metrics().byPlan[plan.label]).toBeGreaterThanOrEqual(fx.dataset.samples);
  });
});
