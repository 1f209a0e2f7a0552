/**
 * src/ilp: where to split the network. The decision problem of JALAD (Li et al., ICPADS 2018),
 * generalised to DAGs and per-tensor bit widths, solved exactly as a 0-1 MILP with HiGHS, with a
 * brute-force reference and the bandwidth decision table.
 */

export type {
  Bits,
  PlanTensor,
  DecisionNode,
  DecisionProblem,
  DecisionSegment,
  DecisionTensor,
  Plan,
  PlanKey,
  PredictedMs,
  Solver,
  TableProblem,
  TensorOption,
} from './types';
export { NoPlanError } from './no-plan-error';
export { planKey, parsePlanKey, type PlanKeyEntry } from './plan-key';
export { planAtBandwidth } from './plan-evaluation';
export { TIE_REL } from './tolerance';
export { solveDecision, type SolveDecisionOptions } from './solve-decision';
export { createHighsSolver, withBaselineWasm, type HighsSolverOptions } from './highs-solver';
export { createMilpSolver, type MilpBackend, type MilpOutcome } from './milp-solver';
export type { MilpModel, MilpRow } from './milp-model';
export {
  bruteForceDecision,
  bruteForceOptima,
  createBruteForceSolver,
  type BruteForceOptions,
} from './brute-force';
export { decisionTable, type DecisionTableOptions } from './decision-table';
export { problemFromAnalysis, type AnalysisProblem, type ProblemOptions } from './from-analysis';
export { analysisDecisions, type Decision, type DecisionsOptions } from './decisions';
export {
  simulateTrace,
  parseTrace,
  type TraceFrame,
  type StrategyStats,
  type SimulationResult,
} from './simulate';
export {
  randomProblem,
  randomGraph,
  randomSetting,
  type ProblemShape,
  type RandomProblemOptions,
} from './random-problems';
