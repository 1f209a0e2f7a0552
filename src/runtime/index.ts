/**
 * The one room that loads ONNX Runtime: sessions on in-memory models, tensors, synthetic inputs,
 * probing tensor shapes, timing runs, profiling traces, and running a data set in batches.
 * Everything it hands out is plain data or a small interface (`Session`, `Tensor`).
 */
export {
  openSession,
  feedsFor,
  resetSessionPeak,
  sessionCounts,
  type SessionCounts,
  setRuntimeVerbose,
  type Optimization,
  type Session,
  type SessionOptions,
} from './session';
export {
  checkDevice,
  deviceLabel,
  executionProviders,
  parseDevice,
  providerOptions,
  refusalLine,
  CPU,
  type DeviceChoice,
  type DeviceInfo,
  type DeviceKind,
} from './device';
export { openTracedSession, type TraceEvent, type TracedSession } from './trace';
export {
  createTensor,
  maxAbsDiff,
  onnxTypeOf,
  type Tensor,
  type TensorData,
  type TensorMap,
  type TensorType,
} from './tensor';
export {
  inputSpecs,
  concreteDims,
  checkAllocatable,
  syntheticFeeds,
  syntheticIntegerInputs,
  type InputSpec,
  type InputValues,
} from './inputs';
export { loadInputValues, loadReferenceOutputs, typeName } from './input-values';
export { diffOutputs, diffTensor, type OutputDiff } from './reference-diff';
export { describeRuntimeFailure, loadFailure, runFailure, type RuntimeFailure } from './runtime-errors';
export { probeTensors, batchDimName, type TensorInfo, type ProbeOptions } from './tensor-shapes';
export { timeRuns, runsInRound } from './timing';
export { runtimeVersion } from './version';
export { effectiveBatchSize, singleInput, batches, argmax, inTopK, type Batch } from './batches';
