/**
 * Benchmark of the live runtime (docs/runtime.md): the bundled Fashion-MNIST ResNet served by
 * `jalad serve` in its own process and run by the edge client in this one, over the in-process
 * shaped link on loopback.
 *
 * 1. Analyse the model with both profiles measured here, now (edge `local`, cloud `local`: both
 *    halves run on this machine), sweep 2/4/6/8 bits on the test subset, decision table for 1 pp.
 * 2. At 1.1, 5.85 and 18.88 Mbps: the decision table's plan for that bandwidth, every sample:
 *    median relative error per sample of the predicted vs measured total and transfer; served
 *    top-1 against the offline run of the same plan (edge half straight into the cloud half) and
 *    the outputs compared sample by sample.
 * 3. On experiments/traces/{3g,4g,wifi}.csv: the adaptive run against each plan of the table
 *    run statically over the same replay; mean total latency.
 * Timings on a shared machine are noisy: each figure is one run, printed with the machine's load.
 * Run: npm run bench:runtime [-- --samples 500 --trace-samples 400 --trace-speed 20]
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fitToModelInput, loadDataset, type DataOptions } from '../src/data';
import { analyzeModel } from '../src/pipeline/analyze';
import {
  edgeInputDims,
  loadAnalysisPlans,
  runLive,
  runOffline,
  type EdgeRunReport,
  type ServedPlan,
} from '../src/serve';

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const ROOT = path.join(__dirname, '..', '..');
const DATA = path.join(ROOT, 'datasets', 'fashion-mnist');
const BIN = path.join(__dirname, '..', 'bin', 'jalad.js');

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');

async function main(): Promise<void> {
  const samples = argValue('--samples', 500);
  const traceSamples = argValue('--trace-samples', 400);
  const traceSpeed = argValue('--trace-speed', 20);
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
  console.log(
    `machine: ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const t0 = Date.now();
  const analysis = await analyzeModel(path.join(DATA, 'resnet.onnx'), {
    data: { ...source, options: dataOptions },
    bits: [2, 4, 6, 8],
    maxLossPct: 1,
    edge: 'local',
    cloud: 'local',
  });
  const analysisPath = path.join(tmp, 'analysis.json');
  fs.writeFileSync(analysisPath, JSON.stringify(analysis));
  console.log(
    `analysis (edge and cloud measured here, ${samples} test images) took ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  const plans = await loadAnalysisPlans(analysisPath);
  console.log('decision table:');
  for (const p of plans)
    console.log(
      `  ${fmt(p.fromMbps!, 2)}–${fmt(p.toMbps!, 2)} Mbps: ${p.label}, edge ${fmt(p.predicted.edgeMs)} ms, cloud ` +
        `${fmt(p.predicted.cloudMs)} ms, ${fmt(p.predicted.bytes, 0)} B`,
    );

  const server = spawn(process.execPath, [BIN, 'serve', '--analysis', analysisPath, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/\S+):/.exec(out);
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`jalad serve exited with ${code}`)));
  });
  const loaded = await loadDataset(source.data, source.labels, dataOptions);
  const dataset = fitToModelInput(
    loaded,
    edgeInputDims(plans[0]).map((d, i) => (i === 0 ? 'batch' : d)),
    plans[0].inputName,
  );
  const common = { analysisPath, serverUrl: url, ...source, dataOptions };
  try {
    console.log('\nstatic runs on the shaped link (decision-table plan for each bandwidth), ms medians:');
    console.log(
      'Mbps   plan                        edge p/m        transfer p/m      server p/m      total p/m      ' +
        'err total  err transfer  top-1 served = offline',
    );
    for (const mbps of [1.1, 5.85, 18.88]) {
      const report = await runLive({ ...common, adaptive: false, staticMbps: mbps, shapeMbps: mbps });
      const plan = plans.find((p) => p.label === Object.keys(report.plansUsed)[0])!;
      const offline = await runOffline(plan, dataset);
      const same = report.records.every((r, i) => r.scores.every((v, j) => v === offline.scores[i][j]));
      const s = report.stages;
      console.log(
        `${String(mbps).padEnd(6)} ${plan.label.padEnd(27)} ${fmt(s.edge.predictedMs)}/${fmt(s.edge.measuredMs)}   ` +
          `${fmt(s.transfer.predictedMs)}/${fmt(s.transfer.measuredMs)}   ${fmt(s.server.predictedMs)}/${fmt(s.server.measuredMs)}  ` +
          ` ${fmt(s.total.predictedMs)}/${fmt(s.total.measuredMs)}   ${fmt(report.medianErrorPct.total, 1)}%      ` +
          `${fmt(report.medianErrorPct.transfer, 1)}%        ${report.top1!.correct}/${report.top1!.total} = ` +
          `${offline.top1!.correct}/${offline.top1!.total} (outputs ${same ? 'identical' : 'DIFFER'}; RTT ${fmt(report.rttMs)} ms)`,
      );
    }

    console.log(`\ntraces (${traceSamples} samples each, trace at ${traceSpeed}x), mean total ms:`);
    const traced = {
      ...common,
      dataOptions: { ...dataOptions, maxSamples: Math.min(samples, traceSamples) },
    };
    for (const trace of ['3g', '4g', 'wifi']) {
      const tracePath = path.join(ROOT, 'experiments', 'traces', `${trace}.csv`);
      const adaptive = await runLive({ ...traced, adaptive: true, tracePath, traceSpeed });
      const statics: [ServedPlan, EdgeRunReport][] = [];
      for (const p of plans)
        statics.push([
          p,
          await runLive({ ...traced, adaptive: false, staticMbps: p.fromMbps!, tracePath, traceSpeed }),
        ]);
      const best = statics.reduce((a, b) => (b[1].meanTotalMs < a[1].meanTotalMs ? b : a));
      console.log(
        `  ${trace.padEnd(5)} adaptive ${fmt(adaptive.meanTotalMs)} (${adaptive.switches} switches, plans ` +
          `${JSON.stringify(adaptive.plansUsed)}) | ` +
          statics.map(([p, r]) => `static ${p.label} ${fmt(r.meanTotalMs)}`).join(' | ') +
          ` | adaptive / best static = ${fmt(adaptive.meanTotalMs / best[1].meanTotalMs)}`,
      );
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(
    `machine load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
