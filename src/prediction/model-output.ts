/**
 * How a raw output row of a stored model becomes the `prediction` and `signal` of the API, by
 * what its preprocessing record says about its outputs (models/artifacts/preprocessing.ts).
 * Pure functions.
 *
 * Output kinds (Preprocessing.output):
 *  - 'regression'     (time_series): one unit, standardised during training; mapped back
 *                     with target_scaler: value = raw × std + mean.
 *  - 'classification' : one probability per class (`classes`, softmax order).
 *  - 'anomaly'        : one score per window (reconstruction error or similar); anomalous
 *                       when score > `threshold`.
 *  - 'rl'             : one Q-value per action (`actions`); the action is the arg-max.
 */
import type { Preprocessing } from '../models/artifacts';

export interface RegressionPrediction {
  target: string | null;
  /** The predicted target (e.g. the price change over the horizon), in its own units. */
  value: number;
  horizon_bars: number | null;
}
export interface ClassificationPrediction {
  class: string;
  probabilities: Record<string, number>;
}
export interface AnomalyPrediction {
  score: number;
  is_anomaly: boolean;
  threshold: number;
}
export interface RlPrediction {
  action: string;
  q_values: Record<string, number>;
}
export type Prediction = RegressionPrediction | ClassificationPrediction | AnomalyPrediction | RlPrediction;

/** One window's raw model output → the API's `prediction`. */
export function toPrediction(pre: Preprocessing, raw: Float32Array): Prediction {
  switch (pre.output) {
    case 'regression': {
      const ts = pre.target_scaler;
      return { target: pre.target, value: ts ? raw[0] * ts.std + ts.mean : raw[0], horizon_bars: pre.horizon };
    }
    case 'classification': {
      const classes = pre.classes!;
      const probabilities: Record<string, number> = {};
      classes.forEach((c, i) => (probabilities[c] = raw[i]));
      return { class: classes[argmax(raw, classes.length)], probabilities };
    }
    case 'anomaly':
      return { score: raw[0], is_anomaly: raw[0] > pre.threshold!, threshold: pre.threshold! };
    case 'rl': {
      const actions = pre.actions!;
      const q: Record<string, number> = {};
      actions.forEach((a, i) => (q[a] = raw[i]));
      return { action: actions[argmax(raw, actions.length)], q_values: q };
    }
  }
}

const POSITION: Record<string, number> = {
  buy: 1,
  long: 1,
  up: 1,
  hold: 0,
  flat: 0,
  neutral: 0,
  close: 0,
  sell: -1,
  short: -1,
  down: -1,
};

/**
 * The trading signal for a deployment's scaling factor (null without a deployment target):
 *  - regression: predicted change × factor;
 *  - classification: (P(up) − P(down)) × factor for direction classes (down/flat/up) and
 *    (P(trending_up) − P(trending_down)) × factor for regimes; null for other class sets;
 *  - anomaly: null (an anomaly score has no direction);
 *  - rl: the action's position (buy/long +1, hold/flat 0, sell/short −1) × factor; null for
 *    other action names.
 */
export function toSignal(pre: Preprocessing, prediction: Prediction, scalingFactor: number | null): number | null {
  if (scalingFactor === null) return null;
  switch (pre.output) {
    case 'regression':
      return (prediction as RegressionPrediction).value * scalingFactor;
    case 'classification': {
      const p = (prediction as ClassificationPrediction).probabilities;
      if ('up' in p && 'down' in p) return (p.up - p.down) * scalingFactor;
      if ('trending_up' in p && 'trending_down' in p) return (p.trending_up - p.trending_down) * scalingFactor;
      return null;
    }
    case 'anomaly':
      return null;
    case 'rl': {
      const position = POSITION[(prediction as RlPrediction).action.toLowerCase()];
      return position === undefined ? null : position * scalingFactor;
    }
  }
}

function argmax(a: Float32Array, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[i] > a[best]) best = i;
  return best;
}
