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

/**
 * Probes shaped like the run's requests (when the link's rate is known): a POST of a sample's size,
 * after what a sample does before its request. The bytes' own time on the link is taken out.
 */
export interface ProbeShape {
  /** The body: a POST to /probe, read by the server as /infer reads a request, then dropped. */
  readonly body: Uint8Array;
  /** Runs before each probe, untimed: what a sample does before its request (its edge part). */
  readonly before?: () => Promise<void>;
  /**
   * The link's time for a probe that wrote `wireBytes` at `atMs` (the bytes·8/B term of the
   * prediction, the token bucket included); it records the bytes as sent.
   */
  readonly linkMs: (atMs: number, wireBytes: number) => number;
}

/** The measured costs of the link and the answer, ms. */
export interface AnswerCosts {
  /**
   * The round trip without the request's bytes: from sending a request to the answer's last byte,
   * less the server's time and, for a shaped probe, its bytes' time on the link: the shorth midpoint
   * of the shaped probes (`shorthMidpoint`, since session 10), the lower quartile of bare ones.
   */
  readonly rttMs: number;
  /** The server's encoding of the answer (median of the probes' server times). */
  readonly answerEncodeMs: number;
  /** The client's decoding of the answer (median of the probes). */
  readonly answerDecodeMs: number;
  /**
   * The same from bare probes (a GET of one frame after the pause, no body, nothing run before it),
   * as every probe was until session 9; with a shape, taken in turns with the shaped ones. For
   * comparison only: the prediction uses `rttMs`.
   */
  readonly bareRttMs: number;
  /**
   * The lower quartile of the same round trips: the RTT of shaped probes in sessions 9 and 10 (for
   * comparison only; equal to `rttMs` when the probes were bare).
   */
  readonly rttQuartileMs: number;
  /** The median of the same round trips (for comparison only). */
  readonly rttMedianMs: number;
  /**
   * The shaped probes' round trips less the server's time and their bytes' time on the link, in the
   * order sent (empty when the probes were bare): the seeds of the run's RTT estimate (rtt-estimator.ts).
   */
  readonly tripsMs: readonly number[];
  /** Probes answered (the shaped ones when shaped). */
  readonly probes: number;
  /** Bytes each probe wrote to its socket, answered or not (a diagnostic of what crossed the link). */
  readonly sentBytes: readonly number[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The midpoint of the shortest interval that holds half of `values` and one more (the shorth, a robust
 * estimate of where values are densest): a group of slow values under half is left out, as by the
 * lower quartile, but the estimate sits in the middle of the fast group rather than at its lower edge.
 */
export function shorthMidpoint(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const h = Math.min(s.length, (s.length >> 1) + 1);
  let best = 0;
  for (let i = 1; i + h - 1 < s.length; i++) if (s[i + h - 1] - s[i] < s[best + h - 1] - s[best]) best = i;
  return (s[best] + s[best + h - 1]) / 2;
}

function quantile(values: readonly number[], f: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) * f)];
}

/**
 * Sends `n` probes, `gapMs` apart, each answered with float32 streams of `answerFloats` elements
 * (empty: a bare answer), and returns the costs; all 0 when the server answered none.
 * A server without /probe (404) is timed with `GET /health` instead, with no answer costs.
 * NOTE: bare probes take the lower quartile. On a loaded machine their round trips fall in two
 * groups: about a millisecond when both ends get a core at once, and several when one waits for
 * the scheduler (measured on the kernel link at load 12: medians 1.6–4.0 ms, lower quartiles
 * 0.8–3.1 ms over 41 pings). The median lands in either group by chance; the lower quartile stays
 * in the fast one unless most probes were slow, and the requests of a run, whose ends are busy
 * with the transfer, mostly meet the fast one. Shaped probes take the shorth midpoint (since session
 * 10): they sample the round trips of the run's own requests (same path, same work before them), and
 * the target is the median error per sample, which a constant meets best near the middle of the
 * samples' fast group, not at its lower edge: on quiet runs the lower quartile sat 0.1-0.2 ms under
 * the samples' median, and under load the median of the probes landed in the slow group
 * (docs/runtime.md, "Session 10: the RTT's statistic").
 * The codec's times are CPU work of both ends and take the median, as the profile does.
 */
export async function measureAnswerCosts(
  transport: Transport,
  answerFloats: readonly number[],
  n: number,
  timeoutMs: number,
  gapMs: number,
  shape?: ProbeShape,
): Promise<AnswerCosts> {
  const trips: number[] = [];
  const bare: number[] = [];
  const sent: number[] = [];
  const encodes: number[] = [];
  const decodes: number[] = [];
  let path = `/probe?floats=${answerFloats.join(',')}`;
  let shaped = shape;
  // with a shape, n shaped probes and n bare ones, taking turns (they meet the same moments)
  for (let i = 0; i < (shape ? 2 * n : n); i++) {
    if (i > 0 && gapMs > 0) await sleep(gapMs);
    const like = shaped && i % 2 === 0 ? shaped : undefined;
    try {
      await like?.before?.();
      const at = performance.now();
      let x = await transport.request(like ? 'POST' : 'GET', path, like?.body, timeoutMs);
      if (x.status === 404 && path !== '/health') {
        path = '/health';
        shaped = undefined;
        x = await transport.request('GET', path, undefined, timeoutMs);
      }
      sent.push(x.bytesSent);
      if (x.status !== 200) continue;
      const linkMs = like && shaped ? like.linkMs(at, x.bytesSent) : 0;
      const t0 = performance.now();
      if (path !== '/health') decodeOutputs(decodeFrames(x.body));
      decodes.push(path !== '/health' ? performance.now() - t0 : 0);
      encodes.push(x.serverMs);
      (like && shaped ? trips : bare).push(x.roundTripMs - x.serverMs - linkMs);
    } catch {
      // an unreachable server shows in the run itself; what it did not answer stays unknown (0)
    }
  }
  const own = trips.length > 0 ? trips : bare;
  if (own.length === 0)
    return {
      rttMs: 0,
      rttQuartileMs: 0,
      rttMedianMs: 0,
      bareRttMs: 0,
      answerEncodeMs: 0,
      answerDecodeMs: 0,
      probes: 0,
      tripsMs: [],
      sentBytes: sent,
    };
  return {
    rttMs: trips.length > 0 ? shorthMidpoint(own) : quantile(own, 0.25),
    rttQuartileMs: quantile(own, 0.25),
    rttMedianMs: quantile(own, 0.5),
    bareRttMs: bare.length > 0 ? quantile(bare, 0.25) : quantile(own, 0.25),
    answerEncodeMs: quantile(encodes, 0.5),
    answerDecodeMs: quantile(decodes, 0.5),
    probes: own.length,
    tripsMs: trips,
    sentBytes: sent,
  };
}
