/** The contract's pure parts: query validation, URL, strict response validator, retry policy. */
import { DataValidationError } from '../../common/errors/app-error';
import {
  ContractViolation,
  featureStorePathAndQuery,
  normaliseFeatureQuery,
  parseFeatureStoreBody,
  parseIsoInstant,
  validateFeatureStoreResponse,
  type NormalisedFeatureQuery,
} from './feature-store.contract';
import { readUnknownFeature } from './feature-store.errors';
import { resolveFeatureStoreOptions } from './feature-store.options';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from './feature-store.retry';

const Q: NormalisedFeatureQuery = {
  symbol: 'EUR/USD',
  timeframe: '1h',
  features: ['rsi_14', 'sma_20'],
  startMs: Date.UTC(2024, 0, 1),
  endMs: Date.UTC(2024, 0, 2),
};
const row = (timestamp: string, values: Record<string, unknown> = { rsi_14: 1, sma_20: 2 }) => ({ timestamp, values });
const body = (rows: unknown[], over: Record<string, unknown> = {}) => ({
  symbol: 'EUR/USD',
  timeframe: '1h',
  features: ['sma_20', 'rsi_14'],
  rows,
  ...over,
});

function checkOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof ContractViolation) return e.check;
    throw e;
  }
  return 'passed';
}

describe('parseIsoInstant', () => {
  it.each([
    ['2024-01-01T00:00:00Z', Date.UTC(2024, 0, 1)],
    ['2024-01-01T02:00:00+02:00', Date.UTC(2024, 0, 1)],
    ['2024-01-01T00:00:00.250Z', Date.UTC(2024, 0, 1) + 250],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('accepts %s', (text, ms) => expect(parseIsoInstant(text)).toBe(ms));

  it.each([
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:00:00',
    '2024-01-01',
    '1704067200000',
    '2024-01-01T00:00Z',
    ' 2024-01-01T00:00:00Z',
  ])('rejects %s', (text) => expect(parseIsoInstant(text)).toBeNull());
});

describe('normaliseFeatureQuery and the request URL', () => {
  const query = {
    symbol: 'EUR/USD',
    timeframe: '1h',
    features: ['rsi_14', 'sma_20'],
    start: '2024-01-01T00:00:00Z',
    end: '2024-01-02T00:00:00Z',
  };

  it('builds the documented, URL-encoded path and query', () => {
    expect(featureStorePathAndQuery(normaliseFeatureQuery(query))).toBe(
      '/api/v1/features?symbol=EUR%2FUSD&timeframe=1h&features=rsi_14%2Csma_20&start=2024-01-01T00%3A00%3A00.000Z&end=2024-01-02T00%3A00%3A00.000Z',
    );
  });

  it.each([
    ['symbol', { symbol: '' }],
    ['timeframe', { timeframe: '1 h' }],
    ['features', { features: [] }],
    ['features', { features: ['rsi_14,sma_20'] }],
    ['features', { features: ['rsi_14', 'rsi_14'] }],
    ['start', { start: 'yesterday' }],
    ['end', { end: new Date('nope') }],
    ['start', { start: 1.5 }],
    ['start', { start: '2024-01-03T00:00:00Z' }],
  ])('rejects a bad %s with 422', (field, over) => {
    let caught: unknown;
    try {
      normaliseFeatureQuery({ ...query, ...over });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DataValidationError);
    expect((caught as DataValidationError).details).toMatchObject({ field });
  });
});

describe('validateFeatureStoreResponse', () => {
  it('returns ms timestamps and columns in the requested order, nulls kept', () => {
    const frame = validateFeatureStoreResponse(
      body([row('2024-01-01T00:00:00Z', { rsi_14: null, sma_20: null }), row('2024-01-01T01:00:00Z')]),
      Q,
    );
    expect(frame).toEqual({
      timestamps: [Date.UTC(2024, 0, 1, 0), Date.UTC(2024, 0, 1, 1)],
      values: { rsi_14: [null, 1], sma_20: [null, 2] },
    });
    expect(Object.keys(frame.values)).toEqual(['rsi_14', 'sma_20']);
  });

  it('accepts both ends of the inclusive range', () => {
    expect(
      checkOf(() => validateFeatureStoreResponse(body([row('2024-01-01T00:00:00Z'), row('2024-01-02T00:00:00Z')]), Q)),
    ).toBe('passed');
  });

  it.each([
    ['json', () => parseFeatureStoreBody('{"rows": [', Q)],
    ['shape', () => validateFeatureStoreResponse(null, Q)],
    ['shape', () => validateFeatureStoreResponse(body([], { rows: {} }), Q)],
    ['shape', () => validateFeatureStoreResponse(body([], { timeframe: 60 }), Q)],
    ['timeframe', () => validateFeatureStoreResponse(body([], { timeframe: '1H' }), Q)],
    ['features', () => validateFeatureStoreResponse(body([], { features: ['rsi_14'] }), Q)],
    ['features', () => validateFeatureStoreResponse(body([], { features: ['rsi_14', 'sma_20', 'sma_20'] }), Q)],
    ['features', () => validateFeatureStoreResponse(body([], { features: ['rsi_14', 20] }), Q)],
    ['row_shape', () => validateFeatureStoreResponse(body(['2024-01-01T00:00:00Z']), Q)],
    ['row_shape', () => validateFeatureStoreResponse(body([{ timestamp: 1704067200000, values: {} }]), Q)],
    ['timestamp', () => validateFeatureStoreResponse(body([row('2024-02-30T00:00:00Z')]), Q)],
    ['range', () => validateFeatureStoreResponse(body([row('2023-12-31T23:00:00Z')]), Q)],
    [
      'value_type',
      () => validateFeatureStoreResponse(body([row('2024-01-01T00:00:00Z', { rsi_14: '51.2', sma_20: 1 })]), Q),
    ],
    [
      'value_type',
      () => validateFeatureStoreResponse(body([row('2024-01-01T00:00:00Z', { rsi_14: true, sma_20: 1 })]), Q),
    ],
    [
      'value_type',
      () => validateFeatureStoreResponse(body([row('2024-01-01T00:00:00Z', { rsi_14: Number.NaN, sma_20: 1 })]), Q),
    ],
  ])('fails check %s', (check, run) => expect(checkOf(run)).toBe(check));

  it('says which row and feature broke the rule', () => {
    expect(() =>
      validateFeatureStoreResponse(body([row('2024-01-01T00:00:00Z'), row('2024-01-01T01:00:00Z', { rsi_14: 1 })]), Q),
    ).toThrow('missing_value: row 1 (2024-01-01T01:00:00Z) has no value for "sma_20"');
  });
});

describe('retry policy', () => {
  it('retries only 429, 502, 503, 504', () => {
    expect([400, 401, 404, 422, 429, 500, 501, 502, 503, 504].filter(isRetryableStatus)).toEqual([429, 502, 503, 504]);
  });

  it('backs off exponentially, capped, jittered between 50 and 100 %', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, 200, 2_000, () => 0.999999))).toEqual([
      200, 400, 800, 1_600, 2_000,
    ]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, 200, 2_000, () => 0))).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2024, 0, 1, 12);
    expect(parseRetryAfterMs('3', now)).toBe(3_000);
    expect(parseRetryAfterMs('Mon, 01 Jan 2024 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfterMs('Mon, 01 Jan 2024 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('-1', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });

  it('rejects nonsensical options at construction', () => {
    expect(() => resolveFeatureStoreOptions({ timeoutMs: 0 })).toThrow('timeoutMs must be a positive number');
    expect(() => resolveFeatureStoreOptions({ retries: 1.5 })).toThrow('retries must be an integer');
    expect(resolveFeatureStoreOptions({ timeoutMs: undefined, apiKey: '' })).toMatchObject({
      timeoutMs: 5_000,
      apiKey: undefined,
    });
  });
});

describe('readUnknownFeature', () => {
  it('recognises the store saying a feature is unknown, keeping only requested names', () => {
    expect(
      readUnknownFeature(
        '{"error_code":"UNKNOWN_FEATURE","message":"nope","details":{"features":["sma_20","<script>"]}}',
        ['rsi_14', 'sma_20'],
      ),
    ).toEqual({
      features: ['sma_20'],
      message: 'nope',
    });
    expect(readUnknownFeature('{"code":"feature_not_found","feature":"rsi_14"}', ['rsi_14'])).toEqual({
      features: ['rsi_14'],
      message: '',
    });
    expect(readUnknownFeature('{"error_code":"NOT_FOUND"}', ['rsi_14'])).toBeNull();
    expect(readUnknownFeature('<html>404</html>', ['rsi_14'])).toBeNull();
  });
});
