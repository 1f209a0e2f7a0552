/**
 * Replaying a bandwidth trace (`time_s,mbps` rows, as `jalad simulate` reads them) on a shaped
 * link: the link's rate follows the trace in real time (or `speed` times faster), looping at its end.
 */
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
  const t = frames[0].timeS + (span > 0 ? elapsedS % (span + step) : 0);
  let i = 0;
  while (i + 1 < frames.length && frames[i + 1].timeS <= t) i++;
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
