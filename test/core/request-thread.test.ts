/** The request/reply thread shared by the sweep's and the image loader's worker pools, on real threads. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JaladError } from '../../src/core/errors';
import { RequestThread, leastBusy, workerEntryFile } from '../../src/core/request-thread';

interface Req {
  readonly id: number;
  readonly op: 'echo' | 'fail' | 'exit' | 'hold' | 'release' | 'sum';
  readonly value?: number;
  readonly data?: Float32Array;
}
interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: number;
}

// A plain-JavaScript worker: echoes, fails one request, exits, or holds a request until released
// (so a later one is answered first).
const WORKER = `
const { parentPort } = require('worker_threads');
let held;
parentPort.on('message', (m) => {
  if (m.op === 'echo') parentPort.postMessage({ id: m.id, ok: true, value: m.value });
  else if (m.op === 'sum') parentPort.postMessage({ id: m.id, ok: true, value: m.data.reduce((a, b) => a + b, 0) });
  else if (m.op === 'fail') parentPort.postMessage({ id: m.id, ok: false });
  else if (m.op === 'exit') process.exit(3);
  else if (m.op === 'hold') held = m;
  else if (m.op === 'release') {
    parentPort.postMessage({ id: m.id, ok: true, value: m.value });
    parentPort.postMessage({ id: held.id, ok: true, value: held.value });
  }
});
`;

let dir: string;
let entry: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-thread-'));
  entry = path.join(dir, 'worker.js');
  fs.writeFileSync(entry, WORKER);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function thread(): RequestThread<Req, Reply> {
  return new RequestThread<Req, Reply>(entry, {
    replyError: (r) => (r.ok ? undefined : new Error(`request ${r.id} failed`)),
    onError: (e) => e,
    onExit: (code) => new JaladError('RUNTIME', `the test thread exited (code ${code})`),
    transfer: (r) => (r.data ? [r.data.buffer as ArrayBuffer] : []),
  });
}

describe('RequestThread', () => {
  test('answers reach the request with their id, in whatever order they come', async () => {
    const t = thread();
    const held = t.request({ id: 1, op: 'hold', value: 11 });
    expect(t.pending).toBe(1);
    const released = t.request({ id: 2, op: 'release', value: 22 });
    expect(t.pending).toBe(2);
    expect((await released).value).toBe(22);
    expect((await held).value).toBe(11);
    expect(t.pending).toBe(0);
    await t.terminate();
  });

  test('a reply that stands for an error rejects only its own request', async () => {
    const t = thread();
    await expect(t.request({ id: 5, op: 'fail' })).rejects.toThrow('request 5 failed');
    expect((await t.request({ id: 6, op: 'echo', value: 3 })).value).toBe(3);
    await t.terminate();
  });

  test('transferred buffers move to the thread (detached here) and arrive whole', async () => {
    const t = thread();
    const data = new Float32Array([1, 2, 3.5]);
    const reply = await t.request({ id: 1, op: 'sum', data });
    expect(reply.value).toBe(6.5);
    expect(data.length).toBe(0); // detached: handed over, not copied
    await t.terminate();
  });

  test('a thread that exits fails what is pending and every later request, never a hang', async () => {
    const t = thread();
    const held = t.request({ id: 1, op: 'hold' });
    const exit = t.request({ id: 2, op: 'exit' });
    await expect(held).rejects.toThrow('the test thread exited (code 3)');
    await expect(exit).rejects.toThrow(JaladError);
    await expect(t.request({ id: 3, op: 'echo', value: 1 })).rejects.toThrow('exited (code 3)');
  });

  test('terminate(stopped) makes later requests fail with that error', async () => {
    const t = thread();
    await t.terminate(new JaladError('RUNTIME', 'stopped on purpose'));
    await expect(t.request({ id: 1, op: 'echo' })).rejects.toThrow('stopped on purpose');
  });
});

describe('leastBusy and workerEntryFile', () => {
  test('leastBusy takes the first of the threads with the fewest pending', () => {
    const threads = [{ pending: 2 }, { pending: 1 }, { pending: 1 }, { pending: 3 }];
    expect(leastBusy(threads)).toBe(threads[1]);
    expect(leastBusy([{ pending: 0 }])).toEqual({ pending: 0 });
  });

  test('the variable wins over the compiled file; a missing file is a one-line RUNTIME error', () => {
    expect(workerEntryFile({ X_ENTRY: entry }, 'X_ENTRY', '/nowhere/w.js', 'the test threads')).toBe(entry);
    expect(workerEntryFile({}, 'X_ENTRY', entry, 'the test threads')).toBe(entry);
    expect(() => workerEntryFile({}, 'X_ENTRY', '/nowhere/w.js', 'the test threads')).toThrow(
      'the test threads need /nowhere/w.js (npm run build compiles it; X_ENTRY names another)',
    );
  });
});
