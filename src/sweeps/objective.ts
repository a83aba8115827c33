import type { SweepPlan } from './sweep-plan';
import type { Observation } from './strategies';
import type { SweepTrial } from './sweep.entity';
import type { TrialParams } from './space';
import { DataValidationError } from '../common/errors/app-error';

export type Direction = 'minimize' | 'maximize';

/**
 * Metrics a sweep may optimise: curves logged per epoch on the validation part, so choosing
 * the winner never looks at the test part (whose figures would otherwise be biased upward).
 */
export const VALIDATION_METRICS: Record<
  string,
  { direction: Direction; modelTypes: readonly string[]; description: string }
> = {
  val_loss: {
    direction: 'minimize',
    modelTypes: ['time_series', 'classification', 'anomaly_detection'],
    description: 'the loss on the validation part (best epoch)',
  },
  val_return: {
    direction: 'maximize',
    modelTypes: ['reinforcement_learning'],
    description: "an agent's return on the validation part (best episode)",
  },
};

/** Names of test-part metrics a version reports: refused as objectives with their own message. */
const TEST_METRICS =
  /^(test_|backtest)|^(mse|rmse|mae|r2|directional_accuracy|ic|rank_ic|sharpe|annualized_return|max_drawdown|hit_rate|accuracy|balanced_accuracy|f1|macro_f1|precision|recall|log_loss|auc|roc_auc|sortino|calmar)$/;

export function checkObjective(
  metric: string,
  direction: Direction | undefined,
  modelType: string,
): { metric: string; direction: Direction } {
  const known = VALIDATION_METRICS[metric];
  const field = 'objective.metric';
  if (!known) {
    const allowed = Object.keys(VALIDATION_METRICS).join(', ');
    if (TEST_METRICS.test(metric)) {
      throw new DataValidationError(
        `objective.metric ${metric} is a test-part metric: a sweep optimises a validation metric (${allowed}) so that the winner's test figures stay unbiased; only the winner is scored on the test part`,
        { fields: [{ field, errors: [`must be a validation metric: ${allowed}`] }] },
        'OBJECTIVE_NOT_VALIDATION',
      );
    }
    throw new DataValidationError(
      `objective.metric ${metric} is not a validation metric; choose one of ${allowed}`,
      { fields: [{ field, errors: [`must be one of ${allowed}`] }] },
      'UNKNOWN_OBJECTIVE',
    );
  }
  if (!known.modelTypes.includes(modelType)) {
    throw new DataValidationError(
      `objective.metric ${metric} is not logged for ${modelType} models (it is for ${known.modelTypes.join(', ')})`,
      { fields: [{ field, errors: [`not available for ${modelType}`] }] },
      'UNKNOWN_OBJECTIVE',
    );
  }
  return { metric, direction: direction ?? known.direction };
}

/** The objective oriented so that lower is better (strategies and the median rule work on this). */
export function asLoss(value: number, direction: Direction): number {
  return direction === 'minimize' ? value : -value;
}

/** The best value of a curve so far, in the objective's direction. */
export function bestSoFar(curve: number[], direction: Direction): number | null {
  const finite = curve.filter((v) => Number.isFinite(v));
  if (!finite.length) return null;
  return direction === 'minimize' ? Math.min(...finite) : Math.max(...finite);
}

/** The finished trials as a strategy sees them: parameters and the loss to minimise. */
export function observations(trials: SweepTrial[], plan: SweepPlan): Observation[] {
  return trials
    .filter((t) => (t.status === 'succeeded' || t.status === 'pruned') && t.objective !== null)
    .map((t) => ({
      index: t.index,
      params: t.params as TrialParams,
      loss: asLoss(t.objective!, plan.objective.direction),
    }));
}

/** The best succeeded trial (ties: the earlier one). Pruned trials never win: they did not finish. */
export function pickBest(trials: SweepTrial[], direction: Direction): SweepTrial | undefined {
  const done = trials.filter((t) => t.status === 'succeeded' && t.objective !== null && Number.isFinite(t.objective));
  done.sort((a, b) => asLoss(a.objective!, direction) - asLoss(b.objective!, direction) || a.index - b.index);
  return done[0];
}
