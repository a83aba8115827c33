import { setImmediate as nextTurn } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATABASE_KIND, type DatabaseKind } from '../database/database.tokens';
import type { ColumnarSeries } from '../features/core/types';
import type { Timeframe } from './timeframes';

export type BarColumn = 'open' | 'high' | 'low' | 'close' | 'volume';
const OPTIONAL: readonly Exclude<BarColumn, 'close'>[] = ['open', 'high', 'low', 'volume'];

/**
 * Rows per page. Reading is paged so that the event loop gets a turn between pages: on the
 * embedded database each query runs on this thread inside WebAssembly (~2.5 µs a row with all
 * columns on the bench machine, so a page holds the loop ~3-5 ms, ~1 ms of it per-query overhead); a PostgreSQL server does the
 * work elsewhere, but each page is still parsed here (~0.5 µs a value): 10,000 rows stay under ~10 ms.
 */
const PAGE_ROWS: Record<DatabaseKind, number> = { embedded: 1_000, postgres: 10_000 };

interface TextPage {
  n: number;
  first: number | null;
  last: number | null;
  ts: string | null;
  close: string | null;
  open?: string | null;
  high?: string | null;
  low?: string | null;
  volume?: string | null;
}

export interface LoadRange {
  /** First bar (inclusive), ms UTC; unset = the first stored. */
  start?: number;
  /** Last bar (inclusive), ms UTC; unset = the last stored. */
  end?: number;
  /** Most bars from `start` on. */
  limit?: number;
  /** Bars before `start` to prepend (a feature's warm-up), as many as exist. */
  lookback?: number;
  /** Optional columns to read (close and timestamps always). Default: all. */
  columns?: readonly BarColumn[];
}

/**
 * Reads stored bars into typed arrays, a page at a time. Each page comes back as one
 * comma-joined text per column (string_agg), not as row objects: the driver then parses a
 * handful of strings instead of thousands of rows, and the numbers are the same (PostgreSQL
 * prints float8 in the shortest form that reads back exactly).
 */
@Injectable()
export class BarPages {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(DATABASE_KIND) private readonly kind: DatabaseKind,
  ) {}

  async load(
    symbol: string,
    timeframe: Timeframe,
    range: LoadRange = {},
  ): Promise<{ series: ColumnarSeries; lookback: number }> {
    const columns = OPTIONAL.filter((c) => !range.columns || range.columns.includes(c));
    const page = PAGE_ROWS[this.kind];
    const acc = new Accumulator(columns);
    let lookback = 0;
    if (range.lookback && range.start !== undefined) {
      // Newest first, then written oldest first.
      const pages: TextPage[] = [];
      let before = range.start;
      let remaining = range.lookback;
      while (remaining > 0) {
        const p = await this.page(symbol, timeframe, columns, { before, limit: Math.min(page, remaining) });
        if (p.n === 0) break;
        pages.push(p);
        remaining -= p.n;
        before = p.first!;
        if (p.n < Math.min(page, remaining + p.n)) break;
      }
      for (let i = pages.length - 1; i >= 0; i--) acc.add(pages[i]);
      lookback = acc.length;
    }
    let after: number | undefined;
    let remaining = range.limit ?? Infinity;
    while (remaining > 0) {
      const want = Math.min(page, remaining);
      const p = await this.page(symbol, timeframe, columns, {
        from: after === undefined ? range.start : undefined,
        after,
        end: range.end,
        limit: want,
      });
      if (p.n === 0) break;
      acc.add(p);
      remaining -= p.n;
      after = p.last!;
      if (p.n < want) break;
    }
    return { series: await acc.finish(symbol, timeframe), lookback };
  }

  private async page(
    symbol: string,
    timeframe: string,
    columns: readonly Exclude<BarColumn, 'close'>[],
    at: { from?: number; after?: number; before?: number; end?: number; limit: number },
  ): Promise<TextPage> {
    // The embedded database answers through promises that settle without I/O, so a loop of
    // pages would run as one chain of microtasks and starve every socket and timer until the
    // last page: give the event loop a turn before each one.
    await nextTurn();
    return this.query(symbol, timeframe, columns, at);
  }

  private async query(
    symbol: string,
    timeframe: string,
    columns: readonly Exclude<BarColumn, 'close'>[],
    at: { from?: number; after?: number; before?: number; end?: number; limit: number },
  ): Promise<TextPage> {
    const params: unknown[] = [symbol, timeframe];
    const where = ['symbol = $1', 'timeframe = $2'];
    const add = (sql: string, value: number) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (at.from !== undefined) add('ts >= to_timestamp(? / 1000.0)', at.from);
    if (at.after !== undefined) add('ts > to_timestamp(? / 1000.0)', at.after);
    if (at.before !== undefined) add('ts < to_timestamp(? / 1000.0)', at.before);
    if (at.end !== undefined) add('ts <= to_timestamp(? / 1000.0)', at.end);
    params.push(at.limit);
    const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;
    const agg = (expr: string, as: string) => `string_agg(${expr}, ',' ORDER BY ts) AS ${as}`;
    const select = [
      'count(*)::int AS n',
      `${ms('min(ts)')} AS first`,
      `${ms('max(ts)')} AS last`,
      agg(`${ms('ts')}::text`, 'ts'),
      agg('close::text', 'close'),
      ...columns.map((c) => agg(`COALESCE(${c}::text, '')`, c)),
    ];
    const [row] = await this.dataSource.query<TextPage[]>(
      `SELECT ${select.join(', ')} FROM (SELECT ts, open, high, low, close, volume FROM market_bars WHERE ${where.join(' AND ')} ORDER BY ts ${at.before !== undefined ? 'DESC' : 'ASC'} LIMIT $${params.length}) page`,
      params,
    );
    return row;
  }
}

/**
 * Typed columns built page by page; NaN where a value is absent. Each page is parsed into
 * arrays of its own and joined at the end a slice at a time: growing one array by doubling
 * copied (and zero-filled) tens of megabytes in a single turn of the event loop.
 */
class Accumulator {
  length = 0;
  private readonly chunks: Array<Record<string, Float64Array>> = [];
  private readonly present: Record<string, boolean> = {};

  constructor(private readonly optional: readonly string[]) {}

  add(p: TextPage): void {
    const chunk: Record<string, Float64Array> = {};
    for (const c of ['timestamps', 'close', ...this.optional]) {
      chunk[c] = new Float64Array(p.n);
      const text = c === 'timestamps' ? p.ts : (p as unknown as Record<string, string | null>)[c];
      if (this.parse(text, chunk[c])) this.present[c] = true;
    }
    this.chunks.push(chunk);
    this.length += p.n;
  }

  /** Parses comma-separated numbers into `target` (empty = NaN); true when any value was present. */
  private parse(text: string | null | undefined, target: Float64Array): boolean {
    if (!text) return false;
    let at = 0;
    let from = 0;
    let any = false;
    // A manual scan: split(',') would allocate one string per value first.
    for (let i = 0; i <= text.length; i++) {
      if (i === text.length || text.charCodeAt(i) === 44) {
        if (i === from) target[at++] = NaN;
        else {
          target[at++] = Number(text.slice(from, i));
          any = true;
        }
        from = i + 1;
      }
    }
    return any;
  }

  async finish(symbol: string, timeframe: Timeframe): Promise<ColumnarSeries> {
    const join = async (c: string): Promise<Float64Array> => {
      if (this.chunks.length === 1) return this.chunks[0][c];
      const out = new Float64Array(this.length);
      let at = 0;
      let sinceYield = 0;
      for (const chunk of this.chunks) {
        out.set(chunk[c], at);
        at += chunk[c].length;
        sinceYield += chunk[c].length;
        if (sinceYield >= 262_144) {
          sinceYield = 0;
          await nextTurn();
        }
      }
      return out;
    };
    const series: ColumnarSeries = {
      symbol,
      timeframe,
      length: this.length,
      timestamps: await join('timestamps'),
      close: await join('close'),
    };
    for (const c of this.optional as Exclude<BarColumn, 'close'>[]) if (this.present[c]) series[c] = await join(c);
    this.chunks.length = 0;
    return series;
  }
}
