/**
 * `jalad bench`: run the real edge and cloud models of a cut on this machine and set
 * their measured times beside the times the per-node profile predicts.
 */
import { buildDag, extractSplit, encodeModel, partitionAt, readModelFile, valueInfo } from '../graph';
import {
  measureNodeTimes,
  measureRunOverhead,
  median,
  predictPartMs,
  quantile,
  type DeviceProfile,
} from '../profiler';
import {
  CPU,
  checkDevice,
  deviceLabel,
  feedsFor,
  inputSpecs,
  openSession,
  probeTensors,
  syntheticFeeds,
  timeRuns,
  type DeviceChoice,
  type TensorMap,
} from '../runtime';
import { loadInputValues } from '../runtime/input-values';

/** Options of `benchSplit`. */
export interface BenchOptions {
  readonly edgeThreads: number;
  readonly cloudThreads: number;
  readonly runs: number;
  readonly warmup: number;
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
  /** `--inputs`: real input values to time the parts on (a test-data folder or NAME=FILE,...). */
  readonly inputs?: string;
  readonly progress?: (message: string) => void;
  /** Where each part runs (default: the CPU). */
  readonly edgeDevice?: DeviceChoice;
  readonly cloudDevice?: DeviceChoice;
}

/** Predicted vs measured time of one part. */
export interface PartComparison {
  readonly part: 'edge' | 'cloud';
  readonly threads: number;
  /** Where the part ran: cpu, webgpu, cuda:N. */
  readonly device: string;
  readonly nodes: number;
  readonly predictedMs: number;
  readonly measuredMs: number;
  readonly measuredP90Ms: number;
  /** (predicted − measured) / measured, percent. */
  readonly errorPct: number;
}

/** Measures and predicts both parts of the split at `cut`. */
export async function benchSplit(
  modelPath: string,
  cut: readonly string[],
  options: BenchOptions,
): Promise<{ readonly cut: readonly string[]; readonly parts: readonly PartComparison[] }> {
  // A device that cannot be used is refused before any work (one line, exit 2).
  for (const d of [options.edgeDevice, options.cloudDevice]) if (d) await checkDevice(d);
  const loaded = readModelFile(modelPath);
  const dag = buildDag(loaded.model, modelPath);
  const partition = partitionAt(dag, cut);
  const inputValues = options.inputs ? loadInputValues(options.inputs, loaded.model) : undefined;
  const info = await probeTensors(
    loaded.model,
    partition.crossing.map((c) => c.name),
    { inputShapes: options.inputShapes, inputValues, source: modelPath },
  );
  const split = extractSplit(loaded.model, dag, partition, (t) =>
    valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims),
  );
  const feeds = syntheticFeeds(inputSpecs(loaded.model), 1, 1, options.inputShapes, inputValues);
  const sent: TensorMap = {};
  const parts: PartComparison[] = [];
  for (const part of ['edge', 'cloud'] as const) {
    const threads = part === 'edge' ? options.edgeThreads : options.cloudThreads;
    const nodes = part === 'edge' ? partition.edgeNodes : partition.cloudNodes;
    const device = (part === 'edge' ? options.edgeDevice : options.cloudDevice) ?? CPU;
    options.progress?.(`${part}: profiling nodes with ${threads} thread(s) on ${deviceLabel(device)}`);
    const measure = {
      threads,
      runs: options.runs,
      warmup: options.warmup,
      inputShapes: options.inputShapes,
      inputValues,
      source: modelPath,
      device,
    };
    const runOverheadMs = await measureRunOverhead(loaded.model, measure);
    const times = await measureNodeTimes(loaded.model, dag, { ...measure, runOverheadMs });
    const profile: Pick<DeviceProfile, 'nodes' | 'runOverheadMs'> = { nodes: times.nodes, runOverheadMs };
    const predictedMs = predictPartMs(profile as DeviceProfile, dag, nodes);
    options.progress?.(
      `${part}: timing the real ${part}.onnx (${options.warmup} warm-up + ${options.runs} runs)`,
    );
    const session = await openSession(encodeModel(split[part]), { optimization: 'all', threads, device });
    try {
      const mine = feedsFor(session, { ...feeds, ...sent });
      if (part === 'edge') Object.assign(sent, await session.run(mine));
      const samples = nodes.length > 0 ? await timeRuns(session, mine, options.warmup, options.runs) : [0];
      const measuredMs = median(samples);
      parts.push({
        part,
        threads,
        device: deviceLabel(device),
        nodes: nodes.length,
        predictedMs,
        measuredMs,
        measuredP90Ms: quantile(samples, 0.9),
        errorPct: measuredMs > 0 ? ((predictedMs - measuredMs) / measuredMs) * 100 : 0,
      });
    } finally {
      await session.release();
    }
  }
  return { cut, parts };
}
