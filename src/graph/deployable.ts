/**
 * Deployable split models: the edge model ends in the quantizer (it outputs uint8 codes
 * and per-sample lo/hi for each compressed tensor) and the cloud model starts with the
 * matching dequantizer, so both run in any ONNX runtime with only the entropy coder
 * (src/codec) in between. Tensors sent uncompressed ('f32', integer shape tensors) pass
 * through unchanged.
 */
import { DataType, toNumber, type ModelProto, type ValueInfoProto } from './onnx-types';
import { valueInfo, type Dim } from './build';
import { dequantizerNodes, quantizerNodes, wireNames } from './quantizer-nodes';
import type { SplitModels } from './extract';

/** How one crossing tensor is sent. */
export interface WireTensor {
  readonly name: string;
  /** 1..8 to quantize; 'f32' to send as is. */
  readonly bits: number | 'f32';
  /** Dims with the batch axis first (symbolic names allowed). */
  readonly dims: readonly Dim[];
  readonly elemType: number;
}

/** Adds the quantizer to the edge model and the dequantizer to the cloud model. */
export function attachCodec(split: SplitModels, wire: readonly WireTensor[], opset: number): SplitModels {
  const eg = split.edge.graph ?? {};
  const cg = split.cloud.graph ?? {};
  const edgeNodes = [...(eg.node ?? [])];
  const edgeInits = [...(eg.initializer ?? [])];
  const edgeOutputs: ValueInfoProto[] = [];
  const cloudNodes = [...(cg.node ?? [])];
  const cloudInits = [...(cg.initializer ?? [])];
  const cloudInputs: ValueInfoProto[] = [];
  const dqNodes = [];
  const rangeDims = (dims: readonly Dim[]) => dims.map((d, i) => (i === 0 ? d : 1));
  for (const t of wire) {
    const original =
      (eg.output ?? []).find((o) => o.name === t.name) ?? valueInfo(t.name, t.elemType, t.dims);
    if (t.bits === 'f32' || t.elemType !== DataType.FLOAT) {
      edgeOutputs.push(original);
      // A graph output sent as it is (edge-only) comes in typed as the model declares the output,
      // often without a shape, or with symbolic dims that follow the model input's (PP-OCR's map:
      // [N, 1, H, W]): the cloud part then takes it with the dims the edge computes when those are
      // known, so that a server can check a request's shape (a plan is made for one input size).
      const input = (cg.input ?? []).find((i) => i.name === t.name);
      const declared = input?.type?.tensorType?.shape?.dim;
      const symbolic = declared?.some((d, i) => i > 0 && !(toNumber(d.dimValue) > 0)) ?? true;
      const known = t.dims.length > 0 && t.dims.every((d, i) => i === 0 || (typeof d === 'number' && d > 0));
      cloudInputs.push(
        input && declared && !(symbolic && known) ? input : valueInfo(t.name, t.elemType, t.dims),
      );
      continue;
    }
    const w = wireNames(t.name);
    const q = quantizerNodes(t.name, w, t.bits, t.dims.length, opset);
    edgeNodes.push(...q.nodes);
    edgeInits.push(...q.initializers);
    const ports = [
      valueInfo(w.code, DataType.UINT8, t.dims),
      valueInfo(w.lo, DataType.FLOAT, rangeDims(t.dims)),
      valueInfo(w.hi, DataType.FLOAT, rangeDims(t.dims)),
    ];
    edgeOutputs.push(...ports);
    cloudInputs.push(...ports);
    const dq = dequantizerNodes(w, t.name, t.bits);
    dqNodes.push(...dq.nodes);
    cloudInits.push(...dq.initializers);
  }
  const edge: ModelProto = {
    ...split.edge,
    graph: { ...eg, node: edgeNodes, initializer: edgeInits, output: edgeOutputs },
  };
  const cloudOnlyInputs = (cg.input ?? []).filter((i) => !wire.some((t) => t.name === i.name));
  const cloud: ModelProto = {
    ...split.cloud,
    graph: {
      ...cg,
      node: [...dqNodes, ...cloudNodes],
      initializer: cloudInits,
      input: [...cloudInputs, ...cloudOnlyInputs],
    },
  };
  return { edge, cloud };
}
