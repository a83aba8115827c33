/**
 * Typed arrays from a compute thread back into the plain-array shapes the trainers use, on the
 * main thread, in slices with a turn of the event loop between them: two million timestamps
 * copied in one go would hold the loop for tens of milliseconds.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { BarSeries, Dataset, DatasetPart } from '../core';
import { OPTIONAL_COLUMNS, type ColumnarSeries } from '../core/types';
import type { PackedDataset, PackedPart } from './protocol';

const SLICE = 100_000;

async function fill<T>(n: number, at: (i: number) => T, kind: T): Promise<T[]> {
  // Filled with a value of the final kind first, so the elements never change representation
  // (and the backing store is never copied) in the middle of the slices below.
  const out = new Array<T>(n).fill(kind);
  for (let from = 0; from < n; from += SLICE) {
    if (from > 0) await yieldToLoop();
    const to = Math.min(n, from + SLICE);
    for (let i = from; i < to; i++) out[i] = at(i);
  }
  return out;
}

/** The timestamps and closes of a series (optional columns only when `withOptional`). */
export async function unpackSeries(c: ColumnarSeries, withOptional = true): Promise<BarSeries> {
  const series: BarSeries = {
    symbol: c.symbol,
    timeframe: c.timeframe,
    timestamps: await fill(c.length, (i) => c.timestamps[i], 0.5),
    close: await fill(c.length, (i) => c.close[i], 0.5),
  };
  if (!withOptional) return series;
  for (const col of OPTIONAL_COLUMNS) {
    const values = c[col];
    if (values)
      series[col] = await fill<number | null>(c.length, (i) => (Number.isNaN(values[i]) ? null : values[i]), null);
  }
  return series;
}

async function unpackPart(p: PackedPart, symbols: string[]): Promise<DatasetPart> {
  return {
    count: p.count,
    windows: p.windows,
    targets: p.targets,
    timestamps: await fill(p.count, (i) => p.timestamps[i], 0.5),
    symbols: await fill(p.count, (i) => symbols[p.symbolIndex[i]], ''),
    windowStart: await fill(p.count, (i) => p.windowStart[i], 0.5),
    targetEnd: await fill(p.count, (i) => p.targetEnd[i], 0.5),
  };
}

export async function unpackDataset(p: PackedDataset): Promise<Dataset> {
  const { symbols, train, validation, test, ...rest } = p;
  return {
    ...rest,
    train: await unpackPart(train, symbols),
    validation: await unpackPart(validation, symbols),
    test: await unpackPart(test, symbols),
  };
}
