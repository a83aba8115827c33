/**
 * Live performance over calendar time: the scored predictions of a version grouped by the
 * calendar day, week or month (UTC) of the bar they were made from, each bucket scored with the
 * same statistics as the whole (live-metrics.ts), and the PnL compounded across buckets — what
 * the dashboard draws against the version's backtest figures. Pure functions.
 */
export const SERIES_BUCKETS = ['day', 'week', 'month'] as const;
export type SeriesBucket = (typeof SERIES_BUCKETS)[number];

const DAY = 86_400_000;

/** The UTC start of the bucket holding `ms`: midnight, the Monday of its ISO week, the 1st of its month. */
export function bucketStart(ms: number, bucket: SeriesBucket): number {
  const d = new Date(ms);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  switch (bucket) {
    case 'day':
      return midnight;
    case 'week':
      return midnight - ((d.getUTCDay() + 6) % 7) * DAY; // getUTCDay: 0 = Sunday
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
}

/** The start of the bucket after the one starting at `start`. */
export function nextBucket(start: number, bucket: SeriesBucket): number {
  if (bucket === 'day') return start + DAY;
  if (bucket === 'week') return start + 7 * DAY;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Rows grouped by the bucket of their `asOf`, oldest bucket first; buckets without rows are left out. */
export function groupByBucket<T extends { asOf: number }>(
  rows: readonly T[],
  bucket: SeriesBucket,
): Array<{ start: number; end: number; rows: T[] }> {
  const groups = new Map<number, T[]>();
  for (const r of rows) {
    const start = bucketStart(r.asOf, bucket);
    const g = groups.get(start);
    if (g) g.push(r);
    else groups.set(start, [r]);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([start, g]) => ({ start, end: nextBucket(start, bucket), rows: g.sort((a, b) => a.asOf - b.asOf) }));
}

/** Running compounded PnL: (1 + p₁)(1 + p₂)… − 1 after each bucket; a bucket without a PnL keeps the level. */
export function compounded(pnls: ReadonlyArray<number | null>): number[] {
  let equity = 1;
  return pnls.map((p) => {
    if (p !== null) equity *= 1 + p;
    return equity - 1;
  });
}
