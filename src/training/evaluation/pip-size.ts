/**
 * The pip: the unit spreads are quoted in. 0.0001 for most pairs, 0.01 when the quote
 * currency is the Japanese yen (USD/JPY 150.25 moves in hundredths). Spread costs in the
 * backtest are converted from pips to a fraction of the price with it.
 */
import { canonicalSymbol } from '../../market-data/symbols';

export const DEFAULT_PIP_SIZE = 0.0001;
export const JPY_PIP_SIZE = 0.01;

/** Pip size of a currency pair in any spelling the service accepts (`USD/JPY`, `usdjpy`…). */
export function pipSizeFor(symbol: string): number {
  const canonical = canonicalSymbol(symbol);
  if (canonical === null) throw new RangeError(`'${symbol}' is not a currency pair`);
  return canonical.endsWith('/JPY') ? JPY_PIP_SIZE : DEFAULT_PIP_SIZE;
}
