/**
 * The instants a bar may have: years 0000–9999 UTC. Every one round-trips through ISO 8601
 * (four-digit years), JavaScript's Date (±8.64e15 ms) and PostgreSQL's timestamptz
 * (4713 BC – 294276 AD), so no stored bar, cursor or range bound can make the database
 * answer "timestamp out of range".
 */
export const MIN_BAR_MS = Date.parse('0000-01-01T00:00:00.000Z');
export const MAX_BAR_MS = Date.parse('9999-12-31T23:59:59.999Z');

export const BAR_TIME_RANGE_TEXT = '0000-01-01 to 9999-12-31 (UTC)';

/** True for an integer number of milliseconds inside the range above. */
export function isBarTime(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= MIN_BAR_MS && ms <= MAX_BAR_MS;
}
