import type { StoredBar } from '../bar-store';
import { BAR_TIME_RANGE_TEXT, isBarTime } from '../bar-time';
import { isAligned, type Timeframe } from '../timeframes';

/** The CSV columns the importer understands, found by header name (case-insensitive). */
export const PRICE_COLUMNS = ['open', 'high', 'low', 'close'] as const;
export const OPTIONAL_COLUMNS = ['open', 'high', 'low', 'volume'] as const;
export type BarColumn = 'timestamp' | 'open' | 'high' | 'low' | 'close' | 'volume';

const HEADER_ALIASES: Record<string, BarColumn> = {
  timestamp: 'timestamp',
  time: 'timestamp',
  date: 'timestamp',
  datetime: 'timestamp',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  volume: 'volume',
};

export type ColumnIndex = Partial<Record<BarColumn, number>>;

/** Map header cells to column positions; returns an error message when the header is unusable. */
export function indexHeader(header: string[]): ColumnIndex | { error: string } {
  const index: ColumnIndex = {};
  header.forEach((cell, i) => {
    const key =
      HEADER_ALIASES[
        cell
          .trim()
          .toLowerCase()
          .replace(/^\uFEFF/, '')
      ];
    if (key && index[key] === undefined) index[key] = i;
  });
  const missing = (['timestamp', 'close'] as const).filter((c) => index[c] === undefined);
  if (missing.length) {
    return {
      error: `the header must name a ${missing.join(' and a ')} column (found: ${header.map((h) => JSON.stringify(h)).join(', ') || 'nothing'})`,
    };
  }
  return index;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * ISO 8601 (a date alone or a time without zone is UTC), or epoch seconds, or epoch
 * milliseconds (a number ≥ 1e11 is taken as milliseconds: 1e11 s would be the year 5138).
 */
export function parseTimestamp(text: string): number | null {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    const ms = n >= 1e11 ? n : n * 1000;
    return Number.isFinite(ms) ? Math.round(ms) : null;
  }
  if (!ISO_8601.test(s)) return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(s) && s.length > 10;
  const normalised = s.replace(' ', 'T');
  const ms = Date.parse(hasZone ? normalised : s.length === 10 ? `${normalised}T00:00:00Z` : `${normalised}Z`);
  return Number.isFinite(ms) ? ms : null;
}

/** A validated row: the same shape as a stored bar. */
export type ParsedRow = StoredBar;

function parseNumber(text: string | undefined): number | null | 'invalid' {
  if (text === undefined) return null;
  const s = text.trim();
  if (s === '') return null;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return 'invalid';
  const n = Number(s);
  return Number.isFinite(n) ? n : 'invalid';
}

/** Validate one data row; returns the bar or the reason it is rejected. */
export function validateRow(cells: string[], index: ColumnIndex, timeframe: Timeframe): ParsedRow | { reason: string } {
  const rawTs = cells[index.timestamp!];
  if (rawTs === undefined || rawTs.trim() === '') return { reason: 'timestamp is empty' };
  const ts = parseTimestamp(rawTs);
  if (ts === null)
    return { reason: `timestamp ${JSON.stringify(rawTs)} is not ISO 8601 or epoch seconds/milliseconds` };
  if (!isBarTime(ts))
    return { reason: `timestamp ${JSON.stringify(rawTs)} is outside the supported range ${BAR_TIME_RANGE_TEXT}` };
  if (!isAligned(ts, timeframe))
    return { reason: `timestamp ${new Date(ts).toISOString()} is not aligned to a ${timeframe} bar (UTC)` };

  const values: Record<string, number | null> = {};
  for (const column of ['open', 'high', 'low', 'close', 'volume'] as const) {
    const i = index[column];
    const v = i === undefined ? null : parseNumber(cells[i]);
    if (v === 'invalid') return { reason: `${column} ${JSON.stringify(cells[i!])} is not a finite number` };
    if (column !== 'volume' && v !== null && v <= 0) return { reason: `${column} ${v} is not a positive price` };
    if (column === 'volume' && v !== null && v < 0) return { reason: `volume ${v} is negative` };
    values[column] = v;
  }
  const { open, high, low, close, volume } = values;
  if (close === null) return { reason: 'close is empty' };
  if (high !== null && low !== null && high < low) return { reason: `high ${high} is below low ${low}` };
  for (const [name, v] of [
    ['open', open],
    ['close', close],
  ] as const) {
    if (v === null) continue;
    if (high !== null && v > high) return { reason: `${name} ${v} is above high ${high}` };
    if (low !== null && v < low) return { reason: `${name} ${v} is below low ${low}` };
  }
  return { ts, open, high, low, close, volume };
}
