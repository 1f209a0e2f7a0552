/**
 * The plans a server holds and an edge client runs: one plan directory written by `jalad split`
 * (edge.onnx, cloud.onnx and plan.json or split.json), or every plan of an analysis's decision
 * table, built in memory from the model the analysis names (the same extraction and quantizer
 * nodes as `jalad split`, so the parts are the ones a split would write).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ANALYSIS_VERSION, type Analysis, type DecisionJson } from '../core/analysis';
import { inputShapesFor } from '../core/analysis-input-shapes';
import { InputError } from '../core/errors';
import { CODER_CHOICES, type CoderChoice } from '../codec';
import {
  attachCodec,
  buildDag,
  decodeModel,
  defaultOpset,
  encodeModel,
  extractSplit,
  partitionAt,
  readModelFile,
  valueInfo,
} from '../graph';
import { planKey } from '../ilp';
import { probeTensors } from '../runtime';
import { wireFromCloud, type ServedPlan } from './served-plan';

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError('BAD_PATH', `${file}: no such file (${what})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError('BAD_PATH', `${file}: not valid JSON (${(err as Error).message})`);
  }
}

function readBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch {
    throw new InputError('BAD_PATH', `${file}: no such file; run \`jalad split ... --out DIR\` first`);
  }
}

interface PlanJson {
  readonly model: string;
  readonly coder?: string;
  readonly rttMs?: number;
  readonly predictedMs?: {
    readonly edge: number;
    readonly cloud: number;
    readonly encode?: number;
    readonly decode?: number;
  };
  readonly wire?: readonly {
    readonly tensor: string;
    readonly bits: number | 'f32';
    readonly bytes: number;
  }[];
  readonly tensors?: readonly { readonly name: string; readonly bytes: number }[];
}

/**
 * Loads the plan `jalad split` wrote into `dir` (plan.json for a solved split, split.json for an
 * explicit cut, whose tensors cross as float32).
 * @throws InputError BAD_PATH when a file is missing or unreadable; BAD_MODEL for parts that do
 *   not match the plan file
 */
export function loadPlanDir(dir: string): ServedPlan {
  const planFile = path.join(dir, 'plan.json');
  const splitFile = path.join(dir, 'split.json');
  const solved = fs.existsSync(planFile);
  if (!solved && !fs.existsSync(splitFile))
    throw new InputError(
      'BAD_PATH',
      `${dir}: no plan.json or split.json; run \`jalad split ... --out ${dir}\``,
    );
  const file = solved ? planFile : splitFile;
  const json = readJson(file, 'the plan') as PlanJson;
  const sent = solved
    ? (json.wire ?? []).map((w) => ({ tensor: w.tensor, bits: w.bits, bytes: w.bytes }))
    : (json.tensors ?? []).map((t) => ({ tensor: t.name, bits: 'f32' as const, bytes: t.bytes }));
  if (sent.length === 0 || typeof json.model !== 'string')
    throw new InputError('BAD_PATH', `${file}: not a jalad plan (no model or wire tensors)`);
  const edge = readBytes(path.join(dir, 'edge.onnx'));
  const cloud = readBytes(path.join(dir, 'cloud.onnx'));
  const { wire } = wireFromCloud(cloud, sent, path.join(dir, 'cloud.onnx'));
  const inputName = singleInputName(edge, path.join(dir, 'edge.onnx'));
  return {
    key: planKey(sent.map((s) => ({ tensor: s.tensor, bits: s.bits }))),
    label: labelOf(sent),
    wire,
    edge,
    cloud,
    inputName,
    predicted: {
      edgeMs: json.predictedMs?.edge ?? NaN,
      // plan.json of a solved split has the codec's times; a float32 `--cut` split has no codec
      encodeMs: json.predictedMs?.encode ?? 0,
      decodeMs: json.predictedMs?.decode ?? 0,
      cloudMs: json.predictedMs?.cloud ?? NaN,
      rttMs: json.rttMs ?? 0,
      bytes: sent.reduce((sum, s) => sum + s.bytes, 0),
    },
    modelPath: json.model,
    ...coderOf(json.coder, file),
  };
}

/** The plan's coder as the served plan holds it: absent for 'auto' (and for plans written before `coder` named one). */
function coderOf(coder: string | undefined, where: string): { coder?: CoderChoice } {
  if (coder === undefined || coder === 'auto') return {};
  if (!(CODER_CHOICES as readonly string[]).includes(coder))
    throw new InputError(
      'BAD_PATH',
      `${where}: unknown coder "${coder}" (expected ${CODER_CHOICES.join(', ')})`,
    );
  return { coder: coder as CoderChoice };
}

function labelOf(
  sent: readonly { readonly tensor: string; readonly bits: number | 'f32' }[],
  cut?: number,
): string {
  const body = sent.map((s) => `${s.tensor}@${s.bits}`).join('+');
  return cut !== undefined && cut >= 0 ? `#${cut} ${body}` : body;
}

function singleInputName(edge: Uint8Array, where: string): string {
  const m = readEdgeInputs(edge, where);
  if (m.length !== 1)
    throw new InputError('BAD_MODEL', `${where}: the edge part has ${m.length} inputs; jalad run feeds one`);
  return m[0];
}

function readEdgeInputs(edge: Uint8Array, where: string): string[] {
  const model = decodeModel(edge, where);
  const inits = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  return (model.graph?.input ?? []).map((i) => i.name ?? '').filter((n) => !inits.has(n));
}

/** Reads and checks analysis.json for serving: a model and a decision table. */
export function readServeAnalysis(file: string): Analysis {
  const a = readJson(file, 'the analysis') as Analysis;
  if (typeof a !== 'object' || a === null || !a.model || !Array.isArray(a.cutPoints))
    throw new InputError('BAD_ANALYSIS', `${file}: not a jalad analysis (no model or cutPoints)`);
  if (a.version !== ANALYSIS_VERSION)
    throw new InputError(
      'BAD_ANALYSIS',
      `${file}: analysis version ${a.version} is not one this jalad reads`,
    );
  if (!a.decisions || a.decisions.length === 0)
    throw new InputError(
      'BAD_ANALYSIS',
      `${file}: no decision table; run \`jalad analyze\` with --data and --max-loss to make one`,
    );
  return a;
}

/**
 * The prediction of a decision-table plan: the codec's times of the interval (absent in older
 * analyses: 0) and the part times of its cut point, else the rest of the fixed time on the edge.
 * A compressed plan whose edge (cloud) part holds no node of the model still runs one: the
 * quantizer (dequantizer). Its cut point's part time is 0 then, so the profile's run overhead is
 * added, as the decision table does (src/ilp, `partRuns`).
 */
function predictionOf(a: Analysis, d: DecisionJson): ServedPlan['predicted'] {
  const rttMs = a.rttMs ?? 0;
  const encodeMs = d.encodeMs ?? 0;
  const decodeMs = d.decodeMs ?? 0;
  const c = d.cut >= 0 ? a.cutPoints[d.cut] : undefined;
  if (c && c.edgeMs !== undefined && c.cloudMs !== undefined) {
    const compressed = d.tensors.some((t) => t.bits !== 'f32');
    const edgeRunMs = compressed && d.edgeNodes === 0 ? (a.profiles?.edge.runOverheadMs ?? 0) : 0;
    const cloudRunMs =
      compressed && a.nodes !== undefined && d.edgeNodes === a.nodes.length
        ? (a.profiles?.cloud.runOverheadMs ?? 0)
        : 0;
    return {
      edgeMs: c.edgeMs + edgeRunMs,
      encodeMs,
      decodeMs,
      cloudMs: c.cloudMs + cloudRunMs,
      rttMs,
      bytes: d.bytes,
    };
  }
  return {
    edgeMs: d.fixedMs - rttMs - encodeMs - decodeMs,
    encodeMs,
    decodeMs,
    cloudMs: 0,
    rttMs,
    bytes: d.bytes,
  };
}

/**
 * Every plan of the analysis's decision table, in increasing bandwidth, with its parts built in
 * memory (a plan used in several intervals appears once per interval, sharing nothing).
 * @param options.inputShapes shapes of inputs with symbolic dimensions other than the batch
 *   (`--input-shape`); by default the ones the analysis ran with (cut point #0), given ones win
 * @throws InputError BAD_ANALYSIS without a decision table or for another model version
 */
export async function loadAnalysisPlans(
  analysisPath: string,
  options: { readonly inputShapes?: ReadonlyMap<string, readonly number[]> } = {},
): Promise<ServedPlan[]> {
  const a = readServeAnalysis(analysisPath);
  const loaded = readModelFile(a.model.path);
  if (createHash('sha256').update(loaded.bytes).digest('hex') !== a.model.sha256)
    throw new InputError(
      'BAD_ANALYSIS',
      `${analysisPath}: made for another version of ${a.model.path} (sha256 differs); run \`jalad analyze\` again`,
    );
  const dag = buildDag(loaded.model, a.model.path);
  const decisions = a.decisions ?? [];
  const names = [...new Set(decisions.flatMap((d) => d.tensors.map((t) => t.name)))];
  // The analysis's own input shapes unless the command line gives others (a model with symbolic dims).
  const inputShapes = inputShapesFor(a, options.inputShapes);
  const info = await probeTensors(loaded.model, names, { inputShapes });
  const opset = defaultOpset(loaded.model);
  const built = new Map<string, { edge: Uint8Array; cloud: Uint8Array }>();
  const plans: ServedPlan[] = [];
  for (const d of decisions) {
    const sent = d.tensors.map((t) => ({ tensor: t.name, bits: t.bits }));
    const key = planKey(sent);
    let parts = built.get(key);
    if (!parts) {
      const partition = partitionAt(
        dag,
        d.tensors.map((t) => t.name),
      );
      const split = extractSplit(loaded.model, dag, partition, (t) =>
        valueInfo(t, info.get(t)!.elemType, info.get(t)!.dims),
      );
      const bitsOf = new Map(sent.map((s) => [s.tensor, s.bits]));
      const deployable = attachCodec(
        split,
        partition.crossing.map((c) => ({
          name: c.name,
          bits: bitsOf.get(c.name) ?? 'f32',
          dims: info.get(c.name)!.dims,
          elemType: info.get(c.name)!.elemType,
        })),
        opset,
      );
      parts = { edge: encodeModel(deployable.edge), cloud: encodeModel(deployable.cloud) };
      built.set(key, parts);
    }
    const where = `${analysisPath}: plan ${labelOf(sent, d.cut)}`;
    const { wire } = wireFromCloud(parts.cloud, sent, where, inputShapes);
    const inputName = singleInputName(parts.edge, where);
    plans.push({
      key,
      label: labelOf(sent, d.cut),
      wire,
      edge: parts.edge,
      cloud: parts.cloud,
      inputName,
      ...(inputShapes.has(inputName) ? { inputDims: inputShapes.get(inputName)! } : {}),
      predicted: predictionOf(a, d),
      fromMbps: d.fromMbps,
      toMbps: d.toMbps,
      modelPath: a.model.path,
      ...coderOf(a.data?.coder, analysisPath),
    });
  }
  return plans;
}

/**
 * A fixed plan (`jalad split --cut` writes no prediction) with the latency model's prediction of
 * the analysis's cut point that sends the same tensors: its edge and cloud times and the RTT.
 * @throws InputError BAD_ANALYSIS when no cut point of the analysis sends exactly those tensors,
 *   or it has no edge and cloud times (an analysis without profiles)
 */
export function withAnalysisPrediction(plan: ServedPlan, analysisPath: string): ServedPlan {
  const a = readServeAnalysisModel(analysisPath);
  const sent = [...plan.wire.map((w) => w.tensor)].sort().join('\n');
  const c = a.cutPoints.find((p) => [...p.tensors].sort().join('\n') === sent);
  if (!c || c.edgeMs === undefined || c.cloudMs === undefined)
    throw new InputError(
      'BAD_ANALYSIS',
      `${analysisPath}: no cut point with edge and cloud times sends exactly ${plan.wire.map((w) => w.tensor).join(', ')}`,
    );
  return {
    ...plan,
    predicted: { ...plan.predicted, edgeMs: c.edgeMs, cloudMs: c.cloudMs, rttMs: a.rttMs ?? 0 },
  };
}

/** analysis.json read for its cut points (no decision table needed). */
function readServeAnalysisModel(file: string): Analysis {
  const a = readJson(file, 'the analysis') as Analysis;
  if (typeof a !== 'object' || a === null || !Array.isArray(a.cutPoints))
    throw new InputError('BAD_ANALYSIS', `${file}: not a jalad analysis (no cutPoints)`);
  return a;
}
