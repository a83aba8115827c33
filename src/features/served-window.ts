import { DataValidationError, ModelError } from '../common/errors/app-error';
import { isoOrNull } from '../common/iso-time';
import {
  FeatureCoreError,
  latestRunAsTrained,
  servedHorizonGap,
  windowFromColumns,
  type BarSeries,
  type DataRules,
  type Scaler,
} from './core';

/** What serving needs of a model version to rebuild its input from stored bars (its preprocessing.json). */
export interface ServedModel {
  features: string[];
  scaler: Scaler;
  window: number;
  /** Bars the target reads ahead (null: the model has no horizon). */
  horizon: number | null;
  /** As training treated the series: its start and its gap rule (dataRulesFromRecord). */
  rules: DataRules;
}

export interface ServedWindow {
  /** The scaled window [1, W, F], oldest bar first. */
  window: Float32Array;
  /** The raw feature rows of the window, each in the model's feature order. */
  rows: number[][];
  /** The bar the window ends on (ms UTC). */
  asOf: number;
  /** The horizon of a prediction at `asOf` will span a gap (core/dataset/horizon-gaps.ts). */
  horizonGap: boolean;
}

/**
 * The latest window of `series` exactly as training built its windows: over the run of bars the
 * last bar belongs to (from the training start or the last gap on; as-trained.ts). A window
 * that would cross a gap does not exist in training, and is refused here the same way: the run
 * since the gap must hold a full window with every feature warmed up.
 */
export function servedWindow(series: BarSeries, model: ServedModel): ServedWindow {
  const { timeframe, symbol } = series;
  refuseStoreModel(model);
  const latest = coreErrors(() => latestRunAsTrained(series, model.features, model.rules));
  const n = latest ? latest.run.end - latest.run.start : 0;
  const since =
    latest && latest.runs > 1 ? ` since the gap before ${isoOrNull(series.timestamps[latest.run.start])}` : '';
  if (!latest || n < model.window) {
    throw new ModelError(
      `Only ${n} stored ${timeframe} bars for ${symbol}${since}; the model needs a window of ${model.window} bars with every feature defined. Import more history or send features`,
      { symbol, timeframe, needed: model.window, given: n },
      'INSUFFICIENT_DATA',
    );
  }
  const { columns } = latest;
  const window = coreErrors(
    () => windowFromColumns(columns, model.scaler, model.window),
    `the stored ${timeframe} bars for ${symbol}${since} do not yet give every feature a value over the last ${model.window} bars (indicator warm-up); import more history or send features`,
  );
  const rows: number[][] = [];
  for (let r = n - model.window; r < n; r++) rows.push(model.features.map((f) => columns[f][r] as number));
  const asOf = series.timestamps[series.timestamps.length - 1];
  const horizonGap = model.horizon !== null && servedHorizonGap(series.timestamps, model.horizon, timeframe);
  return { window, rows, asOf, horizonGap };
}

/**
 * A model trained on the Feature Store's columns is not served from columns computed here: the
 * two need not agree (another implementation, other warm-ups), and a model must see the inputs
 * it was trained on. The caller sends the store's values as `features` instead. Checked before
 * any bar is read (FeaturesService.servedWindow) and here (every path to a served window).
 */
export function refuseStoreModel(model: Pick<ServedModel, 'rules' | 'features' | 'window'>): void {
  if (model.rules.featureSource !== 'feature_store') return;
  throw new ModelError(
    `This model was trained on features from the Feature Store (feature_source feature_store); they are not computed from stored bars here. Send "features": the store's values of ${model.features.join(', ')} for the last ${model.window} bars`,
    {
      feature_source: 'feature_store',
      features: model.features,
      window: model.window,
      fields: [{ field: 'features', errors: ['required for a model trained on feature_store features'] }],
    },
    'FEATURES_REQUIRED',
  );
}

/** Features-core errors (warm-up gaps, missing columns…) as 422s that keep their code. */
function coreErrors<T>(fn: () => T, message?: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FeatureCoreError)
      throw new DataValidationError(message ? `${message} (${e.message})` : e.message, e.details, e.code);
    throw e;
  }
}
