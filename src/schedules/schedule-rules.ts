import { DataValidationError } from '../common/errors/app-error';
import type { ScheduleWindow } from './schedule.entity';

const field = (name: string, error: string) => ({ fields: [{ field: name, errors: [error] }] });

/**
 * A cron expression of five fields (minute hour day-of-month month day-of-week) or a macro
 * (@hourly, @daily, @weekly, @monthly, @yearly). pg-boss also takes six-field (seconds) and
 * RFC 5545 rules, but it fires at most once a minute and this field is named cron.
 */
export function checkCronShape(cron: string): void {
  const trimmed = cron.trim();
  if (/^@(hourly|daily|weekly|monthly|yearly|annually)$/.test(trimmed)) return;
  const fields = trimmed.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    throw new DataValidationError(
      `cron: "${cron}" is not a cron expression of 5 fields (minute hour day-of-month month day-of-week, e.g. "0 6 * * 1-5") or a macro such as @daily`,
      field('cron', 'must be 5 fields: minute hour day-of-month month day-of-week'),
      'INVALID_CRON',
    );
  }
}

export function invalidCron(cron: string, why: string): DataValidationError {
  return new DataValidationError(
    `cron: "${cron}" is not a valid cron expression: ${why}`,
    field('cron', why),
    'INVALID_CRON',
  );
}

/** An IANA zone name the runtime knows (Europe/London, America/New_York, UTC). */
export function checkTimezone(tz: string): void {
  let known = true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    known = false;
  }
  // Intl also takes offsets such as "+01:00"; a schedule's zone is a named one (daylight saving follows it).
  if (!known || !/^[A-Za-z]/.test(tz)) throw unknownTimezone(tz);
}

export function unknownTimezone(tz: string): DataValidationError {
  return new DataValidationError(
    `timezone: "${tz}" is not a known IANA time zone (e.g. UTC, Europe/London, America/New_York)`,
    field('timezone', 'must be an IANA time zone name'),
    'UNKNOWN_TIME_ZONE',
  );
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
/** Longest rolling window: 100 years. */
const MAX_LENGTH_MS = 100 * 365.25 * 86_400_000;

/** A rolling length such as 365d, 26w or 72h, in milliseconds. */
export function lengthMs(length: string): number {
  const m = /^([1-9][0-9]{0,6})([hdw])$/.exec(length);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
  if (!m || ms > MAX_LENGTH_MS) {
    throw new DataValidationError(
      `window.length: "${length}" is not a length such as 365d, 26w or 72h (hours, days or weeks, at most 100 years)`,
      field('window.length', 'must be <number><h|d|w>, e.g. 365d'),
      'INVALID_WINDOW',
    );
  }
  return ms;
}

/** Checks the window's own fields (kind and its one parameter) and returns it normalised. */
export function checkWindow(raw: { kind: string; length?: string | null; start_date?: string | null }): ScheduleWindow {
  // null is "not given", as undefined (the validator lets both through optional fields).
  if (raw.kind === 'rolling') {
    if (raw.start_date != null)
      throw new DataValidationError(
        'window: a rolling window has a length, not a start_date (that is an expanding window)',
        field('window.start_date', 'not allowed with kind rolling'),
        'INVALID_WINDOW',
      );
    if (raw.length == null)
      throw new DataValidationError(
        'window.length: a rolling window needs a length such as 365d',
        field('window.length', 'required with kind rolling'),
        'INVALID_WINDOW',
      );
    lengthMs(raw.length);
    return { kind: 'rolling', length: raw.length };
  }
  if (raw.length != null)
    throw new DataValidationError(
      'window: an expanding window has a start_date, not a length (that is a rolling window)',
      field('window.length', 'not allowed with kind expanding'),
      'INVALID_WINDOW',
    );
  if (raw.start_date == null)
    throw new DataValidationError(
      'window.start_date: an expanding window needs a start_date',
      field('window.start_date', 'required with kind expanding'),
      'INVALID_WINDOW',
    );
  return { kind: 'expanding', start_date: new Date(raw.start_date).toISOString() };
}

/** The training range of a run: the window ending at `latestBar`. */
export function resolveWindow(window: ScheduleWindow, latestBar: Date): { start: Date; end: Date } {
  const end = latestBar;
  const start =
    window.kind === 'rolling' ? new Date(end.getTime() - lengthMs(window.length)) : new Date(window.start_date);
  if (!(start < end)) {
    throw new DataValidationError(
      `window: the window starts at ${start.toISOString()}, not before the latest stored bar (${end.toISOString()}): choose an earlier start_date`,
      field('window.start_date', 'must be before the latest stored bar'),
      'INVALID_WINDOW',
    );
  }
  return { start, end };
}

/**
 * A cron expression and time zone a schedule may use: the shape first (five fields), then
 * pg-boss's own parser (`preview` throws where it cannot read it) in UTC and in the zone — a
 * zone Intl knows but pg-boss's parser does not is refused here rather than at 06:00.
 */
export function checkCron(cron: string, timezone: string, preview: (cron: string, timezone: string) => unknown): void {
  checkCronShape(cron);
  try {
    preview(cron.trim(), 'UTC');
  } catch (e) {
    throw invalidCron(cron, (e as Error).message);
  }
  checkTimezone(timezone);
  try {
    preview(cron.trim(), timezone);
  } catch {
    throw unknownTimezone(timezone);
  }
}
