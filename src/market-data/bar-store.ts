import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { BarColumns } from './csv/bar-columns';
import type { Timeframe } from './timeframes';

export interface UpsertCounts {
  inserted: number;
  updated: number;
}

/** The bars of one source within a series. */
export interface SourceSummary {
  source: string;
  bars: number;
  first: number;
  last: number;
}

export interface StoredBar {
  ts: number;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number;
  volume: number | null;
}

export interface SeriesSummary {
  symbol: string;
  timeframe: string;
  first: number;
  last: number;
  bars: number;
  sources: string[];
  has_open: boolean;
  has_high: boolean;
  has_low: boolean;
  has_volume: boolean;
}

/** Rows per INSERT: parameters are whole arrays (unnest), so this bounds statement size, not parameter count. */
const BATCH = 10_000;

/**
 * SQL over `market_bars`. Bulk paths use unnest() over arrays so a batch is one statement,
 * and upserts skip rows that would not change, so re-importing a file changes nothing.
 */
@Injectable()
export class BarStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction: either all of it lands or none. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Serialises writers of one series until the transaction ends (advisory lock: the check
   * "which sources does it hold" and the write that follows cannot interleave with another).
   */
  async lockSeries(manager: EntityManager, symbol: string, timeframe: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `market_bars:${symbol}:${timeframe}`,
    ]);
  }

  /** Which sources the series' bars come from, with counts and spans. */
  async sources(
    symbol: string,
    timeframe: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<SourceSummary[]> {
    return manager.query<SourceSummary[]>(
      `SELECT source, count(*)::int AS bars,
              (extract(epoch FROM min(ts)) * 1000)::float8 AS first, (extract(epoch FROM max(ts)) * 1000)::float8 AS last
         FROM market_bars WHERE symbol = $1 AND timeframe = $2 GROUP BY source ORDER BY source`,
      [symbol, timeframe],
    );
  }

  async deleteSeriesWith(manager: EntityManager, symbol: string, timeframe: string): Promise<number> {
    const [row] = await manager.query<Array<{ n: number }>>(
      'WITH d AS (DELETE FROM market_bars WHERE symbol = $1 AND timeframe = $2 RETURNING 1) SELECT count(*)::int AS n FROM d',
      [symbol, timeframe],
    );
    return row.n;
  }

  /**
   * A transaction-scoped set of timestamps, for finding rows of one import that repeat an
   * earlier row of the same import (dropped at commit or rollback).
   */
  async createSeenSet(manager: EntityManager): Promise<void> {
    await manager.query('CREATE TEMP TABLE import_seen (ts float8 PRIMARY KEY) ON COMMIT DROP');
  }

  /** Adds distinct timestamps to the seen set; returns those that were already in it. */
  async addSeen(manager: EntityManager, ts: number[]): Promise<Set<number>> {
    const added = await manager.query<Array<{ ts: number }>>(
      'INSERT INTO import_seen SELECT unnest($1::float8[]) ON CONFLICT DO NOTHING RETURNING ts',
      [ts],
    );
    const fresh = new Set(added.map((r) => r.ts));
    return new Set(ts.filter((t) => !fresh.has(t)));
  }

  async upsertWith(
    manager: EntityManager,
    symbol: string,
    timeframe: Timeframe,
    bars: BarColumns,
    source: string,
  ): Promise<UpsertCounts> {
    const counts: UpsertCounts = { inserted: 0, updated: 0 };
    for (let from = 0; from < bars.length; from += BATCH) {
      const b = bars.slice(from, Math.min(bars.length, from + BATCH));
      const [row] = await manager.query<UpsertCounts[]>(
        `WITH incoming AS (
           SELECT to_timestamp(t / 1000.0) AS ts, o AS open, h AS high, l AS low, c AS close, v AS volume
           FROM unnest($3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[]) AS u(t, o, h, l, c, v)
         ), up AS (
           INSERT INTO market_bars (symbol, timeframe, ts, open, high, low, close, volume, source)
           SELECT $1, $2, ts, open, high, low, close, volume, $9 FROM incoming
           ON CONFLICT (symbol, timeframe, ts) DO UPDATE
             SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume, source = EXCLUDED.source
             WHERE (market_bars.open, market_bars.high, market_bars.low, market_bars.close, market_bars.volume, market_bars.source)
               IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume, EXCLUDED.source)
           RETURNING (xmax = 0) AS inserted
         )
         SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM up`,
        [symbol, timeframe, b.ts, b.open, b.high, b.low, b.close, b.volume, source],
      );
      counts.inserted += row.inserted;
      counts.updated += row.updated;
    }
    return counts;
  }

  /** Bars in [start, end], ascending, after `afterTs` (keyset pagination), at most `limit`. */
  async range(
    symbol: string,
    timeframe: string,
    opts: { start?: number; end?: number; afterTs?: number; limit?: number } = {},
  ): Promise<StoredBar[]> {
    const params: unknown[] = [symbol, timeframe];
    const where = ['symbol = $1', 'timeframe = $2'];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (opts.start !== undefined) add('ts >= to_timestamp(? / 1000.0)', opts.start);
    if (opts.end !== undefined) add('ts <= to_timestamp(? / 1000.0)', opts.end);
    if (opts.afterTs !== undefined) add('ts > to_timestamp(? / 1000.0)', opts.afterTs);
    // ORDER BY the column, not the output alias `ts` (epoch ms): sorting by the alias cannot use
    // the primary key, so a LIMIT read every bar after `start` and sorted them first.
    let sql = `SELECT (extract(epoch FROM ts) * 1000)::float8 AS ts, open, high, low, close, volume FROM market_bars WHERE ${where.join(' AND ')} ORDER BY market_bars.ts`;
    if (opts.limit !== undefined) {
      params.push(opts.limit);
      sql += ` LIMIT $${params.length}`;
    }
    return this.dataSource.query<StoredBar[]>(sql, params);
  }

  /** The newest bar (ms UTC) stored for any of the symbols at the timeframe; null without bars. */
  async latestTs(symbols: string[], timeframe: string): Promise<number | null> {
    const rows = await this.dataSource.query<Array<{ ts: number | null }>>(
      `SELECT (extract(epoch FROM max(ts)) * 1000)::float8 AS ts FROM market_bars WHERE symbol = ANY($1) AND timeframe = $2`,
      [symbols, timeframe],
    );
    return rows[0]?.ts ?? null;
  }

  async summaries(): Promise<SeriesSummary[]> {
    return this.dataSource.query<SeriesSummary[]>(
      `SELECT symbol, timeframe,
              (extract(epoch FROM min(ts)) * 1000)::float8 AS first, (extract(epoch FROM max(ts)) * 1000)::float8 AS last,
              count(*)::int AS bars, array_agg(DISTINCT source ORDER BY source) AS sources,
              bool_or(open IS NOT NULL) AS has_open, bool_or(high IS NOT NULL) AS has_high,
              bool_or(low IS NOT NULL) AS has_low, bool_or(volume IS NOT NULL) AS has_volume
         FROM market_bars GROUP BY symbol, timeframe ORDER BY symbol, timeframe`,
    );
  }

  async delete(symbol: string, timeframe: string, start?: number, end?: number): Promise<number> {
    const params: unknown[] = [symbol, timeframe];
    let sql = 'DELETE FROM market_bars WHERE symbol = $1 AND timeframe = $2';
    if (start !== undefined) {
      params.push(start);
      sql += ` AND ts >= to_timestamp($${params.length} / 1000.0)`;
    }
    if (end !== undefined) {
      params.push(end);
      sql += ` AND ts <= to_timestamp($${params.length} / 1000.0)`;
    }
    const result = await this.dataSource.query<Array<{ n: number }>>(
      `WITH d AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM d`,
      params,
    );
    return result[0].n;
  }

  async isEmpty(): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>('SELECT 1 FROM market_bars LIMIT 1');
    return rows.length === 0;
  }

  /**
   * Aggregate `from` bars into `to` buckets (UTC, aligned to the epoch): first open, max
   * high, min low, last close, summed volume; absent columns stay absent. Buckets are
   * returned with the timestamp of the last source bar in each, so the caller can drop an
   * incomplete final bucket.
   */
  async aggregate(
    symbol: string,
    from: Timeframe,
    toMs: number,
  ): Promise<Array<StoredBar & { last_source_ts: number; source_bars: number }>> {
    return this.dataSource.query(
      `SELECT (extract(epoch FROM bucket) * 1000)::float8 AS ts,
              (array_agg(open ORDER BY ts) FILTER (WHERE open IS NOT NULL))[1] AS open,
              max(high) AS high, min(low) AS low,
              (array_agg(close ORDER BY ts DESC))[1] AS close,
              sum(volume) AS volume,
              (extract(epoch FROM max(ts)) * 1000)::float8 AS last_source_ts,
              count(*)::int AS source_bars
         FROM (SELECT *, date_bin(make_interval(secs => $3 / 1000.0), ts, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket
                 FROM market_bars WHERE symbol = $1 AND timeframe = $2) b
        GROUP BY bucket ORDER BY bucket`,
      [symbol, from, toMs],
    );
  }
}
