/**
 * Replaying a bandwidth trace (`time_s,mbps` rows, as `jalad simulate` reads them) on a shaped
 * link: the link's rate follows the trace in real time (or `speed` times faster), looping at its end.
 */
import { InputError } from '../core/errors';
import { parseTrace, type TraceFrame } from '../ilp';

/** What a replay drives: a link whose uplink rate can change (the proxy or the kernel link). */
export interface RateControl {
  setRateMbps(mbps: number): void;
  rateMbps(): number;
}

/** A running replay. */
export interface TraceReplay {
  /** The trace's bandwidth now, Mbps. */
  currentMbps(): number;
  stop(): void;
}

/** The trace's rate at `elapsedS` seconds (looping), Mbps. */
export function traceRateAt(frames: readonly TraceFrame[], elapsedS: number): number {
  const span = frames[frames.length - 1].timeS - frames[0].timeS;
  const step = frames.length > 1 ? span / (frames.length - 1) : 1;
  const period = span + step;
  let into = span > 0 ? elapsedS % period : 0;
  if (period - into <= 1e-9) into = 0; // 0.9 % 0.3 is 0.29999999999999993: the next loop's start
  const t = frames[0].timeS + into;
  let i = 0;
  // NOTE: a nanosecond of slack: a time reached by adding steps (0.5 % 0.3 = 0.19999999999999996)
  // belongs to the frame that starts there.
  while (i + 1 < frames.length && frames[i + 1].timeS <= t + 1e-9) i++;
  return frames[i].mbps;
}

/**
 * Starts replaying `text` (the trace file's content) on `link`, checking every 10 ms.
 * @param speed how many trace seconds pass per real second (default 1)
 * @throws InputError BAD_DATA for a malformed trace
 */
export function replayTrace(link: RateControl, text: string, source: string, speed = 1): TraceReplay {
  const frames = parseTrace(text, source);
  const started = Date.now();
  const apply = () => {
    const mbps = traceRateAt(frames, ((Date.now() - started) / 1000) * speed);
    if (mbps !== link.rateMbps()) link.setRateMbps(mbps);
  };
  apply();
  const timer = setInterval(apply, 10);
  return { currentMbps: () => link.rateMbps(), stop: () => clearInterval(timer) };
}

/**
 * A replay paced by sample: the returned function sets `link` to the trace's rate at
 * `startS + i × stepS` trace seconds (looping) for sample i. Every run driven by it meets the same
 * rates in the same order, however long its samples take.
 * @throws InputError BAD_DATA for a malformed trace; BAD_OPTION for a step that is not positive
 */
export function sampleReplay(
  link: RateControl,
  text: string,
  source: string,
  stepS: number,
  startS = 0,
): (i: number) => void {
  if (!(stepS > 0) || !Number.isFinite(stepS))
    throw new InputError('BAD_OPTION', `trace step ${stepS}: must be a positive number of seconds`);
  const frames = parseTrace(text, source);
  return (i) => {
    const mbps = traceRateAt(frames, startS + i * stepS);
    if (mbps !== link.rateMbps()) link.setRateMbps(mbps);
  };
}
