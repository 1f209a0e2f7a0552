/** `jalad run`: the edge side of a split against a `jalad serve` server; predicted vs measured per stage. */
import { Command, Option } from 'commander';
import { liveRunText, runLive } from '../../src/serve';
import { addDataFlags, dataSource, type DataFlags } from '../data-flags';
import { FLAG_RANGES, parseInputShape, parseInRange } from '../parsers';
import { printJson } from '../output';
import { progressOf, withOutputFlags, type OutputFlags } from '../common-flags';

interface RunFlags extends DataFlags, OutputFlags {
  plan?: string;
  analysis?: string;
  server: string;
  static?: number | true;
  shape?: number;
  delay: number;
  trace?: string;
  traceSpeed: number;
  csv?: string;
  timeout: number;
  retries: number;
  threads: number;
  edgeRepeat: number;
  /** Requests per plan, or false with --no-calibrate. */
  calibrate: number | false;
  computeWindow: number;
  policy: 'measured' | 'table';
  inputShape?: Map<string, number[]>;
}

/** What `jalad run --help` prints after the flags. */
const HELP = `
Per sample: edge part, encoding, transfer (round trip minus the server's own time), decoding,
server, answer, total; beside the latency model's prediction (edge + encode + RTT + bytes·8/B +
decode + cloud, plus the answer's encoding and decoding, timed with probes before the run) at the
link's bandwidth (the shaped rate, or the client's own estimate). The compute terms (edge,
encode, server) come from --calibrate requests sent before the run, not counted as samples, and
once a plan has 3 answered samples from the medians of its last --compute-window samples before
each one (the machine's speed moves during a run); the calibration's and the profile's predictions
are printed beside it (--no-calibrate: the profile's before the run's own). Adaptive runs
estimate the uplink from their requests (bits sent / (transfer − RTT), pooled over the last 16,
an observation 8 requests old counting half) and run the table's plan predicted fastest from the
times measured for each plan (see docs/runtime.md).

Examples:
  jalad run --plan jalad-split --server http://127.0.0.1:8707 --data x.idx.gz --labels y.idx.gz
  jalad run --analysis jalad-out/analysis.json --server http://127.0.0.1:8707 --data x.idx.gz --trace experiments/traces/4g.csv`;

/** Builds the `run` command. */
export function runCommand(): Command {
  const cmd = new Command('run')
    .description(
      'run the edge part of a split on data, sending its tensors to `jalad serve`; adaptive with --analysis',
    )
    .option('--plan <dir>', 'the plan folder the server was started with (a static run)')
    .addOption(
      new Option(
        '--policy <name>',
        "adaptive runs: 'measured' runs the plan predicted fastest from the times this run measured for each plan; " +
          "'table' the decision table's plan for the estimated bandwidth",
      )
        .choices(['measured', 'table'])
        .default('measured'),
    )
    .option(
      '--analysis <file>',
      'analysis.json with a decision table: switch plans with the measured bandwidth (with --plan: predict that plan from it)',
    )
    .option(
      '--input-shape <name=dims>',
      'with --analysis: shape of an input with symbolic dimensions, e.g. x=1x3x96x96 (repeatable; default: the one the analysis ran with)',
      parseInputShape,
    )
    .requiredOption('--server <url>', 'the server, e.g. http://127.0.0.1:8707')
    .option(
      '--static [mbps]',
      "with --analysis: keep one plan (the decision table's plan at this bandwidth, default its first)",
      parseInRange(FLAG_RANGES.bandwidthMbps),
    )
    .option(
      '--shape <mbps>',
      'put an in-process shaped link (token bucket) at this uplink rate in front of a loopback server',
      parseInRange(FLAG_RANGES.bandwidthMbps),
    )
    .option('--delay <ms>', 'one-way delay of the shaped link, ms', parseInRange(FLAG_RANGES.rttMs), 0)
    .option('--trace <csv>', 'replay a bandwidth trace (time_s,mbps) on the shaped link', undefined)
    .option('--trace-speed <x>', 'trace seconds per real second', parseInRange(FLAG_RANGES.speed), 1)
    .option('--csv <file>', 'write one row per sample: measured and predicted ms per stage')
    .option('--timeout <ms>', 'per-request timeout, ms', parseInRange(FLAG_RANGES.timeoutMs), 2000)
    .option(
      '--retries <n>',
      'retries of a failed request (backoff 50 ms, doubling) before running the sample edge-only',
      parseInRange(FLAG_RANGES.retries),
      3,
    )
    .option(
      '--threads <n>',
      'ONNX Runtime intra-op threads of the edge parts (0: its choice)',
      parseInRange(FLAG_RANGES.threadsOrAuto),
      0,
    )
    .option(
      '--edge-repeat <n>',
      'run each edge part and its encoding n times per sample: an edge n times slower (analyse with --edge local/(1/n))',
      parseInRange(FLAG_RANGES.repeat),
      1,
    )
    .option(
      '--calibrate <n>',
      'before the run, send n requests per plan through the real pipeline (the first discarded) and predict the ' +
        'edge part, encoding and server from their medians instead of the profile',
      parseInRange(FLAG_RANGES.calibrate),
      9,
    )
    .option('--no-calibrate', "no calibration requests: the prediction's compute terms are the profile's")
    .option(
      '--compute-window <n>',
      'once a plan has 3 answered samples, predict its compute terms from the medians of its last n samples ' +
        "before each one (0: the calibration's throughout)",
      parseInRange(FLAG_RANGES.computeWindow),
      9,
    );
  withOutputFlags(cmd, 'print one JSON document (samples, top1, per-stage medians) instead of tables');
  return addDataFlags(cmd, true).addHelpText('after', HELP).action(runAction);
}

/** Runs the edge side against the server and prints the summary (or the JSON document without per-sample records). */
async function runAction(flags: RunFlags): Promise<void> {
  const source = dataSource(flags)!;
  const report = await runLive({
    planDir: flags.plan,
    analysisPath: flags.analysis,
    inputShapes: flags.inputShape,
    serverUrl: flags.server,
    data: source.data,
    labels: source.labels,
    dataOptions: source.options,
    adaptive: flags.plan === undefined && flags.analysis !== undefined && flags.static === undefined,
    staticMbps: typeof flags.static === 'number' ? flags.static : undefined,
    shapeMbps: flags.shape ?? (flags.trace ? 1 : undefined),
    delayMs: flags.delay,
    tracePath: flags.trace,
    traceSpeed: flags.traceSpeed,
    csvPath: flags.csv,
    timeoutMs: flags.timeout,
    retries: flags.retries,
    threads: flags.threads,
    edgeRepeat: flags.edgeRepeat,
    calibrate: flags.calibrate === false ? 0 : flags.calibrate,
    computeWindow: flags.computeWindow,
    policy: flags.policy,
    progress: progressOf(flags),
  });
  if (flags.json) {
    const { records, ...summary } = report;
    void records;
    printJson(summary);
    return;
  }
  process.stdout.write(liveRunText(report));
}
