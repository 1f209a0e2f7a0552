/** What `GET /metrics` reports: request and error counts and per-stage times of the server. */

/** Count, sum and largest value of one stage's times, ms. */
export interface StageStats {
  readonly count: number;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly maxMs: number;
}

/** A snapshot of the server's counters. */
export interface MetricsSnapshot {
  readonly requests: number;
  /** Requests answered with a 4xx or 5xx. */
  readonly errors: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly inFlight: number;
  /** Inference requests answered, per plan key. */
  readonly byPlan: Readonly<Record<string, number>>;
  /** decode (streams to tensors), cloud (the cloud part), encode (outputs), server (all three). */
  readonly stages: Readonly<Record<'decode' | 'cloud' | 'encode' | 'server', StageStats>>;
  readonly uptimeS: number;
}

/** Mutable counters behind the snapshot (one per server). */
export interface ServerMetrics {
  request(): void;
  answered(status: number): void;
  served(planKey: string, stages: { decodeMs: number; cloudMs: number; encodeMs: number }): void;
  snapshot(inFlight: number): MetricsSnapshot;
}

/** New, zeroed counters. */
export function createServerMetrics(now: () => number): ServerMetrics {
  const started = now();
  let requests = 0;
  let errors = 0;
  const byStatus: Record<string, number> = {};
  const byPlan: Record<string, number> = {};
  const stages = { decode: [0, 0, 0], cloud: [0, 0, 0], encode: [0, 0, 0], server: [0, 0, 0] };
  const add = (s: number[], ms: number) => {
    s[0]++;
    s[1] += ms;
    s[2] = Math.max(s[2], ms);
  };
  const stats = (s: number[]): StageStats => ({
    count: s[0],
    totalMs: s[1],
    meanMs: s[0] > 0 ? s[1] / s[0] : 0,
    maxMs: s[2],
  });
  return {
    request: () => void requests++,
    answered(status) {
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      if (status >= 400) errors++;
    },
    served(planKey, t) {
      byPlan[planKey] = (byPlan[planKey] ?? 0) + 1;
      add(stages.decode, t.decodeMs);
      add(stages.cloud, t.cloudMs);
      add(stages.encode, t.encodeMs);
      add(stages.server, t.decodeMs + t.cloudMs + t.encodeMs);
    },
    snapshot: (inFlight) => ({
      requests,
      errors,
      byStatus: { ...byStatus },
      inFlight,
      byPlan: { ...byPlan },
      stages: {
        decode: stats(stages.decode),
        cloud: stats(stages.cloud),
        encode: stats(stages.encode),
        server: stats(stages.server),
      },
      uptimeS: (now() - started) / 1000,
    }),
  };
}
