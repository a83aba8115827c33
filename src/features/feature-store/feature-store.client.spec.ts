/**
 * The client against real HTTP servers on 127.0.0.1: correct, slow, garbage, down, flaky,
 * rejecting and rate-limiting. Backoff waits are recorded instead of slept (injected sleep),
 * timeouts are real but small, so the suite stays fast.
 */
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { FeatureStoreClient } from './feature-store.client';
import { FEATURE_STORE_OPTIONS, type FeatureStoreClientOptions } from './feature-store.options';
import { after, closedPort, json, startServer, type TestServer } from './feature-store.test-server';

const QUERY = {
  symbol: 'EUR/USD',
  timeframe: '1h',
  features: ['rsi_14', 'sma_20'],
  start: '2024-01-01T00:00:00Z',
  end: '2024-01-01T23:00:00Z',
};
const ROWS = [
  { timestamp: '2024-01-01T00:00:00Z', values: { rsi_14: null, sma_20: null } },
  { timestamp: '2024-01-01T01:00:00Z', values: { rsi_14: 51.2, sma_20: 1.1012 } },
];
const body = (over: Record<string, unknown> = {}) => ({
  symbol: 'EUR/USD',
  timeframe: '1h',
  features: ['rsi_14', 'sma_20'],
  rows: ROWS,
  ...over,
});
const EXPECTED_FRAME = {
  timestamps: [Date.UTC(2024, 0, 1, 0), Date.UTC(2024, 0, 1, 1)],
  values: { rsi_14: [null, 51.2], sma_20: [null, 1.1012] },
};

/** A client with small timeouts and recorded (not slept) backoff: random 0.5 → delays of 75 % of 10·2^n ms. */
function makeClient(url: string, overrides: Partial<FeatureStoreClientOptions> = {}) {
  const delays: number[] = [];
  const config = AppConfig.fromEnv({ FEATURE_STORE_URL: url });
  const client = new FeatureStoreClient(config, {
    timeoutMs: 1_000,
    retries: 3,
    backoffBaseMs: 10,
    backoffMaxMs: 40,
    deadlineMs: 5_000,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...overrides,
  });
  return { client, delays };
}

async function failure(promise: Promise<unknown>): Promise<AppError & { details: Record<string, any> }> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError & { details: Record<string, any> };
  }
  throw new Error('expected the call to fail');
}

const servers: TestServer[] = [];
async function serve(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

beforeAll(() => Logger.overrideLogger(false)); // retry warnings would only clutter the test output
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('FeatureStoreClient — a correct store', () => {
  it('sends exactly the documented request and returns the frame', async () => {
    const server = await serve((_req, res) => json(res, 200, body()));
    const { client } = makeClient(server.url + '/', { apiKey: 'fs-key' });

    await expect(client.fetchFeatures(QUERY)).resolves.toEqual(EXPECTED_FRAME);

    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req.method).toBe('GET');
    expect(req.path).toBe('/api/v1/features');
    expect(req.rawUrl).toBe(
      '/api/v1/features?symbol=EUR%2FUSD&timeframe=1h&features=rsi_14%2Csma_20&start=2024-01-01T00%3A00%3A00.000Z&end=2024-01-01T23%3A00%3A00.000Z',
    );
    expect(Object.fromEntries(req.query)).toEqual({
      symbol: 'EUR/USD',
      timeframe: '1h',
      features: 'rsi_14,sma_20',
      start: '2024-01-01T00:00:00.000Z',
      end: '2024-01-01T23:00:00.000Z',
    });
    expect(req.headers['x-api-key']).toBe('fs-key');
    expect(req.headers.accept).toBe('application/json');
    expect(req.headers.authorization).toBeUndefined();
  });

  it('sends no X-API-Key without a key, and returns empty columns for an empty range', async () => {
    const server = await serve((_req, res) => json(res, 200, body({ rows: [] })));
    const { client } = makeClient(server.url);
    await expect(
      client.fetchFeatures({ ...QUERY, start: new Date(QUERY.start), end: Date.parse(QUERY.end) }),
    ).resolves.toEqual({
      timestamps: [],
      values: { rsi_14: [], sma_20: [] },
    });
    expect(server.requests[0].headers['x-api-key']).toBeUndefined();
  });

  it('keeps a path prefix and turns URL credentials into Basic auth', async () => {
    const server = await serve((_req, res) => json(res, 200, body()));
    const { client } = makeClient(server.url.replace('http://', 'http://svc:s3cret@') + '/store');
    await expect(client.fetchFeatures(QUERY)).resolves.toEqual(EXPECTED_FRAME);
    expect(server.requests[0].path).toBe('/store/api/v1/features');
    expect(server.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('svc:s3cret').toString('base64')}`);
    expect(client.baseUrl).toBe(`${server.url}/store`);
  });

  it('is injectable: Nest resolves it with and without the options token', async () => {
    const config = AppConfig.fromEnv({ FEATURE_STORE_URL: 'http://127.0.0.1:9' });
    const withOptions = await Test.createTestingModule({
      providers: [
        FeatureStoreClient,
        { provide: AppConfig, useValue: config },
        { provide: FEATURE_STORE_OPTIONS, useValue: { retries: 0, timeoutMs: 50 } },
      ],
    }).compile();
    expect(withOptions.get(FeatureStoreClient)['options']).toMatchObject({
      retries: 0,
      timeoutMs: 50,
      deadlineMs: 20_000,
    });
    const plain = await Test.createTestingModule({
      providers: [FeatureStoreClient, { provide: AppConfig, useValue: config }],
    }).compile();
    expect(plain.get(FeatureStoreClient)['options']).toMatchObject({
      retries: 3,
      timeoutMs: 5_000,
      backoffBaseMs: 200,
    });
  });

  it('refuses an invalid query with 422 before any request', async () => {
    const server = await serve((_req, res) => json(res, 200, body()));
    const { client } = makeClient(server.url);
    const noFeatures = await failure(client.fetchFeatures({ ...QUERY, features: [] }));
    expect([noFeatures.status, noFeatures.errorCode, noFeatures.details.field]).toEqual([
      422,
      'VALIDATION_FAILED',
      'features',
    ]);
    const backwards = await failure(client.fetchFeatures({ ...QUERY, start: QUERY.end, end: QUERY.start }));
    expect(backwards.status).toBe(422);
    expect(backwards.message).toMatch(/start .* is after end/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('FeatureStoreClient — a slow store', () => {
  it('times out every attempt → 503 FEATURE_STORE_TIMEOUT with the attempt count', async () => {
    const server = await serve((_req, res) => after(res, 3_000, () => json(res, 200, body())));
    const { client } = makeClient(server.url, { timeoutMs: 100, retries: 2 });
    const started = Date.now();
    const error = await failure(client.fetchFeatures(QUERY));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error.status).toBe(503);
    expect(error.errorType).toBe('ServiceUnavailableError');
    expect(error.errorCode).toBe('FEATURE_STORE_TIMEOUT');
    expect(error.message).toContain(`Feature store at ${server.url} did not answer within 100 ms`);
    expect(error.message).toContain('3 attempts');
    expect(error.details).toMatchObject({
      attempts: 3,
      last_status: null,
      timeout_ms: 100,
      failures: Array(3).fill('timeout after 100 ms'),
    });
    expect(server.requests).toHaveLength(3);
  });

  it('counts a body that stalls after the headers as a timeout too', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"symbol":"EUR/USD",');
      after(res, 3_000, () => res.end('}'));
    });
    const { client } = makeClient(server.url, { timeoutMs: 100, retries: 1 });
    const error = await failure(client.fetchFeatures(QUERY));
    expect([error.status, error.errorCode, error.details.attempts]).toEqual([503, 'FEATURE_STORE_TIMEOUT', 2]);
  });

  it('succeeds when only the first attempt is slow', async () => {
    const server = await serve((_req, res, i) =>
      i === 0 ? after(res, 3_000, () => json(res, 200, body())) : json(res, 200, body()),
    );
    const { client, delays } = makeClient(server.url, { timeoutMs: 100 });
    await expect(client.fetchFeatures(QUERY)).resolves.toEqual(EXPECTED_FRAME);
    expect(server.requests).toHaveLength(2);
    expect(delays).toEqual([8]);
  });

  it('stops at the overall deadline even with retries left', async () => {
    const server = await serve((_req, res) => after(res, 3_000, () => json(res, 200, body())));
    const { client } = makeClient(server.url, {
      timeoutMs: 150,
      retries: 10,
      deadlineMs: 400,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    const started = Date.now();
    const error = await failure(client.fetchFeatures(QUERY));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(900);
    expect(error.errorCode).toBe('FEATURE_STORE_TIMEOUT');
    expect(error.details.deadline_ms).toBe(400);
    expect(error.message).toContain('stopped by the 400 ms deadline');
    expect(error.details.attempts).toBeLessThan(5);
  });
});

describe('FeatureStoreClient — a store that returns garbage', () => {
  const cases: [string, string, string][] = [
    ['an HTML page', 'json', '<html><body><h1>Welcome to nginx</h1></body></html>'],
    ['truncated JSON', 'json', JSON.stringify(body()).slice(0, 60)],
    ['a NaN literal', 'json', JSON.stringify(body()).replace('51.2', 'NaN')],
    ['the wrong shape', 'shape', JSON.stringify({ data: ROWS })],
    ['a top-level array', 'shape', JSON.stringify(ROWS)],
    ['another symbol', 'symbol', JSON.stringify(body({ symbol: 'EURUSD' }))],
    ['an extra feature in the list', 'features', JSON.stringify(body({ features: ['rsi_14', 'sma_20', 'ema_5'] }))],
    [
      'a "NaN" string value',
      'value_type',
      JSON.stringify(body({ rows: [{ timestamp: '2024-01-01T00:00:00Z', values: { rsi_14: 'NaN', sma_20: 1 } }] })),
    ],
    ['an overflowing number', 'value_type', JSON.stringify(body()).replace('51.2', '1e999')],
    [
      'a timestamp without zone',
      'timestamp',
      JSON.stringify(body({ rows: [{ timestamp: '2024-01-01 00:00:00', values: { rsi_14: 1, sma_20: 1 } }] })),
    ],
    ['unsorted rows', 'order', JSON.stringify(body({ rows: [ROWS[1], ROWS[0]] }))],
    ['a repeated timestamp', 'duplicate_timestamp', JSON.stringify(body({ rows: [ROWS[0], ROWS[0]] }))],
    [
      'a row outside the range',
      'range',
      JSON.stringify(body({ rows: [{ timestamp: '2024-01-02T00:00:00Z', values: { rsi_14: 1, sma_20: 1 } }] })),
    ],
    [
      'a row missing a feature',
      'missing_value',
      JSON.stringify(body({ rows: [{ timestamp: '2024-01-01T00:00:00Z', values: { rsi_14: 1 } }] })),
    ],
    [
      'a row with an extra feature',
      'extra_value',
      JSON.stringify(
        body({ rows: [{ timestamp: '2024-01-01T00:00:00Z', values: { rsi_14: 1, sma_20: 1, ema_5: 2 } }] }),
      ),
    ],
  ];

  it.each(cases)('%s → 502 FEATURE_STORE_BAD_RESPONSE naming check %s, not retried', async (_name, check, text) => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': text.startsWith('<') ? 'text/html' : 'application/json' });
      res.end(text);
    });
    const { client } = makeClient(server.url);
    const error = await failure(client.fetchFeatures(QUERY));
    expect(error.status).toBe(502);
    expect(error.errorType).toBe('UpstreamError');
    expect(error.errorCode).toBe('FEATURE_STORE_BAD_RESPONSE');
    expect(error.details.check).toBe(check);
    expect(error.message).toContain(`Feature store at ${server.url} returned an invalid response (check ${check}:`);
    expect(error.details).toMatchObject({ attempts: 1, last_status: 200 });
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a body over maxResponseBytes (check size)', async () => {
    const server = await serve((_req, res) => json(res, 200, body()));
    const { client } = makeClient(server.url, { maxResponseBytes: 64 });
    const error = await failure(client.fetchFeatures(QUERY));
    expect([error.status, error.errorCode, error.details.check]).toEqual([502, 'FEATURE_STORE_BAD_RESPONSE', 'size']);
  });

  it('does not follow a redirect (the API key stays home): check status', async () => {
    const elsewhere = await serve((_req, res) => json(res, 200, body()));
    const server = await serve((_req, res) => {
      res.writeHead(302, { Location: `${elsewhere.url}/api/v1/features` });
      res.end();
    });
    const { client } = makeClient(server.url, { apiKey: 'fs-key' });
    const error = await failure(client.fetchFeatures(QUERY));
    expect([error.status, error.errorCode, error.details.check, error.details.status]).toEqual([
      502,
      'FEATURE_STORE_BAD_RESPONSE',
      'status',
      302,
    ]);
    expect(error.message).toContain('not followed');
    expect(elsewhere.requests).toHaveLength(0);
  });
});

describe('FeatureStoreClient — a store that is down', () => {
  it('connection refused on every attempt → 503 FEATURE_STORE_UNAVAILABLE naming URL and attempts', async () => {
    const port = await closedPort();
    const { client, delays } = makeClient(`http://127.0.0.1:${port}`);
    const error = await failure(client.fetchFeatures(QUERY));
    expect(error.status).toBe(503);
    expect(error.errorCode).toBe('FEATURE_STORE_UNAVAILABLE');
    expect(error.message).toBe(
      `Feature store at http://127.0.0.1:${port} is unavailable: connection refused (ECONNREFUSED) after 4 attempts`,
    );
    expect(error.details).toMatchObject({
      url: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${port}/api/v1/features\\?symbol=EUR%2FUSD&`)),
      attempts: 4,
      last_status: null,
      failures: Array(4).fill('connection refused (ECONNREFUSED)'),
    });
    // Exponential backoff: 10, 20, 40 ms, each at 75 % (random 0.5).
    expect(delays).toEqual([8, 15, 30]);
  });

  it('never shows URL credentials in the error', async () => {
    const port = await closedPort();
    const { client } = makeClient(`http://svc:s3cret@127.0.0.1:${port}`, { retries: 0 });
    const error = await failure(client.fetchFeatures(QUERY));
    const everything = JSON.stringify({ message: error.message, details: error.details });
    expect(everything).not.toContain('s3cret');
    expect(everything).not.toContain('svc:');
    expect(error.details.attempts).toBe(1);
  });

  it('retries a connection reset and then succeeds', async () => {
    const server = await serve((req, res, i) => (i === 0 ? req.socket.destroy() : json(res, 200, body())));
    const { client } = makeClient(server.url);
    await expect(client.fetchFeatures(QUERY)).resolves.toEqual(EXPECTED_FRAME);
    expect(server.requests).toHaveLength(2);
  });
});

describe('FeatureStoreClient — retryable and final statuses', () => {
  it('503 twice then 200 → succeeds on the third attempt with backoff between', async () => {
    const server = await serve((_req, res, i) =>
      i < 2 ? json(res, 503, { error: 'warming up' }) : json(res, 200, body()),
    );
    const { client, delays } = makeClient(server.url);
    await expect(client.fetchFeatures(QUERY)).resolves.toEqual(EXPECTED_FRAME);
    expect(server.requests).toHaveLength(3);
    expect(delays).toEqual([8, 15]);
  });

  it('503 on every attempt → 503 FEATURE_STORE_UNAVAILABLE with last status 503', async () => {
    const server = await serve((_req, res) => json(res, 503, { error: 'maintenance' }));
    const { client } = makeClient(server.url, { retries: 2 });
    const error = await failure(client.fetchFeatures(QUERY));
    expect([error.status, error.errorCode]).toEqual([503, 'FEATURE_STORE_UNAVAILABLE']);
    expect(error.message).toContain('status 503 after 3 attempts');
    expect(error.details).toMatchObject({
      attempts: 3,
      last_status: 503,
      failures: ['status 503', 'status 503', 'status 503'],
    });
    expect(server.requests).toHaveLength(3);
  });

  it('404 → 502 FEATURE_STORE_REJECTED with status and body excerpt, no retry', async () => {
    const server = await serve((_req, res) => json(res, 404, { detail: 'no data for symbol EUR/USD' }));
    const { client, delays } = makeClient(server.url);
    const error = await failure(client.fetchFeatures(QUERY));
    expect([error.status, error.errorType, error.errorCode]).toEqual([502, 'UpstreamError', 'FEATURE_STORE_REJECTED']);
    expect(error.message).toBe(
      `Feature store at ${server.url} rejected the request with 404: {"detail":"no data for symbol EUR/USD"}`,
    );
    expect(error.details).toMatchObject({
      status: 404,
      attempts: 1,
      last_status: 404,
      body_excerpt: '{"detail":"no data for symbol EUR/USD"}',
    });
    expect(server.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('keeps only a short excerpt of a large error page', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(400, { 'Content-Type': 'text/html' });
      res.end(`<html>${'bad request '.repeat(2_000)}</html>`);
    });
    const { client } = makeClient(server.url);
    const error = await failure(client.fetchFeatures(QUERY));
    expect(error.errorCode).toBe('FEATURE_STORE_REJECTED');
    expect(error.details.body_excerpt.length).toBeLessThanOrEqual(201);
    expect(error.message.length).toBeLessThan(400);
  });

  it('404 saying UNKNOWN_FEATURE → 422 FEATURE_STORE_UNKNOWN_FEATURE naming the feature', async () => {
    const server = await serve((_req, res) =>
      json(res, 404, {
        error_code: 'UNKNOWN_FEATURE',
        message: 'feature sma_20 is not registered',
        details: { features: ['sma_20'] },
      }),
    );
    const { client } = makeClient(server.url);
    const error = await failure(client.fetchFeatures(QUERY));
    expect([error.status, error.errorType, error.errorCode]).toEqual([
      422,
      'DataValidationError',
      'FEATURE_STORE_UNKNOWN_FEATURE',
    ]);
    expect(error.message).toContain('does not know the requested feature: sma_20');
    expect(error.details).toMatchObject({ features: ['sma_20'], status: 404, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('401 (our key is wrong) → 502 FEATURE_STORE_REJECTED, no retry', async () => {
    const server = await serve((_req, res) => json(res, 401, { message: 'invalid api key' }));
    const { client } = makeClient(server.url, { apiKey: 'wrong' });
    const error = await failure(client.fetchFeatures(QUERY));
    expect([error.status, error.errorCode, error.details.status]).toEqual([502, 'FEATURE_STORE_REJECTED', 401]);
    expect(error.message).not.toContain('wrong');
    expect(server.requests).toHaveLength(1);
  });

  it('500 → 502 FEATURE_STORE_FAILED, no retry', async () => {
    const server = await serve((_req, res) => json(res, 500, { error: 'division by zero' }));
    const { client } = makeClient(server.url);
    const error = await failure(client.fetchFeatures(QUERY));
    expect([error.status, error.errorCode]).toEqual([502, 'FEATURE_STORE_FAILED']);
    expect(error.message).toContain('failed with 500: {"error":"division by zero"}');
    expect(server.requests).toHaveLength(1);
  });

  it('429 with Retry-After: 1 → waits 1 s (not the 8 ms backoff) and succeeds', async () => {
    const server = await serve((_req, res, i) =>
      i === 0 ? json(res, 429, { error: 'slow down' }, { 'Retry-After': '1' }) : json(res, 200, body()),
    );
    const { client, delays } = makeClient(server.url);
    await expect(client.fetchFeatures(QUERY)).resolves.toEqual(EXPECTED_FRAME);
    expect(delays).toEqual([1_000]);
    expect(server.requests).toHaveLength(2);
  });

  it('429 with a Retry-After beyond the cap → 503 FEATURE_STORE_RATE_LIMITED at once', async () => {
    const server = await serve((_req, res) => json(res, 429, { error: 'quota exhausted' }, { 'Retry-After': '120' }));
    const { client, delays } = makeClient(server.url, { retryAfterMaxMs: 5_000 });
    const error = await failure(client.fetchFeatures(QUERY));
    expect([error.status, error.errorType, error.errorCode]).toEqual([
      503,
      'ServiceUnavailableError',
      'FEATURE_STORE_RATE_LIMITED',
    ]);
    expect(error.message).toContain('retry after 120 s');
    expect(error.details).toMatchObject({ attempts: 1, last_status: 429, retry_after_seconds: 120 });
    expect(delays).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('429 on every attempt → 503 FEATURE_STORE_RATE_LIMITED after all retries', async () => {
    const server = await serve((_req, res) => json(res, 429, { error: 'slow down' }));
    const { client, delays } = makeClient(server.url);
    const error = await failure(client.fetchFeatures(QUERY));
    expect([error.status, error.errorCode, error.details.attempts]).toEqual([503, 'FEATURE_STORE_RATE_LIMITED', 4]);
    expect(delays).toEqual([8, 15, 30]);
  });
});
