import { DataValidationError } from '../common/errors/app-error';
import type { Model } from '../models/entities/model.entity';
import type { ModelVersion } from '../models/entities/model-version.entity';

/** Fields a schedule's base may not set: the window sets the dates, the model fixes its id and type. */
const FIXED: Record<string, string> = {
  start_date: "the window sets each run's start_date",
  end_date: 'each run ends at the latest stored bar',
  model_id: 'a schedule retrains its own model',
  model_type: 'a schedule retrains its own model, of its own type',
};

const TRAINED = ['experimental', 'deployed', 'archived'];

/** The version whose record fills a schedule's defaults: the latest trained one, else the latest. */
export function defaultsVersion(versions: ModelVersion[]): ModelVersion | undefined {
  return versions.find((v) => TRAINED.includes(v.status)) ?? versions[0];
}

/**
 * The train request a schedule sends (without dates): the model's own name, id and type, the
 * record of its latest trained version (features, target, symbols, timeframe, window,
 * architecture, hyperparameters, splits, scaler, seed, spread; its run's experiment) and the given base over them
 * (hyperparameters key by key).
 */
export function baseRequest(
  model: Model,
  version: ModelVersion | undefined,
  givenOrNull?: Record<string, unknown> | null,
  experiment?: string | null,
): Record<string, unknown> {
  const given = givenOrNull ?? {};
  for (const [key, why] of Object.entries(FIXED)) {
    if (key in given)
      throw new DataValidationError(
        `base.${key}: not allowed in a schedule (${why})`,
        { fields: [{ field: `base.${key}`, errors: [why] }] },
        'INVALID_SCHEDULE_BASE',
      );
  }
  const dc = version?.data_config ?? {};
  const fromVersion: Record<string, unknown> = version
    ? {
        features: version.features,
        target: version.target,
        symbols: version.symbols,
        timeframe: version.timeframe,
        window: version.window,
        ...(version.architecture ? { architecture: version.architecture } : {}),
        ...(experiment ? { experiment } : {}),
        ...pick(dc, [
          'validation_split',
          'test_split',
          'scaler',
          'horizon_gaps',
          'feature_source',
          'seed',
          'spread_pips',
        ]),
      }
    : {};
  const givenHp = (given.hyperparameters ?? {}) as Record<string, unknown>;
  const versionHp = { ...(version?.hyperparameters ?? {}) } as Record<string, unknown>;
  // The seed's alias given alone replaces the stored units instead of conflicting with it.
  if (givenHp.lstm_units !== undefined && givenHp.units === undefined) delete versionHp.units;
  const hyperparameters =
    typeof given.hyperparameters === 'object' && given.hyperparameters !== null && !Array.isArray(given.hyperparameters)
      ? { ...versionHp, ...givenHp }
      : (given.hyperparameters ?? versionHp);
  return {
    name: model.name,
    ...(model.description ? { description: model.description } : {}),
    ...fromVersion,
    ...given,
    hyperparameters,
    model_id: model.id,
    model_type: model.type,
  };
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined && o[k] !== null).map((k) => [k, o[k]]));
}
