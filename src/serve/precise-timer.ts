/**
 * Waiting until a moment with sub-millisecond precision. Node's timers fire on whole
 * milliseconds and late under load; a shaped link that releases a 1,500-byte packet every
 * 0.6 ms at 18.88 Mbps needs better, so the last 2 ms are spent yielding with setImmediate
 * (other I/O still runs) until the clock passes the deadline.
 */
import { performance } from 'perf_hooks';

const COARSE_MARGIN_MS = 2;

/** Calls `fn` once `performance.now()` ≥ `deadlineMs`. Returns a cancel function. */
export function callAt(deadlineMs: number, fn: () => void): () => void {
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const spin = () => {
    if (cancelled) return;
    if (performance.now() >= deadlineMs) fn();
    else immediate = setImmediate(spin);
  };
  const left = deadlineMs - performance.now();
  if (left > COARSE_MARGIN_MS) timer = setTimeout(spin, left - COARSE_MARGIN_MS);
  else spin();
  return () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}
