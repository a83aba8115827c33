/**
 * Seeded synthetic FX bars for tests and benchmarks (never for anything a user sees).
 * A geometric random walk with OHLC around it; optionally skips the FX weekend so gap
 * handling is exercised the way real data does.
 */
import type { Timeframe } from '../../../market-data/timeframes';
import { timeframeMs } from '../../../market-data/timeframes';
import { mulberry32 } from '../random';
import type { BarSeries } from '../types';

export { mulberry32 };

/** Standard normal draws from a uniform source (Box-Muller). */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

export interface SyntheticOptions {
  symbol?: string;
  timeframe?: Timeframe;
  bars: number;
  seed?: number;
  start?: number;
  startPrice?: number;
  /** Per-bar log-return standard deviation. */
  volatility?: number;
  /** Leave out Saturday and Sunday (UTC), as FX feeds do. */
  skipWeekends?: boolean;
  /** Emit only timestamps and close (a close-only feed). */
  closeOnly?: boolean;
}

export function syntheticSeries(opts: SyntheticOptions): BarSeries {
  const tf = opts.timeframe ?? '1h';
  const step = timeframeMs(tf);
  const rand = mulberry32(opts.seed ?? 1);
  const normal = gaussian(rand);
  const vol = opts.volatility ?? 0.001;
  const timestamps: number[] = [];
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  const volume: number[] = [];
  let t = opts.start ?? Date.UTC(2020, 0, 6); // a Monday
  let price = opts.startPrice ?? 1.1;
  while (timestamps.length < opts.bars) {
    const day = new Date(t).getUTCDay();
    if (!(opts.skipWeekends && (day === 0 || day === 6))) {
      const o = price;
      const c = o * Math.exp(vol * normal());
      const wiggle = Math.abs(vol * normal()) * o;
      timestamps.push(t);
      open.push(o);
      close.push(c);
      high.push(Math.max(o, c) + wiggle);
      low.push(Math.min(o, c) - wiggle);
      volume.push(1000 + Math.floor(rand() * 1000));
      price = c;
    }
    t += step;
  }
  const symbol = opts.symbol ?? 'EUR/USD';
  if (opts.closeOnly) return { symbol, timeframe: tf, timestamps, close };
  return { symbol, timeframe: tf, timestamps, open, high, low, close, volume };
}
