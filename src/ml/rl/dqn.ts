/**
 * Training loop of the DQN trading agent: double DQN with a target network, experience
 * replay, a linear epsilon schedule, Huber loss and Adam. Model selection on validation:
 * after every episode the greedy policy's compounded return after costs on the validation
 * part is measured and the weights of the best episode are kept.
 *
 * Reproducibility: exploration draws and replay sampling come from createPrng(config.seed),
 * independent of Math.random; weight initialisation draws from Math.random, which the
 * caller seeds (e.g. `withSeed(seed, () => trainDqn(...))`). Same data + seed + config on
 * one backend → identical history and policy.
 *
 * Nothing leaks: apart from the returned network (the caller disposes it), every tensor,
 * the target network and the optimizer's slots are disposed before returning, also on
 * cancellation or error.
 */
import * as tf from '@tensorflow/tfjs';
import { createPrng } from '../random';
import { chosenQ, doubleDqnTargets } from './double-dqn';
import { resolveDqnConfig, type DqnConfig } from './dqn-config';
import { epsilonAt, type EpsilonSchedule } from './epsilon';
import { argmaxQ, greedyActions, qValuesAllPositions } from './policy';
import { buildQNetwork, observationSize, writeObservation } from './q-network';
import { ReplayBuffer } from './replay-buffer';
import { NUM_ACTIONS, positionToAction, stepReward, validateEnvData, type TradingEnvData } from './trading-env';
import { totalReturn } from './trading-metrics';

export interface DqnEpisodeLog {
  episode: number;
  /** Sum of the episode's rewards in return units (exploration included). */
  train_reward: number;
  /** Greedy policy's compounded total return after costs on the validation part. */
  val_return: number;
  /** Epsilon at the end of the episode. */
  epsilon: number;
}

export interface TrainDqnOptions {
  train: TradingEnvData;
  validation: TradingEnvData;
  config?: Partial<DqnConfig>;
  /** Called (and awaited) after every completed episode. */
  onEpisode?: (log: DqnEpisodeLog) => void | Promise<void>;
  /** Polled before every batch of `trainEvery` steps; true stops training there. */
  shouldStop?: () => boolean;
  signal?: AbortSignal;
}

export interface TrainDqnResult {
  /** Q-network holding the weights of the best validation episode; the caller owns (and disposes) it. */
  network: tf.LayersModel;
  history: { episode: number[]; train_reward: number[]; val_return: number[]; epsilon: number[] };
  /** 0-based episode whose weights `network` holds; −1 if no episode completed (network untrained). */
  bestEpisode: number;
  cancelled: boolean;
  /** The factor rewards were multiplied by for learning (Q-values are in these units). */
  rewardScale: number;
  /** The resolved configuration (defaults filled in). */
  config: DqnConfig;
  /** Environment steps and gradient steps taken. */
  steps: number;
  gradientSteps: number;
}

export async function trainDqn(options: TrainDqnOptions): Promise<TrainDqnResult> {
  const config = resolveDqnConfig(options.config);
  const n = validateEnvData(options.train, 'train');
  validateEnvData(options.validation, 'validation');
  const { window, features } = options.train;
  if (options.validation.window !== window || options.validation.features !== features) {
    throw new RangeError(
      `validation windows are ${options.validation.window}×${options.validation.features}, train windows ${window}×${features}`,
    );
  }
  const stopRequested = (): boolean => Boolean(options.signal?.aborted || options.shouldStop?.());
  const rewardScale = config.rewardScale ?? autoRewardScale(options.train.nextReturns);
  const schedule: EpsilonSchedule = {
    start: config.epsilonStart,
    end: config.epsilonEnd,
    decaySteps: config.epsilonDecaySteps,
  };
  const random = createPrng(config.seed);
  const stride = window * features;
  const d = observationSize(window, features);
  const warmup = Math.max(config.warmupSteps, config.batchSize);

  const spec = { window, features, units: config.units, layers: config.layers };
  const online = buildQNetwork(spec);
  let target: tf.LayersModel | undefined;
  let optimizer: tf.Optimizer | undefined;
  let best: tf.Tensor[] | undefined;
  const result: TrainDqnResult = {
    network: online,
    history: { episode: [], train_reward: [], val_return: [], epsilon: [] },
    bestEpisode: -1,
    cancelled: false,
    rewardScale,
    config,
    steps: 0,
    gradientSteps: 0,
  };

  try {
    target = buildQNetwork(spec);
    // setWeights makes the target's variables share the online tensors' buffers; the
    // optimizer then *assigns* new tensors to the online variables, so no copy is needed.
    const syncTarget = (): void => target!.setWeights(online.getWeights());
    syncTarget();
    optimizer = tf.train.adam(config.learningRate);
    const replay = new ReplayBuffer(config.replaySize, d);
    const obs = new Float32Array(d);
    const nextObs = new Float32Array(d);
    let step = 0;
    let lastTrainStep = 0;
    let lastSyncStep = 0;

    const gradientStep = (): void => {
      const batch = replay.sample(config.batchSize, random);
      const b = config.batchSize;
      tf.tidy(() => {
        const x = tf.tensor2d(batch.obs, [b, d]);
        const xNext = tf.tensor2d(batch.nextObs, [b, d]);
        const actions = tf.tensor1d(batch.actions, 'int32');
        const qNextOnline = online.apply(xNext, { training: false }) as tf.Tensor2D;
        const qNextTarget = target!.apply(xNext, { training: false }) as tf.Tensor2D;
        // Computed outside minimize's gradient tape: the target is a constant for this step.
        const y = doubleDqnTargets(
          qNextOnline,
          qNextTarget,
          tf.tensor1d(batch.rewards),
          tf.tensor1d(batch.dones),
          config.gamma,
        );
        optimizer!.minimize(() => {
          const q = online.apply(x, { training: true }) as tf.Tensor2D;
          return tf.losses.huberLoss<tf.Tensor1D, tf.Scalar>(y, chosenQ(q, actions), undefined, 1, tf.Reduction.MEAN);
        });
      });
      result.gradientSteps++;
    };

    episodes: for (let episode = 0; episode < config.episodes; episode++) {
      let position = 0;
      let episodeReward = 0;
      // Steps go in chunks of trainEvery: the online network is fixed within a chunk, so
      // one batched forward pass gives the Q-values any step of the chunk may need.
      for (let t0 = 0; t0 < n; t0 += config.trainEvery) {
        if (stopRequested()) {
          result.cancelled = true;
          break episodes;
        }
        const t1 = Math.min(n, t0 + config.trainEvery);
        const q = await qValuesAllPositions(online, options.train, t0, t1);
        for (let t = t0; t < t1; t++) {
          const epsilon = epsilonAt(step, schedule);
          const action =
            random() < epsilon
              ? Math.min(NUM_ACTIONS - 1, Math.floor(random() * NUM_ACTIONS))
              : argmaxQ(q, ((t - t0) * NUM_ACTIONS + positionToAction(position)) * NUM_ACTIONS);
          const next = action - 1;
          const reward = stepReward(position, next, options.train.nextReturns[t], options.train.costs[t]);
          const done = t === n - 1;
          writeObservation(obs, 0, options.train.states, t, stride, position);
          if (!done) writeObservation(nextObs, 0, options.train.states, t + 1, stride, next);
          replay.push(obs, action, reward * rewardScale, done ? null : nextObs, done);
          episodeReward += reward;
          position = next;
          step++;
        }
        if (replay.size >= warmup && step - lastTrainStep >= config.trainEvery) {
          gradientStep();
          lastTrainStep = step;
        }
        if (step - lastSyncStep >= config.targetUpdateInterval) {
          syncTarget();
          lastSyncStep = step;
        }
      }

      const { actions } = await greedyActions(online, options.validation);
      const valReturn = totalReturn(options.validation, actions);
      const log: DqnEpisodeLog = {
        episode,
        train_reward: episodeReward,
        val_return: valReturn,
        epsilon: epsilonAt(step - 1, schedule),
      };
      result.history.episode.push(episode);
      result.history.train_reward.push(episodeReward);
      result.history.val_return.push(valReturn);
      result.history.epsilon.push(log.epsilon);
      if (result.bestEpisode < 0 || valReturn > result.history.val_return[result.bestEpisode]) {
        result.bestEpisode = episode;
        // Clones share buffers with the live weights until the optimizer assigns new ones.
        if (best) tf.dispose(best);
        best = online.getWeights().map((w) => tf.clone(w));
      }
      await options.onEpisode?.(log);
    }
    result.steps = step;
    if (best) online.setWeights(best);
    return result;
  } catch (err) {
    online.dispose();
    throw err;
  } finally {
    if (best) tf.dispose(best);
    target?.dispose();
    optimizer?.dispose();
  }
}

function autoRewardScale(returns: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < returns.length; i++) mean += returns[i];
  mean /= returns.length;
  let ss = 0;
  for (let i = 0; i < returns.length; i++) ss += (returns[i] - mean) ** 2;
  const sd = Math.sqrt(ss / Math.max(1, returns.length - 1));
  return sd > 0 ? 1 / sd : 1;
}
