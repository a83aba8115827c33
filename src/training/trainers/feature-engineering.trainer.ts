import { rankingView, selectOnTrainingPart } from '../../features/select-training-part';
import { asValidationErrors } from '../../features/feature-errors';
import type { Trainer, TrainerContext, TrainerOutcome } from './trainer';

/**
 * feature_engineering: the automated feature selection as a job. Its ranked result is a
 * model version like any other (versioned, comparable, with its data fingerprint), and a
 * later training request can use its suggestion: `features_from: "<model_id>@<version>"`.
 * `features` are the candidates; the dataset is built with a window of one bar, so scores
 * come from the training part only.
 */
export class FeatureEngineeringTrainer implements Trainer {
  readonly modelType = 'feature_engineering';
  /** None a request can name: the selection is not a network (its versions record `selection`). */
  readonly architectures = [] as const;
  readonly defaultArchitecture = 'selection';
  readonly fixedWindow = 1;
  readonly progressUnit = 'candidate';
  readonly backend = {
    name: 'none',
    description:
      'feature selection trains no network: candidates are scored in plain JavaScript in the service process',
  };

  check(): void {
    /* any target: it is what candidates are scored against */
  }

  async train(ctx: TrainerContext): Promise<TrainerOutcome> {
    const { plan, dataset } = ctx;
    const candidates = dataset.features.length;
    await ctx.report({ phase: 'scoring candidates', scored: 0, candidates });
    const result = asValidationErrors(() =>
      selectOnTrainingPart(dataset, {
        k: plan.hyperparameters.k,
        redundancyThreshold: plan.hyperparameters.redundancy_threshold,
      }),
    );
    const ranking = rankingView(result);
    await ctx.report({ scored: candidates, candidates });
    const training_range = {
      start: new Date(dataset.train.timestamps[0]).toISOString(),
      end: new Date(dataset.train.timestamps[dataset.train.count - 1]).toISOString(),
    };
    return {
      metrics: {
        suggested: result.suggested,
        k: result.options.k,
        rows: result.rows,
        candidates: ranking.length,
        redundant: ranking.filter((r) => r.redundant).length,
        top: ranking.slice(0, 10),
        training_range,
      },
      baselines: {},
      preprocessing: {
        model_type: this.modelType,
        output: 'selection',
        features: dataset.features,
        target: dataset.target,
        timeframe: dataset.timeframe,
        suggested: result.suggested,
      },
      files: {
        'selection.json': {
          target: plan.target,
          suggested: result.suggested,
          ranking,
          options: result.options,
          training_range,
          fingerprint: dataset.fingerprint,
        },
      },
    };
  }
}
