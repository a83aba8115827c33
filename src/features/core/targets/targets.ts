/**
 * Prediction targets (labels). A target at bar t looks H bars ahead: it is what the model
 * is asked to predict from the window ending at t, so it is the one place where future bars
 * are read on purpose. The dataset builder's purge gap is sized from `horizonBars` (and
 * `lookbackBars`) so that no label ever overlaps another split part.
 */
import type { Timeframe } from '../../../market-data/timeframes';
import { durationToBars } from '../../../market-data/timeframes';
import { InvalidTargetError, UnknownTargetError } from '../errors';
import { validateSeries } from '../series';
import type { BarSeries, FeatureColumn } from '../types';
import type { RegimeOptions } from './regime';
import { DEFAULT_REGIME, regimeLabels, REGIME_CLASSES } from './regime';

export const DIRECTION_CLASSES = ['down', 'flat', 'up'] as const;
/** Default flat band for `direction_{H}`: |simple return| <= 5 bp is "flat" (~5 pips on EUR/USD). */
export const DEFAULT_FLAT_BAND = 0.0005;

export interface TargetOptions {
  /** `direction_{H}`: returns with |r| <= flatBand are class `flat`. */
  flatBand?: number;
  /** `regime`/`regime_{H}`: thresholds of the documented rule (see regime.ts). */
  regime?: Partial<RegimeOptions>;
}

export type TargetKind = 'regression' | 'classification';

export interface TargetSpec {
  name: string;
  family: 'price_change' | 'log_return' | 'direction' | 'regime';
  kind: TargetKind;
  /** Class labels, index = the numeric value computeTarget emits (classification only). */
  classes?: readonly string[];
  /** Bars ahead the label reads: it uses close[t + horizonBars]. */
  horizonBars: number;
  /** Bars at or before t the label also reads (regime's trailing volatility); 0 otherwise. */
  lookbackBars: number;
  /** The options in effect (defaults filled in), so a stored model records them. */
  options: { flatBand?: number; regime?: RegimeOptions };
}

export const TARGET_PATTERNS = ['price_change_{H}', 'log_return_{H}', 'direction_{H}', 'regime', 'regime_{H}'];

/** Bars in a `regime` label with no explicit horizon. */
export const DEFAULT_REGIME_HORIZON_BARS = 20;

function horizon(name: string, text: string, tf: Timeframe): number {
  const bars = durationToBars(text, tf);
  if (typeof bars !== 'number') throw new InvalidTargetError(name, bars.error);
  return bars;
}

/**
 * `direction_4h` on `1h` bars -> { horizonBars: 4, classes down/flat/up, … }. H is a
 * duration (`30m`, `1h`, `4h`, `1d`) converted to whole bars of `timeframe`, or a bar count;
 * a horizon finer than one bar raises InvalidTargetError saying so.
 */
export function parseTarget(name: string, timeframe: Timeframe, options: TargetOptions = {}): TargetSpec {
  const m = /^(price_change|log_return|direction|regime)(?:_(.*))?$/.exec(name);
  if (!m) throw new UnknownTargetError(name, TARGET_PATTERNS);
  const family = m[1] as TargetSpec['family'];
  const h = m[2];
  if (family === 'regime') {
    const regime = { ...DEFAULT_REGIME, ...options.regime };
    if (
      !(regime.trendZ > 0) ||
      !(regime.volRatio > 0) ||
      !Number.isInteger(regime.volLookback) ||
      regime.volLookback < 2
    ) {
      throw new InvalidTargetError(
        name,
        'regime options need trendZ > 0, volRatio > 0 and an integer volLookback >= 2',
      );
    }
    const bars = h === undefined ? DEFAULT_REGIME_HORIZON_BARS : horizon(name, h, timeframe);
    if (bars < 2)
      throw new InvalidTargetError(
        name,
        'a regime needs a horizon of at least 2 bars (its volatility needs two returns)',
      );
    return {
      name,
      family,
      kind: 'classification',
      classes: REGIME_CLASSES,
      horizonBars: bars,
      lookbackBars: regime.volLookback,
      options: { regime },
    };
  }
  if (h === undefined || h === '')
    throw new InvalidTargetError(name, `needs a horizon, e.g. ${family}_1h or ${family}_4`);
  const bars = horizon(name, h, timeframe);
  if (family === 'direction') {
    const flatBand = options.flatBand ?? DEFAULT_FLAT_BAND;
    if (!(flatBand >= 0) || !Number.isFinite(flatBand))
      throw new InvalidTargetError(name, `flat band must be a finite number >= 0, got ${flatBand}`);
    return {
      name,
      family,
      kind: 'classification',
      classes: DIRECTION_CLASSES,
      horizonBars: bars,
      lookbackBars: 0,
      options: { flatBand },
    };
  }
  return { name, family, kind: 'regression', horizonBars: bars, lookbackBars: 0, options: {} };
}

/**
 * The label of every bar, aligned to the timestamps: null where t + H is beyond the data
 * (and, for regime, where the trailing look-back is not yet available). Class labels are
 * emitted as their index in `spec.classes`.
 */
export function computeTarget(series: BarSeries, spec: TargetSpec): FeatureColumn {
  validateSeries(series);
  const close = series.close;
  const n = close.length;
  const H = spec.horizonBars;
  if (spec.family === 'regime') return regimeLabels(close, H, spec.options.regime ?? DEFAULT_REGIME);
  const out: FeatureColumn = new Array<number | null>(n).fill(null);
  const band = spec.options.flatBand ?? DEFAULT_FLAT_BAND;
  for (let t = 0; t + H < n; t++) {
    const ratio = close[t + H] / close[t];
    switch (spec.family) {
      case 'price_change':
        out[t] = ratio - 1;
        break;
      case 'log_return':
        out[t] = Math.log(ratio);
        break;
      case 'direction': {
        const r = ratio - 1;
        out[t] = Math.abs(r) <= band ? 1 : r > 0 ? 2 : 0;
        break;
      }
    }
  }
  return out;
}
