import { bucketStart, compounded, groupByBucket, nextBucket } from './performance-series';

const at = (iso: string) => Date.parse(iso);

describe('performance series: calendar buckets (UTC)', () => {
  it('a day starts at midnight UTC, a week on its Monday, a month on the 1st', () => {
    // 2024-03-07 was a Thursday.
    const t = at('2024-03-07T15:30:00Z');
    expect(new Date(bucketStart(t, 'day')).toISOString()).toBe('2024-03-07T00:00:00.000Z');
    expect(new Date(bucketStart(t, 'week')).toISOString()).toBe('2024-03-04T00:00:00.000Z');
    expect(new Date(bucketStart(t, 'month')).toISOString()).toBe('2024-03-01T00:00:00.000Z');
    // A Sunday belongs to the week that began six days before; a Monday starts its own.
    expect(new Date(bucketStart(at('2024-03-10T23:00:00Z'), 'week')).toISOString()).toBe('2024-03-04T00:00:00.000Z');
    expect(new Date(bucketStart(at('2024-03-11T00:00:00Z'), 'week')).toISOString()).toBe('2024-03-11T00:00:00.000Z');
  });

  it('the next bucket: a day, seven days, the next 1st (across the year and a leap February)', () => {
    expect(nextBucket(at('2024-02-28T00:00:00Z'), 'day')).toBe(at('2024-02-29T00:00:00Z'));
    expect(nextBucket(at('2024-12-30T00:00:00Z'), 'week')).toBe(at('2025-01-06T00:00:00Z'));
    expect(nextBucket(at('2024-02-01T00:00:00Z'), 'month')).toBe(at('2024-03-01T00:00:00Z'));
    expect(nextBucket(at('2024-12-01T00:00:00Z'), 'month')).toBe(at('2025-01-01T00:00:00Z'));
  });

  it('groups rows by the bucket of their bar, oldest first, each sorted, empty buckets left out', () => {
    const rows = ['2024-03-12', '2024-03-05', '2024-03-06', '2024-03-26'].map((d, i) => ({
      asOf: at(`${d}T00:00:00Z`),
      i,
    }));
    const weeks = groupByBucket(rows, 'week');
    expect(weeks.map((w) => new Date(w.start).toISOString().slice(0, 10))).toEqual([
      '2024-03-04',
      '2024-03-11',
      '2024-03-25',
    ]);
    expect(weeks[0].rows.map((r) => r.i)).toEqual([1, 2]);
    expect(weeks[0].end).toBe(at('2024-03-11T00:00:00Z'));
    expect(groupByBucket(rows, 'month')).toHaveLength(1);
  });

  it('compounds bucket PnLs: (1.1)(0.9) − 1 = −0.01; a bucket without PnL keeps the level', () => {
    const c = compounded([0.1, null, -0.1]);
    expect(c[0]).toBeCloseTo(0.1, 12);
    expect(c[1]).toBeCloseTo(0.1, 12);
    expect(c[2]).toBeCloseTo(-0.01, 12);
  });
});
