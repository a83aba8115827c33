/**
 * Checks on a caller's feature arrays, done before anything is batched, with messages that
 * say what to send. Pure: the caller maps nothing, every failure is an AppError (422).
 */
import { ModelError } from '../common/errors/app-error';

export interface FeatureWindowRows {
  /** The last `window` rows, oldest first, each in the model's feature order. */
  rows: number[][];
  /** Values per feature array in the request. */
  length: number;
}

const fieldError = (field: string, message: string, code: string, extra: Record<string, unknown> = {}) =>
  new ModelError(message, { ...extra, fields: [{ field, errors: [message] }] }, code);

const describe = (v: unknown): string =>
  v === null
    ? 'null'
    : typeof v === 'string'
      ? `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`
      : Array.isArray(v)
        ? 'an array'
        : typeof v === 'number'
          ? String(v)
          : `a ${typeof v}`;

/**
 * `features` must be an object whose keys are exactly the model's feature names, each an
 * array of finite numbers, all of one length, at least `window` long. Returns the last
 * `window` rows in the model's order (what windowFromRows scales).
 */
export function featureRows(
  features: unknown,
  names: readonly string[],
  window: number,
  prefix = 'features',
): FeatureWindowRows {
  if (features === null || typeof features !== 'object' || Array.isArray(features)) {
    throw fieldError(
      prefix,
      `${prefix} must be an object mapping each of the model's features (${names.join(', ')}) to an array of at least ${window} numbers, oldest first`,
      'INVALID_FEATURES',
      { expected_features: names, window },
    );
  }
  const given = features as Record<string, unknown>;
  const keys = Object.keys(given);
  const missing = names.filter((n) => !Object.hasOwn(given, n));
  const extra = keys.filter((k) => !names.includes(k));
  if (missing.length || extra.length) {
    const parts = [`${prefix} must be exactly this model's features: ${names.join(', ')}.`];
    if (missing.length) parts.push(`Missing: ${missing.join(', ')}.`);
    if (extra.length) parts.push(`Not used by this model (remove them): ${extra.join(', ')}.`);
    throw new ModelError(
      parts.join(' '),
      { expected_features: names, missing, extra, fields: [{ field: prefix, errors: parts.slice(1) }] },
      'FEATURE_MISMATCH',
    );
  }
  let length = -1;
  let lengthOf = '';
  for (const name of names) {
    const values: unknown = given[name];
    const field = `${prefix}.${name}`;
    if (!Array.isArray(values))
      throw fieldError(
        field,
        `${field} must be an array of numbers (oldest first), got ${describe(values)}`,
        'INVALID_FEATURES',
      );
    if (values.length < window) {
      throw fieldError(
        field,
        `${field} has ${values.length} value${values.length === 1 ? '' : 's'}; the model needs at least its window of ${window} (the last ${window} are used)`,
        'WINDOW_TOO_SHORT',
        { feature: name, needed: window, given: values.length },
      );
    }
    if (length === -1) {
      length = values.length;
      lengthOf = name;
    } else if (values.length !== length) {
      throw fieldError(
        field,
        `all feature arrays must have the same length: ${prefix}.${lengthOf} has ${length} values, ${field} has ${values.length}`,
        'FEATURE_LENGTH_MISMATCH',
        {
          lengths: Object.fromEntries(
            names.map((n) => [n, Array.isArray(given[n]) ? (given[n] as unknown[]).length : null]),
          ),
        },
      );
    }
    for (let i = 0; i < values.length; i++) {
      const v: unknown = values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw fieldError(
          `${field}[${i}]`,
          `${field}[${i}] is ${describe(v)}: only finite numbers are accepted`,
          'NON_FINITE_FEATURE',
          { feature: name, index: i },
        );
      }
    }
  }
  const F = names.length;
  const rows = new Array<number[]>(window);
  const start = length - window;
  for (let w = 0; w < window; w++) {
    const row = new Array<number>(F);
    for (let j = 0; j < F; j++) row[j] = (given[names[j]] as number[])[start + w];
    rows[w] = row;
  }
  return { rows, length };
}
