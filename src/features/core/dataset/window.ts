/**
 * Scaled windows: the single implementation used by the dataset builder (training) and by
 * the prediction path, so a model sees its inputs built exactly the same way in both.
 */
import { InsufficientDataError, ScalerMismatchError } from '../errors';
import type { FeatureColumn } from '../types';
import type { Scaler } from './scaler';
import { assertScaler, scalerCoefficients } from './scaler';

/**
 * Writes the W rows ending at `endRow` of a row-major matrix (F values per row) into `out`
 * at `offset`, scaled: out = (x - offset_j) * factor_j. Row order is oldest first, so
 * out[offset + w*F + j] is feature j, w bars into the window.
 */
export function writeScaledWindow(
  data: Float64Array,
  F: number,
  endRow: number,
  W: number,
  coef: { offset: Float64Array; factor: Float64Array },
  out: Float32Array,
  offset: number,
): void {
  let src = (endRow - W + 1) * F;
  let dst = offset;
  for (let w = 0; w < W; w++) {
    for (let j = 0; j < F; j++) out[dst++] = (data[src++] - coef.offset[j]) * coef.factor[j];
  }
}

/** Columns (keyed by feature name, each aligned to the same timestamps) -> row-major matrix in `names` order. */
export function toRowMatrix(
  columns: Record<string, FeatureColumn>,
  names: readonly string[],
  from = 0,
  to?: number,
): Float64Array {
  const F = names.length;
  const end = to ?? (F > 0 ? columns[names[0]].length : 0);
  const out = new Float64Array((end - from) * F);
  names.forEach((name, j) => {
    const col = columns[name];
    for (let r = from; r < end; r++) {
      const v = col[r];
      out[(r - from) * F + j] = v === null ? NaN : v;
    }
  });
  return out;
}

/**
 * The prediction path: raw (unscaled) feature rows, oldest first, each ordered as
 * `scaler.features`, -> one scaled window, a Float32Array of shape [1, W, F] (flattened).
 * Uses the last W rows; fails if there are fewer or if any value is missing, rather than
 * feeding the model a NaN.
 */
export function windowFromRows(rows: readonly (readonly (number | null)[])[], scaler: Scaler, W: number): Float32Array {
  assertScaler(scaler);
  const F = scaler.features.length;
  if (rows.length < W) {
    throw new InsufficientDataError(W, rows.length, `a window of ${W} feature rows is needed for one prediction`);
  }
  const data = new Float64Array(W * F);
  for (let w = 0; w < W; w++) {
    const row = rows[rows.length - W + w];
    if (row.length !== F)
      throw new ScalerMismatchError(
        `row ${w} has ${row.length} values, the scaler has ${F} features (${scaler.features.join(', ')})`,
      );
    for (let j = 0; j < F; j++) {
      const v = row[j];
      if (v === null || !Number.isFinite(v)) {
        throw new ScalerMismatchError(
          `feature '${scaler.features[j]}' has no value in window row ${w} (still warming up?)`,
        );
      }
      data[w * F + j] = v;
    }
  }
  const out = new Float32Array(W * F);
  writeScaledWindow(data, F, W - 1, W, scalerCoefficients(scaler), out, 0);
  return out;
}

/**
 * The prediction path from computeFeatures output: the window ending at `endRow` (default:
 * the last row) built from the columns the scaler names, in the scaler's order.
 */
export function windowFromColumns(
  columns: Record<string, FeatureColumn>,
  scaler: Scaler,
  W: number,
  endRow?: number,
): Float32Array {
  const missing = scaler.features.filter((f) => !(f in columns));
  if (missing.length > 0) throw new ScalerMismatchError(`missing feature columns: ${missing.join(', ')}`);
  const n = columns[scaler.features[0]].length;
  const end = endRow ?? n - 1;
  const rows: (number | null)[][] = [];
  for (let r = Math.max(0, end - W + 1); r <= end; r++) rows.push(scaler.features.map((f) => columns[f][r]));
  return windowFromRows(rows, scaler, W);
}
