/**
 * Calendar features from the bar's open time (UTC). Encoded on the unit circle so that
 * 23:00 sits next to 00:00 and Sunday next to Monday, which a raw hour/day number hides
 * from a model. They need no price column and no warm-up; being functions of the bar's own
 * timestamp only, they are trivially causal.
 */
import type { FeatureDefinition } from './definition';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Hour of the UTC day as a fraction (14:30 -> 14.5), so sub-hour bars stay distinct. */
function hourOfDay(t: number): number {
  return (((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

/** Day of week, 0 = Sunday … 6 = Saturday (UTC), as Date.getUTCDay. */
function dayOfWeek(t: number): number {
  return new Date(t).getUTCDay();
}

function calendar(pattern: string, description: string, f: (t: number) => number): FeatureDefinition {
  return {
    pattern,
    group: 'calendar',
    parameters: [],
    fixed: {},
    columns: [],
    description,
    warmupRule: '0',
    warmup: () => 0,
    compute: (input) => input.series.timestamps.map(f),
  };
}

export const CALENDAR_FEATURES: FeatureDefinition[] = [
  calendar('hour_sin', 'sin(2 pi hour / 24), hour of the UTC day of the bar open (fractional).', (t) =>
    Math.sin((2 * Math.PI * hourOfDay(t)) / 24),
  ),
  calendar('hour_cos', 'cos(2 pi hour / 24), hour of the UTC day of the bar open (fractional).', (t) =>
    Math.cos((2 * Math.PI * hourOfDay(t)) / 24),
  ),
  calendar('dow_sin', 'sin(2 pi day / 7), UTC day of week of the bar open, 0 = Sunday.', (t) =>
    Math.sin((2 * Math.PI * dayOfWeek(t)) / 7),
  ),
  calendar('dow_cos', 'cos(2 pi day / 7), UTC day of week of the bar open, 0 = Sunday.', (t) =>
    Math.cos((2 * Math.PI * dayOfWeek(t)) / 7),
  ),
];
