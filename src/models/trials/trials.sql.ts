import type { Queryable } from '../registry/registry-rows';

/** The test span a version was evaluated on, and the strategy Sharpe it scored there. */
export interface TrialRecord {
  span_key: string;
  symbols: string[];
  timeframe: string;
  test_first: string;
  test_last: string;
  model_id: string;
  version: string;
  sharpe: number | null;
  periods_per_year: number;
}

export interface SpanTrials {
  /** Versions evaluated on the span: the trials counter. */
  count: number;
  /** Their annualised Sharpes (those that had one), for the DSR's cross-trial variance. */
  sharpes: number[];
}

/** SQL of evaluation_trials (the registry's trials counter per test span). A second record of the same version is a no-op. */
export async function insertTrial(q: Queryable, t: TrialRecord): Promise<void> {
  await q.query(
    `INSERT INTO evaluation_trials (span_key, symbols, timeframe, test_first, test_last, model_id, version, sharpe, periods_per_year)
     VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (span_key, model_id, version) DO NOTHING`,
    [
      t.span_key,
      JSON.stringify(t.symbols),
      t.timeframe,
      t.test_first,
      t.test_last,
      t.model_id,
      t.version,
      t.sharpe,
      t.periods_per_year,
    ],
  );
}

/** Trials counters (and Sharpes) of the given spans; a span with none is absent. */
export async function trialsBySpan(q: Queryable, keys: string[]): Promise<Map<string, SpanTrials>> {
  const out = new Map<string, SpanTrials>();
  if (keys.length === 0) return out;
  const rows = await q.query<Array<{ span_key: string; count: number; sharpes: Array<number | null> | null }>>(
    `SELECT span_key, count(*)::int AS count, array_agg(sharpe ORDER BY created_at, model_id, version) AS sharpes
     FROM evaluation_trials WHERE span_key = ANY($1::varchar[]) GROUP BY span_key`,
    [[...new Set(keys)]],
  );
  for (const r of rows)
    out.set(r.span_key, {
      count: r.count,
      sharpes: (r.sharpes ?? []).filter((s): s is number => typeof s === 'number' && Number.isFinite(s)),
    });
  return out;
}
