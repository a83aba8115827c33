import { DataValidationError } from '../common/errors/app-error';

/** One dimension of a search space, as the request gives it. */
export type Dimension =
  | { type: 'choice'; values: Array<string | number | boolean> }
  | { type: 'int'; min: number; max: number; log?: boolean }
  | { type: 'float'; min: number; max: number; log?: boolean; steps?: number };

/** Path (`hyperparameters.units`, `window`) → dimension. */
export type SearchSpace = Record<string, Dimension>;
export type TrialParams = Record<string, string | number | boolean>;

/** Fields a trial may not change: they name the model, its run and its trainer. */
const FIXED_FIELDS = new Set(['name', 'model_id', 'model_type', 'experiment', 'tags', 'description']);
const PATH = /^[a-z][a-z0-9_]{0,39}(\.[a-z][a-z0-9_]{0,39})?$/;
export const MAX_DIMENSIONS = 16;
export const MAX_CHOICES = 64;

function invalid(field: string, message: string, code = 'INVALID_SEARCH_SPACE'): never {
  throw new DataValidationError(
    `space.${field}: ${message}`,
    { fields: [{ field: `space.${field}`, errors: [message] }] },
    code,
  );
}

/**
 * Checks a space and returns it with its keys sorted (the order every strategy walks, so
 * proposals depend on the seed alone, not on the body's key order). An empty space, an
 * unbounded or non-finite range (JSON's 1e999 parses as Infinity), a log range touching 0
 * and an empty choice are 422s.
 */
export function parseSpace(raw: unknown): SearchSpace {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    invalid('', 'must be an object of parameter paths to dimensions', 'EMPTY_SEARCH_SPACE');
  const keys = Object.keys(raw).sort();
  if (!keys.length)
    throw new DataValidationError(
      'space: the search space is empty; name at least one parameter, e.g. {"hyperparameters.units": {"type": "choice", "values": [16, 32]}}',
      { fields: [{ field: 'space', errors: ['must name at least one parameter'] }] },
      'EMPTY_SEARCH_SPACE',
    );
  if (keys.length > MAX_DIMENSIONS) invalid('', `at most ${MAX_DIMENSIONS} parameters`);
  const out: SearchSpace = {};
  for (const key of keys) {
    if (!PATH.test(key)) invalid(key, 'must be a train-request field path such as hyperparameters.units or window');
    if (FIXED_FIELDS.has(key.split('.')[0]))
      invalid(key, `${key.split('.')[0]} is fixed by the sweep's base request and cannot be searched`);
    out[key] = parseDimension(key, (raw as Record<string, unknown>)[key]);
  }
  return out;
}

function parseDimension(key: string, d: unknown): Dimension {
  if (!d || typeof d !== 'object' || Array.isArray(d)) invalid(key, 'must be {"type": "choice" | "int" | "float", …}');
  const dim = d as Record<string, unknown>;
  const allowed =
    dim.type === 'choice'
      ? ['type', 'values']
      : dim.type === 'int'
        ? ['type', 'min', 'max', 'log']
        : ['type', 'min', 'max', 'log', 'steps'];
  if (dim.type === 'choice') {
    const values = dim.values;
    if (!Array.isArray(values) || values.length === 0) invalid(key, 'a choice needs a non-empty values array');
    if (values.length > MAX_CHOICES) invalid(key, `at most ${MAX_CHOICES} values`);
    for (const v of values) {
      const ok =
        typeof v === 'string'
          ? v.length <= 200
          : typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
      if (!ok) invalid(key, 'choice values must be finite numbers, strings (≤ 200 characters) or booleans');
    }
    if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length)
      invalid(key, 'choice values must be distinct');
    checkKeys(key, dim, allowed);
    return { type: 'choice', values: values as Array<string | number | boolean> };
  }
  if (dim.type !== 'int' && dim.type !== 'float') invalid(key, 'type must be choice, int or float');
  checkKeys(key, dim, allowed);
  const { min, max } = dim;
  if (typeof min !== 'number' || typeof max !== 'number') invalid(key, 'a range needs numeric min and max');
  if (!Number.isFinite(min) || !Number.isFinite(max))
    invalid(key, 'the range is infinite: min and max must be finite numbers', 'INFINITE_SEARCH_SPACE');
  if (min > max) invalid(key, 'min must not exceed max');
  if (dim.log !== undefined && typeof dim.log !== 'boolean') invalid(key, 'log must be true or false');
  if (dim.log && min <= 0) invalid(key, 'a log-scale range needs min > 0');
  if (dim.type === 'int') {
    if (!Number.isInteger(min) || !Number.isInteger(max)) invalid(key, 'an int range needs integer min and max');
    if (max - min > 1e9) invalid(key, 'an int range may span at most 1e9 values');
    return { type: 'int', min, max, ...(dim.log ? { log: true } : {}) };
  }
  if (
    dim.steps !== undefined &&
    (typeof dim.steps !== 'number' || !Number.isInteger(dim.steps) || dim.steps < 2 || dim.steps > MAX_CHOICES)
  )
    invalid(key, `steps (grid points of a float range) must be an integer from 2 to ${MAX_CHOICES}`);
  return {
    type: 'float',
    min,
    max,
    ...(dim.log ? { log: true } : {}),
    ...(dim.steps ? { steps: dim.steps } : {}),
  };
}

function checkKeys(key: string, dim: Record<string, unknown>, allowed: string[]): void {
  const extra = Object.keys(dim).filter((k) => !allowed.includes(k));
  if (extra.length)
    invalid(
      key,
      `unknown field(s) ${extra.join(', ')} for a ${String(dim.type)} dimension (allowed: ${allowed.join(', ')})`,
    );
}

/** The values a dimension's extremes and choices take: checked against the train-request rules before anything runs. */
export function probeValues(dim: Dimension): Array<string | number | boolean> {
  return dim.type === 'choice' ? dim.values : [dim.min, dim.max];
}

/** The base request with a trial's parameters written at their paths (a new object; the base is not changed). */
export function applyParams(base: Record<string, unknown>, params: TrialParams): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [path, value] of Object.entries(params)) {
    const [head, tail] = path.split('.');
    if (tail === undefined) out[head] = value;
    else {
      const inner = out[head];
      out[head] = {
        ...(inner && typeof inner === 'object' && !Array.isArray(inner) ? inner : {}),
        [tail]: value,
      };
    }
  }
  return out;
}

/**
 * The dimensions in sorted key order. Strategies walk this, never the object's own key order:
 * a space read back from jsonb has its keys reordered (PostgreSQL sorts them by length).
 */
export function dimensions(space: SearchSpace): Array<[string, Dimension]> {
  return Object.keys(space)
    .sort()
    .map((k) => [k, space[k]]);
}
