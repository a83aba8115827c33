import { Injectable } from '@nestjs/common';
import { isoOrNull } from '../common/iso-time';
import type { Readable } from 'node:stream';
import { DataValidationError, NotFoundError, PayloadTooLargeError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import type { BarSeries, ColumnarSeries } from '../features/core/types';
import { BarPages, type LoadRange } from './bar-pages';
import { BarStore, type StoredBar } from './bar-store';
import { BarColumns } from './csv/bar-columns';
import { parseCsvImport } from './csv/csv-import-parser';
import type { BarDto, BarsPage, ImportResult, ResampleResult, SymbolsResponse } from './dto/market-data.dto';
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
    private readonly config: AppConfig,
    private readonly pages: BarPages,
  ) {}

  symbol(raw: string, field = 'symbol'): string {
    const s = canonicalSymbol(raw);
    if (!s) throw fieldError(field, `${JSON.stringify(raw)} is not a currency pair; write it as EUR/USD, EURUSD or eur_usd`);
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

  async importCsv(rawSymbol: string, rawTimeframe: string, body: Readable, declaredBytes = NaN): Promise<ImportResult> {
    const symbol = this.symbol(rawSymbol);
    const timeframe = this.timeframe(rawTimeframe);
    if (declaredBytes > this.config.importMaxBytes) {
      body.resume(); // discard the upload; answer without reading it into the parser
      throw new PayloadTooLargeError(`The CSV (${declaredBytes} bytes) is larger than the import limit of ${this.config.importMaxBytes} bytes; nothing was imported`, { limit_bytes: this.config.importMaxBytes });
    }
    const parsed = await parseCsvImport(body, timeframe, this.config.importMaxBytes);
    const counts = await this.store.upsert(symbol, timeframe, parsed.bars);
    let first: number | null = null;
    let last: number | null = null;
    for (let i = 0; i < parsed.bars.length; i++) {
      const t = parsed.bars.ts[i];
      if (first === null || t < first) first = t;
      if (last === null || t > last) last = t;
    }
    return { symbol, timeframe, ...counts, rejected: parsed.rejected, rejected_total: parsed.rejectedTotal, first: isoOrNull(first), last: isoOrNull(last) };
  }

  async bars(q: { symbol: string; timeframe: string; start?: string; end?: string; limit?: number; cursor?: string }): Promise<BarsPage> {
    const symbol = this.symbol(q.symbol);
    const timeframe = this.timeframe(q.timeframe);
    const limit = q.limit ?? 1000;
    const afterTs = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const rows = await this.store.range(symbol, timeframe, { ...this.range(q.start, q.end), afterTs, limit: limit + 1 });
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
      });
      bySymbol.set(s.symbol, entry);
    }
    for (const entry of bySymbol.values()) entry.timeframes.sort((a, b) => TIMEFRAMES.indexOf(a.timeframe as Timeframe) - TIMEFRAMES.indexOf(b.timeframe as Timeframe));
    return { symbols: [...bySymbol.values()] };
  }

  async delete(q: { symbol: string; timeframe: string; start?: string; end?: string }): Promise<{ deleted: number }> {
    const symbol = this.symbol(q.symbol);
    const timeframe = this.timeframe(q.timeframe);
    const { start, end } = this.range(q.start, q.end);
    return { deleted: await this.store.delete(symbol, timeframe, start, end) };
  }

  async resample(body: { symbol: string; from_timeframe: string; to_timeframe: string }): Promise<ResampleResult> {
    const symbol = this.symbol(body.symbol);
    const from = this.timeframe(body.from_timeframe, 'from_timeframe');
    const to = this.timeframe(body.to_timeframe, 'to_timeframe');
    const fromMs = timeframeMs(from);
    const toMs = timeframeMs(to);
    if (toMs <= fromMs || toMs % fromMs !== 0) {
      throw fieldError('to_timeframe', `${to} must be coarser than ${from} and a whole multiple of it (e.g. 1h → 4h, 1h → 1d)`);
    }
    const buckets = await this.store.aggregate(symbol, from, toMs);
    if (buckets.length === 0) throw new NotFoundError(`No ${from} bars stored for ${symbol}; import them first`, { symbol, timeframe: from }, 'SERIES_NOT_FOUND');
    // A bucket is complete once its last sub-period's bar exists; only the final bucket can
    // still be open (earlier ones may have gaps: FX weekends and holidays are normal).
    const tail = buckets[buckets.length - 1];
    const complete = tail.last_source_ts >= tail.ts + toMs - fromMs;
    const kept = complete ? buckets : buckets.slice(0, -1);
    const columns = new BarColumns(Math.max(1, kept.length));
    for (const b of kept) columns.push(b.ts, b.open, b.high, b.low, b.close, b.volume);
    const counts = await this.store.upsert(symbol, to, columns);
    return {
      symbol,
      from_timeframe: from,
      to_timeframe: to,
      bars_written: kept.length,
      ...counts,
      dropped_incomplete: buckets.length - kept.length,
      first: isoOrNull(kept[0]?.ts),
      last: isoOrNull(kept[kept.length - 1]?.ts),
    };
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
  loadColumns(symbol: string, timeframe: Timeframe, range: LoadRange = {}): Promise<{ series: ColumnarSeries; lookback: number }> {
    return this.pages.load(symbol, timeframe, range);
  }

  /** Bulk insert used by the demo loader (one transaction). */
  async upsertColumns(symbol: string, timeframe: Timeframe, bars: BarColumns) {
    return this.store.upsert(symbol, timeframe, bars);
  }

  isEmpty(): Promise<boolean> {
    return this.store.isEmpty();
  }
}

function toDto(r: StoredBar): BarDto {
  return { timestamp: new Date(r.ts).toISOString(), open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume };
}

/** Cursors are opaque to clients: base64url of the last timestamp served. */
function encodeCursor(ts: number): string {
  return Buffer.from(String(ts)).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const ts = Number(Buffer.from(cursor, 'base64url').toString());
  if (!Number.isFinite(ts)) throw fieldError('cursor', 'must be a next_cursor value returned by this endpoint');
  return ts;
}
