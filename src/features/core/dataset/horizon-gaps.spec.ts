import { InvalidDatasetConfigError } from '../errors';
import { syntheticSeries } from '../testing/synthetic';
import { buildDataset, planDataset } from './builder';
import type { DatasetConfig } from './config';
import { horizonGapFlags, servedHorizonGap, servedHorizonSpansGap } from './horizon-gaps';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FRIDAY_21 = Date.UTC(2024, 0, 5, 21); // 2024-01-05 is a Friday

/** Hourly FX bars: Sunday 22:00 to Friday 21:00 UTC (the last bar opens at 21:00), weekend closed. */
function hourlyFx(bars: number) {
  const s = syntheticSeries({ timeframe: '1h', bars: bars * 2, seed: 5, closeOnly: true });
  const keep = s.timestamps
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => {
      const d = new Date(t);
      const day = d.getUTCDay();
      const h = d.getUTCHours();
      return !((day === 5 && h >= 22) || day === 6 || (day === 0 && h < 22));
    })
    .slice(0, bars);
  return { ...s, timestamps: keep.map((k) => k.t), close: keep.map((k) => s.close[k.i]) };
}

const config = (over: Partial<DatasetConfig>): DatasetConfig => ({
  series: [hourlyFx(600)],
  features: ['returns_1'],
  target: 'price_change_1h',
  window: 3,
  validationSplit: 0.2,
  testSplit: 0.2,
  scaler: 'zscore',
  ...over,
});

describe('time-true horizons (horizon-gaps.ts)', () => {
  it("flags the hourly Friday 21:00 sample (its 1h target is a 49-hour weekend return), not Friday 20:00's", () => {
    const ts = [FRIDAY_21 - 2 * HOUR, FRIDAY_21 - HOUR, FRIDAY_21, FRIDAY_21 + 49 * HOUR, FRIDAY_21 + 50 * HOUR];
    expect(Array.from(horizonGapFlags(ts, 1, '1h'))).toEqual([0, 0, 1, 0, 0]);
    // A 4h horizon from Friday 19:00 reaches into the weekend as well.
    expect(Array.from(horizonGapFlags(ts, 3, '1h'))).toEqual([1, 1, 0, 0, 0]);
    // One missing hour is tolerated (a two-bar step); three are not.
    expect(Array.from(horizonGapFlags([0, 2 * HOUR, 5 * HOUR], 1, '1h'))).toEqual([0, 1, 0]);
  });

  it('on daily bars the weekend is a normal step; a weekend plus a holiday is a gap', () => {
    const friday = Date.UTC(2024, 0, 5);
    const ts = [friday - DAY, friday, friday + 3 * DAY, friday + 4 * DAY, friday + 8 * DAY]; // Thu Fri Mon Tue | Sat?
    // Fri → Mon is 3 days (normal); Tue → next Sat would be 4 days: a gap.
    expect(Array.from(horizonGapFlags(ts, 1, '1d'))).toEqual([0, 0, 0, 1, 0]);
    // A 10-bar horizon spans two weekends without being flagged: steps, not the total, are compared.
    const weekdays = syntheticSeries({ timeframe: '1d', bars: 40, skipWeekends: true, closeOnly: true }).timestamps;
    expect(Array.from(horizonGapFlags(weekdays, 10, '1d')).every((f) => f === 0)).toBe(true);
  });

  it('serving flags a prediction whose horizon reaches past Friday’s close, and none on daily bars', () => {
    expect(servedHorizonSpansGap(FRIDAY_21, 1, '1h')).toBe(true);
    // The calendar rule closes at 21:00 (summer), so in winter it flags from 20:00 on: one hour early.
    expect(servedHorizonSpansGap(FRIDAY_21 - 5 * HOUR, 4, '1h')).toBe(false);
    expect(servedHorizonSpansGap(FRIDAY_21 - 4 * HOUR, 4, '1h')).toBe(true);
    expect(servedHorizonSpansGap(FRIDAY_21 - 24 * HOUR, 1, '1h')).toBe(false);
    expect(servedHorizonSpansGap(FRIDAY_21 + 49 * HOUR, 1, '1h')).toBe(false); // Sunday 22:00
    expect(servedHorizonSpansGap(Date.UTC(2024, 0, 5), 1, '1d')).toBe(false);
    expect(servedHorizonSpansGap(Date.UTC(2024, 0, 5), 10, '1d')).toBe(false);
  });

  it("with a week of stored history the flag follows the feed's own closing hour", () => {
    const ts = hourlyFx(400).timestamps;
    const friday21 = ts.findIndex(
      (t, i) => i > 130 && new Date(t).getUTCDay() === 5 && new Date(t).getUTCHours() === 21,
    );
    // Winter feed: Friday 20:00 → 21:00 is an ordinary hour; Friday 21:00 → Sunday 22:00 is the weekend.
    expect(servedHorizonGap(ts.slice(0, friday21), 1, '1h')).toBe(false);
    expect(servedHorizonGap(ts.slice(0, friday21 + 1), 1, '1h')).toBe(true);
    expect(servedHorizonGap(ts.slice(0, friday21 + 1), 1, '1d')).toBe(false);
    // Without the week before: the calendar rule.
    expect(servedHorizonGap(ts.slice(friday21 - 3, friday21 + 1), 1, '1h')).toBe(true);
  });

  it('the dataset counts them (keep, the default: per part) or leaves them out (drop)', () => {
    const kept = buildDataset(config({}));
    const g = kept.stats.horizonGaps;
    expect(g.policy).toBe('keep');
    // About one sample a trading week (120 bars): Friday 21:00.
    expect(g.samples).toBeGreaterThanOrEqual(4);
    expect(g.train + g.validation + g.test + 0).toBeLessThanOrEqual(g.samples);
    const flaggedTest = kept.test.timestamps.filter(
      (t) => new Date(t).getUTCDay() === 5 && new Date(t).getUTCHours() === 21,
    );
    expect(g.test).toBe(flaggedTest.length);
    expect(kept.test.timestamps.some((t) => new Date(t).getUTCDay() === 5 && new Date(t).getUTCHours() === 21)).toBe(
      true,
    );

    const dropped = buildDataset(config({ horizonGaps: 'drop' }));
    expect(dropped.stats.horizonGaps).toEqual({ policy: 'drop', samples: g.samples, train: 0, validation: 0, test: 0 });
    expect(dropped.stats.candidates).toBe(kept.stats.candidates - g.samples);
    for (const part of [dropped.train, dropped.validation, dropped.test])
      expect(part.timestamps.some((t) => new Date(t).getUTCDay() === 5 && new Date(t).getUTCHours() === 21)).toBe(
        false,
      );
    expect(dropped.fingerprint).not.toBe(kept.fingerprint);
    // The default leaves the fingerprint of earlier datasets as it was.
    expect(buildDataset(config({ horizonGaps: 'keep' })).fingerprint).toBe(kept.fingerprint);
    expect(planDataset(config({ horizonGaps: 'drop' })).candidates).toBe(dropped.stats.candidates);
  });

  it('refuses an unknown policy', () => {
    expect(() => buildDataset(config({ horizonGaps: 'skip' as never }))).toThrow(InvalidDatasetConfigError);
  });
});
