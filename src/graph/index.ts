/** ONNX in and out, the layer DAG, cut points and edge/cloud extraction. */
export {
  decodeModel,
  encodeModel,
  readModelFile,
  elementBytes,
  tensorElements,
  type LoadedModel,
} from './model-io';
export { readModelInFile, readModelSkeleton, type ModelSkeleton } from './model-skeleton';
export { buildDag, isDynamic, capturedNames, subgraphsOf, type Dag, type DagNode } from './dag';
export {
  tryPartition,
  partitionAt,
  type Partition,
  type PartitionResult,
  type CrossingTensor,
  type CrossingKind,
} from './partition';
export { cutPoints } from './cut-points';
export { cutCandidate, edgeSums, partitionCandidate, type CutCandidate, type EdgeSide } from './cut-sides';
export { dagCuts } from './dag-cuts';
export { requireCutPoints } from './require-cut-points';
export { extractSplit, widenedType, type SplitModels } from './extract';
export { defaultOpset, countParameters } from './summary';
export {
  model,
  graph,
  node,
  attribute,
  valueInfo,
  floatTensor,
  int64Tensor,
  type Dim,
  type AttrValue,
  type GraphSpec,
  type ModelSpec,
} from './build';
export {
  DataType,
  toNumber,
  type ModelProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
  type AttributeProto,
  type FunctionProto,
  type Int64,
} from './onnx-types';
export {
  quantizerNodes,
  dequantizerNodes,
  withQuantDequant,
  wireNames,
  MIN_QUANT_OPSET,
  type WireNames,
  type NodeBlock,
} from './quantizer-nodes';
export { attachCodec, type WireTensor } from './deployable';
export { UNFETCHABLE_TYPES, unfetchableTensors, wireElementBytes } from './elem-types';
