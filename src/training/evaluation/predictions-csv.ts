import { ARTIFACT_FILES } from '../../models/artifacts';

/**
 * `predictions.csv`, stored with the version: one row per validation and test sample, so that
 * every reported test metric can be recomputed from it. Header (the first five columns are
 * the same for every model type):
 *
 *   timestamp,symbol,part,prediction,realised[,realised_return,p_<class>…]
 *
 * - timestamp: the sample's own bar (the window's last bar), ISO 8601 UTC; symbol canonical.
 * - part: `validation` or `test`, or for a walk-forward version `validation` (its own model's)
 *   and `fold_1` … `fold_N` (each fold's out-of-sample block, scored by that fold's model; the
 *   combined metrics are summed over the fold rows in file order); rows in each part's order
 *   (time, then symbol), which is the order the metrics were summed in.
 * - time_series: prediction = the predicted target, realised = the realised target (both in
 *   the target's units, e.g. a simple H-bar return for price_change_{H}).
 * - classification: prediction = the arg-max class, realised = the true class; then the
 *   realised simple H-bar return (the backtest's) and the class probabilities.
 * Numbers are written with JavaScript's shortest round-trip form: parsed back, each is the
 * exact double that was scored.
 */
export interface PredictionRows {
  part: 'validation' | 'test' | `fold_${number}`;
  timestamps: readonly number[];
  symbols: readonly string[];
  prediction: ArrayLike<number | string>;
  realised: ArrayLike<number | string>;
  /** Extra columns, in order, each with one value per row. */
  extra?: Array<{ name: string; values: ArrayLike<number> }>;
}

/** Its name in the version: the models module's artifact layout spells it. */
export const PREDICTIONS_FILE = ARTIFACT_FILES.predictions;
export const PREDICTIONS_HEADER = ['timestamp', 'symbol', 'part', 'prediction', 'realised'] as const;

const cell = (v: number | string) =>
  typeof v === 'number' ? String(v) : v.includes(',') || v.includes('"') ? `"${v.replace(/"/g, '""')}"` : v;

export function predictionsCsv(parts: PredictionRows[]): string {
  const extra = parts[0]?.extra?.map((e) => e.name) ?? [];
  const lines = [[...PREDICTIONS_HEADER, ...extra].join(',')];
  for (const p of parts) {
    const names = p.extra?.map((e) => e.name) ?? [];
    if (names.join(',') !== extra.join(',')) throw new RangeError('every part must have the same extra columns');
    for (let i = 0; i < p.timestamps.length; i++) {
      const row = [
        new Date(p.timestamps[i]).toISOString(),
        cell(p.symbols[i]),
        p.part,
        cell(p.prediction[i]),
        cell(p.realised[i]),
      ];
      for (const e of p.extra ?? []) row.push(String(e.values[i]));
      lines.push(row.join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}
