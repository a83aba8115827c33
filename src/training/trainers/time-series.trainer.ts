import { DataValidationError } from '../../common/errors/app-error';
import { checkArchitecture, offeredArchitectures } from '../architectures';
import { PREDICTIONS_FILE, predictionsCsv } from '../evaluation/predictions-csv';
import { splitsReport } from '../evaluation/splits';
import { scoreTimeSeriesTest } from './time-series-evaluation';
import type { NetworkRun, Trainer, TrainerContext, TrainerOutcome, TrainingPlan } from './trainer';
import { trainingHistograms } from './training-histograms';

/**
 * time_series: regression of a price-change target with any network the architecture registry
 * offers for time_series (LSTM, GRU, transformer encoder…),
 * reported beside the naive, ridge, always-long and always-short baselines on the same test
 * part, with the significance of its figures, the split spans and every validation and test
 * prediction (predictions.csv).
 */
export class TimeSeriesTrainer implements Trainer {
  readonly modelType = 'time_series';
  readonly defaultArchitecture = 'lstm';
  /** From the architecture registry: every architecture offered for time_series, the default first. */
  readonly architectures = offeredArchitectures(this.modelType, this.defaultArchitecture);

  check(plan: TrainingPlan, targetKind: 'regression' | 'classification'): void {
    if (targetKind !== 'regression') {
      throw new DataValidationError(
        `target ${plan.target} is a classification target; time_series models predict price_change_{H} or log_return_{H} (use model_type classification for ${plan.target})`,
        {
          fields: [{ field: 'target', errors: ['not a regression target'] }],
        },
      );
    }
    checkArchitecture(this.modelType, this.architectures, plan);
  }

  async train(ctx: TrainerContext): Promise<TrainerOutcome> {
    const { plan, dataset } = ctx;
    const fitted = await this.fit(ctx);
    const { run, valPred, testPred } = fitted;
    const scores = scoreTimeSeriesTest(dataset, ctx.series, plan, testPred);
    const splits = splitsReport(dataset);
    const yTest = dataset.test.targets;
    return {
      metrics: {
        ...scores.metrics,
        best_epoch: run.bestEpoch,
        epochs_run: run.history.loss.length,
        stopped_early: run.stoppedEarly,
      },
      baselines: scores.baselines,
      preprocessing: fitted.preprocessing,
      run,
      splits: splits as unknown as Record<string, unknown>,
      significance: scores.significance as unknown as Record<string, unknown>,
      outOfSample: { prediction: testPred, baselines: scores.predicted },
      files: {
        [PREDICTIONS_FILE]: predictionsCsv([
          {
            part: 'validation',
            timestamps: dataset.validation.timestamps,
            symbols: dataset.validation.symbols,
            prediction: valPred,
            realised: dataset.validation.targets,
          },
          {
            part: 'test',
            timestamps: dataset.test.timestamps,
            symbols: dataset.test.symbols,
            prediction: testPred,
            realised: yTest,
          },
        ]),
        'evaluation.json': { splits, significance: scores.significance },
      },
    };
  }

  /**
   * Trains the network and predicts the validation and test parts (in the target's units);
   * walk-forward's final model calls this on a dataset without a test part.
   */
  async fit(ctx: TrainerContext): Promise<{
    run: NetworkRun;
    valPred: Float64Array;
    testPred: Float64Array;
    preprocessing: Record<string, unknown>;
  }> {
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
        architecture: plan.architecture,
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
    const unscale = (p: Float32Array) => Float64Array.from(p, (v) => v * yStd + yMean);
    return {
      run,
      valPred: unscale(run.predictions.val),
      testPred: unscale(run.predictions.test),
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
    };
  }
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
