/**
 * Ridge regression, the "linear model" baseline: every column of the flattened window
 * (samples × W × F → samples × W·F) plus an intercept, with an L2 penalty.
 *
 * - Columns are standardised with the TRAINING mean and standard deviation inside the fit,
 *   so one λ grid means the same thing whatever the features' units (raw prices, returns,
 *   already-scaled values), and the intercept is left unpenalised (it is the training mean
 *   of y once the columns are centred). A column constant on the training part gets weight 0.
 * - The objective is (1/n)·‖y − ȳ − Z w‖² + λ‖w‖² with Z the standardised columns, solved
 *   through the normal equations (Z'Z/n + λI) w = Z'(y − ȳ)/n by Cholesky. The Gram
 *   matrix is built once (n·p²/2 multiply-adds: ~0.15 s for 20k × 120) and reused for
 *   every λ of the grid, each extra λ costing only a p×p factorisation.
 * - Deterministic: no randomness, a fixed summation order.
 */
import { choleskySolve } from './cholesky';
import type { NumberList } from './stats';
import { assertFinite } from './stats';

/** Rows per block when accumulating the Gram matrix (see ridgeMoments). */
const ROW_BLOCK = 64;

/** λ grid searched on the validation part: 1e-3 … 1e3 by decades. */
export const DEFAULT_RIDGE_LAMBDAS: readonly number[] = [1e-3, 1e-2, 1e-1, 1, 10, 100, 1000];

export interface RidgeModel {
  lambda: number;
  /** Coefficients on the original (unstandardised) columns. */
  coefficients: Float64Array;
  /** Intercept on the original columns: prediction = intercept + Σ coefficients·x. */
  intercept: number;
}

/** Training-part moments of standardised columns: everything a fit for any λ needs. */
export interface RidgeMoments {
  p: number;
  n: number;
  columnMeans: Float64Array;
  /** 1 / training standard deviation of each column; 0 for a constant column. */
  inverseStd: Float64Array;
  yMean: number;
  /** Z'Z / n, p×p row-major (both triangles filled). */
  gram: Float64Array;
  /** Z'(y − ȳ) / n. */
  zy: Float64Array;
}

function checkMatrix(x: NumberList, rows: number, p: number, name: string): void {
  if (!Number.isInteger(p) || p < 1) throw new RangeError(`featureCount must be an integer >= 1, got ${p}`);
  if (x.length !== rows * p)
    throw new RangeError(`${name} has ${x.length} values, expected ${rows} samples × ${p} columns = ${rows * p}`);
  assertFinite(x, name);
}

/** Accumulates the standardised Gram matrix of the training part (row-major x, n × p). */
export function ridgeMoments(x: NumberList, y: NumberList, p: number): RidgeMoments {
  const n = y.length;
  if (n === 0) throw new RangeError('ridge needs at least one training sample');
  checkMatrix(x, n, p, 'xTrain');
  assertFinite(y, 'yTrain');

  // Pass 1: means, and which columns are exactly constant (tested exactly, not by a tiny
  // variance, so rounding in the mean cannot turn a constant into amplified noise).
  const columnMeans = new Float64Array(p);
  const constant = new Uint8Array(p).fill(1);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    const row = i * p;
    for (let j = 0; j < p; j++) {
      const v = x[row + j];
      columnMeans[j] += v;
      if (constant[j] && v !== x[j]) constant[j] = 0;
    }
    yMean += y[i];
  }
  for (let j = 0; j < p; j++) columnMeans[j] /= n;
  yMean /= n;

  // Pass 2: centred cross-products (upper triangle), centred before multiplying so a
  // large offset (a price level) cannot cancel the small variations that matter. Rows are
  // taken in blocks, stored column-major, so each Gram entry is a dot product of two short
  // contiguous vectors summed in a register: 3–4× faster in V8 than updating the whole
  // p×p matrix once per row, for the same arithmetic.
  const gram = new Float64Array(p * p);
  const zy = new Float64Array(p);
  const block = new Float64Array(p * ROW_BLOCK);
  const dyBlock = new Float64Array(ROW_BLOCK);
  for (let start = 0; start < n; start += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, n - start);
    for (let r = 0; r < rows; r++) {
      const row = (start + r) * p;
      for (let j = 0; j < p; j++) block[j * ROW_BLOCK + r] = x[row + j] - columnMeans[j];
      dyBlock[r] = y[start + r] - yMean;
    }
    for (let j = 0; j < p; j++) {
      const oj = j * ROW_BLOCK;
      let sy = 0;
      for (let r = 0; r < rows; r++) sy += block[oj + r] * dyBlock[r];
      zy[j] += sy;
      const g = j * p;
      let k = j;
      // Two entries per sweep: each load of column j's block feeds two products.
      for (; k + 1 < p; k += 2) {
        const ok = k * ROW_BLOCK;
        const ok1 = ok + ROW_BLOCK;
        let s0 = 0;
        let s1 = 0;
        for (let r = 0; r < rows; r++) {
          const v = block[oj + r];
          s0 += v * block[ok + r];
          s1 += v * block[ok1 + r];
        }
        gram[g + k] += s0;
        gram[g + k + 1] += s1;
      }
      if (k < p) {
        const ok = k * ROW_BLOCK;
        let s0 = 0;
        for (let r = 0; r < rows; r++) s0 += block[oj + r] * block[ok + r];
        gram[g + k] += s0;
      }
    }
  }

  // Standardise: divide by n and by the column standard deviations.
  const inverseStd = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const variance = gram[j * p + j] / n;
    inverseStd[j] = constant[j] || !(variance > 0) ? 0 : 1 / Math.sqrt(variance);
  }
  for (let j = 0; j < p; j++) {
    zy[j] *= inverseStd[j] / n;
    for (let k = j; k < p; k++) {
      const v = (gram[j * p + k] * inverseStd[j] * inverseStd[k]) / n;
      gram[j * p + k] = v;
      gram[k * p + j] = v;
    }
  }
  return { p, n, columnMeans, inverseStd, yMean, gram, zy };
}

/** Solves the ridge normal equations for one λ > 0 from precomputed moments. */
export function solveRidge(m: RidgeMoments, lambda: number): RidgeModel {
  if (!(lambda > 0) || !Number.isFinite(lambda))
    throw new RangeError(`lambda must be a finite number > 0, got ${lambda}`);
  const { p } = m;
  const a = Float64Array.from(m.gram);
  for (let j = 0; j < p; j++) a[j * p + j] += lambda;
  const w = choleskySolve(a, m.zy, p);
  const coefficients = new Float64Array(p);
  let intercept = m.yMean;
  for (let j = 0; j < p; j++) {
    // A constant column (inverseStd 0) gets exactly 0, not the −0 a product can give.
    coefficients[j] = m.inverseStd[j] === 0 ? 0 : w[j] * m.inverseStd[j];
    intercept -= coefficients[j] * m.columnMeans[j];
  }
  return { lambda, coefficients, intercept };
}

/** Ridge fit on (x, y) for one λ: ridgeMoments + solveRidge. */
export function fitRidge(x: NumberList, y: NumberList, p: number, lambda: number): RidgeModel {
  return solveRidge(ridgeMoments(x, y, p), lambda);
}

/** Predictions of a ridge model for row-major samples x (rows × p). */
export function predictRidge(model: RidgeModel, x: NumberList): Float64Array {
  const p = model.coefficients.length;
  const rows = x.length / p;
  checkMatrix(x, Math.floor(rows), p, 'x');
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = model.intercept;
    const row = i * p;
    for (let j = 0; j < p; j++) s += model.coefficients[j] * x[row + j];
    out[i] = s;
  }
  return out;
}

export interface RidgeSelection {
  model: RidgeModel;
  /** Validation MSE of every λ tried, in grid order (empty when no validation part). */
  validation: { lambda: number; mse: number }[];
  /** 'validation' when λ was chosen on it; 'default' when there was no validation part. */
  selected_on: 'validation' | 'default';
}

/**
 * Fits ridge on the TRAINING part for each λ of the grid and keeps the one with the lowest
 * validation MSE; on an exact tie the larger λ (the simpler model) wins. The kept model is
 * the one fitted on training only — it is not refitted on train + validation — so the
 * baseline sees exactly the data the network's weights see, the validation part choosing
 * λ as it chooses the network's early-stopping epoch. With no validation samples, λ = 1.
 */
export function selectRidge(
  xTrain: NumberList,
  yTrain: NumberList,
  xVal: NumberList,
  yVal: NumberList,
  p: number,
  lambdas: readonly number[] = DEFAULT_RIDGE_LAMBDAS,
): RidgeSelection {
  if (lambdas.length === 0) throw new RangeError('the ridge λ grid is empty');
  const moments = ridgeMoments(xTrain, yTrain, p);
  if (yVal.length === 0) return { model: solveRidge(moments, 1), validation: [], selected_on: 'default' };
  checkMatrix(xVal, yVal.length, p, 'xVal');
  assertFinite(yVal, 'yVal');

  const validation: { lambda: number; mse: number }[] = [];
  let best: { model: RidgeModel; mse: number } | null = null;
  for (const lambda of lambdas) {
    const model = solveRidge(moments, lambda);
    const pred = predictRidge(model, xVal);
    let sse = 0;
    for (let i = 0; i < pred.length; i++) sse += (yVal[i] - pred[i]) ** 2;
    const mse = sse / pred.length;
    validation.push({ lambda, mse });
    if (best === null || mse < best.mse || (mse === best.mse && lambda > best.model.lambda)) best = { model, mse };
  }
  return { model: best!.model, validation, selected_on: 'validation' };
}
