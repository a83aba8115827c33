/**
 * What a stored model's preprocessing.json says about its inputs and outputs, and how a raw
 * output row becomes the `prediction` and `signal` of the API. Pure functions.
 *
 * Output kinds (preprocessing.output):
 *  - 'regression'     (time_series): one unit, standardised during training; mapped back
 *                     with target_scaler: value = raw × std + mean.
 *  - 'classification' : one probability per class (`classes`, softmax order).
 *  - 'anomaly'        : one score per window (reconstruction error or similar); anomalous
 *                       when score > `threshold`.
 *  - 'rl'             : one Q-value per action (`actions`); the action is the arg-max.
 */
import { dataRulesFromRecord, type DataRules, type Scaler } from '../features/core';

export type OutputKind = 'regression' | 'classification' | 'anomaly' | 'rl';
export const OUTPUT_KINDS: readonly OutputKind[] = ['regression', 'classification', 'anomaly', 'rl'];

export interface Preprocessing {
  model_type: string;
  features: string[];
  window: number;
  horizon: number | null;
  timeframe: string | null;
  /** The target's name (price_change_1d…), when the model has one. */
  target: string | null;
  scaler: Scaler;
  target_scaler: { mean: number; std: number } | null;
  output: OutputKind;
  classes?: string[];
  threshold?: number;
  actions?: string[];
  /** Model outputs per window. */
  output_units: number;
  /** ONNX input/output names to use (imported models with several); else the only float ones. */
  onnx?: { input: string | null; output: string | null };
  /** How training treated the series (features/core/dataset/as-trained.ts); absent: every bar, no restart. */
  data_rules?: DataRules;
}

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

export class PreprocessingError extends Error {
  override readonly name = 'PreprocessingError';
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string');

/** Validate a parsed preprocessing.json (data from disk: checked, never trusted). */
export function parsePreprocessing(raw: unknown, fallbackModelType: string): Preprocessing {
  if (raw === null || typeof raw !== 'object') throw new PreprocessingError('preprocessing.json is not an object');
  const p = raw as Record<string, unknown>;
  if (!isStrings(p.features)) throw new PreprocessingError('preprocessing.json has no feature list');
  if (!Number.isInteger(p.window) || (p.window as number) < 1)
    throw new PreprocessingError('preprocessing.json has no valid window');
  const scaler = p.scaler as Scaler | undefined;
  if (
    !scaler ||
    typeof scaler !== 'object' ||
    !Array.isArray(scaler.features) ||
    scaler.features.join('\u0000') !== (p.features as string[]).join('\u0000')
  ) {
    throw new PreprocessingError('preprocessing.json has no scaler for its features');
  }
  const output = (p.output ?? 'regression') as OutputKind;
  if (!OUTPUT_KINDS.includes(output))
    throw new PreprocessingError(`preprocessing.json names an unknown output kind '${String(p.output)}'`);
  const ts = p.target_scaler as { mean?: unknown; std?: unknown } | undefined;
  const targetScaler = ts && isNum(ts.mean) && isNum(ts.std) ? { mean: ts.mean, std: ts.std } : null;
  const target =
    typeof p.target === 'string'
      ? p.target
      : p.target && typeof (p.target as { name?: unknown }).name === 'string'
        ? (p.target as { name: string }).name
        : null;
  const base = {
    model_type: typeof p.model_type === 'string' ? p.model_type : fallbackModelType,
    features: p.features as string[],
    window: p.window as number,
    horizon: Number.isInteger(p.horizon) ? (p.horizon as number) : null,
    timeframe: typeof p.timeframe === 'string' ? p.timeframe : null,
    target,
    scaler,
    target_scaler: targetScaler,
    output,
    ...(p.onnx && typeof p.onnx === 'object'
      ? {
          onnx: {
            input:
              typeof (p.onnx as { input?: unknown }).input === 'string' ? (p.onnx as { input: string }).input : null,
            output:
              typeof (p.onnx as { output?: unknown }).output === 'string'
                ? (p.onnx as { output: string }).output
                : null,
          },
        }
      : {}),
    // The training start and gap rule serving rebuilds windows with (absent before they were recorded).
    ...(p.data_rules !== undefined ? { data_rules: dataRulesFromRecord(p.data_rules) } : {}),
  };
  switch (output) {
    case 'regression':
      return { ...base, output_units: 1 };
    case 'classification': {
      const classes = isStrings(p.classes)
        ? p.classes
        : isStrings((p.target as { classes?: unknown } | undefined)?.classes)
          ? ((p.target as { classes: string[] }).classes as string[])
          : null;
      if (!classes) throw new PreprocessingError('a classification model needs its classes in preprocessing.json');
      return { ...base, classes, output_units: classes.length };
    }
    case 'anomaly':
      if (!isNum(p.threshold)) throw new PreprocessingError('an anomaly model needs a threshold in preprocessing.json');
      return { ...base, threshold: p.threshold, output_units: 1 };
    case 'rl':
      if (!isStrings(p.actions)) throw new PreprocessingError('an RL model needs its actions in preprocessing.json');
      return { ...base, actions: p.actions, output_units: p.actions.length };
  }
}

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
