/** The kernel link's token bucket as the prediction models it: what passes at once, and its refill between requests. */
import { createTokenBucket } from '../../src/serve';

describe('createTokenBucket', () => {
  test('a full bucket passes its bytes at once; a request that waited empties it, and it refills at the rate', () => {
    const b = createTokenBucket(1514);
    expect(b.freeBytes(0, 1.1)).toBe(1514); // full at the start
    b.send(0, 4782, 1.1); // 3,268 B wait: at 137.5 B/ms the last leaves at 23.77 ms
    const drained = (4782 - 1514) / 137.5;
    expect(b.freeBytes(10, 1.1)).toBe(0); // still draining
    expect(b.freeBytes(drained + 4, 1.1)).toBeCloseTo(4 * 137.5, 9); // refilled for 4 ms: 550 B
    expect(b.freeBytes(drained + 11.02, 1.1)).toBe(1514); // 11.01 ms refill a 1,514-B bucket at 1.1 Mbps
    expect(b.freeBytes(drained + 4, 18.88)).toBe(1514); // at 18.88 Mbps 0.64 ms do
  });

  test('a small request takes its bytes from the bucket and leaves the rest', () => {
    const b = createTokenBucket(310);
    b.send(5, 200, 1.1);
    expect(b.freeBytes(5, 1.1)).toBe(110);
    expect(b.freeBytes(6, 1.1)).toBeCloseTo(110 + 137.5, 9);
    expect(b.freeBytes(7, 1.1)).toBe(310);
  });

  test('a request sent while the previous one drains queues behind it', () => {
    const b = createTokenBucket(1000);
    b.send(0, 2000, 8); // 1,000 B wait at 1,000 B/ms: empty at 1 ms
    b.send(0.5, 500, 8); // behind it: empty at 1.5 ms
    expect(b.freeBytes(1.4, 8)).toBe(0);
    expect(b.freeBytes(1.75, 8)).toBeCloseTo(250, 9);
  });

  test("a request's last byte seen leaving later than the rate gives: the bucket refills from then", () => {
    const b = createTokenBucket(1514);
    b.send(0, 4782, 1.1, 30); // the rate alone: empty at 23.77 ms; seen at 30 ms
    expect(b.freeBytes(30, 1.1)).toBe(0);
    expect(b.freeBytes(34, 1.1)).toBeCloseTo(550, 9);
    const c = createTokenBucket(1514);
    c.send(0, 4782, 1.1, 20); // seen earlier than the rate allows: the rate's moment stands
    expect(c.freeBytes(23.7, 1.1)).toBe(0);
    const d = createTokenBucket(1514);
    d.send(0, 1000, 1.1, 50); // did not wait: the bucket's bytes paid for it at once
    expect(d.freeBytes(0, 1.1)).toBe(514);
  });

  test('no bucket: nothing passes at once', () => {
    const b = createTokenBucket(0);
    b.send(0, 100, 1);
    expect(b.freeBytes(1000, 1)).toBe(0);
  });
});
