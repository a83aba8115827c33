import { DataValidationError } from '../../common/errors/app-error';
import type { Dataset } from '../../features/core';
import { classificationMetrics } from '../evaluation';
import { fitLogistic, predictLogistic } from '../evaluation/logistic-regression';
import type { Trainer, TrainerContext, TrainerOutcome, TrainingPlan } from './trainer';
import { trainingHistograms } from './training-histograms';

/**
 * classification: direction_{H} (down / flat / up) and regime labels, with dense or
 * recurrent networks, balanced class weights from the training part, softmax
 * probabilities; reported beside the majority class and a logistic regression on the
 * flattened window, on the same test part.
 */
export class ClassificationTrainer implements Trainer {
  readonly modelType = 'classification';
  readonly architectures = ['gru', 'lstm', 'dense'] as const;
  readonly defaultArchitecture = 'gru';

  check(plan: TrainingPlan, targetKind: 'regression' | 'classification'): void {
    if (targetKind !== 'classification') {
      throw new DataValidationError(`target ${plan.target} is a regression target; classification models predict direction_{H} or regime (use model_type time_series for ${plan.target})`, {
        fields: [{ field: 'target', errors: ['not a classification target'] }],
      });
    }
    if (!(this.architectures as readonly string[]).includes(plan.architecture)) {
      throw new DataValidationError(`architecture ${plan.architecture} is not available for classification; choose one of ${this.architectures.join(', ')}`, {
        fields: [{ field: 'architecture', errors: [`must be one of ${this.architectures.join(', ')}`] }],
      });
    }
  }

  async train(ctx: TrainerContext): Promise<TrainerOutcome> {
    const { plan, dataset } = ctx;
    const classes = [...(dataset.target.classes ?? [])];
    const k = classes.length;
    const weights = balancedClassWeights(dataset.train.targets, k);
    const hp = plan.hyperparameters;
    const run = await ctx.runNetwork({
      network: {
        architecture: plan.architecture as 'gru' | 'lstm' | 'dense',
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
      y: { train: Float32Array.from(dataset.train.targets), val: Float32Array.from(dataset.validation.targets), width: 1 },
    });
    const yTest = Array.from(dataset.test.targets);
    const metrics = classificationMetrics(yTest, run.predictions.test, classes);
    return {
      metrics: { ...metrics, class_weights: Object.fromEntries(classes.map((c, i) => [c, weights[i] ?? 0])), best_epoch: run.bestEpoch, epochs_run: run.history.loss.length, stopped_early: run.stoppedEarly },
      baselines: baselines(dataset, classes, weights),
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
    };
  }
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

function baselines(dataset: Dataset, classes: string[], weights: Record<number, number>): Record<string, unknown> {
  const k = classes.length;
  const yTest = Array.from(dataset.test.targets);
  // Majority class of the training part, as probabilities (with the training class shares).
  const counts = new Array<number>(k).fill(0);
  for (const t of dataset.train.targets) counts[t]++;
  const shares = counts.map((c) => c / dataset.train.count);
  const majority = shares.indexOf(Math.max(...shares));
  const majorityProbs = new Float64Array(yTest.length * k);
  for (let i = 0; i < yTest.length; i++) majorityProbs.set(shares, i * k);
  const p = dataset.window * dataset.numFeatures;
  const sampleWeights = Array.from(dataset.train.targets, (t) => weights[t] ?? 0);
  const logistic = fitLogistic(dataset.train.windows, dataset.train.targets, p, k, { sampleWeights, iterations: 150 });
  return {
    majority_class: { class: classes[majority], ...classificationMetrics(yTest, majorityProbs, classes) },
    logistic_regression: classificationMetrics(yTest, predictLogistic(logistic, dataset.test.windows), classes),
  };
}
