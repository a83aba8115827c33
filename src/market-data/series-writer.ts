import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConflictError, InsufficientStorageError } from '../common/errors/app-error';
import { isStorageFull } from '../common/errors/to-app-error';
import { isoOrNull } from '../common/iso-time';
import { BarStore, type SourceSummary, type UpsertCounts } from './bar-store';
import type { BarColumns } from './csv/bar-columns';
import type { RejectedRow } from './csv/csv-import-parser';
import { describeSource, ON_CONFLICT, type BarSource, type OnConflict } from './bar-source';
import { MarketDataEvents } from './bar-events';
import { EmbeddedSpace } from './embedded-space';
import type { Timeframe } from './timeframes';

export interface SeriesWrite {
  symbol: string;
  timeframe: Timeframe;
  source: BarSource;
  onConflict: OnConflict;
  /** How many bars `chunks` yields (for the embedded database's disk check). */
  bars: number;
  chunks: AsyncIterable<{ bars: BarColumns; lines?: Float64Array }>;
  /**
   * Reject rows whose timestamp an earlier row of the same write already had (each chunk
   * must then carry `lines`: the rows' line numbers in the file).
   */
  rejectRepeats?: boolean;
  /** Named in messages: "this import", "this resample". */
  what: string;
}

export interface SeriesWriteResult extends UpsertCounts {
  /** Bars of other sources deleted because `on_conflict` was `replace`. */
  replaced: number;
  repeated: RejectedRow[];
  repeatedTotal: number;
}

/**
 * Writes bars of one source into one series, in one transaction: the series is locked,
 * its sources are checked (409 when another source is there, unless `replace`), then the
 * chunks are upserted as they come, so memory holds one chunk at a time.
 */
@Injectable()
export class SeriesWriter {
  constructor(
    private readonly store: BarStore,
    private readonly space: EmbeddedSpace,
    private readonly events: MarketDataEvents,
  ) {}

  /** Fails fast (before an upload is read) when the write would conflict; the write checks again under its lock. */
  async assertWritable(
    symbol: string,
    timeframe: Timeframe,
    source: BarSource,
    onConflict: OnConflict,
    what: string,
  ): Promise<void> {
    if (onConflict === 'replace') return;
    const others = (await this.store.sources(symbol, timeframe)).filter((s) => s.source !== source);
    if (others.length) throw sourceConflict(symbol, timeframe, source, others, what);
  }

  async write(w: SeriesWrite, maxListed = 1000): Promise<SeriesWriteResult> {
    const result: SeriesWriteResult = { inserted: 0, updated: 0, replaced: 0, repeated: [], repeatedTotal: 0 };
    if (w.bars === 0) return result;
    await this.space.assertRoomFor(w.bars, w.what);
    const span = { first: Infinity, last: -Infinity };
    try {
      const written = await this.store.transaction(async (manager) => {
        await this.store.lockSeries(manager, w.symbol, w.timeframe);
        const others = (await this.store.sources(w.symbol, w.timeframe, manager)).filter((s) => s.source !== w.source);
        if (others.length && w.onConflict !== 'replace')
          throw sourceConflict(w.symbol, w.timeframe, w.source, others, w.what);
        if (others.length) result.replaced = await this.store.deleteSeriesWith(manager, w.symbol, w.timeframe);
        if (w.rejectRepeats) await this.store.createSeenSet(manager);
        for await (const chunk of w.chunks) {
          const bars = w.rejectRepeats
            ? await this.dropRepeats(manager, chunk.bars, chunk.lines!, result, maxListed)
            : chunk.bars;
          const counts = await this.store.upsertWith(manager, w.symbol, w.timeframe, bars, w.source);
          result.inserted += counts.inserted;
          result.updated += counts.updated;
          for (let i = 0; i < bars.length; i++) {
            if (bars.ts[i] < span.first) span.first = bars.ts[i];
            if (bars.ts[i] > span.last) span.last = bars.ts[i];
          }
        }
        return result;
      });
      // After the commit: listeners read the bars they are told about.
      if (written.inserted + written.updated > 0) {
        this.events.barsWritten({
          symbol: w.symbol,
          timeframe: w.timeframe,
          source: w.source,
          first: span.first,
          last: span.last,
          inserted: written.inserted,
          updated: written.updated,
        });
      }
      return written;
    } catch (e) {
      if (isStorageFull(e)) {
        throw new InsufficientStorageError(
          `The database ran out of disk space during ${w.what}; it was rolled back and nothing was written. Free space on the database volume and retry`,
          {
            reason: 'database_disk_full',
            symbol: w.symbol,
            timeframe: w.timeframe,
          },
        );
      }
      throw e;
    }
  }

  /** The chunk without rows whose timestamp came earlier (in this chunk or a previous one), recording them as rejected. */
  private async dropRepeats(
    manager: EntityManager,
    bars: BarColumns,
    lines: Float64Array,
    result: SeriesWriteResult,
    maxListed: number,
  ): Promise<BarColumns> {
    const firstAt = new Map<number, number>();
    const repeatedHere: number[] = [];
    for (let i = 0; i < bars.length; i++) {
      if (firstAt.has(bars.ts[i])) repeatedHere.push(i);
      else firstAt.set(bars.ts[i], i);
    }
    const seenBefore = await this.store.addSeen(manager, [...firstAt.keys()]);
    const drop = new Set(repeatedHere);
    for (const ts of seenBefore) drop.add(firstAt.get(ts)!);
    if (drop.size === 0) return bars;
    const kept = bars.without(drop);
    for (const i of [...drop].sort((a, b) => a - b)) {
      result.repeatedTotal++;
      if (result.repeated.length < maxListed)
        result.repeated.push({
          line: lines[i],
          reason: `duplicate timestamp ${new Date(bars.ts[i]).toISOString()} within the file`,
        });
    }
    return kept;
  }
}

function sourceConflict(
  symbol: string,
  timeframe: string,
  source: BarSource,
  others: SourceSummary[],
  what: string,
): ConflictError {
  const held = others
    .map((o) => `${o.bars} bars from ${describeSource(o.source)} (${isoOrNull(o.first)} … ${isoOrNull(o.last)})`)
    .join(' and ');
  return new ConflictError(
    `${symbol} ${timeframe} already holds ${held}; ${what} would write ${describeSource(source)} bars into it, and a series holds bars of one source, so nothing was written. ` +
      `Send on_conflict=replace to delete the existing ${symbol} ${timeframe} bars and write these in their place, or delete that series first`,
    {
      symbol,
      timeframe,
      writing_source: source,
      existing_sources: others.map((o) => ({
        source: o.source,
        bars: o.bars,
        first: isoOrNull(o.first),
        last: isoOrNull(o.last),
      })),
      on_conflict: [...ON_CONFLICT],
    },
    'SERIES_SOURCE_CONFLICT',
  );
}
