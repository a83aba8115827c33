import { DataValidationError } from '../../common/errors/app-error';
import { checkArchitecture, offeredArchitectures } from '../architectures';
import type { Dataset, DatasetPart } from '../../features/core';
import { classificationMetrics, LOG_LOSS_EPS, type NumberList } from '../evaluation';
import { positionBaseline } from '../evaluation/position-baselines';
import { PREDICTIONS_FILE, predictionsCsv } from '../evaluation/predictions-csv';
import { significanceReport, type SignificanceInput } from '../evaluation/significance/report';
import { splitsReport } from '../evaluation/splits';
import { evaluateStrategy } from '../evaluation/strategy';
import { testEvaluationContext } from './evaluation-context';
import { sampleContext } from './sample-context';
import { fitLogistic, predictLogistic } from '../evaluation/logistic-regression';
import type { Trainer, TrainerContext, TrainerOutcome, TrainingPlan } from './trainer';
import { trainingHistograms } from './training-histograms';

/**
 * classification: direction_{H} (down / flat / up) and regime labels, with dense or
 * recurrent networks, balanced class weights from the training part, softmax
 * probabilities; reported beside the majority class, a logistic regression on the flattened
 * window, always-long and always-short on the same test part. Its backtest trades the
 * predicted class (classPositions) on the realised H-bar return, with the same costs as the
 * time-series backtest.
 */
export class ClassificationTrainer implements Trainer {
  readonly modelType = 'classification';
  readonly defaultArchitecture = 'gru';
  /** From the architecture registry: every architecture offered for classification, the default first. */
  readonly architectures = offeredArchitectures(this.modelType, this.defaultArchitecture);

  check(plan: TrainingPlan, targetKind: 'regression' | 'classification'): void {
    if (targetKind !== 'classification') {
      throw new DataValidationError(
        `target ${plan.target} is a regression target; classification models predict direction_{H} or regime (use model_type time_series for ${plan.target})`,
        {
          fields: [{ field: 'target', errors: ['not a classification target'] }],
        },
      );
    }
    checkArchitecture(this.modelType, this.architectures, plan);
  }

  async train(ctx: TrainerContext): Promise<TrainerOutcome> {
    const { plan, dataset } = ctx;
    const classes = [...(dataset.target.classes ?? [])];
    const k = classes.length;
    const weights = balancedClassWeights(dataset.train.targets, k);
    const hp = plan.hyperparameters;
    const run = await ctx.runNetwork({
      network: {
        architecture: plan.architecture,
        window: dataset.window,
        numFeatures: dataset.numFeatures,
        units: hp.units,
        layers: hp.layers,
        dropout: hp.dropout,
        outputUnits: k,
        outputActivation: 'softmax',
      },
      loss: 'sparseCategoricalCrossentropy',
      classWeight: weights,
      y: {
        train: Float32Array.from(dataset.train.targets),
        val: Float32Array.from(dataset.validation.targets),
        width: 1,
      },
    });
    const yTest = Array.from(dataset.test.targets);
    const testProbs = run.predictions.test;
    const metrics = classificationMetrics(yTest, testProbs, classes);
    const ev = testEvaluationContext(dataset, ctx.series, plan, false);
    const strategy = (signal: NumberList) => evaluateStrategy(signal, ev.strategy);
    const positions = classPositions(classes);
    const signalOf = (probs: NumberList) => Float64Array.from(argmaxRows(probs, k), (c) => positions[c]);
    const model = strategy(signalOf(testProbs));
    const fitted = baselineProbabilities(dataset, classes, weights);
    const competitors: SignificanceInput['baselines'] = {};
    const baselines: Record<string, unknown> = {};
    for (const [name, b] of Object.entries(fitted)) {
      const evaluation = strategy(signalOf(b.probs));
      baselines[name] = {
        ...b.extra,
        ...classificationMetrics(yTest, b.probs, classes),
        backtest: evaluation.backtest,
      };
      competitors[name] = {
        forecastLoss: logLosses(yTest, b.probs, k),
        portfolioReturns: evaluation.portfolio.returns,
      };
    }
    const long = positionBaseline(1, ev.realisedReturn, strategy);
    const short = positionBaseline(-1, ev.realisedReturn, strategy);
    baselines.always_long = long.report;
    baselines.always_short = short.report;
    competitors.always_long = { portfolioReturns: long.portfolioReturns };
    competitors.always_short = { portfolioReturns: short.portfolioReturns };
    const [up, down] = directionalClasses(classes);
    const significance = significanceReport({
      testSpan: ev.testSpan,
      horizonBars: dataset.target.horizonBars,
      symbolCount: ev.symbolCount,
      periodsPerYear: ev.strategy.periodsPerYear,
      seed: plan.seed,
      icScore: Float64Array.from({ length: yTest.length }, (_, i) => testProbs[i * k + up] - testProbs[i * k + down]),
      icRealised: ev.realisedReturn,
      scoreName: `p(${classes[up]}) - p(${classes[down]})`,
      forecastLossName: 'log_loss',
      model: { forecastLoss: logLosses(yTest, testProbs, k), portfolioReturns: model.portfolio.returns },
      baselines: competitors,
    });
    const splits = splitsReport(dataset);
    const valContext = sampleContext(dataset.validation, ctx.series, dataset.target.horizonBars, false);
    const rows = (
      part: 'validation' | 'test',
      p: DatasetPart,
      probs: Float32Array,
      realisedReturn: ArrayLike<number>,
    ) => ({
      part,
      timestamps: p.timestamps,
      symbols: p.symbols,
      prediction: Array.from(argmaxRows(probs, k), (c) => classes[c]),
      realised: Array.from(p.targets, (c) => classes[c]),
      extra: [
        { name: 'realised_return', values: realisedReturn },
        ...classes.map((c, j) => ({
          name: `p_${c}`,
          values: Float64Array.from({ length: p.count }, (_, i) => probs[i * k + j]),
        })),
      ],
    });
    return {
      metrics: {
        ...metrics,
        backtest: model.backtest,
        class_weights: Object.fromEntries(classes.map((c, i) => [c, weights[i] ?? 0])),
        best_epoch: run.bestEpoch,
        epochs_run: run.history.loss.length,
        stopped_early: run.stoppedEarly,
      },
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
        output: 'classification',
        classes,
      },
      run,
      splits: splits as unknown as Record<string, unknown>,
      significance: significance as unknown as Record<string, unknown>,
      files: {
        [PREDICTIONS_FILE]: predictionsCsv([
          rows('validation', dataset.validation, run.predictions.val, valContext.forwardReturn),
          rows('test', dataset.test, testProbs, ev.realisedReturn),
        ]),
        'evaluation.json': { splits, significance },
      },
    };
  }
}

/**
 * The position a predicted class trades: direction down/flat/up → −1/0/+1; regime
 * trending_up → +1, trending_down → −1, ranging and volatile → flat.
 */
export function classPositions(classes: readonly string[]): number[] {
  return classes.map((c) => (c === 'up' || c === 'trending_up' ? 1 : c === 'down' || c === 'trending_down' ? -1 : 0));
}

/** Indices of the "up" and "down" classes, for the classifier's score p(up) − p(down). */
function directionalClasses(classes: readonly string[]): [number, number] {
  const up = classes.findIndex((c) => c === 'up' || c === 'trending_up');
  const down = classes.findIndex((c) => c === 'down' || c === 'trending_down');
  return [Math.max(0, up), Math.max(0, down)];
}

/** Arg-max class per row, the lowest index on a tie (as classificationMetrics). */
function argmaxRows(probs: NumberList, k: number): Int32Array {
  const n = probs.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Per-sample log loss, clipped as classificationMetrics clips it. */
function logLosses(yTrue: readonly number[], probs: NumberList, k: number): Float64Array {
  return Float64Array.from(
    yTrue,
    (t, i) => -Math.log(Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, probs[i * k + t]))),
  );
}

/** n / (k · count_c), from the training part; a class absent from training gets weight 0. */
export function balancedClassWeights(targets: ArrayLike<number>, k: number): Record<number, number> {
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < targets.length; i++) counts[targets[i]]++;
  const present = counts.filter((c) => c > 0).length;
  const out: Record<number, number> = {};
  counts.forEach((c, i) => (out[i] = c > 0 ? targets.length / (present * c) : 0));
  return out;
}

/** Test-part probabilities of the majority class (training class shares) and of a logistic regression. */
function baselineProbabilities(
  dataset: Dataset,
  classes: string[],
  weights: Record<number, number>,
): Record<string, { probs: Float64Array; extra: Record<string, unknown> }> {
  const k = classes.length;
  const n = dataset.test.count;
  const counts = new Array<number>(k).fill(0);
  for (const t of dataset.train.targets) counts[t]++;
  const shares = counts.map((c) => c / dataset.train.count);
  const majority = shares.indexOf(Math.max(...shares));
  const majorityProbs = new Float64Array(n * k);
  for (let i = 0; i < n; i++) majorityProbs.set(shares, i * k);
  const p = dataset.window * dataset.numFeatures;
  const sampleWeights = Array.from(dataset.train.targets, (t) => weights[t] ?? 0);
  const logistic = fitLogistic(dataset.train.windows, dataset.train.targets, p, k, { sampleWeights, iterations: 150 });
  return {
    majority_class: { probs: majorityProbs, extra: { class: classes[majority] } },
    logistic_regression: { probs: predictLogistic(logistic, dataset.test.windows), extra: {} },
  };
}
