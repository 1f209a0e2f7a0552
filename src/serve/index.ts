/**
 * src/serve: the live runtime. A server for the cloud parts of a split, the edge client that
 * runs the edge part and sends its tensors, the bandwidth estimate that adapts the plan, and
 * shaped links on this machine for tests and benchmarks.
 */
export { planId, wireFromCloud, type PlanPrediction, type ServedPlan, type WireSpec } from './served-plan';
export { loadAnalysisPlans, loadPlanDir, readServeAnalysis, withAnalysisPrediction } from './load-plans';
export { decodeFrames, encodeFrames, type Frame } from './wire-frames';
export {
  decodeCloudInputs,
  decodeOutputs,
  encodeEdgeOutputs,
  encodeOutputs,
  zeroCloudInputs,
} from './wire-codec';
export {
  startServer,
  SERVER_MS_HEADER,
  CLOUD_MS_HEADER,
  type ServerHandle,
  type ServerOptions,
} from './server';
export type { MetricsSnapshot, StageStats } from './server-metrics';
export { createTransport, TransportError, type Exchange, type Transport } from './http-transport';
export {
  createBandwidthEstimator,
  type BandwidthEstimator,
  type EstimatorOptions,
} from './bandwidth-estimator';
export { planForBandwidth } from './plan-policy';
export {
  createMeasuredPolicy,
  profiledFixedMs,
  type MeasuredPolicy,
  type MeasuredPolicyOptions,
  type PolicyObservation,
} from './measured-policy';
export {
  runEdge,
  edgeInputDims,
  type EdgeRunOptions,
  type EdgeRunReport,
  type PredictedStages,
  type SampleRecord,
  type StageSummary,
} from './edge-run';
export {
  calibrateStages,
  edgeWork,
  type CalibrationOptions,
  type StageCalibration,
} from './stage-calibration';
export { runOffline, type OfflineResult } from './offline-run';
export { startShapedProxy, type ShapedLink, type ShapedLinkOptions } from './shaped-proxy';
export {
  createNetnsLink,
  DEFAULT_MTU_BYTES,
  linkUnavailableReason,
  type LinkCounters,
  type NetnsLink,
  type NetnsLinkOptions,
} from './netns-link';
export { callAt } from './precise-timer';
export { replayTrace, sampleReplay, traceRateAt, type TraceReplay } from './trace-replay';
export { runLive, samplesCsv, type LiveRunOptions } from './run-live';
export { turnstile, type Turnstile } from './turnstile';
export { createTokenBucket, type TokenBucket } from './token-bucket';
export { measureAnswerCosts, shorthMidpoint, type AnswerCosts } from './answer-probe';
export { createRttEstimator, type RttEstimator, type RttEstimatorOptions } from './rtt-estimator';
export { liveRunText } from './live-run-text';
export { serveFiles, type ServeFilesOptions, type ServeFilesResult } from './serve-files';
export { parseModelConfig, type PbMessage, type PbValue } from './triton/pbtxt';
export {
  checkTritonRepository,
  tritonConfig,
  writeTritonRepository,
  type TritonOptions,
} from './triton/triton-repository';
