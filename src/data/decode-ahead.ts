/**
 * Ordered read-ahead: items are prepared in order (a cheap synchronous step that may fail, e.g.
 * reading an image header), then run concurrently (decoding on libuv's thread pool) while the
 * caller consumes the results in order (resizing on the main thread). At most `maxInFlight`
 * items run at once and their summed cost stays within `maxCost` (a lone item always runs), so
 * reading ahead cannot multiply the memory bound of one item.
 */

/** The result of one item, in input order. */
export type Outcome<R> =
  { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/** Bounds of the read-ahead. */
export interface AheadLimits {
  /** Most items running at once (at least 1). */
  readonly maxInFlight: number;
  /** Most summed cost of the items running at once (e.g. bytes). */
  readonly maxCost: number;
}

type Staged<P> =
  | { readonly ok: true; readonly prepared: P; readonly cost: number }
  | { readonly ok: false; readonly error: unknown };

/**
 * Prepare and run `count` items, yielding their outcomes in order.
 * @param count how many items (indices 0..count-1)
 * @param prepare the synchronous first step of item i; a throw becomes that item's failed outcome
 * @param cost what a prepared item costs while it runs
 * @param run the asynchronous second step
 * @example for await (const o of runAhead(n, header, bytesOf, decode, { maxInFlight: 4, maxCost: 2 ** 29 })) ...
 */
export async function* runAhead<P, R>(
  count: number,
  prepare: (index: number) => P,
  cost: (prepared: P) => number,
  run: (prepared: P) => Promise<R>,
  limits: AheadLimits,
): AsyncGenerator<Outcome<R>> {
  const queue: { readonly cost: number; readonly done: Promise<Outcome<R>> }[] = [];
  let queuedCost = 0;
  let next = 0;
  let staged: Staged<P> | undefined;

  const fill = (): void => {
    while (staged !== undefined || next < count) {
      if (staged === undefined) {
        try {
          const prepared = prepare(next);
          staged = { ok: true, prepared, cost: cost(prepared) };
        } catch (error) {
          staged = { ok: false, error };
        }
        next++;
      }
      const c = staged.ok ? staged.cost : 0;
      if (queue.length > 0 && (queue.length >= limits.maxInFlight || queuedCost + c > limits.maxCost)) return;
      const s = staged;
      staged = undefined;
      queuedCost += c;
      const done: Promise<Outcome<R>> = s.ok
        ? run(s.prepared).then(
            (value) => ({ ok: true, value }),
            (error: unknown) => ({ ok: false, error }),
          )
        : Promise.resolve({ ok: false, error: s.error });
      queue.push({ cost: c, done });
    }
  };

  fill();
  while (queue.length > 0) {
    const head = queue.shift() as (typeof queue)[number];
    const outcome = await head.done;
    queuedCost -= head.cost;
    // NOTE: refill before handing the outcome over, so decoding goes on while the caller works.
    fill();
    yield outcome;
  }
}
