/**
 * Walk-forward evaluation of a time-series model (README, "Walk-forward evaluation"): one
 * model per fold, trained on the fold's window and scored on its out-of-sample block; the
 * blocks' predictions concatenated and scored as one series beside the baselines of the same
 * folds; and the version's own model trained on the whole range up to the end date.
 *
 * The folds run as queue jobs of their own (fold-runner.ts, walk-forward-jobs.ts), so several
 * workers (or TRAINING_CONCURRENCY > 1) train them at once; each leaves its result in its
 * `walk_forward_folds` row (fold-result.ts). This is the parent's last step, in the job's
 * continuation once every fold succeeded: the final model, and the folds combined as one series.
 */
import type { BarSeries, Dataset } from '../../features/core';
import { PREDICTIONS_FILE, predictionsCsv, type PredictionRows } from '../evaluation/predictions-csv';
import { splitsReport } from '../evaluation/splits';
import type { JobProgress } from '../job-progress';
import type { TrainerContext, TrainerOutcome, TrainingPlan } from '../trainers';
import { scoreTimeSeriesTest } from '../trainers/time-series-evaluation';
import type { TimeSeriesTrainer } from '../trainers/time-series.trainer';
import { combineFolds } from './combine';
import type { FoldResult } from './fold-result';

export interface WalkForwardDeps {
  plan: TrainingPlan;
  trainer: TimeSeriesTrainer;
  /** The final model's dataset (the whole range, no test part). */
  build(): Promise<{ dataset: Dataset; series: BarSeries[] }>;
  context(dataset: Dataset, series: BarSeries[]): TrainerContext;
  report(patch: Partial<JobProgress>): Promise<void>;
}

const iso = (t: number) => new Date(t).toISOString();
const bounds = (ts: readonly number[]) =>
  ts.reduce((b, t) => [Math.min(b[0], t), Math.max(b[1], t)], [Infinity, -Infinity]);

export async function trainWalkForward(
  deps: WalkForwardDeps,
  folds: FoldResult[],
): Promise<{ dataset: Dataset; outcome: TrainerOutcome }> {
  const { plan, trainer } = deps;
  const spec = plan.evaluation!;
  await deps.report({
    phase: 'walk-forward: final model on the whole range',
    fold: null,
    folds: spec.folds,
    folds_done: folds.length,
  });
  const { dataset, series } = await deps.build();
  const ctx = deps.context(dataset, series);
  const fitted = await trainer.fit(ctx);
  const { run } = fitted;
  if (run.cancelled)
    return { dataset, outcome: { metrics: {}, baselines: {}, preprocessing: fitted.preprocessing, run } };

  const combined = combineFolds(folds, dataset);
  const scores = scoreTimeSeriesTest(combined.dataset, series, plan, combined.prediction, combined.baselines);
  // Ridge's λ was chosen per fold: the list replaces the single λ of a one-split report.
  const {
    lambda: _l,
    lambda_search: _s,
    lambda_selected_on: _o,
    ...ridge
  } = scores.baselines.ridge as Record<string, unknown>;
  const baselines = {
    ...scores.baselines,
    ridge: { ...ridge, lambda_by_fold: folds.map((f) => f.baselines.ridgeSelection.model.lambda) },
  };
  const [first, last] = bounds(combined.dataset.test.timestamps);
  const walkForward = {
    method: 'walk_forward',
    train_window: spec.trainWindow,
    step:
      spec.stepMs !== undefined
        ? { ms: spec.stepMs }
        : spec.step !== undefined
          ? { bars: spec.step }
          : { bars: null, default: 'floor(bars / (folds + 1))' },
    purge_bars: spec.purge ?? dataset.purgeBars,
    ...(spec.trainBars !== undefined ? { train_bars: spec.trainBars } : {}),
    folds: folds.map((f) => f.report),
    combined: {
      n: combined.dataset.test.count,
      first: iso(first),
      last: iso(last),
      metrics: scores.metrics,
      baselines,
      significance: scores.significance,
    },
  };

  const splits = splitsReport(dataset);
  const rows: PredictionRows[] = [
    {
      part: 'validation',
      timestamps: dataset.validation.timestamps,
      symbols: dataset.validation.symbols,
      prediction: fitted.valPred,
      realised: dataset.validation.targets,
    },
    ...folds.map((f): PredictionRows => ({
      part: `fold_${f.report.fold}`,
      timestamps: f.test.timestamps,
      symbols: f.test.symbols,
      prediction: f.prediction,
      realised: f.test.targets,
    })),
  ];
  return {
    dataset,
    outcome: {
      // The version's figures are the combined out-of-sample ones; its own model has no test part.
      metrics: {
        ...scores.metrics,
        evaluation: 'walk_forward',
        folds: folds.length,
        best_epoch: run.bestEpoch,
        epochs_run: run.history.loss.length,
        stopped_early: run.stoppedEarly,
      },
      baselines,
      preprocessing: fitted.preprocessing,
      run,
      splits: splits as unknown as Record<string, unknown>,
      significance: scores.significance as unknown as Record<string, unknown>,
      walkForward: walkForward,
      files: {
        [PREDICTIONS_FILE]: predictionsCsv(rows),
        'evaluation.json': { splits, significance: scores.significance, walk_forward: walkForward },
      },
    },
  };
}
