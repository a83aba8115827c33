import { DataValidationError } from '../../common/errors/app-error';
import type { BarSeries, DatasetPart } from '../../features/core';
import { compareWithBaselines, halfSpreadCosts } from '../../ml/rl';
import { barsPerYear, pipSizeFor } from '../evaluation';
import { sampleContext } from './sample-context';
import type { AgentJob, Trainer, TrainerContext, TrainerOutcome, TrainingPlan } from './trainer';
import { trainingHistograms } from './training-histograms';

const ACTIONS = ['sell', 'hold', 'buy'];

/**
 * reinforcement_learning: a double-DQN agent choosing short / flat / long on the feature
 * windows of one symbol. Reward = position × next bar's return − half the spread per unit of
 * position change. Trained on the training part, the episode with the best validation return
 * is kept, and the greedy policy is evaluated on the test part against buy-and-hold and
 * always-flat over the same bars.
 */
export class ReinforcementTrainer implements Trainer {
  readonly modelType = 'reinforcement_learning';
  readonly architectures = ['dqn'] as const;
  readonly defaultArchitecture = 'dqn';
  readonly progressUnit = 'episode';

  check(plan: TrainingPlan): void {
    if (plan.architecture !== 'dqn') {
      throw new DataValidationError(
        `architecture ${plan.architecture} is not available for reinforcement_learning; use dqn`,
        { fields: [{ field: 'architecture', errors: ['must be dqn'] }] },
      );
    }
    const one = /^price_change_(1|\d+[mhd])$/.exec(plan.target);
    if (!one) {
      throw new DataValidationError(
        `reinforcement_learning rewards the next bar's return: use target price_change_${plan.timeframe} (got ${plan.target})`,
        { fields: [{ field: 'target', errors: ['must be the one-bar price change'] }] },
      );
    }
    if (plan.symbols.length !== 1) {
      throw new DataValidationError('reinforcement_learning trades one symbol per agent: give exactly one symbol', {
        fields: [{ field: 'symbols', errors: ['exactly one symbol'] }],
      });
    }
  }

  async train(ctx: TrainerContext): Promise<TrainerOutcome> {
    const { plan, dataset, series } = ctx;
    if (dataset.target.horizonBars !== 1) {
      throw new DataValidationError(
        `reinforcement_learning rewards the next bar's return: the target's horizon must be one ${plan.timeframe} bar (it is ${dataset.target.horizonBars})`,
        null,
      );
    }
    const hp = plan.hyperparameters;
    const part = (p: DatasetPart) => ({ returns: Float64Array.from(p.targets), costs: costs(p, series, plan) });
    const [train, val, test] = [part(dataset.train), part(dataset.validation), part(dataset.test)];
    const config: AgentJob['config'] = {
      units: hp.units,
      layers: hp.layers,
      learningRate: hp.learning_rate,
      batchSize: hp.batch_size,
      ...(hp.gamma !== undefined ? { gamma: hp.gamma } : {}),
      ...(hp.epsilon_start !== undefined ? { epsilonStart: hp.epsilon_start } : {}),
      ...(hp.epsilon_end !== undefined ? { epsilonEnd: hp.epsilon_end } : {}),
      ...(hp.epsilon_decay_steps !== undefined ? { epsilonDecaySteps: hp.epsilon_decay_steps } : {}),
      ...(hp.replay_size !== undefined ? { replaySize: hp.replay_size } : {}),
      ...(hp.target_update_interval !== undefined ? { targetUpdateInterval: hp.target_update_interval } : {}),
      ...(hp.episodes !== undefined ? { episodes: hp.episodes } : {}),
    };
    const run = await ctx.runAgent({
      config,
      returns: { train: train.returns, val: val.returns, test: test.returns },
      costs: { train: train.costs, val: val.costs, test: test.costs },
    });
    const env = {
      states: dataset.test.windows,
      window: dataset.window,
      features: dataset.numFeatures,
      nextReturns: test.returns,
      costs: test.costs,
    };
    const comparison = compareWithBaselines(env, run.testActions, barsPerYear(dataset.timeframe));
    const actionCounts = { sell: 0, hold: 0, buy: 0 };
    for (const a of run.testActions) actionCounts[a < 0 ? 'sell' : a > 0 ? 'buy' : 'hold']++;
    return {
      metrics: {
        ...comparison.agent,
        spread_pips: plan.spreadPips,
        best_episode: run.bestEpisode,
        episodes_run: run.history.episode.length,
        reward_scale: run.rewardScale,
        test_actions: actionCounts,
      },
      baselines: { buy_and_hold: comparison.buy_and_hold, always_flat: comparison.always_flat },
      preprocessing: {
        model_type: this.modelType,
        features: dataset.features,
        window: dataset.window,
        horizon: 1,
        timeframe: dataset.timeframe,
        target: dataset.target,
        scaler: dataset.scaler,
        training_histograms: trainingHistograms(dataset),
        output: 'rl',
        actions: ACTIONS,
        // Served Q-values are for acting from a flat position, in units scaled by reward_scale.
        position: 'flat',
        reward_scale: run.rewardScale,
      },
      run: {
        backend: run.backend,
        backendDetails: run.backendDetails,
        bestEpoch: run.bestEpisode,
        stoppedEarly: false,
        cancelled: run.cancelled,
        history: { loss: run.history.train_reward, val_loss: run.history.val_return },
        predictions: { val: new Float32Array(0), test: run.testQValues },
        modelDir: run.modelDir,
      },
    };
  }
}

/** Half the spread per unit of position change, in return units at each sample's price. */
function costs(part: DatasetPart, series: BarSeries[], plan: TrainingPlan): Float64Array {
  const { price } = sampleContext(part, series, 1, false);
  return halfSpreadCosts(price, part.count, plan.spreadPips, pipSizeFor(plan.symbols[0]));
}
