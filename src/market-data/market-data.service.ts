import { Injectable } from '@nestjs/common';
import { isoOrNull } from '../common/iso-time';
import type { Readable } from 'node:stream';
import { DataValidationError, NotFoundError, PayloadTooLargeError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import type { BarSeries, ColumnarSeries } from '../features/core/types';
import { BarPages, type LoadRange } from './bar-pages';
import { BarStore, type StoredBar } from './bar-store';
import { BarColumns } from './csv/bar-columns';
import { MAX_REJECTED_LISTED, parseCsvImport, type RejectedRow } from './csv/csv-import-parser';
import type { BarSource, OnConflict } from './bar-source';
import { SeriesWriter } from './series-writer';
import type { BarDto, BarsPage, ImportResult, ResampleResult, SymbolsResponse } from './dto/market-data.dto';
import { isBarTime } from './bar-time';
import { canonicalSymbol } from './symbols';
import { isTimeframe, timeframeMs, TIMEFRAMES, type Timeframe } from './timeframes';

function fieldError(field: string, message: string): DataValidationError {
  return new DataValidationError(`${field}: ${message}`, { fields: [{ field, errors: [message] }] });
}

/** The market-data module's one service: other modules read bars through it. */
@Injectable()
export class MarketDataService {
  constructor(
    private readonly store: BarStore,
    private readonly writer: SeriesWriter,
    private readonly config: AppConfig,
    private readonly pages: BarPages,
  ) {}

  symbol(raw: string, field = 'symbol'): string {
    const s = canonicalSymbol(raw);
    if (!s)
      throw fieldError(field, `${JSON.stringify(raw)} is not a currency pair; write it as EUR/USD, EURUSD or eur_usd`);
    return s;
  }

  timeframe(raw: string, field = 'timeframe'): Timeframe {
    if (!isTimeframe(raw)) throw fieldError(field, `must be one of ${TIMEFRAMES.join(', ')}`);
    return raw;
  }

  private range(start?: string, end?: string): { start?: number; end?: number } {
    const s = start === undefined ? undefined : Date.parse(start);
    const e = end === undefined ? undefined : Date.parse(end);
    if (s !== undefined && e !== undefined && s > e) throw fieldError('start', `start ${start} is after end ${end}`);
    return { start: s, end: e };
  }

  async importCsv(
    q: { symbol: string; timeframe: string; on_conflict?: OnConflict },
    body: Readable,
    declaredBytes = NaN,
  ): Promise<ImportResult> {
    const symbol = this.symbol(q.symbol);
    const timeframe = this.timeframe(q.timeframe);
    const onConflict = q.on_conflict ?? 'error';
    if (declaredBytes > this.config.importMaxBytes) {
      body.resume(); // discard the upload; answer without reading it into the parser
      throw new PayloadTooLargeError(
        `The CSV (${declaredBytes} bytes) is larger than the import limit of ${this.config.importMaxBytes} bytes; nothing was imported`,
        { limit_bytes: this.config.importMaxBytes },
      );
    }
    try {
      await this.writer.assertWritable(symbol, timeframe, 'import', onConflict, 'this import');
    } catch (e) {
      body.resume(); // a conflict is known before the upload is read: do not make the client send it all first
      throw e;
    }
    const parsed = await parseCsvImport(body, timeframe, this.config.importMaxBytes, this.config.importSpoolDir);
    try {
      const written = await this.writer.write(
        {
          symbol,
          timeframe,
          source: 'import',
          onConflict,
          bars: parsed.rows,
          chunks: parsed.spool.chunks(IMPORT_CHUNK_ROWS),
          rejectRepeats: !parsed.increasing,
          what: 'this import',
        },
        MAX_REJECTED_LISTED,
      );
      return {
        symbol,
        timeframe,
        inserted: written.inserted,
        updated: written.updated,
        replaced: written.replaced,
        rejected: mergeByLine(parsed.rejected, written.repeated).slice(0, MAX_REJECTED_LISTED),
        rejected_total: parsed.rejectedTotal + written.repeatedTotal,
        first: isoOrNull(parsed.first),
        last: isoOrNull(parsed.last),
      };
    } finally {
      await parsed.spool.dispose();
    }
  }

  async bars(q: {
    symbol: string;
    timeframe: string;
    start?: string;
    end?: string;
    limit?: number;
    cursor?: string;
  }): Promise<BarsPage> {
    const symbol = this.symbol(q.symbol);
    const timeframe = this.timeframe(q.timeframe);
    const limit = q.limit ?? 1000;
    const afterTs = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const rows = await this.store.range(symbol, timeframe, {
      ...this.range(q.start, q.end),
      afterTs,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      symbol,
      timeframe,
      bars: page.map(toDto),
      next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1].ts) : null,
    };
  }

  async symbols(): Promise<SymbolsResponse> {
    const bySymbol = new Map<string, SymbolsResponse['symbols'][number]>();
    for (const s of await this.store.summaries()) {
      const entry = bySymbol.get(s.symbol) ?? { symbol: s.symbol, timeframes: [] };
      entry.timeframes.push({
        timeframe: s.timeframe,
        first: isoOrNull(s.first)!,
        last: isoOrNull(s.last)!,
        bars: s.bars,
        columns: (['open', 'high', 'low', 'close', 'volume'] as const).filter((c) => c === 'close' || s[`has_${c}`]),
        sources: s.sources,
      });
      bySymbol.set(s.symbol, entry);
    }
    for (const entry of bySymbol.values())
      entry.timeframes.sort(
        (a, b) => TIMEFRAMES.indexOf(a.timeframe as Timeframe) - TIMEFRAMES.indexOf(b.timeframe as Timeframe),
      );
    return { symbols: [...bySymbol.values()] };
  }

  async delete(q: { symbol: string; timeframe: string; start?: string; end?: string }): Promise<{ deleted: number }> {
    const symbol = this.symbol(q.symbol);
    const timeframe = this.timeframe(q.timeframe);
    const { start, end } = this.range(q.start, q.end);
    return { deleted: await this.store.delete(symbol, timeframe, start, end) };
  }

  async resample(body: {
    symbol: string;
    from_timeframe: string;
    to_timeframe: string;
    on_conflict?: OnConflict;
  }): Promise<ResampleResult> {
    const symbol = this.symbol(body.symbol);
    const from = this.timeframe(body.from_timeframe, 'from_timeframe');
    const to = this.timeframe(body.to_timeframe, 'to_timeframe');
    const fromMs = timeframeMs(from);
    const toMs = timeframeMs(to);
    if (toMs <= fromMs || toMs % fromMs !== 0) {
      throw fieldError(
        'to_timeframe',
        `${to} must be coarser than ${from} and a whole multiple of it (e.g. 1h → 4h, 1h → 1d)`,
      );
    }
    const buckets = await this.store.aggregate(symbol, from, toMs);
    if (buckets.length === 0)
      throw new NotFoundError(
        `No ${from} bars stored for ${symbol}; import them first`,
        { symbol, timeframe: from },
        'SERIES_NOT_FOUND',
      );
    // A bucket is complete once its last sub-period's bar exists; only the final bucket can
    // still be open (earlier ones may have gaps: FX weekends and holidays are normal).
    const tail = buckets[buckets.length - 1];
    const complete = tail.last_source_ts >= tail.ts + toMs - fromMs;
    const kept = complete ? buckets : buckets.slice(0, -1);
    const columns = new BarColumns(Math.max(1, kept.length));
    for (const b of kept) columns.push(b.ts, b.open, b.high, b.low, b.close, b.volume);
    const written = await this.writer.write({
      symbol,
      timeframe: to,
      source: `resample:${from}`,
      onConflict: body.on_conflict ?? 'error',
      bars: columns.length,
      chunks: once({ bars: columns }),
      what: `this resample (${from} → ${to})`,
    });
    return {
      symbol,
      from_timeframe: from,
      to_timeframe: to,
      bars_written: kept.length,
      inserted: written.inserted,
      updated: written.updated,
      replaced: written.replaced,
      dropped_incomplete: buckets.length - kept.length,
      first: isoOrNull(kept[0]?.ts),
      last: isoOrNull(kept[kept.length - 1]?.ts),
    };
  }

  /** The newest stored bar of any of the symbols at the timeframe (a schedule's window ends there); null without bars. */
  async latestBar(symbols: string[], timeframe: string): Promise<Date | null> {
    const ts = await this.store.latestTs(symbols, timeframe);
    return ts === null ? null : new Date(ts);
  }

  /**
   * A stored series in the column shape the features module computes on. Columns that
   * hold no value at all in the range are left out (close-only series stay close-only).
   */
  async loadSeries(symbol: string, timeframe: Timeframe, start?: number, end?: number): Promise<BarSeries> {
    const rows = await this.store.range(symbol, timeframe, { start, end });
    const series: BarSeries = { symbol, timeframe, timestamps: rows.map((r) => r.ts), close: rows.map((r) => r.close) };
    for (const c of ['open', 'high', 'low', 'volume'] as const) {
      if (rows.some((r) => r[c] !== null)) series[c] = rows.map((r) => r[c]);
    }
    return series;
  }

  /**
   * A stored series as typed arrays, read a page at a time so other requests interleave
   * (feature values, dataset building). `lookback` bars before `start` are prepended when
   * they exist; the answer says how many were.
   */
  loadColumns(
    symbol: string,
    timeframe: Timeframe,
    range: LoadRange = {},
  ): Promise<{ series: ColumnarSeries; lookback: number }> {
    return this.pages.load(symbol, timeframe, range);
  }

  /** Bulk write used by the demo loader (one transaction, source `demo`). */
  async upsertColumns(symbol: string, timeframe: Timeframe, bars: BarColumns, source: BarSource = 'demo') {
    return this.writer.write({
      symbol,
      timeframe,
      source,
      onConflict: 'error',
      bars: bars.length,
      chunks: once({ bars }),
      what: `loading ${source} bars`,
    });
  }

  isEmpty(): Promise<boolean> {
    return this.store.isEmpty();
  }
}

/** Rows read back from the import spool per upsert statement (bounds memory and statement size). */
const IMPORT_CHUNK_ROWS = 10_000;

/** A write that arrives whole, as the one-chunk stream the series writer takes. */
// An async generator is the shortest AsyncIterable; it has nothing to await.
// eslint-disable-next-line @typescript-eslint/require-await
async function* once<T>(value: T): AsyncGenerator<T> {
  yield value;
}

/** Two lists each in line order, merged in line order. */
function mergeByLine(a: RejectedRow[], b: RejectedRow[]): RejectedRow[] {
  if (b.length === 0) return a;
  return [...a, ...b].sort((x, y) => x.line - y.line);
}

function toDto(r: StoredBar): BarDto {
  return {
    timestamp: new Date(r.ts).toISOString(),
    open: r.open,
    high: r.high,
    low: r.low,
    close: r.close,
    volume: r.volume,
  };
}

/** Cursors are opaque to clients: base64url of the last timestamp served. */
function encodeCursor(ts: number): string {
  return Buffer.from(String(ts)).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const ts = Number(Buffer.from(cursor, 'base64url').toString());
  // Only a bar's own time can be a position (a crafted 1e20 would overflow timestamptz).
  if (!isBarTime(ts)) throw fieldError('cursor', 'must be a next_cursor value returned by this endpoint');
  return ts;
}
