/** The bar sizes the service stores and computes on. Order matters: finer first. */
export const TIMEFRAMES = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

const MINUTE_MS = 60_000;
const TIMEFRAME_MS: Record<Timeframe, number> = {
  '1m': MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '30m': 30 * MINUTE_MS,
  '1h': 60 * MINUTE_MS,
  '4h': 240 * MINUTE_MS,
  '1d': 1440 * MINUTE_MS,
};

export function isTimeframe(value: unknown): value is Timeframe {
  return typeof value === 'string' && (TIMEFRAMES as readonly string[]).includes(value);
}

/** Length of one bar in milliseconds. */
export function timeframeMs(tf: Timeframe): number {
  return TIMEFRAME_MS[tf];
}

/** True when a timestamp (ms since epoch, UTC) starts a bar of this timeframe. */
export function isAligned(timestampMs: number, tf: Timeframe): boolean {
  return timestampMs % TIMEFRAME_MS[tf] === 0;
}

/** Start of the bar of timeframe `tf` containing `timestampMs` (UTC alignment). */
export function bucketStart(timestampMs: number, tf: Timeframe): number {
  const size = TIMEFRAME_MS[tf];
  return Math.floor(timestampMs / size) * size;
}

/**
 * A duration such as `1h`, `4h`, `1d`, `30m`, or a plain bar count (`12`), in bars of `tf`.
 * Returns an error message instead of a number when it cannot be expressed in whole bars.
 */
export function durationToBars(duration: string, tf: Timeframe): number | { error: string } {
  if (/^\d+$/.test(duration)) {
    const bars = Number(duration);
    return bars >= 1 ? bars : { error: `a horizon of ${duration} bars is not at least one bar` };
  }
  const m = /^(\d+)([mhd])$/.exec(duration);
  if (!m) return { error: `'${duration}' is neither a bar count nor a duration like 30m, 1h, 4h, 1d` };
  const unitMs = { m: MINUTE_MS, h: 60 * MINUTE_MS, d: 1440 * MINUTE_MS }[m[2] as 'm' | 'h' | 'd'];
  const ms = Number(m[1]) * unitMs;
  const size = TIMEFRAME_MS[tf];
  if (ms < size)
    return { error: `a horizon of ${duration} is finer than one ${tf} bar; use a horizon of at least ${tf}` };
  if (ms % size !== 0) return { error: `a horizon of ${duration} is not a whole number of ${tf} bars` };
  return ms / size;
}
