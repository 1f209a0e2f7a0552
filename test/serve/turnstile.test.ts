/** Clients taking turns step by step (the benchmark's trace arms). */
import { turnstile } from '../../src/serve';

const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Client k runs steps -1..last, logging "step:k" at each, with a delay that differs per client and step. */
let running = 0;
let most = 0;
async function client(t: ReturnType<typeof turnstile>, k: number, last: number, log: string[]) {
  try {
    await tick((3 - k) * 5); // the clients reach step -1 in reverse order
    for (let i = -1; i <= last; i++) {
      await t.enter(k, i);
      most = Math.max(most, ++running);
      log.push(`${i}:${k}`);
      await tick(((k + i + 3) % 3) * 2);
      running--;
    }
  } finally {
    t.leave(k);
  }
}

describe('turnstile', () => {
  test('each step runs client 0, 1, 2 in order, one at a time, after every client has loaded', async () => {
    const t = turnstile(3);
    const log: string[] = [];
    await Promise.all([0, 1, 2].map((k) => client(t, k, 2, log)));
    const expected = [-1, 0, 1, 2].flatMap((i) => [0, 1, 2].map((k) => `${i}:${k}`));
    expect(log).toEqual(expected);
    expect(most).toBe(1); // never two clients inside a step at once
  });

  test('a client that leaves early (fewer steps, or a failure) does not hold the others', async () => {
    const t = turnstile(3);
    const log: string[] = [];
    await Promise.all([client(t, 0, 3, log), client(t, 1, 0, log), client(t, 2, 3, log)]);
    expect(log).toEqual([
      '-1:0',
      '-1:1',
      '-1:2',
      '0:0',
      '0:1',
      '0:2',
      '1:0',
      '1:2',
      '2:0',
      '2:2',
      '3:0',
      '3:2',
    ]);
  });
});
