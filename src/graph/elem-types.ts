/**
 * Element types of a model's tensors that ONNX Runtime for Node cannot hand back (bfloat16, the
 * float8 types, int4/uint4): a session that lists such a tensor as an output fails to load
 * ("Unsupported data type"). jalad asks the runtime for tensor shapes by adding them as outputs,
 * so it must know those tensors beforehand and read them through a Cast to float32 instead.
 *
 * The types come from what the model states (inputs, initializers, value_info, Cast targets,
 * Constant values) carried along the graph by the ops' typing rules (ONNX operator specs: most
 * ops give their first input's type; comparisons give bool; Shape, Size, ArgMax give int64;
 * QuantizeLinear its zero point's type). Only a model that names one of these types anywhere is
 * walked at all.
 */
import { buildDag } from './dag';
import { elementBytes } from './model-io';
import { DataType, toNumber, type AttributeProto, type ModelProto, type NodeProto } from './onnx-types';

/**
 * Bytes per element of a tensor as a split sends it uncompressed: its own size, except for a
 * bfloat16 tensor that the split carries as float32 (`elemType` 1, `modelElemType` 16), which goes
 * on the wire as raw bfloat16 (2 bytes, the byte format's 'bf16'). The other widened types
 * (float8, int4) travel as float32.
 * @example wireElementBytes(DataType.FLOAT, DataType.BFLOAT16) // 2
 */
export function wireElementBytes(elemType: number, modelElemType?: number): number {
  return modelElemType === DataType.BFLOAT16 ? 2 : elementBytes(elemType);
}

/** ONNX element types ONNX Runtime for Node cannot return as outputs, and their names. */
export const UNFETCHABLE_TYPES: Readonly<Record<number, string>> = {
  [DataType.BFLOAT16]: 'bfloat16',
  17: 'float8e4m3fn',
  18: 'float8e4m3fnuz',
  19: 'float8e5m2',
  20: 'float8e5m2fnuz',
  21: 'uint4',
  22: 'int4',
};

const BOOL_OPS = new Set([
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'GreaterOrEqual',
  'And',
  'Or',
  'Xor',
  'Not',
  'IsNaN',
  'IsInf',
]);
const INT64_OPS = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero', 'NonMaxSuppression']);

function attr(n: NodeProto, name: string): AttributeProto | undefined {
  return (n.attribute ?? []).find((a) => a.name === name);
}

/** The element type every output of `n` gets, from its op and its inputs' types (undefined: unknown). */
function outputTypes(n: NodeProto, typeOf: (t: string) => number | undefined): (number | undefined)[] {
  const outs = n.output ?? [];
  const first = (n.input ?? []).map((t) => (t ? typeOf(t) : undefined)).find((t) => t !== undefined);
  const all = (t: number | undefined) => outs.map(() => t);
  const op = n.domain ? '' : (n.opType ?? '');
  if (op === 'Cast') return all(toNumber(attr(n, 'to')?.i) || undefined);
  if (op === 'CastLike') return all(typeOf(n.input?.[1] ?? ''));
  if (op === 'Constant') return all(attr(n, 'value')?.t?.dataType ?? undefined);
  if (BOOL_OPS.has(op)) return all(DataType.BOOL);
  if (INT64_OPS.has(op)) return all(DataType.INT64);
  if (op === 'TopK') return [first, DataType.INT64];
  if (op === 'QuantizeLinear') return all(typeOf(n.input?.[2] ?? '') ?? DataType.UINT8);
  if (op === 'DequantizeLinear') return all(typeOf(n.input?.[1] ?? '') ?? DataType.FLOAT);
  if (op === 'Where') return all(typeOf(n.input?.[1] ?? ''));
  return all(first);
}

/** Whether the model names an unfetchable type anywhere (cheap: no graph walk). */
function mentionsUnfetchable(model: ModelProto): boolean {
  const g = model.graph ?? {};
  const bad = (t: number | null | undefined) => t !== undefined && t !== null && t in UNFETCHABLE_TYPES;
  if ((g.initializer ?? []).some((t) => bad(t.dataType))) return true;
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])])
    if (bad(v.type?.tensorType?.elemType)) return true;
  for (const n of g.node ?? []) {
    if (n.opType === 'Cast' && bad(toNumber(attr(n, 'to')?.i))) return true;
    if (n.opType === 'Constant' && bad(attr(n, 'value')?.t?.dataType)) return true;
  }
  return false;
}

/**
 * The tensors of `model`'s main graph whose element type ONNX Runtime for Node cannot return, with
 * that type; empty for models that never name such a type.
 * @example unfetchableTensors(model).get('h_bf16') // 16 (bfloat16)
 */
export function unfetchableTensors(model: ModelProto): Map<string, number> {
  const found = new Map<string, number>();
  if (!mentionsUnfetchable(model)) return found;
  const g = model.graph ?? {};
  const types = new Map<string, number>();
  for (const t of g.initializer ?? []) if (t.name && t.dataType) types.set(t.name, t.dataType);
  for (const v of [...(g.input ?? []), ...(g.valueInfo ?? []), ...(g.output ?? [])]) {
    const e = v.type?.tensorType?.elemType;
    if (v.name && e) types.set(v.name, e);
  }
  const dag = buildDag(model);
  const protoNodes = g.node ?? [];
  for (const dn of dag.nodes) {
    const n = protoNodes[dn.protoIndex];
    const outs = outputTypes(n, (t) => types.get(t));
    (n.output ?? []).forEach((t, i) => {
      // A type the model declares (value_info) wins over the rule's guess.
      if (t && !types.has(t) && outs[i] !== undefined) types.set(t, outs[i]!);
    });
  }
  for (const [t, e] of types) if (e in UNFETCHABLE_TYPES) found.set(t, e);
  return found;
}
