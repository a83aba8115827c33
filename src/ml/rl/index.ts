// DQN trading agent: environment, Q-network, training, greedy policy, metrics vs baselines.
export {
  actionToPosition,
  envLength,
  halfSpreadCosts,
  NUM_ACTIONS,
  positionRewards,
  positionToAction,
  stepReward,
  validateEnvData,
  type Action,
  type Position,
  type TradingEnvData,
} from './trading-env';
export {
  compareWithBaselines,
  totalReturn,
  tradingMetrics,
  type TradingComparison,
  type TradingMetrics,
} from './trading-metrics';
export { ReplayBuffer, type ReplayBatch } from './replay-buffer';
export { epsilonAt, validateEpsilonSchedule, type EpsilonSchedule } from './epsilon';
export {
  assertNetworkFits,
  buildQNetwork,
  observation,
  observationSize,
  POSITION_FEATURES,
  validateQNetworkSpec,
  writeObservation,
  type QNetworkSpec,
} from './q-network';
export { chosenQ, doubleDqnTargets } from './double-dqn';
export { DQN_DEFAULTS, resolveDqnConfig, type DqnConfig } from './dqn-config';
export { trainDqn, type DqnEpisodeLog, type TrainDqnOptions, type TrainDqnResult } from './dqn';
export { argmaxQ, greedyActions, qValuesAllPositions, qValuesFor, type GreedyRun } from './policy';
export { AppendConstant, servingQNetwork } from './serving-network';
