/**
 * What a request costs besides its own bytes and the parts' compute, measured before a run: the
 * round trip of the link and the answer. The server returns the cloud part's outputs as float32
 * streams (36 KB for the text detector's 96x96 map); the server encodes them, the link carries them
 * back and the client decodes them. The latency model of the paper has no answer; the live prediction
 * adds these measured costs (docs/runtime.md#the-edge-client-and-what-it-measures).
 *
 * A probe is `GET /probe?floats=N,M...`: the server encodes zeros of the answer's sizes exactly as it
 * encodes /infer's outputs (a raw float32 stream's cost does not depend on its values), sends them
 * on the same connection and link, and the client decodes them as it decodes an answer.
 */
import { performance } from 'perf_hooks';
import type { Transport } from './http-transport';
import { decodeOutputs } from './wire-codec';
import { decodeFrames } from './wire-frames';

/** The measured costs of the link and the answer, ms. */
export interface AnswerCosts {
  /**
   * The round trip without the request's bytes: from sending a small request to the answer's last
   * byte, less the server's time (lower quartile of the probes).
   */
  readonly rttMs: number;
  /** The server's encoding of the answer (median of the probes' server times). */
  readonly answerEncodeMs: number;
  /** The client's decoding of the answer (median of the probes). */
  readonly answerDecodeMs: number;
  /** Probes answered. */
  readonly probes: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function quantile(values: readonly number[], f: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) * f)];
}

/**
 * Sends `n` probes, `gapMs` apart, each answered with float32 streams of `answerFloats` elements
 * (empty: a bare answer), and returns the costs; all 0 when the server answered none.
 * A server without /probe (404) is timed with `GET /health` instead, with no answer costs.
 * NOTE: the round trip takes the lower quartile. On a loaded machine round trips fall in two
 * groups: about a millisecond when both ends get a core at once, and several when one waits for
 * the scheduler (measured on the kernel link at load 12: medians 1.6–4.0 ms, lower quartiles
 * 0.8–3.1 ms over 41 pings). The median lands in either group by chance; the lower quartile stays
 * in the fast one unless most probes were slow, and the requests of a run, whose ends are busy
 * with the transfer, mostly meet the fast one. The codec's times are CPU work of both ends and take
 * the median, as the profile does.
 */
export async function measureAnswerCosts(
  transport: Transport,
  answerFloats: readonly number[],
  n: number,
  timeoutMs: number,
  gapMs: number,
): Promise<AnswerCosts> {
  const trips: number[] = [];
  const encodes: number[] = [];
  const decodes: number[] = [];
  let path = `/probe?floats=${answerFloats.join(',')}`;
  for (let i = 0; i < n; i++) {
    if (i > 0 && gapMs > 0) await sleep(gapMs);
    try {
      let x = await transport.request('GET', path, undefined, timeoutMs);
      if (x.status === 404 && path !== '/health') {
        path = '/health';
        x = await transport.request('GET', path, undefined, timeoutMs);
      }
      if (x.status !== 200) continue;
      const t0 = performance.now();
      if (path !== '/health') decodeOutputs(decodeFrames(x.body));
      decodes.push(path !== '/health' ? performance.now() - t0 : 0);
      encodes.push(x.serverMs);
      trips.push(x.roundTripMs - x.serverMs);
    } catch {
      // an unreachable server shows in the run itself; what it did not answer stays unknown (0)
    }
  }
  if (trips.length === 0) return { rttMs: 0, answerEncodeMs: 0, answerDecodeMs: 0, probes: 0 };
  return {
    rttMs: quantile(trips, 0.25),
    answerEncodeMs: quantile(encodes, 0.5),
    answerDecodeMs: quantile(decodes, 0.5),
    probes: trips.length,
  };
}
