/**
 * Replaying a bandwidth trace frame by frame (docs/method.md#adaptation): static decoupling
 * (the best plan for the trace's mean bandwidth, kept throughout), JALAD's adaptive
 * switching (at each frame, the decision-table plan for the bandwidth measured at the
 * previous frame), edge-only and cloud-only. Latency of a plan at bandwidth B is
 * fixedMs + bytes·8/(B·1000) (src/core/latency.ts).
 */
import type { Analysis } from '../core/analysis';
import { InputError } from '../core/errors';
import { BANDWIDTH_RANGE_MBPS } from '../core/limits';
import { cloudOnlyLatencyMs, edgeOnlyLatencyMs, lineLatencyMs } from '../core/latency';
import { p95 } from '../core/percentile';

/** One frame of a trace. */
export interface TraceFrame {
  readonly timeS: number;
  readonly mbps: number;
}

/** Latency statistics of one strategy over a trace. */
export interface StrategyStats {
  readonly strategy: 'static' | 'adaptive' | 'edge-only' | 'cloud-only';
  readonly meanMs: number;
  readonly p95Ms: number;
  /** Plan changes during the replay (adaptive only). */
  readonly switches: number;
}

/** The result of a replay. */
export interface SimulationResult {
  readonly frames: number;
  readonly meanMbps: number;
  readonly strategies: readonly StrategyStats[];
}

/**
 * Parses a bandwidth trace: CSV rows "time_s,mbps". The first row is a header when it is not two
 * numbers; a first row of two numbers is data and is kept (a trace without a header loses
 * nothing). Blank lines and lines starting with # are skipped. Times must not decrease;
 * bandwidths lie in BANDWIDTH_RANGE_MBPS.
 *
 * @throws InputError 'BAD_DATA' naming the file, the line number and the value
 */
export function parseTrace(text: string, source: string): TraceFrame[] {
  const rows = text
    .split(/\r?\n/)
    .map((l, i) => ({ line: i + 1, text: l.trim() }))
    .filter((r) => r.text !== '' && !r.text.startsWith('#'));
  const numeric = (t: string) => /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t.trim());
  const isData = (t: string) => {
    const f = t.split(',');
    return f.length === 2 && f.every(numeric);
  };
  const data = rows.length > 0 && !isData(rows[0].text) ? rows.slice(1) : rows;
  if (data.length === 0)
    throw new InputError(
      'BAD_DATA',
      `${source}: no "time_s,mbps" rows (an optional header line, then one row per frame)`,
    );
  const { min, max } = BANDWIDTH_RANGE_MBPS;
  const frames: TraceFrame[] = [];
  for (const r of data) {
    const bad = (why: string) =>
      new InputError('BAD_DATA', `${source}: line ${r.line} "${r.text.slice(0, 60)}": ${why}`);
    if (!isData(r.text)) throw bad('expected "time_s,mbps", two numbers');
    const [t, b] = r.text.split(',').map((x) => Number(x.trim()));
    if (!Number.isFinite(t) || t < 0) throw bad('time_s must be a finite number >= 0');
    if (frames.length > 0 && t < frames[frames.length - 1].timeS) throw bad('time_s goes backwards');
    if (!(b >= min && b <= max)) throw bad(`mbps must be from ${min} to ${max}`);
    frames.push({ timeS: t, mbps: b });
  }
  return frames;
}

/**
 * Replays a trace against an analysis's decision table.
 * @throws InputError 'BAD_ANALYSIS' without a decision table
 */
export function simulateTrace(analysis: Analysis, frames: readonly TraceFrame[]): SimulationResult {
  const decisions = analysis.decisions;
  if (!decisions || decisions.length === 0)
    throw new InputError(
      'BAD_ANALYSIS',
      'the analysis has no decision table: run `jalad analyze` with device profiles',
    );
  const pick = (mbps: number) => decisions.find((d) => mbps <= d.toMbps) ?? decisions[decisions.length - 1];
  const meanMbps = frames.reduce((s, f) => s + f.mbps, 0) / frames.length;
  const rtt = analysis.rttMs ?? 0;
  const staticPlan = pick(meanMbps);
  const series: Record<StrategyStats['strategy'], number[]> = {
    static: [],
    adaptive: [],
    'edge-only': [],
    'cloud-only': [],
  };
  let switches = 0;
  let current = pick(frames[0].mbps);
  frames.forEach((f, i) => {
    if (i > 0) {
      const next = pick(frames[i - 1].mbps);
      if (next !== current) switches++;
      current = next;
    }
    series.adaptive.push(lineLatencyMs(current.fixedMs, current.bytes, f.mbps));
    series.static.push(lineLatencyMs(staticPlan.fixedMs, staticPlan.bytes, f.mbps));
    series['edge-only'].push(edgeOnlyLatencyMs(analysis.cutPoints, f.mbps, rtt).totalMs);
    series['cloud-only'].push(cloudOnlyLatencyMs(analysis.cutPoints, f.mbps, rtt).totalMs);
  });
  const strategies = (Object.keys(series) as StrategyStats['strategy'][]).map((k) => ({
    strategy: k,
    meanMs: series[k].reduce((a, b) => a + b, 0) / frames.length,
    p95Ms: p95(series[k]),
    switches: k === 'adaptive' ? switches : 0,
  }));
  return { frames: frames.length, meanMbps, strategies };
}
