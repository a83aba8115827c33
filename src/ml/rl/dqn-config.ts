/**
 * Hyperparameters of the DQN agent. The defaults are sized for a small part (~1,000 steps)
 * to learn something in seconds on two CPU cores with the wasm backend.
 */
import { validateEpsilonSchedule } from './epsilon';

export interface DqnConfig {
  /** Discount of future rewards. Trading rewards are immediate; γ > 0 lets the agent weigh the cost of leaving a position later. */
  gamma: number;
  epsilonStart: number;
  epsilonEnd: number;
  /** Environment steps (across episodes) over which epsilon falls linearly from start to end. */
  epsilonDecaySteps: number;
  /** Transitions kept in the replay ring buffer. */
  replaySize: number;
  /** Environment steps between copies of the online weights into the target network. */
  targetUpdateInterval: number;
  learningRate: number;
  /** Minibatch size of each gradient step. */
  batchSize: number;
  /** Passes over the training part, each from flat. */
  episodes: number;
  /** One gradient step every `trainEvery` environment steps. */
  trainEvery: number;
  /** No gradient step before the buffer holds this many transitions (at least batchSize). */
  warmupSteps: number;
  /** Hidden units per dense layer of the Q-network. */
  units: number;
  /** Hidden dense layers of the Q-network. */
  layers: number;
  /**
   * Rewards are multiplied by this for learning (reported rewards and returns stay in
   * return units). Undefined: 1 / standard deviation of the training part's next returns,
   * so Q-values are O(1) whatever the bar size — forex returns of ~1e-4 would otherwise
   * leave Huber's δ = 1 meaningless and the outputs near their initial noise.
   */
  rewardScale?: number;
  /** Seed of the agent's own draws (exploration, replay sampling). Weight init uses Math.random: seed it too. */
  seed: number;
}

export const DQN_DEFAULTS: Readonly<DqnConfig> = Object.freeze({
  gamma: 0.9,
  epsilonStart: 1,
  epsilonEnd: 0.05,
  epsilonDecaySteps: 3000,
  replaySize: 10_000,
  targetUpdateInterval: 250,
  learningRate: 1e-3,
  batchSize: 64,
  episodes: 8,
  trainEvery: 4,
  warmupSteps: 256,
  units: 32,
  layers: 2,
  seed: 0,
});

export function resolveDqnConfig(partial: Partial<DqnConfig> = {}): DqnConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<DqnConfig>;
  const c: DqnConfig = { ...DQN_DEFAULTS, ...defined };
  const posInt = (name: keyof DqnConfig): void => {
    const v = c[name] as number;
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be an integer >= 1, got ${v}`);
  };
  if (!(c.gamma >= 0 && c.gamma < 1)) throw new RangeError(`gamma must be in [0, 1), got ${c.gamma}`);
  validateEpsilonSchedule({ start: c.epsilonStart, end: c.epsilonEnd, decaySteps: c.epsilonDecaySteps });
  for (const k of ['replaySize', 'targetUpdateInterval', 'batchSize', 'episodes', 'trainEvery', 'units'] as const)
    posInt(k);
  if (!Number.isInteger(c.layers) || c.layers < 0)
    throw new RangeError(`layers must be an integer >= 0, got ${c.layers}`);
  if (!Number.isInteger(c.warmupSteps) || c.warmupSteps < 0)
    throw new RangeError(`warmupSteps must be an integer >= 0, got ${c.warmupSteps}`);
  if (!(c.learningRate > 0) || !Number.isFinite(c.learningRate))
    throw new RangeError(`learningRate must be a positive number, got ${c.learningRate}`);
  if (c.rewardScale !== undefined && (!(c.rewardScale > 0) || !Number.isFinite(c.rewardScale)))
    throw new RangeError(`rewardScale must be a positive number, got ${c.rewardScale}`);
  if (!Number.isFinite(c.seed)) throw new RangeError(`seed must be a finite number, got ${c.seed}`);
  return c;
}
