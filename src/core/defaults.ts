/**
 * Every default of jalad's commands and library functions, in one place (docs/method.md#defaults):
 * the CLI's help, the pipeline and the reports read them from here, so a default changes once.
 */

/** Bit widths swept by default (`--bits 2,4,6,8`). */
export const DEFAULT_BITS: readonly number[] = [2, 4, 6, 8];

/** Uplink bandwidths tabulated by default: the 3G, 4G and WiFi uplinks used across the split-computing literature, Mbps. */
export const DEFAULT_BANDWIDTHS_MBPS: readonly number[] = [1.1, 5.85, 18.88];

/** The bandwidth range of the decision table (the best plan for every bandwidth in it), Mbps. */
export const DECISION_TABLE_MBPS = { fromMbps: 0.1, toMbps: 1000 } as const;

/** The one bandwidth `jalad split` solves for by default: the 4G uplink, Mbps. */
export const DEFAULT_BANDWIDTH_MBPS = 5.85;

/** Network round-trip time added to every offloaded inference unless `--rtt` is given, ms. */
export const DEFAULT_RTT_MS = 0;

/** Accuracy budget (on the loss's one-sided 95% upper bound) when none is given, percentage points. */
export const DEFAULT_MAX_LOSS_PCT = 1;

/** Samples whose tensors are entropy coded per configuration to measure sizes. */
export const DEFAULT_SIZE_SAMPLES = 500;

/**
 * The entropy coder an analysis measures and `jalad split` writes into plan.json (`--coder`):
 * the context coder (tensor format versions 4 and 5, docs/formats.md), which falls back to rANS
 * or raw packing per stream when they are at least as small. Analyses and plans written before
 * it name their coder or, when they name none, were 'auto' (rANS or raw): readers keep that.
 * `encodeTensor` without a coder stays 'auto' (the fastest to encode; library callers choose).
 */
export const DEFAULT_CODER = 'context' as const;

/** Samples a sweep configuration sees before it may stop early on a proven budget breach. */
export const DEFAULT_MIN_SAMPLES_TO_STOP = 200;

/** Samples per inference call for models with a dynamic batch axis. */
export const DEFAULT_BATCH_SIZE = 64;

/** Seed of the validation subset and every other seeded choice of a data set. */
export const DEFAULT_SEED = 0;

/** Seed of the synthetic inputs that profile a model and verify an explicit split. */
export const DEFAULT_SYNTHETIC_SEED = 1;

/** Plans `jalad split` measures and excludes before giving up. */
export const DEFAULT_MAX_ROUNDS = 10;

/** Default edge profile: this machine, measured. */
export const DEFAULT_EDGE = 'local';

/** Default cloud profile: this machine 10x faster (an assumption every report states). */
export const DEFAULT_CLOUD = 'local/10';

/**
 * What measuring this machine times by default (`--profile auto|fast|thorough`, src/profiler/profile-mode.ts).
 * NOTE: auto, neither fast nor thorough. Measured side by side (bench:latency, all 8 models, 3
 * repeats, load 3-4), fast's median edge-time error was within 10% on 4 models and thorough's on
 * 7, but thorough took hundreds of seconds on ResNet-50 (fast: 26 s). Auto times every part as
 * thorough does where that is estimated to take seconds (small models: thorough's accuracy) and
 * falls back to fast where it would take minutes: the cost grows with the model's runtime plus a
 * constant budget (AUTO_THOROUGH_BUDGET_MS), not with runtime x cut points.
 */
export const DEFAULT_PROFILE_MODE = 'auto' as const;

/** Defaults of `jalad profile`: one thread (reproducible, like a small edge CPU), 20 runs after 5 warm-ups. */
export const PROFILE_DEFAULTS = { threads: 1, runs: 20, warmup: 5 } as const;
