/**
 * The contract between this service and the platform's Feature Store Service.
 *
 * This comment is the source of the README section; keep the two in step.
 *
 * ## Feature Store contract (what the ML Workbench calls)
 *
 * Request
 *
 *     GET {FEATURE_STORE_URL}/api/v1/features?symbol=EUR%2FUSD&timeframe=1h&features=rsi_14%2Csma_20&start=2024-01-01T00%3A00%3A00.000Z&end=2024-01-31T23%3A00%3A00.000Z
 *     Accept: application/json
 *     X-API-Key: <key>            (only when a key is configured for the feature store)
 *
 * - Every query value is URL-encoded (`/` → `%2F`, `,` → `%2C`, `:` → `%3A`).
 * - `features` is the comma-separated list of feature names, in the order the caller wants
 *   them; names are unique and contain no comma or whitespace.
 * - `start` and `end` are ISO-8601 UTC instants with milliseconds (`toISOString()`); the
 *   range is inclusive at both ends: a row is wanted when `start <= timestamp <= end`.
 * - Credentials written into `FEATURE_STORE_URL` (`http://user:pass@host`) are sent as
 *   `Authorization: Basic …` and never appear in errors or logs.
 *
 * Response 200, `Content-Type: application/json`
 *
 *     {
 *       "symbol": "EUR/USD",
 *       "timeframe": "1h",
 *       "features": ["rsi_14", "sma_20"],
 *       "rows": [
 *         { "timestamp": "2024-01-01T00:00:00Z", "values": { "rsi_14": null, "sma_20": null } },
 *         { "timestamp": "2024-01-01T01:00:00Z", "values": { "rsi_14": 51.2, "sma_20": 1.1012 } }
 *       ]
 *     }
 *
 * The client accepts a 200 only when every one of these checks passes (the failed check's
 * name is reported as `details.check` of a 502 `FEATURE_STORE_BAD_RESPONSE`):
 *
 * | check                 | rule                                                                       |
 * | --------------------- | -------------------------------------------------------------------------- |
 * | `size`                | the body is at most `maxResponseBytes` (default 64 MiB)                    |
 * | `json`                | the body parses as JSON                                                    |
 * | `shape`               | an object with string `symbol`, string `timeframe`, array `features`, array `rows` |
 * | `symbol`, `timeframe` | equal to the requested ones, character for character                      |
 * | `features`            | the same set of names as requested: none missing, none extra, no repeats   |
 * | `row_shape`           | each row is `{ "timestamp": string, "values": object }`                    |
 * | `timestamp`           | `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, a real calendar instant        |
 * | `range`               | `start <= timestamp <= end`                                                |
 * | `duplicate_timestamp` | no two rows share an instant                                               |
 * | `order`               | rows are sorted by timestamp, ascending                                    |
 * | `missing_value`       | every requested feature is a key of every row's `values`                   |
 * | `extra_value`         | no row carries a feature that was not requested                            |
 * | `value_type`          | every value is a finite JSON number or `null` (null = warm-up, no value)   |
 *
 * An empty `rows` array is valid: the store has no bars in the range.
 *
 * Other answers
 *
 * - 429, 502, 503, 504, a refused or reset connection, or no full answer within the
 *   per-attempt timeout: retried with exponential backoff and jitter; a `Retry-After`
 *   header (seconds or HTTP date) on 429/503 is honoured up to a cap.
 * - 400/404/422 whose JSON body has `error_code` (or `code`) `UNKNOWN_FEATURE` or
 *   `FEATURE_NOT_FOUND`: the caller asked for a feature the store does not have — 422
 *   `FEATURE_STORE_UNKNOWN_FEATURE`, not retried. The names are read from
 *   `details.features` / `details.feature` / `features` / `feature` when present.
 * - Any other 4xx: 502 `FEATURE_STORE_REJECTED` (status + body excerpt), not retried.
 * - 500, 501 and other 5xx: 502 `FEATURE_STORE_FAILED` (status + body excerpt), not retried.
 * - Any other 2xx, or a redirect (3xx: redirects are not followed, so the API key never
 *   travels to another host): 502 `FEATURE_STORE_BAD_RESPONSE`, check `status`.
 *
 * What the service gets back: `{ timestamps: number[] (ms UTC), values: { [feature]: (number|null)[] } }`,
 * the arrays parallel to `timestamps`, the `values` keys in the requested order.
 */
import { DataValidationError } from '../../common/errors/app-error';

/** What a caller asks the feature store for. Instants: Date, ms since epoch, or ISO-8601 string. */
export interface FeatureStoreQuery {
  symbol: string;
  timeframe: string;
  features: readonly string[];
  start: Date | number | string;
  end: Date | number | string;
}

/** The query after validation: instants as ms UTC. */
export interface NormalisedFeatureQuery {
  symbol: string;
  timeframe: string;
  features: string[];
  startMs: number;
  endMs: number;
}

/** The shape the rest of the service consumes: columns parallel to `timestamps`. */
export interface FeatureFrame {
  timestamps: number[];
  values: Record<string, (number | null)[]>;
}

/** Path of the feature endpoint, relative to FEATURE_STORE_URL. */
export const FEATURE_STORE_PATH = '/api/v1/features';

/** Names of the checks the response validator runs; reported as `details.check`. */
export type ContractCheck =
  | 'status'
  | 'size'
  | 'json'
  | 'shape'
  | 'symbol'
  | 'timeframe'
  | 'features'
  | 'row_shape'
  | 'timestamp'
  | 'range'
  | 'duplicate_timestamp'
  | 'order'
  | 'missing_value'
  | 'extra_value'
  | 'value_type';

/** A 200 response that breaks the contract; the client turns it into a 502. */
export class ContractViolation extends Error {
  constructor(
    readonly check: ContractCheck,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(`${check}: ${message}`);
    this.name = 'ContractViolation';
  }
}

// Seconds required, fraction optional, offset required: a timestamp without a zone is ambiguous.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Parses a strict ISO-8601 instant to ms UTC, or returns null. Checks the calendar itself,
 * because Date.parse silently rolls 2024-02-30 over to March 1st.
 */
export function parseIsoInstant(text: string): number | null {
  const m = ISO_INSTANT.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

function toInstant(name: 'start' | 'end', value: Date | number | string): number {
  let ms: number | null = null;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = Number.isInteger(value) ? value : null;
  else if (typeof value === 'string') ms = parseIsoInstant(value);
  if (ms === null || !Number.isFinite(ms)) {
    throw new DataValidationError(
      `${name} must be a valid instant (Date, integer ms or ISO-8601 with zone); got ${JSON.stringify(value)}`,
      {
        field: name,
        value: String(value),
      },
    );
  }
  return ms;
}

// Names travel comma-separated in one query value, so commas and whitespace cannot be part of one.
const FEATURE_NAME = /^[^\s,]+$/;
const TOKEN = /^\S+$/;

/** Validates what the caller asked for (422 `VALIDATION_FAILED` naming the field) before any HTTP call. */
export function normaliseFeatureQuery(query: FeatureStoreQuery): NormalisedFeatureQuery {
  const invalid = (field: string, message: string) => new DataValidationError(message, { field });
  if (typeof query.symbol !== 'string' || !TOKEN.test(query.symbol))
    throw invalid('symbol', 'symbol must be a non-empty string without whitespace');
  if (typeof query.timeframe !== 'string' || !TOKEN.test(query.timeframe))
    throw invalid('timeframe', 'timeframe must be a non-empty string without whitespace');
  // Checked at run time too: a caller in plain JavaScript can pass anything here.
  const features: readonly unknown[] = Array.isArray(query.features) ? query.features : [];
  if (features.length === 0) throw invalid('features', 'features must name at least one feature');
  const bad = features.filter((f) => typeof f !== 'string' || !FEATURE_NAME.test(f));
  if (bad.length)
    throw invalid(
      'features',
      `feature names must be non-empty and contain no comma or whitespace: ${bad.map((f) => JSON.stringify(f)).join(', ')}`,
    );
  const repeated = features.filter((f, i) => features.indexOf(f) !== i);
  if (repeated.length) throw invalid('features', `features are repeated: ${[...new Set(repeated)].join(', ')}`);
  const startMs = toInstant('start', query.start);
  const endMs = toInstant('end', query.end);
  if (startMs > endMs)
    throw invalid(
      'start',
      `start (${new Date(startMs).toISOString()}) is after end (${new Date(endMs).toISOString()})`,
    );
  return { symbol: query.symbol, timeframe: query.timeframe, features: [...query.features], startMs, endMs };
}

/** `path?query` of the request, every value URL-encoded, in the documented parameter order. */
export function featureStorePathAndQuery(q: NormalisedFeatureQuery): string {
  const params = new URLSearchParams({
    symbol: q.symbol,
    timeframe: q.timeframe,
    features: q.features.join(','),
    start: new Date(q.startMs).toISOString(),
    end: new Date(q.endMs).toISOString(),
  });
  return `${FEATURE_STORE_PATH}?${params.toString()}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and strictly validates a 200 body against the query; throws ContractViolation naming the check. */
export function parseFeatureStoreBody(text: string, q: NormalisedFeatureQuery): FeatureFrame {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new ContractViolation('json', `body is not JSON (${(e as Error).message})`);
  }
  return validateFeatureStoreResponse(body, q);
}

/** Validates an already-parsed 200 body; see the check table above. */
export function validateFeatureStoreResponse(body: unknown, q: NormalisedFeatureQuery): FeatureFrame {
  if (!isObject(body)) throw new ContractViolation('shape', 'body is not a JSON object');
  for (const [key, type] of [
    ['symbol', 'string'],
    ['timeframe', 'string'],
    ['features', 'array'],
    ['rows', 'array'],
  ] as const) {
    const ok = type === 'array' ? Array.isArray(body[key]) : typeof body[key] === type;
    if (!ok)
      throw new ContractViolation('shape', `field "${key}" must be ${type === 'array' ? 'an array' : 'a string'}`, {
        field: key,
      });
  }
  if (body.symbol !== q.symbol)
    throw new ContractViolation(
      'symbol',
      `symbol is ${JSON.stringify(body.symbol)}, asked for ${JSON.stringify(q.symbol)}`,
    );
  if (body.timeframe !== q.timeframe)
    throw new ContractViolation(
      'timeframe',
      `timeframe is ${JSON.stringify(body.timeframe)}, asked for ${JSON.stringify(q.timeframe)}`,
    );
  checkFeatureList(body.features as unknown[], q.features);

  const rows = body.rows as unknown[];
  const timestamps: number[] = [];
  const values: Record<string, (number | null)[]> = Object.fromEntries(
    q.features.map((f) => [f, [] as (number | null)[]]),
  );
  const wanted = new Set(q.features);
  rows.forEach((row, index) => {
    if (!isObject(row) || typeof row.timestamp !== 'string' || !isObject(row.values)) {
      throw new ContractViolation('row_shape', `row ${index} must be {"timestamp": string, "values": object}`, {
        row: index,
      });
    }
    const ts = parseIsoInstant(row.timestamp);
    if (ts === null)
      throw new ContractViolation(
        'timestamp',
        `row ${index}: ${JSON.stringify(row.timestamp)} is not an ISO-8601 instant with zone`,
        { row: index },
      );
    if (ts < q.startMs || ts > q.endMs)
      throw new ContractViolation('range', `row ${index}: ${row.timestamp} is outside the requested range`, {
        row: index,
      });
    const previous = timestamps[timestamps.length - 1];
    if (previous === ts)
      throw new ContractViolation(
        'duplicate_timestamp',
        `row ${index}: ${row.timestamp} repeats the previous row's instant`,
        { row: index },
      );
    if (previous !== undefined && ts < previous)
      throw new ContractViolation(
        'order',
        `row ${index}: ${row.timestamp} comes before the previous row; rows must be ascending`,
        { row: index },
      );
    timestamps.push(ts);
    for (const feature of q.features) {
      if (!Object.prototype.hasOwnProperty.call(row.values, feature)) {
        throw new ContractViolation('missing_value', `row ${index} (${row.timestamp}) has no value for "${feature}"`, {
          row: index,
          feature,
        });
      }
      const v = row.values[feature];
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
        throw new ContractViolation(
          'value_type',
          `row ${index} (${row.timestamp}) "${feature}" is ${JSON.stringify(v)}; expected a finite number or null`,
          { row: index, feature },
        );
      }
      values[feature].push(v);
    }
    const extra = Object.keys(row.values).filter((k) => !wanted.has(k));
    if (extra.length)
      throw new ContractViolation(
        'extra_value',
        `row ${index} (${row.timestamp}) carries unrequested features: ${extra.join(', ')}`,
        { row: index, features: extra },
      );
  });
  return { timestamps, values };
}

function checkFeatureList(listed: unknown[], requested: string[]): void {
  const names = listed.filter((f): f is string => typeof f === 'string');
  if (names.length !== listed.length) throw new ContractViolation('features', 'features must be an array of strings');
  const missing = requested.filter((f) => !names.includes(f));
  const extra = names.filter((f) => !requested.includes(f));
  const repeated = names.filter((f, i) => names.indexOf(f) !== i);
  if (missing.length || extra.length || repeated.length) {
    const parts = [
      missing.length && `missing ${missing.join(', ')}`,
      extra.length && `unrequested ${extra.join(', ')}`,
      repeated.length && `repeated ${repeated.join(', ')}`,
    ];
    throw new ContractViolation(
      'features',
      `features list does not match the request: ${parts.filter(Boolean).join('; ')}`,
      { missing, extra, repeated },
    );
  }
}
