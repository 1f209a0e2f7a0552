/**
 * Benchmark of the live runtime (docs/runtime.md#tests-and-the-benchmark): the bundled
 * Fashion-MNIST ResNet, its cloud halves served by `jalad serve` inside a network namespace, its
 * edge halves run here, across a kernel-shaped link (veth + tbf; the in-process proxy when this
 * is not root or has no iproute2, said so).
 *
 * 1. The edge is made slower than the cloud: every edge part runs `--edge-repeat` times per sample
 *    (default 20), and the analysis profiles the edge as `local/(1/20)` and the cloud as `local`,
 *    both measured here now; 2/4/6/8 bits swept on the test subset; decision table for 1 pp.
 * 2. At 1.1, 5.85 and 18.88 Mbps, a plan with a real payload: the fixed cut after the stem
 *    (`jalad split --cut /stem/stem.2/Relu_output_0`, 50,176 B of float32 per sample), its edge
 *    half run once per sample and predicted with the cut point of an analysis of this machine as
 *    both edge and cloud; median error per sample of predicted vs measured total and
 *    transfer (targets: 10%), and the served top-1 against the offline run of the same plan,
 *    outputs compared sample by sample. The decision table's own plan at each rate is run too.
 * 3. On experiments/traces/{3g,4g,wifi}.csv replayed on the link: the adaptive run (the measured
 *    policy, and the decision table's intervals for comparison) against each plan of the table run
 *    statically over the same replay; mean total latency. The arms run interleaved: `--rounds`
 *    rounds (default 2), the order reversed every other round, each arm replaying the trace from its
 *    start. `--proxy-traces`: the same again on the in-process proxy (a server on loopback).
 * Timings on a shared machine are noisy: each figure is one run, printed with the machine's load.
 * Run: npm run bench:runtime [-- --quick | --samples 100 --analysis-samples 500 --trace-samples 200
 *   --trace-speed 5 --rounds 2 --edge-repeat 20 --mtu 296 --link proxy --proxy-traces --traces-only]
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fitToModelInput, loadDataset, type DataOptions, type Dataset } from '../src/data';
import { analyzeModel } from '../src/pipeline/analyze';
import {
  createNetnsLink,
  DEFAULT_MTU_BYTES,
  edgeInputDims,
  linkUnavailableReason,
  loadAnalysisPlans,
  loadPlanDir,
  runLive,
  runOffline,
  withAnalysisPrediction,
  type EdgeRunReport,
  type LiveRunOptions,
  type ServedPlan,
} from '../src/serve';

const QUICK = process.argv.includes('--quick');

/** A flag's value; `--quick` changes the defaults (see main). */
function argValue(name: string, fallback: string, quick = fallback): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : QUICK ? quick : fallback;
}

const ROOT = path.join(__dirname, '..', '..');
const DATA = path.join(ROOT, 'datasets', 'fashion-mnist');
const BIN = path.join(__dirname, '..', 'bin', 'jalad.js');
const CUT = '/stem/stem.2/Relu_output_0';
const RATES_MBPS = [1.1, 5.85, 18.88];

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** A link the runs share: its rate can be set; servers are started behind it. */
interface BenchLink {
  readonly kind: string;
  setRate(mbps: number): void;
  /** The kernel link only: a new MTU (and bucket) between runs. */
  setMtu?(mtuBytes: number): void;
  /** The kernel link only: its bucket now, and the frame bytes of a payload. */
  bucketBytes?(): number;
  linkBytes?(bytes: number): number;
  startServer(args: readonly string[]): Promise<{ child: ChildProcess; url: string }>;
  /** runLive options that route a run through this link to `url`. */
  through(url: string): Pick<LiveRunOptions, 'serverUrl' | 'link' | 'shapeMbps'>;
  close(): Promise<void>;
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/\S+):/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`jalad serve exited with ${code}`)));
  });
}

/** The kernel link, the servers inside its namespace. */
function kernelLink(mtuBytes: number): BenchLink {
  const link = createNetnsLink({ mbps: RATES_MBPS[0], mtuBytes });
  return {
    kind:
      `kernel (namespace ${link.namespace}, tbf on ${link.hostDevice}, MTU ${link.mtuBytes}, bucket ` +
      `${link.burstBytes} B, server at ${link.serverAddress})`,
    setRate: (mbps) => link.setRateMbpsNow(mbps),
    setMtu: (mtu) => link.setMtuBytesNow(mtu),
    bucketBytes: () => link.burstBytes,
    linkBytes: (b) => link.linkBytes(b),
    async startServer(args) {
      const child = link.spawn(
        process.execPath,
        [BIN, 'serve', ...args, '--host', link.serverAddress, '--port', '0'],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      return { child, url: await waitForUrl(child) };
    },
    through: (url) => ({ serverUrl: url, link }),
    close: async () => link.close(),
  };
}

/** The in-process proxy in front of servers on loopback. */
function proxyLink(): BenchLink {
  let rate = RATES_MBPS[0];
  const children: ChildProcess[] = [];
  return {
    kind: 'in-process proxy on loopback',
    setRate: (mbps) => {
      rate = mbps;
    },
    async startServer(args) {
      const child = spawn(process.execPath, [BIN, 'serve', ...args, '--port', '0'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      return { child, url: await waitForUrl(child) };
    },
    through: (url) => ({ serverUrl: url, shapeMbps: rate }),
    close: async () => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    },
  };
}

/** Analysis with the edge `repeat` times slower than this machine, the cloud this machine. */
async function analyse(
  tmp: string,
  source: { data: string; labels: string },
  dataOptions: DataOptions,
  repeat: number,
) {
  const t0 = Date.now();
  const analysis = await analyzeModel(path.join(DATA, 'resnet.onnx'), {
    data: { ...source, options: dataOptions },
    bits: [2, 4, 6, 8],
    maxLossPct: 1,
    edge: `local/${1 / repeat}`,
    cloud: 'local',
    threads: 1,
  });
  const analysisPath = path.join(tmp, 'analysis.json');
  fs.writeFileSync(analysisPath, JSON.stringify(analysis));
  console.log(
    `analysis (edge: this machine /${1 / repeat} = ${repeat}x slower, cloud: this machine; ${dataOptions.maxSamples} ` +
      `test images) took ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return analysisPath;
}

function printTable(plans: readonly ServedPlan[]): void {
  console.log('decision table:');
  for (const p of plans)
    console.log(
      `  ${fmt(p.fromMbps!, 2)}–${fmt(p.toMbps!, 2)} Mbps: ${p.label}, edge ${fmt(p.predicted.edgeMs)} ms, encode ` +
        `${fmt(p.predicted.encodeMs)} ms, decode ${fmt(p.predicted.decodeMs)} ms, cloud ${fmt(p.predicted.cloudMs)} ms, ` +
        `${fmt(p.predicted.bytes, 0)} B`,
    );
}

const HEADER =
  'Mbps   plan                          bytes/req  edge p/m      encode p/m    transfer p/m      decode p/m    ' +
  'server p/m    total p/m         err total     err transfer  top-1 served = offline';

/** One static run's row, with the offline comparison of the same plan. */
/**
 * A diagnostic, not the target: the median transfer error per sample when the prediction leaves
 * out the frames tbf's full bucket lets through at once after an idle moment (a serial line would
 * charge them). It says how much of the transfer error the bucket accounts for.
 */
function bucketDiagnostic(report: EdgeRunReport, link: BenchLink): string {
  if (!link.bucketBytes || !link.linkBytes) return '';
  const bucket = link.bucketBytes();
  const errs = report.records
    .filter((r) => r.mode === 'split')
    .map((r) => {
      const free = (Math.min(bucket, link.linkBytes!(r.wireBytes)) * 8) / (r.bandwidthMbps * 1000);
      return (Math.abs(r.predicted.transferMs - free - r.transferMs) / r.transferMs) * 100;
    })
    .sort((a, b) => a - b);
  return `; transfer err without the bucket's ${bucket} B: ${fmt(errs[errs.length >> 1], 1)}%`;
}

async function staticRow(
  mbps: number,
  plan: ServedPlan,
  report: EdgeRunReport,
  dataset: Dataset,
  link: BenchLink,
): Promise<string> {
  const offline = await runOffline(plan, dataset, 1);
  const same = report.records.every((r, i) => r.scores.every((v, j) => v === offline.scores[i][j]));
  const s = report.stages;
  const wire = report.records.reduce((a, r) => a + r.wireBytes, 0) / Math.max(1, report.records.length);
  const ok = (x: number) => (x <= 10 ? 'met' : 'NOT met');
  return (
    `${String(mbps).padEnd(6)} ${plan.label.slice(0, 29).padEnd(29)} ${fmt(wire, 0).padStart(9)}  ` +
    `${fmt(s.edge.predictedMs)}/${fmt(s.edge.measuredMs)}   ${fmt(s.encode.predictedMs)}/${fmt(s.encode.measuredMs)}   ` +
    `${fmt(s.transfer.predictedMs)}/${fmt(s.transfer.measuredMs)}   ${fmt(s.decode.predictedMs)}/${fmt(s.decode.measuredMs)}   ` +
    `${fmt(s.server.predictedMs)}/${fmt(s.server.measuredMs)}   ${fmt(s.total.predictedMs)}/${fmt(s.total.measuredMs)}   ` +
    `${fmt(report.medianErrorPct.total, 1)}% ${ok(report.medianErrorPct.total)}  ` +
    `${fmt(report.medianErrorPct.transfer, 1)}% ${ok(report.medianErrorPct.transfer)}  ` +
    `${report.top1!.correct}/${report.top1!.total} = ${offline.top1!.correct}/${offline.top1!.total} ` +
    `(outputs ${same ? 'identical' : 'DIFFER'}; RTT ${fmt(report.rttMs)} ms; ${report.fallbacks} edge-only` +
    `${bucketDiagnostic(report, link)}; load ${load()})`
  );
}

interface Context {
  readonly link: BenchLink;
  readonly common: Omit<LiveRunOptions, 'serverUrl' | 'adaptive'>;
  readonly repeat: number;
  readonly mtuBytes: number;
  /** An analysis of this machine as both edge and cloud (no sweep): what predicts the fixed cut. */
  readonly localAnalysisPath: string;
}

async function staticRuns(
  ctx: Context,
  cutUrl: string,
  tableUrl: string,
  tablePlans: readonly ServedPlan[],
  cutDir: string,
  dataset: Dataset,
) {
  const cutPlan = withAnalysisPrediction(loadPlanDir(cutDir), ctx.localAnalysisPath);
  // With the kernel link, every run at the bench's MTU and at 1500 (the old link), interleaved.
  const mtus = ctx.link.setMtu ? [...new Set([ctx.mtuBytes, 1500])] : [undefined];
  console.log(`\nstatic runs on the shaped link, ms medians (p = predicted, m = measured); load ${load()}:`);
  console.log(`MTU  ${HEADER}`);
  let flip = false;
  for (const mbps of RATES_MBPS) {
    ctx.link.setRate(mbps);
    for (const mtu of flip ? [...mtus].reverse() : mtus) {
      if (mtu !== undefined) ctx.link.setMtu!(mtu);
      const tag = String(mtu ?? '-').padEnd(4);
      // NOTE: the fixed cut runs on this machine's own edge (no repeats), predicted by its own
      // profile: it checks the transfer term on a real payload; the profile's error on a 3-node
      // part (a fraction of a millisecond) would otherwise be multiplied by the repeats.
      const fixed = await runLive({
        ...ctx.common,
        analysisPath: ctx.localAnalysisPath,
        edgeRepeat: 1,
        planDir: cutDir,
        adaptive: false,
        ...ctx.link.through(cutUrl),
      });
      console.log(`${tag} ${await staticRow(mbps, cutPlan, fixed, dataset, ctx.link)}`);
      const table = await runLive({
        ...ctx.common,
        adaptive: false,
        staticMbps: mbps,
        ...ctx.link.through(tableUrl),
      });
      const plan = tablePlans.find((p) => p.label === Object.keys(table.plansUsed)[0])!;
      console.log(`${tag} ${await staticRow(mbps, plan, table, dataset, ctx.link)}`);
    }
    flip = !flip;
  }
  if (ctx.link.setMtu) ctx.link.setMtu(ctx.mtuBytes);
}

/** One arm of a trace comparison: a name and the options that make it. */
interface Arm {
  readonly name: string;
  readonly options: Pick<LiveRunOptions, 'adaptive' | 'policy' | 'staticMbps'>;
}

// NOTE: the arms run interleaved, `rounds` rounds with the order reversed every other round, so a
// change of the machine's load during the comparison touches every arm alike; each run replays the
// trace from its start, so every arm meets the same bandwidths.
async function traceRuns(
  ctx: Context,
  tableUrl: string,
  plans: readonly ServedPlan[],
  traceSamples: number,
  traceSpeed: number,
  rounds: number,
) {
  console.log(
    `\ntraces (${traceSamples} samples per arm in ${rounds} rounds, trace at ${traceSpeed}x), mean total ms; load ${load()}:`,
  );
  const per = Math.max(1, Math.round(traceSamples / rounds));
  const traced = {
    ...ctx.common,
    rttPings: 21,
    rttGapMs: 10,
    // the estimate's memory in trace time: 500 ms of the trace, however fast it is replayed
    estimator: { halfLifeMs: 500 / traceSpeed },
    dataOptions: { ...ctx.common.dataOptions, maxSamples: per },
  };
  const distinct = plans.filter((p, i) => plans.findIndex((q) => q.key === p.key) === i);
  const arms: Arm[] = [
    { name: 'adaptive (measured)', options: { adaptive: true, policy: 'measured' } },
    { name: 'adaptive (table)', options: { adaptive: true, policy: 'table' } },
    ...distinct.map((p) => ({
      name: `static ${p.label}`,
      options: { adaptive: false, staticMbps: p.fromMbps! },
    })),
  ];
  for (const trace of ['3g', '4g', 'wifi']) {
    const tracePath = path.join(ROOT, 'experiments', 'traces', `${trace}.csv`);
    const runs = new Map<string, EdgeRunReport[]>(arms.map((a) => [a.name, []]));
    const loads: string[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const arm of r % 2 === 0 ? arms : [...arms].reverse()) {
        const report = await runLive({
          ...traced,
          ...arm.options,
          tracePath,
          traceSpeed,
          ...ctx.link.through(tableUrl),
        });
        runs.get(arm.name)!.push(report);
      }
      loads.push(load());
    }
    const mean = (name: string) => {
      const rs = runs.get(name)!;
      return rs.reduce((a, x) => a + x.meanTotalMs * x.samples, 0) / rs.reduce((a, x) => a + x.samples, 0);
    };
    const best = Math.min(...arms.filter((a) => !a.options.adaptive).map((a) => mean(a.name)));
    const bestName = arms.find((a) => !a.options.adaptive && mean(a.name) === best)!.name;
    console.log(`  ${trace} (load after each round: ${loads.join(' | ')}):`);
    for (const arm of arms) {
      const rs = runs.get(arm.name)!;
      const used: Record<string, number> = {};
      for (const x of rs) for (const [k, n] of Object.entries(x.plansUsed)) used[k] = (used[k] ?? 0) + n;
      const extra = arm.options.adaptive
        ? ` (${rs.reduce((a, x) => a + x.switches, 0)} switches, plans ${JSON.stringify(used)}; / best static = ` +
          `${fmt(mean(arm.name) / best)})`
        : '';
      console.log(
        `    ${arm.name.padEnd(26)} ${fmt(mean(arm.name)).padStart(9)} ms${extra}` +
          `${rs.reduce((a, x) => a + x.fallbacks, 0) > 0 ? `, ${rs.reduce((a, x) => a + x.fallbacks, 0)} edge-only` : ''}`,
      );
    }
    console.log(
      `    => ${trace}: adaptive (measured) / best static (${bestName}) = ${fmt(mean(arms[0].name) / best)}; ` +
        `adaptive (table) / best static = ${fmt(mean(arms[1].name) / best)}`,
    );
  }
}

function makeLink(choice: string, mtuBytes: number): BenchLink {
  if (choice === 'proxy') return proxyLink();
  const why = linkUnavailableReason();
  if (why) {
    console.log(`kernel link unavailable (${why}): using the in-process proxy instead`);
    return proxyLink();
  }
  return kernelLink(mtuBytes);
}

async function main(): Promise<void> {
  const samples = Number(argValue('--samples', '100', '40'));
  const traceSamples = Number(argValue('--trace-samples', '200', '100'));
  const traceSpeed = Number(argValue('--trace-speed', '5'));
  const rounds = Number(argValue('--rounds', '2'));
  const repeat = Number(argValue('--edge-repeat', '20'));
  const mtuBytes = Number(argValue('--mtu', String(DEFAULT_MTU_BYTES)));
  // NOTE: the sweep needs a few hundred samples: below that no quantized plan's 95% loss bound fits 1 pp.
  const analysisSamples = Number(argValue('--analysis-samples', '500'));
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-bench-runtime-'));
  const dataOptions: DataOptions = {
    scale: 1 / 255,
    mean: [0.286],
    std: [0.353],
    maxSamples: samples,
    seed: 0,
  };
  const source = {
    data: path.join(DATA, 't10k-images-idx3-ubyte.gz'),
    labels: path.join(DATA, 't10k-labels-idx1-ubyte.gz'),
  };
  console.log(`machine: ${os.cpus().length} cores, load average ${load()}`);
  console.log(
    `options: --samples ${samples} --analysis-samples ${analysisSamples} --trace-samples ${traceSamples} ` +
      `--trace-speed ${traceSpeed} --rounds ${rounds} --edge-repeat ${repeat} --mtu ${mtuBytes}${QUICK ? ' (--quick)' : ''}`,
  );
  const link = makeLink(argValue('--link', 'kernel'), mtuBytes);
  let proxy: BenchLink | undefined;
  // Ctrl-C or a kill still tears the link down (the 'exit' handlers run).
  const bye = () => process.exit(130);
  process.once('SIGINT', bye);
  process.once('SIGTERM', bye);
  try {
    console.log(`link: ${link.kind}`);
    const analysisPath = await analyse(tmp, source, { ...dataOptions, maxSamples: analysisSamples }, repeat);
    const localAnalysisPath = path.join(tmp, 'analysis-local.json');
    const local = await analyzeModel(path.join(DATA, 'resnet.onnx'), {
      edge: 'local',
      cloud: 'local',
      threads: 1,
    });
    fs.writeFileSync(localAnalysisPath, JSON.stringify(local));
    const plans = await loadAnalysisPlans(analysisPath);
    printTable(plans);
    const cutDir = path.join(tmp, 'cut');
    execFileSync(process.execPath, [
      BIN,
      'split',
      path.join(DATA, 'resnet.onnx'),
      '--cut',
      CUT,
      '--out',
      cutDir,
      '-q',
    ]);
    const cutServer = await link.startServer(['--plan', cutDir, '--threads', '1']);
    const tableServer = await link.startServer(['--analysis', analysisPath, '--threads', '1']);
    const dataset = fitToModelInput(
      await loadDataset(source.data, source.labels, dataOptions),
      edgeInputDims(plans[0]).map((d, i) => (i === 0 ? 'batch' : d)),
      plans[0].inputName,
    );
    const ctx: Context = {
      link,
      repeat,
      mtuBytes,
      localAnalysisPath,
      // RTT: the lower quartile of 41 pings before each run
      common: {
        analysisPath,
        ...source,
        dataOptions,
        threads: 1,
        edgeRepeat: repeat,
        rttPings: 41,
        rttGapMs: 20,
      },
    };
    if (!process.argv.includes('--traces-only'))
      await staticRuns(ctx, cutServer.url, tableServer.url, plans, cutDir, dataset);
    await traceRuns(ctx, tableServer.url, plans, traceSamples, traceSpeed, rounds);
    if (process.argv.includes('--proxy-traces') && !link.kind.startsWith('in-process')) {
      // The same traces on the proxy, which serializes every packet (tbf lets a small request
      // after an idle moment through at once): the adaptive run sees the rate in small requests too.
      proxy = proxyLink();
      const loopback = await proxy.startServer(['--analysis', analysisPath, '--threads', '1']);
      console.log(`\nthe same on the ${proxy.kind}:`);
      await traceRuns({ ...ctx, link: proxy }, loopback.url, plans, traceSamples, traceSpeed, rounds);
    }
  } finally {
    await proxy?.close();
    await link.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(
    `machine load average at the end: ${load()}; the bench took ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
