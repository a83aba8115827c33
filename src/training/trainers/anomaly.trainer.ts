import { checkArchitecture, offeredArchitectures } from '../architectures';
import type { Dataset, DatasetPart } from '../../features/core';
import type { Trainer, TrainerContext, TrainerOutcome, TrainingPlan } from './trainer';
import { trainingHistograms } from './training-histograms';

/**
 * anomaly_detection: an autoencoder (dense or LSTM) learns to reconstruct the training
 * part's feature windows; a window's score is its reconstruction error, and the threshold is
 * a quantile of the training scores. Reported beside a naive scorer (the largest |z-score|
 * of the window's last bar) with the same quantile rule. With known anomalous timestamps,
 * precision and recall on the test part.
 */
export class AnomalyTrainer implements Trainer {
  readonly modelType = 'anomaly_detection';
  readonly defaultArchitecture = 'dense';
  /** From the architecture registry: every architecture offered for anomaly_detection, the default first. */
  readonly architectures = offeredArchitectures(this.modelType, this.defaultArchitecture);

  check(plan: TrainingPlan): void {
    checkArchitecture(this.modelType, this.architectures, plan);
  }

  async train(ctx: TrainerContext): Promise<TrainerOutcome> {
    const { plan, dataset } = ctx;
    const hp = plan.hyperparameters;
    const q = hp.threshold_quantile ?? 0.99;
    const run = await ctx.runNetwork({
      kind: 'autoencoder',
      autoencoder: {
        architecture: plan.architecture as 'dense' | 'lstm',
        window: dataset.window,
        numFeatures: dataset.numFeatures,
        units: hp.units,
        layers: hp.layers,
        dropout: hp.dropout,
      },
      loss: 'mse',
      predictTrain: true,
    });
    const trainScores = run.predictions.train!;
    const threshold = quantile(trainScores, q);
    const testScores = run.predictions.test;
    const labels = plan.anomalyTimestamps?.length ? windowLabels(dataset.test, plan.anomalyTimestamps) : null;
    const model = scoreReport(testScores, threshold, trainScores, dataset.test, labels);

    const naive = (part: DatasetPart) => lastBarMaxAbs(part, dataset);
    const naiveTrain = naive(dataset.train);
    const naiveThreshold = quantile(naiveTrain, q);
    return {
      metrics: {
        ...model,
        threshold_quantile: q,
        best_epoch: run.bestEpoch,
        epochs_run: run.history.loss.length,
        stopped_early: run.stoppedEarly,
      },
      baselines: { max_abs_zscore: scoreReport(naive(dataset.test), naiveThreshold, naiveTrain, dataset.test, labels) },
      preprocessing: {
        model_type: this.modelType,
        features: dataset.features,
        window: dataset.window,
        horizon: null,
        timeframe: dataset.timeframe,
        target: null,
        scaler: dataset.scaler,
        training_histograms: trainingHistograms(dataset),
        output: 'anomaly',
        threshold,
        threshold_quantile: q,
      },
      run,
    };
  }
}

function scoreReport(
  scores: ArrayLike<number>,
  threshold: number,
  trainScores: ArrayLike<number>,
  part: DatasetPart,
  labels: boolean[] | null,
) {
  const n = scores.length;
  const flagged: number[] = [];
  for (let i = 0; i < n; i++) if (scores[i] > threshold) flagged.push(i);
  let trainFlagged = 0;
  for (let i = 0; i < trainScores.length; i++) if (trainScores[i] > threshold) trainFlagged++;
  const sorted = Float64Array.from(scores).sort();
  const report: Record<string, unknown> = {
    threshold,
    n,
    test_anomaly_rate: n ? flagged.length / n : 0,
    train_anomaly_rate: trainScores.length ? trainFlagged / trainScores.length : 0,
    score_distribution: {
      mean: n ? sorted.reduce((a, b) => a + b, 0) / n : null,
      p50: at(sorted, 0.5),
      p90: at(sorted, 0.9),
      p99: at(sorted, 0.99),
      max: n ? sorted[n - 1] : null,
    },
    flagged_timestamps: flagged.slice(0, 100).map((i) => new Date(part.timestamps[i]).toISOString()),
  };
  if (labels) {
    let tp = 0;
    let positives = 0;
    for (let i = 0; i < n; i++) {
      if (labels[i]) positives++;
      if (labels[i] && scores[i] > threshold) tp++;
    }
    report.precision = flagged.length ? tp / flagged.length : null;
    report.recall = positives ? tp / positives : null;
    report.labelled_windows = positives;
  }
  return report;
}

/** A window is anomalous when a known anomalous timestamp lies inside it (first bar to its own bar). */
function windowLabels(part: DatasetPart, anomalies: number[]): boolean[] {
  return part.timestamps.map((t, i) => anomalies.some((a) => a >= part.windowStart[i] && a <= t));
}

/** The naive score: the largest |scaled value| among the features of the window's last bar. */
function lastBarMaxAbs(part: DatasetPart, dataset: Dataset): Float64Array {
  const { window: W, numFeatures: F } = dataset;
  const out = new Float64Array(part.count);
  for (let i = 0; i < part.count; i++) {
    let m = 0;
    for (let j = 0; j < F; j++) m = Math.max(m, Math.abs(part.windows[(i * W + W - 1) * F + j]));
    out[i] = m;
  }
  return out;
}

export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return at(sorted, q) ?? 0;
}

function at(sorted: Float64Array, q: number): number | null {
  if (!sorted.length) return null;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
