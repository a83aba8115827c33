/**
 * The `significance` block of a time-series or classification evaluation, stored with the
 * version. Everything here is fixed when the version is evaluated; the deflated Sharpe ratio,
 * which depends on how many versions have been evaluated on the same test span, is added when
 * the version is shown (see models/trials).
 *
 * Choices (documented in the README, "Significance"):
 * - IC: Pearson correlation of the model's score (the predicted change; for a classifier
 *   p(up) − p(down)) with the realised value over every test sample, with a Newey–West t-stat.
 *   H-bar targets of consecutive samples share H − 1 bars, so the lag is at least (H − 1) × S
 *   for S interleaved symbols: max(floor(4 (n/100)^(2/9)), (H − 1) · S).
 * - Strategy: the equal-weight portfolio period returns (strategy.ts); a Newey–West t-stat of
 *   its mean (non-overlapping periods: the plain lag rule), its annualised Sharpe with a
 *   stationary-bootstrap 95% interval (seeded with the request's seed) and PSR(0).
 * - Diebold–Mariano (HLN-corrected) of the model against each baseline: on the forecast loss
 *   (squared error; log loss for a classifier) over every test sample with h = (H − 1) · S + 1,
 *   and on the strategy loss (the negative period return of the portfolio) with h = 1.
 */
import { createHash } from 'node:crypto';
import { bootstrapSharpeInterval, type SharpeInterval } from './bootstrap';
import { dieboldMariano, type DieboldMariano } from './diebold-mariano';
import { hacCorrelationTest, hacMeanTest, neweyWestLag, type HacCorrelation, type HacMean } from './newey-west';
import { probabilisticSharpe, sharpeMoments } from './sharpe-inference';
import type { NumberList } from '../stats';

export interface TestSpan {
  symbols: string[];
  timeframe: string;
  /** First and last test sample (ISO 8601 UTC). */
  first: string;
  last: string;
  /** sha256 of the four fields above: the key the trials are counted under. */
  key: string;
}

export interface SharpeSignificance {
  /** Annualised Sharpe of the portfolio period returns (= the backtest's with one symbol). */
  value: number | null;
  per_period: number | null;
  skewness: number | null;
  kurtosis: number | null;
  periods: number;
  periods_per_year: number;
  confidence_interval: SharpeInterval;
  /** PSR(0): probability that the true Sharpe is above 0. */
  probabilistic: number | null;
}

export interface Significance {
  test_span: TestSpan;
  ic: HacCorrelation & { score: string };
  mean_return: HacMean;
  sharpe: SharpeSignificance;
  diebold_mariano: Record<string, { forecast?: DieboldMariano; strategy: DieboldMariano }>;
}

export interface CompetitorLosses {
  /** Per test sample forecast loss, same order as the model's; absent for position baselines. */
  forecastLoss?: NumberList;
  /** Portfolio period returns aligned with the model's. */
  portfolioReturns: NumberList;
}

export interface SignificanceInput {
  testSpan: Omit<TestSpan, 'key'>;
  horizonBars: number;
  symbolCount: number;
  periodsPerYear: number;
  seed: number;
  /** The model's score and the realised value per test sample, for the IC. */
  icScore: NumberList;
  icRealised: NumberList;
  scoreName: string;
  forecastLossName: string;
  model: Required<CompetitorLosses>;
  baselines: Record<string, CompetitorLosses>;
}

export function testSpanKey(span: Omit<TestSpan, 'key'>): string {
  return createHash('sha256')
    .update(JSON.stringify([[...span.symbols].sort(), span.timeframe, span.first, span.last]))
    .digest('hex');
}

/** The significance block (see above). */
export function significanceReport(input: SignificanceInput): Significance {
  const n = input.icScore.length;
  const overlap = (input.horizonBars - 1) * input.symbolCount;
  const icLag = Math.max(neweyWestLag(n), overlap);
  const returns = input.model.portfolioReturns;
  const moments = sharpeMoments(returns);
  const annual = Math.sqrt(input.periodsPerYear);
  const dm: Significance['diebold_mariano'] = {};
  for (const [name, b] of Object.entries(input.baselines)) {
    const negative = (r: NumberList) => Float64Array.from(r, (v) => -v);
    dm[name] = {
      ...(b.forecastLoss
        ? {
            forecast:
              n >= 2
                ? dieboldMariano(input.model.forecastLoss, b.forecastLoss, overlap + 1, input.forecastLossName)
                : emptyDm(n, input.forecastLossName),
          }
        : {}),
      strategy:
        returns.length >= 2
          ? dieboldMariano(negative(returns), negative(b.portfolioReturns), 1, 'negative_period_return')
          : emptyDm(returns.length, 'negative_period_return'),
    };
  }
  return {
    test_span: { ...input.testSpan, symbols: [...input.testSpan.symbols].sort(), key: testSpanKey(input.testSpan) },
    ic: { ...hacCorrelationTest(input.icScore, input.icRealised, icLag), score: input.scoreName },
    mean_return:
      returns.length >= 2
        ? hacMeanTest(returns)
        : {
            value: returns[0] ?? 0,
            se: null,
            t_stat: null,
            p_value: null,
            lag: 0,
            n: returns.length,
            method: 'newey_west_bartlett',
          },
    sharpe: {
      value: moments.sharpe === null ? null : moments.sharpe * annual,
      per_period: moments.sharpe,
      skewness: moments.skewness,
      kurtosis: moments.kurtosis,
      periods: returns.length,
      periods_per_year: input.periodsPerYear,
      confidence_interval: bootstrapSharpeInterval(returns, { periodsPerYear: input.periodsPerYear, seed: input.seed }),
      probabilistic:
        moments.sharpe === null
          ? null
          : probabilisticSharpe(moments.sharpe, 0, moments.n, moments.skewness!, moments.kurtosis!),
    },
    diebold_mariano: dm,
  };
}

/** Too few samples for a test (a one-sample test part): the fields, without a statistic. */
function emptyDm(n: number, loss: string): DieboldMariano {
  return {
    mean_difference: 0,
    statistic: null,
    p_value: null,
    horizon: 1,
    n,
    variance: 'rectangular',
    correction: 'harvey_leybourne_newbold',
    loss,
  };
}
