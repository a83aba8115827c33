/**
 * How many non-overlapping holding periods of H bars a forex year holds, for annualising
 * backtest returns and Sharpe ratios. Spot FX trades around the clock five days a week, so
 * a trading year is 52 weeks x 5 days x 24 hours (260 daily bars, 6240 hourly bars); the
 * weekend is not counted, since no bars exist for it.
 */
import type { Timeframe } from '../../market-data/timeframes';
import { timeframeMs } from '../../market-data/timeframes';

export const FX_TRADING_DAYS_PER_YEAR = 260;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Bars of `timeframe` in a forex trading year (1h → 6240, 1d → 260). */
export function barsPerYear(timeframe: Timeframe): number {
  return (FX_TRADING_DAYS_PER_YEAR * DAY_MS) / timeframeMs(timeframe);
}

/**
 * Holding periods per year for a backtest that holds each position `horizonBars` bars and
 * trades only every H-th sample (see backtest.ts): bars per year / H.
 */
export function periodsPerYear(timeframe: Timeframe, horizonBars: number): number {
  if (!Number.isInteger(horizonBars) || horizonBars < 1)
    throw new RangeError(`horizonBars must be an integer >= 1, got ${horizonBars}`);
  return barsPerYear(timeframe) / horizonBars;
}
