import * as http from 'node:http';
import { bodyLimitFor } from '../src/common/http/body-limits';
import { isRateLimitExempt } from '../src/common/http/rate-limit';
import { startTestApp, type TestApp } from './support/test-app';

const ENVELOPE_KEYS = ['correlation_id', 'details', 'error_code', 'error_type', 'message'];
const KEY = 'rate-limit-test-key';
const AUTH = { 'X-API-Key': KEY };

/** A GET from another loopback address (127.0.0.2): a second client, as the server sees it. */
function getFrom(
  localAddress: string,
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(baseUrl + path, { method: 'GET', localAddress, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (data += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data ? JSON.parse(data) : undefined }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('rate limiting per API key (RATE_LIMIT_PER_MINUTE)', () => {
  describe('with API_KEY set and a limit of 5 a minute', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ API_KEY: KEY, RATE_LIMIT_PER_MINUTE: '5' });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('the 6th request in the window is a 429 envelope with Retry-After and X-RateLimit headers; wrong keys get 401 and count against their address, not the key', async () => {
      for (let i = 0; i < 3; i++) {
        const res = await t.fetch('/api/v1/models', { headers: AUTH });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-ratelimit-limit')).toBe('5');
        expect(res.headers.get('x-ratelimit-remaining')).toBe(String(4 - i));
      }
      // Wrong or missing keys: 401, counted against the client address (so key guessing is
      // throttled, see auth-path-spelling.e2e-spec.ts), never against the key.
      for (let i = 0; i < 4; i++) {
        const bad = await t.fetch('/api/v1/models', { headers: { 'X-API-Key': `wrong-${i}` } });
        expect(bad.status).toBe(401);
        expect(bad.headers.get('x-ratelimit-remaining')).toBe(String(4 - i));
      }
      expect((await t.fetch('/api/v1/models')).status).toBe(401);
      for (let i = 3; i < 5; i++) {
        const res = await t.fetch('/api/v1/models', { headers: { Authorization: `Bearer ${KEY}` } }); // the same key, the other header
        expect(res.status).toBe(200);
        expect(res.headers.get('x-ratelimit-remaining')).toBe(String(4 - i));
      }

      const limited = await t.fetch('/api/v1/models', {
        headers: { ...AUTH, 'X-Correlation-ID': 'throttled-request-1' },
      });
      expect(limited.status).toBe(429);
      const body = await limited.json();
      expect(Object.keys(body).sort()).toEqual(ENVELOPE_KEYS);
      expect(body).toMatchObject({
        error_type: 'RateLimitError',
        error_code: 'RATE_LIMITED',
        correlation_id: 'throttled-request-1',
      });
      expect(limited.headers.get('x-correlation-id')).toBe('throttled-request-1');
      const retryAfter = limited.headers.get('retry-after');
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
      expect(body.details).toEqual({ limit: 5, window_seconds: 60, retry_after_seconds: Number(retryAfter) });
      expect(body.message).toContain('5 requests per 60 s');
      expect(body.message).toContain(`retry after ${retryAfter} s`);
      expect(limited.headers.get('x-ratelimit-limit')).toBe('5');
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(limited.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);

      // Still throttled on another route: the budget is per key, not per route.
      expect((await t.fetch('/api/v1/experiments', { headers: AUTH })).status).toBe(429);
      // This address spent its own budget on the wrong keys above: a further wrong key is a 429.
      expect((await t.fetch('/api/v1/models', { headers: { 'X-API-Key': 'nope' } })).status).toBe(429);
      // Unknown routes are not counted (nor throttled): a plain 404.
      expect((await t.fetch('/api/v1/does-not-exist', { headers: AUTH })).status).toBe(404);
      // The key is the bucket, not the address: the same key from another address is throttled too.
      expect((await getFrom('127.0.0.2', t.url, '/api/v1/models', AUTH)).status).toBe(429);
    });

    it('never throttles /health*, /metrics or /docs*, even past the limit', async () => {
      for (let i = 0; i < 8; i++) {
        for (const path of ['/health', '/health/live', '/health/ready', '/metrics', '/docs-json']) {
          const res = await t.fetch(path, { headers: AUTH });
          expect([path, res.status]).toEqual([path, 200]);
          expect(res.headers.get('x-ratelimit-limit')).toBeNull();
          await res.arrayBuffer();
        }
      }
    });

    it('counts throttled requests in http_requests_throttled_total', async () => {
      const text = await (await t.fetch('/metrics')).text();
      const m = /http_requests_throttled_total\{method="GET",route="\/api\/v1\/models"\} (\d+)/.exec(text);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(2);
      expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/models",status="429"\} \d+/);
      // Neither the key nor its hash is a label.
      expect(text).not.toContain(KEY);
    });
  });

  describe('without API_KEY: keyed by client address', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('one address running out does not throttle another', async () => {
      for (let i = 0; i < 3; i++) expect((await t.fetch('/api/v1/models')).status).toBe(200);
      expect((await t.fetch('/api/v1/models')).status).toBe(429);
      // A key that is not configured is no bucket of its own (rotating made-up keys must not reset the budget).
      expect((await t.fetch('/api/v1/models', { headers: { 'X-API-Key': 'made-up' } })).status).toBe(429);
      const other = await getFrom('127.0.0.2', t.url, '/api/v1/models');
      expect(other.status).toBe(200);
      expect(other.headers['x-ratelimit-remaining']).toBe('2');
    });
  });

  describe('RATE_LIMIT_PER_MINUTE=0', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ API_KEY: KEY, RATE_LIMIT_PER_MINUTE: '0' });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('turns the limiter off: no 429, no X-RateLimit headers', async () => {
      for (let i = 0; i < 30; i++) {
        const res = await t.fetch('/api/v1/models', { headers: AUTH });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-ratelimit-limit')).toBeNull();
        expect(res.headers.get('retry-after')).toBeNull();
        await res.arrayBuffer();
      }
    });
  });

  it('exempt paths are matched on the route pattern', () => {
    expect(
      ['/health', '/health/live', '/health/ready', '/metrics', '/docs', '/docs-json', '/docs/static/index.html'].filter(
        isRateLimitExempt,
      ),
    ).toHaveLength(7);
    expect(['/api/v1/models', '/api/v1/health', '/metrics-extra', '/ui', '/'].filter(isRateLimitExempt)).toEqual([]);
  });
});

describe('per-route body limits', () => {
  const DEFAULT = 4096;
  const PREDICTION = 16_384;
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_PER_MINUTE: '0',
      BODY_LIMIT_BYTES: String(DEFAULT),
      PREDICTION_BODY_LIMIT_BYTES: String(PREDICTION),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A JSON body of about `bytes` bytes. */
  const bodyOf = (bytes: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ ...extra, padding: 'x'.repeat(bytes) });

  it('a prediction body between BODY_LIMIT_BYTES and PREDICTION_BODY_LIMIT_BYTES is accepted for reading (here: 404, unknown model)', async () => {
    // A long feature window: ~11 KB, over twice BODY_LIMIT_BYTES.
    const features = {
      returns_1: Array.from({ length: 1500 }, (_, i) => Number((0.0001 * ((i % 17) - 8)).toFixed(6))),
    };
    const body = JSON.stringify({ symbol: 'EUR/USD', timeframe: '1h', features });
    expect(body.length).toBeGreaterThan(2 * DEFAULT);
    expect(body.length).toBeLessThan(PREDICTION);
    const res = await t.fetch('/api/v1/models/no_such_model/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).not.toBe(413);
    expect(res.status).toBe(404);
  });

  it('the same size on another JSON route is a 413 envelope naming the limit', async () => {
    const res = await t.fetch('/api/v1/experiments', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodyOf(8000, { name: 'big' }),
    });
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(ENVELOPE_KEYS);
    expect(body).toMatchObject({
      error_type: 'PayloadTooLargeError',
      error_code: 'PAYLOAD_TOO_LARGE',
      details: { limit_bytes: DEFAULT, limit_variable: 'BODY_LIMIT_BYTES' },
    });
    expect(body.message).toContain(`at most ${DEFAULT} bytes`);
    expect(body.correlation_id).toBe(res.headers.get('x-correlation-id'));
  });

  it('a prediction body over PREDICTION_BODY_LIMIT_BYTES is a 413 envelope naming that limit', async () => {
    const res = await t.fetch('/api/v1/models/no_such_model/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodyOf(PREDICTION + 100),
    });
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body).toMatchObject({
      error_code: 'PAYLOAD_TOO_LARGE',
      details: { limit_bytes: PREDICTION, limit_variable: 'PREDICTION_BODY_LIMIT_BYTES' },
    });
    expect(body.message).toContain(`at most ${PREDICTION} bytes (PREDICTION_BODY_LIMIT_BYTES)`);
  });

  it('a chunked body (no Content-Length) over the limit is still a 413 envelope', async () => {
    const chunk = new TextEncoder().encode(bodyOf(PREDICTION + 100));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await t.fetch('/api/v1/models/no_such_model/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error_type: 'PayloadTooLargeError', error_code: 'PAYLOAD_TOO_LARGE' });
  });

  it('the table: prediction routes get PREDICTION_BODY_LIMIT_BYTES, everything else BODY_LIMIT_BYTES', () => {
    const settings = { defaultBytes: 1, predictionBytes: 2 };
    const prediction = [
      '/api/v1/models/:model_id/predict',
      '/api/v1/models/:model_id/predict/',
      '/api/v1/models/:model_id/batch-predict',
      '/api/v1/models/:model_id/predict/batch',
      '/api/v1/deployments/:id/predict',
    ];
    for (const url of prediction)
      expect([url, bodyLimitFor('POST', url, settings).variable]).toEqual([url, 'PREDICTION_BODY_LIMIT_BYTES']);
    const other: Array<[string, string]> = [
      ['POST', '/api/v1/models/train'],
      ['POST', '/api/v1/experiments'],
      ['POST', '/api/v1/models/:model_id/deploy'],
      ['GET', '/api/v1/models/:model_id/predict'],
      ['POST', '/api/v1/predictor'],
      ['POST', '/predict'],
    ];
    for (const [method, url] of other) expect([url, bodyLimitFor(method, url, settings).bytes]).toEqual([url, 1]);
  });
});
