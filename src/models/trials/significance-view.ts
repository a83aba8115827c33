/**
 * The `significance` of a version as the API shows it: what was fixed at evaluation, plus the
 * trials counter of its test span and the deflated Sharpe ratio computed with it now — so
 * every later version evaluated on the same span deflates the earlier ones too.
 */
import { deflatedSharpe, type DeflatedSharpe } from '../../training/evaluation/significance/sharpe-inference';
import type { SpanTrials, TrialRecord } from './trials.sql';

interface StoredSignificance {
  test_span?: { key?: string; symbols?: string[]; timeframe?: string; first?: string; last?: string };
  sharpe?: {
    value?: number | null;
    per_period?: number | null;
    skewness?: number | null;
    kurtosis?: number | null;
    periods?: number;
    periods_per_year?: number;
  };
  [k: string]: unknown;
}

/** The stored JSON (jsonb, written by training) seen through its shape; each field is still checked where it is read. */
function stored(significance: unknown): StoredSignificance | null {
  return significance !== null && typeof significance === 'object' ? (significance as StoredSignificance) : null;
}

export function spanKeyOf(significance: Record<string, unknown> | null | undefined): string | null {
  const key = stored(significance)?.test_span?.key;
  return typeof key === 'string' ? key : null;
}

/** The trial a version's significance describes, or null when it names no complete test span. */
export function trialOf(
  modelId: string,
  version: string,
  significance: Record<string, unknown> | null | undefined,
): TrialRecord | null {
  const s = stored(significance);
  const span = s?.test_span;
  const ppy = s?.sharpe?.periods_per_year;
  if (!span?.key || !span.symbols || !span.timeframe || !span.first || !span.last || typeof ppy !== 'number')
    return null;
  const sharpe = s?.sharpe?.value;
  return {
    span_key: span.key,
    symbols: span.symbols,
    timeframe: span.timeframe,
    test_first: span.first,
    test_last: span.last,
    model_id: modelId,
    version,
    sharpe: typeof sharpe === 'number' && Number.isFinite(sharpe) ? sharpe : null,
    periods_per_year: ppy,
  };
}

export function significanceView(
  significance: Record<string, unknown> | null | undefined,
  trials: Map<string, SpanTrials>,
) {
  if (!significance) return null;
  const s = significance as StoredSignificance;
  const key = spanKeyOf(significance);
  const t = (key && trials.get(key)) || { count: 0, sharpes: [] };
  const sr = s.sharpe;
  let deflated: DeflatedSharpe | null = null;
  if (
    sr &&
    typeof sr.per_period === 'number' &&
    typeof sr.periods === 'number' &&
    typeof sr.periods_per_year === 'number' &&
    typeof sr.skewness === 'number' &&
    typeof sr.kurtosis === 'number'
  ) {
    deflated = deflatedSharpe(
      { sharpe: sr.per_period, n: sr.periods, skewness: sr.skewness, kurtosis: sr.kurtosis },
      Math.max(1, t.count),
      t.sharpes,
      sr.periods_per_year,
    );
  }
  return { ...significance, trials: { count: t.count, test_span: s.test_span ?? null }, deflated_sharpe: deflated };
}
