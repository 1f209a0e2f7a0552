/** Tensor shapes and sizes; per-node times; device profiles; FLOPs; the latency model. */
export { nodeCost, type NodeCost, type NodeShapes, type TensorShape, type CostKind } from './flops';
export { modeledNodeMs, parseDeviceSpec, type DeviceSpec } from './device-spec';
export { DEVICE_PRESETS, presetNames, getPreset } from './device-presets';
export { nodeShapes, nodeShapesFrom, nodeCosts, probeableTensors } from './node-shapes';
export {
  PROFILE_VERSION,
  checkProfileMatches,
  scaleProfile,
  predictPartMs,
  type DeviceProfile,
  type ProfileKind,
  type ProfileNode,
} from './device-profile';
export { checkProfile, looksLikeProfile } from './check-profile';
export { modeledProfile } from './modeled-profile';
export { measureProfile, profileModelFile, measureRunOverhead } from './measure-profile';
export {
  measureNodeTimes,
  nodeTimesFromTraces,
  traceNodeKernels,
  traceFusedKernels,
  tracePlainKernels,
  tracedCopy,
  type KernelSamples,
  type KernelTraces,
  type MeasureOptions,
  type NodeTime,
  type NodeTimes,
} from './node-times';
export {
  cutParts,
  measurePartTimes,
  partTimesOfGroups,
  type GroupSamples,
  type PartSides,
  type PartTime,
  type PartTimes,
} from './part-times';
export { localDevices, resolveProfile, type ProfileContext } from './resolve-profile';
export { machineInfo, type MachineInfo } from './machine';
export { median, quantile, weightedMedian } from './stats';
export {
  crossingBytes,
  crossingSizes,
  fitPartModel,
  MAX_WEIGHT_SHARE,
  partPoints,
  type BoundaryCost,
  type CrossingSize,
  type PartFit,
  type PartPoint,
} from './boundary-cost';
export {
  FAST_PLAIN_RUNS,
  FAST_RUN_BUDGET_MS,
  FAST_SMALL_MS_PER_NODE,
  FAST_SLOW_RUNS,
  FAST_SAMPLE_CUTS,
  FAST_SAMPLE_CUTS_SMALL,
  fastSampleCount,
  fitsRunBudget,
  PROFILE_MODES,
  timingPlan,
  type ProfileMode,
  type RequestedProfileMode,
  type AutoChoice,
  AUTO_THOROUGH_BUDGET_MS,
  chooseAutoMode,
  runsOnlyCostMs,
  type TimingPlan,
} from './profile-mode';
export { sampleCutPoints } from './sample-cuts';
export { cheaperSides, heldWeightBytes, LIGHTER_SIDE_MAX_SLOWDOWN } from './part-sides';
export {
  halfCut,
  mergeSamples,
  modelHalves,
  timeHalvesAlone,
  traceFusedHalves,
  tracePlainHalves,
  type ModelHalves,
} from './trace-halves';
export {
  apportionToParts,
  KNOT_GAP_SHARE,
  KNOT_MAX_RATIO,
  MAX_SEGMENT_FACTOR,
  type ApportionedNode,
} from './apportion-parts';
export {
  HALVES_FROM_BYTES,
  ONE_MODEL_FROM_BYTES,
  SESSION_BUDGET_BYTES,
  sessionPlan,
  tensorBytes,
  weightBytes,
  type SessionPlan,
} from './session-budget';
export { codecFactor, type CodecFactor } from './codec-factor';
