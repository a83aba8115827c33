/**
 * Feature scalers as plain JSON. Fitted once, on the training part only, and stored with the
 * model; prediction applies the stored numbers and never re-fits (a re-fit on live data
 * would silently shift every input the model sees).
 */
import { ScalerMismatchError } from '../errors';

export type ScalerKind = 'zscore' | 'minmax';

export interface ZScoreScaler {
  kind: 'zscore';
  features: string[];
  mean: number[];
  /** Population std; a constant training column stores 0 and is scaled by 1 (maps to 0). */
  std: number[];
}

export interface MinMaxScaler {
  kind: 'minmax';
  features: string[];
  min: number[];
  max: number[];
}

export type Scaler = ZScoreScaler | MinMaxScaler;

/**
 * Fits a scaler on the rows of a row-major matrix selected by `use` (the rows inside
 * training windows). Statistics in float64; each feature's mean via a two-pass sum so
 * large offsets (price levels) do not cost precision.
 */
export function fitScaler(
  kind: ScalerKind,
  features: string[],
  matrices: readonly { data: Float64Array; use: Uint8Array }[],
): Scaler {
  const F = features.length;
  if (kind === 'minmax') {
    const min = new Array<number>(F).fill(Infinity);
    const max = new Array<number>(F).fill(-Infinity);
    for (const { data, use } of matrices) {
      for (let r = 0; r < use.length; r++) {
        if (!use[r]) continue;
        for (let j = 0; j < F; j++) {
          const v = data[r * F + j];
          if (v < min[j]) min[j] = v;
          if (v > max[j]) max[j] = v;
        }
      }
    }
    return { kind, features: [...features], min, max };
  }
  const sum = new Array<number>(F).fill(0);
  let count = 0;
  for (const { data, use } of matrices) {
    for (let r = 0; r < use.length; r++) {
      if (!use[r]) continue;
      count++;
      for (let j = 0; j < F; j++) sum[j] += data[r * F + j];
    }
  }
  const mean = sum.map((s) => s / count);
  const ss = new Array<number>(F).fill(0);
  for (const { data, use } of matrices) {
    for (let r = 0; r < use.length; r++) {
      if (!use[r]) continue;
      for (let j = 0; j < F; j++) ss[j] += (data[r * F + j] - mean[j]) ** 2;
    }
  }
  return { kind, features: [...features], mean, std: ss.map((s) => Math.sqrt(s / count)) };
}

/** Per-feature (offset, factor) so that scaled = (x - offset) * factor; shared by every path. */
export function scalerCoefficients(scaler: Scaler): { offset: Float64Array; factor: Float64Array } {
  const F = scaler.features.length;
  const offset = new Float64Array(F);
  const factor = new Float64Array(F);
  for (let j = 0; j < F; j++) {
    if (scaler.kind === 'zscore') {
      offset[j] = scaler.mean[j];
      factor[j] = scaler.std[j] > 0 ? 1 / scaler.std[j] : 1;
    } else {
      offset[j] = scaler.min[j];
      const range = scaler.max[j] - scaler.min[j];
      factor[j] = range > 0 ? 1 / range : 0;
    }
  }
  return { offset, factor };
}

/** Checks a stored scaler is well-formed (it may come back from disk). */
export function assertScaler(scaler: Scaler): void {
  const F = scaler.features.length;
  const arrays =
    scaler.kind === 'zscore' ? [scaler.mean, scaler.std] : scaler.kind === 'minmax' ? [scaler.min, scaler.max] : null;
  if (!arrays) throw new ScalerMismatchError(`unknown scaler kind '${(scaler as { kind: string }).kind}'`);
  for (const a of arrays) {
    if (!Array.isArray(a) || a.length !== F || a.some((v) => !Number.isFinite(v))) {
      throw new ScalerMismatchError(`scaler statistics must be ${F} finite numbers, one per feature`);
    }
  }
}
