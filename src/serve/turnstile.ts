/**
 * Clients on one link that take turns step by step: client k's step i (its sample i; step -1: its
 * requests before the run) starts when every client has finished step i - 1 and clients 0..k-1
 * step i, and none starts before every client has reached step -1 (loaded). The benchmark runs its
 * trace arms this way (runLive's `beforeSample`): arms run one after another meet the machine's
 * load of different minutes (on the loaded bench two arms on the same plan differed by -10% to
 * +47%); taking turns sample by sample they meet the same minutes.
 */

/** The turns of `clients` clients. */
export interface Turnstile {
  /** Client `client` is about to run step `step` (having finished step - 1 when step >= 0): resolves at its turn. */
  enter(client: number, step: number): Promise<void>;
  /** Client `client` is done (after its last step, or on a failure): the others go on without it. */
  leave(client: number): void;
}

/**
 * A turnstile for clients 0..clients-1.
 * @example const t = turnstile(2); // client k: await t.enter(k, i) before sample i, t.leave(k) at the end
 */
export function turnstile(clients: number): Turnstile {
  let step = -1;
  let turn = 0;
  let ready = 0;
  const gone = new Set<number>();
  const waiting = new Map<string, () => void>();
  const advance = () => {
    turn++;
    if (turn >= clients) [step, turn] = [step + 1, 0];
  };
  const wake = () => {
    if (ready + gone.size < clients) return;
    while (gone.has(turn) && gone.size < clients) advance();
    const w = waiting.get(`${step}:${turn}`);
    if (w) {
      waiting.delete(`${step}:${turn}`);
      w();
    }
  };
  return {
    async enter(client, at) {
      if (at === -1) ready++;
      else if (step === at - 1 && turn === client) advance();
      const mine = new Promise<void>((resolve) => waiting.set(`${at}:${client}`, resolve));
      wake();
      await mine;
    },
    leave(client) {
      if (!gone.has(client) && turn === client) advance();
      gone.add(client);
      wake();
    },
  };
}
