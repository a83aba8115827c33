/**
 * A sign-strategy backtest after costs on the test part: the simplest trading use of a
 * return forecast, reported beside the statistical metrics so a user sees whether a model's
 * edge survives the spread.
 *
 * Conventions (each one a choice a reader of the numbers needs to know):
 * - Position at sample t is sign(prediction_t) ∈ {-1, 0, +1}, held for the target horizon
 *   of H bars; the strategy return is position × realised simple return − costs. A log-return
 *   target is converted to a simple return (e^r − 1) first, because simple returns are what
 *   compound into equity.
 * - Non-overlapping samples: with H > 1, consecutive samples' targets overlap (sample t
 *   and t+1 share H−1 bars), so summing every sample would count each bar's move up to H
 *   times and shrink the apparent variance. Only every H-th sample (0, H, 2H, …) is traded:
 *   a position is opened, held H bars, and the next decision is the sample whose horizon
 *   starts where the previous one ended. This assumes the samples are consecutive bars in
 *   time order, which is how the dataset builder lays out a split part.
 * - Costs (the model is documented in costs.ts): each change of position costs
 *   |Δposition| × (spread/2 + slippage) as a fraction of the price (pips × pipSize, divided by
 *   the price at the decision), measured from the mid price the targets use. So a flip
 *   long → short costs one full spread (+ 2 × slippage), opening from or closing to flat half
 *   a spread, and a round trip flat → long → flat one spread. A position held through
 *   rollovers earns or pays its swap points × the period's financing days (`financingDays`,
 *   from costs.ts rolloverDays). The run starts flat; the last position is marked to market at
 *   the end, not closed (no closing cost is charged).
 * - Equity compounds from 1; total_return = final equity − 1; max_drawdown is the largest
 *   fall from a running peak (the starting 1 included) as a positive fraction of that peak.
 * - Sharpe = mean / sample standard deviation of the period returns × sqrt(periodsPerYear),
 *   with a zero risk-free rate; null with fewer than two periods or when every period return
 *   is the same (e.g. a strategy that never trades).
 */
import { DEFAULT_PIP_SIZE } from './pip-size';
import type { NumberList } from './stats';
import { assertFinite, assertSameLength, isConstant, mean } from './stats';

export interface BacktestOptions {
  /** H: bars each position is held (the target horizon). Every H-th sample is traded. */
  horizonBars: number;
  /** Non-overlapping H-bar holding periods per year (see annualization.ts: bars per year / H). */
  periodsPerYear: number;
  /** Quoted bid/ask spread in pips; 0 (the default) for a frictionless backtest. */
  spreadPips?: number;
  /** Slippage in pips per side, per unit of position changed (default 0). */
  slippagePips?: number;
  /** Swap points (pips per day per unit; positive = credited) of long and short positions. */
  swap?: { long: number; short: number } | null;
  /**
   * Per sample (aligned with the predictions): the rollover days its holding period spans
   * (costs.ts rolloverDays). Needed only with a non-zero swap.
   */
  financingDays?: NumberList;
  /** Size of one pip in price units: 0.0001, or 0.01 for JPY-quoted pairs (see pipSizeFor). */
  pipSize?: number;
  /**
   * Price at each sample's decision time (aligned with the predictions), or one typical
   * price for the whole test part. Needed only when spreadPips > 0.
   */
  price?: number | NumberList;
  /** The realised values are log returns (a `log_return_{H}` target), not simple returns. */
  targetIsLogReturn?: boolean;
}

export interface BacktestResult {
  /** Compounded return over the traded periods (final equity − 1). */
  total_return: number;
  /**
   * Geometric annualisation, (1 + total_return)^(periodsPerYear / periods) − 1; −1 once the
   * equity has reached 0 or below. Over a short test part it extrapolates wildly: read it
   * beside `periods`.
   */
  annualized_return: number;
  sharpe: number | null;
  /** Largest peak-to-trough fall of the equity curve, a positive fraction (0.1 = 10%). */
  max_drawdown: number;
  /** Share of periods in the market (position ≠ 0) whose return after costs is > 0. */
  hit_rate: number | null;
  /** Position changes, the first entry from flat included; a flip counts as one. */
  trades: number;
  /** Share of periods with a position (≠ 0). */
  exposure: number;
  /** Non-overlapping periods traded: ceil(samples / H). */
  periods: number;
  /** Sum over periods of the spread and slippage paid, as fractions of the price. */
  transaction_costs: number;
  /** Sum over periods of the swap earned (+) or paid (−), as fractions of the price. */
  financing: number;
}

/** A backtest with its period returns and the sample index each period was decided at. */
export interface BacktestSeries {
  result: BacktestResult;
  returns: Float64Array;
  /** Index (into the predictions) of each period's decision: 0, H, 2H, … */
  decisions: Int32Array;
}

function positionOf(prediction: number): -1 | 0 | 1 {
  return prediction > 0 ? 1 : prediction < 0 ? -1 : 0;
}

function validate(
  options: BacktestOptions,
  n: number,
): { spread: number; slippage: number; swap: { long: number; short: number } | null; priceAt: (i: number) => number } {
  const { horizonBars, periodsPerYear } = options;
  if (!Number.isInteger(horizonBars) || horizonBars < 1)
    throw new RangeError(`horizonBars must be an integer >= 1, got ${horizonBars}`);
  if (!(periodsPerYear > 0) || !Number.isFinite(periodsPerYear))
    throw new RangeError(`periodsPerYear must be a finite number > 0, got ${periodsPerYear}`);
  const spreadPips = options.spreadPips ?? 0;
  const pipSize = options.pipSize ?? DEFAULT_PIP_SIZE;
  if (!(spreadPips >= 0) || !Number.isFinite(spreadPips))
    throw new RangeError(`spreadPips must be a finite number >= 0, got ${spreadPips}`);
  if (!(pipSize > 0) || !Number.isFinite(pipSize))
    throw new RangeError(`pipSize must be a finite number > 0, got ${pipSize}`);
  const slippagePips = options.slippagePips ?? 0;
  if (!(slippagePips >= 0) || !Number.isFinite(slippagePips))
    throw new RangeError(`slippagePips must be a finite number >= 0, got ${slippagePips}`);
  const spread = spreadPips * pipSize;
  const slippage = slippagePips * pipSize;
  const sw = options.swap;
  if (sw && !(Number.isFinite(sw.long) && Number.isFinite(sw.short)))
    throw new RangeError('swap points must be finite numbers');
  const swap = sw && (sw.long !== 0 || sw.short !== 0) ? { long: sw.long * pipSize, short: sw.short * pipSize } : null;
  if (swap) {
    if (options.financingDays === undefined)
      throw new RangeError('financingDays (rollover days per sample) are needed to charge swap points');
    if (options.financingDays.length !== n)
      throw new RangeError(`financingDays has ${options.financingDays.length} values but there are ${n} predictions`);
  }
  if (spread === 0 && slippage === 0 && swap === null) return { spread, slippage, swap, priceAt: () => 1 };

  const price = options.price;
  if (price === undefined)
    throw new RangeError(
      'a price (array or typical price) is needed to turn a spread, slippage or swap in pips into a cost',
    );
  const positive = (p: number, where: string) => {
    if (!(p > 0) || !Number.isFinite(p)) throw new RangeError(`price${where} must be a finite number > 0, got ${p}`);
  };
  if (typeof price === 'number') {
    positive(price, '');
    return { spread, slippage, swap, priceAt: () => price };
  }
  if (price.length !== n) throw new RangeError(`price has ${price.length} values but there are ${n} predictions`);
  for (let i = 0; i < n; i++) positive(price[i], `[${i}]`);
  return { spread, slippage, swap, priceAt: (i) => price[i] };
}

/** Backtest of trading sign(prediction) against the realised target on one split part. */
export function backtest(predictions: NumberList, realised: NumberList, options: BacktestOptions): BacktestResult {
  return backtestSeries(predictions, realised, options).result;
}

/** The backtest, with the period returns (for significance tests) and their decision samples. */
export function backtestSeries(
  predictions: NumberList,
  realised: NumberList,
  options: BacktestOptions,
): BacktestSeries {
  assertSameLength(predictions, realised, 'predictions', 'realised');
  assertFinite(predictions, 'predictions');
  assertFinite(realised, 'realised');
  const n = predictions.length;
  const { spread, slippage, swap, priceAt } = validate(options, n);
  const H = options.horizonBars;

  const periods = Math.ceil(n / H);
  const returns = new Float64Array(periods);
  const decisions = new Int32Array(periods);
  let transactionCosts = 0;
  let financing = 0;
  let previous = 0;
  let trades = 0;
  let inMarket = 0;
  let hits = 0;
  let equity = 1;
  let peak = 1;
  let maxDrawdown = 0;

  for (let k = 0, i = 0; i < n; k++, i += H) {
    const position = positionOf(predictions[i]);
    const simple = options.targetIsLogReturn ? Math.expm1(realised[i]) : realised[i];
    const change = Math.abs(position - previous);
    const cost = change === 0 ? 0 : (change * (spread / 2 + slippage)) / priceAt(i);
    const carry =
      swap === null || position === 0
        ? 0
        : (Math.abs(position) * (position > 0 ? swap.long : swap.short) * options.financingDays![i]) / priceAt(i);
    const r = position * simple - cost + carry;
    returns[k] = r;
    decisions[k] = i;
    transactionCosts += cost;
    financing += carry;
    if (change !== 0) trades++;
    if (position !== 0) {
      inMarket++;
      if (r > 0) hits++;
    }
    previous = position;

    equity *= 1 + r;
    if (equity > peak) peak = equity;
    const drawdown = (peak - equity) / peak;
    if (drawdown > maxDrawdown) maxDrawdown = drawdown;
  }

  let sharpe: number | null = null;
  if (periods >= 2 && !isConstant(returns)) {
    const m = mean(returns);
    let ss = 0;
    for (let k = 0; k < periods; k++) ss += (returns[k] - m) ** 2;
    const sd = Math.sqrt(ss / (periods - 1));
    if (sd > 0) sharpe = (m / sd) * Math.sqrt(options.periodsPerYear);
  }

  const result: BacktestResult = {
    total_return: equity - 1,
    annualized_return: equity > 0 ? equity ** (options.periodsPerYear / periods) - 1 : -1,
    sharpe,
    max_drawdown: maxDrawdown,
    hit_rate: inMarket > 0 ? hits / inMarket : null,
    trades,
    exposure: inMarket / periods,
    periods,
    transaction_costs: transactionCosts,
    financing,
  };
  return { result, returns, decisions };
}
