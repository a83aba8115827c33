import { DataValidationError } from '../../common/errors/app-error';
import type { BarSeries, Dataset, DatasetPart } from '../../features/core';
import type { Timeframe } from '../../market-data/timeframes';
import { backtest, fitBaselines, periodsPerYear, pipSizeFor, regressionMetrics, type BacktestResult } from '../evaluation';
import type { Trainer, TrainerContext, TrainerOutcome, TrainingPlan } from './trainer';
import { sampleContext } from './sample-context';
import { trainingHistograms } from './training-histograms';

/**
 * time_series: regression of a price-change target with LSTM, GRU or a transformer encoder,
 * reported beside the naive and ridge baselines on the same test part.
 */
export class TimeSeriesTrainer implements Trainer {
  readonly modelType = 'time_series';
  readonly architectures = ['lstm', 'gru', 'transformer'] as const;
  readonly defaultArchitecture = 'lstm';

  check(plan: TrainingPlan, targetKind: 'regression' | 'classification'): void {
    if (targetKind !== 'regression') {
      throw new DataValidationError(`target ${plan.target} is a classification target; time_series models predict price_change_{H} or log_return_{H} (use model_type classification for ${plan.target})`, {
        fields: [{ field: 'target', errors: ['not a regression target'] }],
      });
    }
    if (!(this.architectures as readonly string[]).includes(plan.architecture)) {
      throw new DataValidationError(`architecture ${plan.architecture} is not available for time_series; choose one of ${this.architectures.join(', ')}`, {
        fields: [{ field: 'architecture', errors: [`must be one of ${this.architectures.join(', ')}`] }],
      });
    }
    const { units, heads } = plan.hyperparameters;
    if (plan.architecture === 'transformer' && heads !== undefined && units % heads !== 0) {
      throw new DataValidationError(`transformer: units (${units}) must be divisible by heads (${heads})`, { fields: [{ field: 'hyperparameters.heads', errors: ['units must be divisible by heads'] }] });
    }
  }

  async train(ctx: TrainerContext): Promise<TrainerOutcome> {
    const { plan, dataset } = ctx;
    const hp = plan.hyperparameters;
    // The target is standardised with training statistics (price changes are ~1e-3, too
    // small for a network's initial scale); predictions are mapped back before scoring.
    const yMean = mean(dataset.train.targets);
    const yStd = std(dataset.train.targets, yMean) || 1;
    // A loop, not Float32Array.from(t, fn): the mapping form goes through the iterator
    // protocol and took 0.4 s of the event loop on two million targets.
    const scaleY = (t: Float64Array) => {
      const out = new Float32Array(t.length);
      for (let i = 0; i < t.length; i++) out[i] = (t[i] - yMean) / yStd;
      return out;
    };
    const run = await ctx.runNetwork({
      network: {
        architecture: plan.architecture as 'lstm' | 'gru' | 'transformer',
        window: dataset.window,
        numFeatures: dataset.numFeatures,
        units: hp.units,
        layers: hp.layers,
        dropout: hp.dropout,
        heads: hp.heads,
        outputUnits: 1,
        outputActivation: 'linear',
      },
      loss: 'mse',
      y: { train: scaleY(dataset.train.targets), val: scaleY(dataset.validation.targets), width: 1 },
    });
    const testPred = Float64Array.from(run.predictions.test, (v) => v * yStd + yMean);
    const metrics = evaluate(dataset, ctx.series, testPred, plan);
    const baselines = this.baselines(dataset, ctx.series, plan);
    return {
      metrics: { ...metrics, best_epoch: run.bestEpoch, epochs_run: run.history.loss.length, stopped_early: run.stoppedEarly },
      baselines,
      preprocessing: {
        model_type: this.modelType,
        features: dataset.features,
        window: dataset.window,
        horizon: dataset.target.horizonBars,
        timeframe: dataset.timeframe,
        target: dataset.target,
        scaler: dataset.scaler,
        training_histograms: trainingHistograms(dataset),
        target_scaler: { kind: 'zscore', mean: yMean, std: yStd },
        output: 'regression',
      },
      run,
    };
  }

  private baselines(dataset: Dataset, series: BarSeries[], plan: TrainingPlan): Record<string, unknown> {
    const ctx = sampleContext(dataset.test, series, dataset.target.horizonBars, dataset.target.family === 'log_return');
    return fitBaselines({
      xTrain: dataset.train.windows,
      yTrain: dataset.train.targets,
      xVal: dataset.validation.windows,
      yVal: dataset.validation.targets,
      xTest: dataset.test.windows,
      yTest: dataset.test.targets,
      featureCount: dataset.window * dataset.numFeatures,
      lastChangeTest: ctx.lastChange,
      backtestOptions: backtestOptions(dataset, plan, ctx.price),
      // Multi-symbol parts interleave symbols: backtest each symbol in time order (as the model).
      backtestOf: (predictions) => backtestBySymbol(dataset, series, predictions, plan).backtest as Record<string, unknown>,
    }) as unknown as Record<string, unknown>;
  }
}

function evaluate(dataset: Dataset, series: BarSeries[], pred: Float64Array, plan: TrainingPlan): Record<string, unknown> {
  return { ...regressionMetrics(dataset.test.targets, pred), ...backtestBySymbol(dataset, series, pred, plan) };
}

/**
 * Samples of several symbols are stacked; a trading backtest only makes sense per symbol in
 * time order. Reported per symbol, and the headline figures are their equal-weight mean.
 */
function backtestBySymbol(dataset: Dataset, series: BarSeries[], pred: Float64Array, plan: TrainingPlan): Record<string, unknown> {
  const part = dataset.test;
  const symbols = [...new Set(part.symbols)].sort();
  const bySymbol: Record<string, BacktestResult> = {};
  const ctx = sampleContext(part, series, dataset.target.horizonBars, dataset.target.family === 'log_return');
  for (const symbol of symbols) {
    const idx = part.symbols.map((s, i) => (s === symbol ? i : -1)).filter((i) => i >= 0).sort((a, b) => part.timestamps[a] - part.timestamps[b]);
    bySymbol[symbol] = backtest(
      idx.map((i) => pred[i]),
      idx.map((i) => part.targets[i]),
      { ...backtestOptions(dataset, plan, idx.map((i) => ctx.price[i])), pipSize: pipSizeFor(symbol) },
    );
  }
  const avg = (k: keyof BacktestResult) => {
    const vals = symbols.map((s) => bySymbol[s][k]).filter((v): v is number => typeof v === 'number');
    return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
  };
  return {
    backtest: { annualized_return: avg('annualized_return'), sharpe: avg('sharpe'), max_drawdown: avg('max_drawdown'), hit_rate: avg('hit_rate'), trades: symbols.reduce((a, s) => a + bySymbol[s].trades, 0), spread_pips: plan.spreadPips, by_symbol: bySymbol },
  };
}

function backtestOptions(dataset: Dataset, plan: TrainingPlan, price: ArrayLike<number>) {
  return {
    horizonBars: dataset.target.horizonBars,
    periodsPerYear: periodsPerYear(dataset.timeframe as Timeframe, dataset.target.horizonBars),
    spreadPips: plan.spreadPips,
    pipSize: pipSizeFor(plan.symbols[0]),
    price: Array.from(price),
    targetIsLogReturn: dataset.target.family === 'log_return',
  };
}

function mean(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return a.length ? s / a.length : 0;
}

function std(a: Float64Array, m: number): number {
  let s = 0;
  for (const v of a) s += (v - m) ** 2;
  return a.length ? Math.sqrt(s / a.length) : 0;
}
