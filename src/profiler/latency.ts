/**
 * JALAD's latency model (docs/method.md#latency-model): T(S, B) = T_edge(S) + RTT + size(S)/B + T_cloud(S).
 * Here for the raw tensors of each cut point; compressed sizes replace `bytes` later.
 */

/**
 * Time to send `bytes` over an uplink of `bandwidthMbps` (1 Mbps = 1e6 bits/s), in ms.
 * @example transferMs(125000, 1) // 1000
 */
export function transferMs(bytes: number, bandwidthMbps: number): number {
  return (bytes * 8) / (bandwidthMbps * 1e3);
}

/** One cut point as the latency model sees it. */
export interface CutCost {
  readonly index: number;
  readonly edgeMs: number;
  readonly cloudMs: number;
  /** Bytes sent per sample. */
  readonly bytes: number;
}

/** Latency of every cut point at one bandwidth. */
export interface LatencyAtBandwidth {
  readonly bandwidthMbps: number;
  readonly rttMs: number;
  /** Index of the fastest cut point (ties: the earliest). */
  readonly bestCut: number;
  readonly cuts: readonly { readonly cut: number; readonly transferMs: number; readonly totalMs: number }[];
}

/** Evaluates the latency model for every cut point at each bandwidth. */
export function latencyTable(
  cuts: readonly CutCost[],
  bandwidthsMbps: readonly number[],
  rttMs: number,
): LatencyAtBandwidth[] {
  return bandwidthsMbps.map((bw) => {
    const rows = cuts.map((c) => {
      const t = transferMs(c.bytes, bw);
      return { cut: c.index, transferMs: t, totalMs: c.edgeMs + rttMs + t + c.cloudMs };
    });
    let best = rows[0];
    for (const r of rows) if (r.totalMs < best.totalMs) best = r;
    return { bandwidthMbps: bw, rttMs, bestCut: best.cut, cuts: rows };
  });
}
