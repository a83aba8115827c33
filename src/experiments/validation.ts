import { DataValidationError } from '../common/errors/app-error';

/** Keys of params, metrics and tags: MLflow's alphabet (letters, digits, _ - . space / :), 1–250 characters. */
const KEY_PATTERN = /^[A-Za-z0-9_\-. /:]{1,250}$/;
export const LIMITS = {
  paramValue: 6000,
  tagValue: 8000,
  name: 200,
  compareRuns: 20,
  metricsPerCall: 1000,
  paramsPerCall: 100,
  tagsPerCall: 100,
} as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids: anything else cannot name a row (and would make PostgreSQL fail the cast). */
export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

export function checkKey(key: unknown, field: string): string {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key) || key.includes('..') || key.startsWith('/')) {
    throw new DataValidationError(
      `${field} ${JSON.stringify(String(key).slice(0, 60))} is not a valid key: 1-250 characters of letters, digits, '_', '-', '.', ' ', '/' or ':' (no '..', not starting with '/')`,
      { field },
      'INVALID_KEY',
    );
  }
  return key;
}

export function checkMap(map: unknown, field: string, maxValue: number): asserts map is Record<string, string> {
  if (!map || typeof map !== 'object' || Array.isArray(map))
    throw new DataValidationError(`${field} must be an object of string values`, { field }, 'VALIDATION_FAILED');
  const entries = Object.entries(map);
  const max = field === 'params' ? LIMITS.paramsPerCall : LIMITS.tagsPerCall;
  if (entries.length > max * 10)
    throw new DataValidationError(`At most ${max * 10} ${field} per call`, { field }, 'VALIDATION_FAILED');
  for (const [k, v] of entries) {
    checkKey(k, `${field}.${k.slice(0, 60)}`);
    if (typeof v !== 'string')
      throw new DataValidationError(`${field}.${k} must be a string`, { field: `${field}.${k}` }, 'VALIDATION_FAILED');
    if (v.length > maxValue)
      throw new DataValidationError(
        `${field}.${k} is longer than ${maxValue} characters`,
        { field: `${field}.${k}` },
        'VALIDATION_FAILED',
      );
  }
}

export function checkName(name: unknown, field: string): string {
  if (typeof name !== 'string' || !name.trim() || name.length > LIMITS.name)
    throw new DataValidationError(`${field} must be 1-${LIMITS.name} characters`, { field }, 'VALIDATION_FAILED');
  return name.trim();
}

export function checkMillis(value: unknown, field: string): Date {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 253402300799999) {
    throw new DataValidationError(
      `${field} must be milliseconds since the epoch (an integer)`,
      { field },
      'VALIDATION_FAILED',
    );
  }
  return new Date(value);
}

export function splitTagChanges(tags: Record<string, string | null>): {
  set: Record<string, string>;
  remove: string[];
} {
  if (!tags || typeof tags !== 'object' || Array.isArray(tags))
    throw new DataValidationError('tags must be an object', { field: 'tags' }, 'VALIDATION_FAILED');
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const [k, v] of Object.entries(tags)) {
    if (v === null) remove.push(k);
    else set[k] = v;
  }
  checkMap(set, 'tags', LIMITS.tagValue);
  return { set, remove };
}
