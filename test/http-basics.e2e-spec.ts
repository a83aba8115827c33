import * as net from 'node:net';
import { DataSource } from 'typeorm';
import { ProbeModule } from './support/probe.module';
import { startTestApp, type TestApp } from './support/test-app';

const ENVELOPE_KEYS = ['correlation_id', 'details', 'error_code', 'error_type', 'message'];
const REQUEST_TIMEOUT_MS = 2000;
const BODY_IDLE_TIMEOUT_MS = 1000;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** ms from the first byte sent until the server closed the connection. */
  closedAfterMs: number;
}

/**
 * A raw client on its own socket: sends `chunks` (strings, or numbers = pause ms) in order,
 * then waits (stalling) until the server answers and closes, or `giveUpMs` passes.
 */
function rawExchange(url: string, chunks: Array<string | number>, giveUpMs = 10_000): Promise<RawAnswer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const started = Date.now();
    let received = '';
    let stopped = false;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `no answer and connection still open after ${giveUpMs} ms; received so far: ${JSON.stringify(received)}`,
        ),
      );
    }, giveUpMs);
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('error', () => undefined); // a reset after the answer still ends in 'close'
    socket.on('close', () => {
      stopped = true;
      clearTimeout(giveUp);
      const [head, ...rest] = received.split('\r\n\r\n');
      const [statusLine, ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({
        status: Number(statusLine.split(' ')[1] ?? 0),
        headers,
        body: rest.join('\r\n\r\n'),
        closedAfterMs: Date.now() - started,
      });
    });
    const writeChunks = async () => {
      for (const c of chunks) {
        if (stopped) return;
        if (typeof c === 'number') await new Promise((r) => setTimeout(r, c));
        else socket.write(c);
      }
    };
    // Nothing in writeChunks rejects (a write to a closed socket reports through 'error').
    socket.on('connect', () => void writeChunks());
  });
}

describe('HTTP basics: health, error envelope, correlation ids, validation, logging', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Short timeouts, so that the slow-client tests below take seconds (the defaults are 60 s / 30 s).
    t = await startTestApp(
      {
        BODY_LIMIT_BYTES: '4096',
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        BODY_IDLE_TIMEOUT_MS: String(BODY_IDLE_TIMEOUT_MS),
      },
      { imports: [ProbeModule] },
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /health answers exactly {status, version} from package.json', async () => {
    const res = await t.fetch('/health');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ status: 'healthy', version: require('../package.json').version });
  });

  it('GET /health/live answers without the database; /health/ready reports database and disk', async () => {
    const live = await t.fetch('/health/live');
    expect(live.status).toBe(200);
    expect((await live.json()).status).toBe('healthy');
    const ready = await t.fetch('/health/ready');
    expect(ready.status).toBe(200);
    const body = await ready.json();
    expect(body.status).toBe('ok');
    expect(body.details.database.status).toBe('up');
    expect(body.details.disk).toMatchObject({ status: 'up', path: t.registryPath });
  });

  it('unknown routes are a 404 in the envelope', async () => {
    const res = await t.fetch('/api/v1/does-not-exist');
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(ENVELOPE_KEYS);
    expect(body.error_type).toBe('NotFoundError');
    expect(body.correlation_id).toBe(res.headers.get('x-correlation-id'));
  });

  it('malformed JSON is a 400 in the envelope', async () => {
    const res = await t.fetch('/api/v1/__probe/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": "x",',
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ error_type: 'BadRequestError', error_code: 'MALFORMED_JSON' });
  });

  it('a body over the limit is a 413 in the envelope', async () => {
    const res = await t.fetch('/api/v1/__probe/echo', {
      method: 'POST',
      json: { name: 'x'.repeat(10_000), count: 1, items: [{ value: 1 }] },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error_type: 'PayloadTooLargeError', error_code: 'PAYLOAD_TOO_LARGE' });
  });

  it('validation failures are a 422 naming every failing field, nested ones too', async () => {
    const res = await t.fetch('/api/v1/__probe/echo', {
      method: 'POST',
      json: { name: 5, count: 11, items: [{ value: 'a' }], extra: true },
    });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error_type).toBe('DataValidationError');
    const fields = body.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['count', 'extra', 'items[0].value', 'name']);
  });

  it('valid bodies pass the global pipe', async () => {
    const res = await t.fetch('/api/v1/__probe/echo', {
      method: 'POST',
      json: { name: 'x', count: 2, items: [{ value: 1.5 }] },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ received: { name: 'x', count: 2, items: [{ value: 1.5 }] } });
  });

  it('an unhandled error is a 500 with nothing internal in the body; the stack is logged with the correlation id', async () => {
    const res = await t.fetch('/api/v1/__probe/boom', { headers: { 'X-Correlation-ID': 'corr-500-test' } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/hunter2|internal\.ts|at \w+/);
    expect(JSON.parse(text)).toMatchObject({ error_type: 'InternalServerError', correlation_id: 'corr-500-test' });
    const logged = t.logs.find((l) => l.correlation_id === 'corr-500-test' && l.level === 'error' && l.err);
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('echoes a well-formed X-Correlation-ID and replaces a malformed one', async () => {
    const echoed = await t.fetch('/health', { headers: { 'X-Correlation-ID': 'abc-123.DEF_4' } });
    expect(echoed.headers.get('x-correlation-id')).toBe('abc-123.DEF_4');
    const replaced = await t.fetch('/health', { headers: { 'X-Correlation-ID': 'bad id with spaces <script>' } });
    expect(replaced.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    const fresh = await t.fetch('/health');
    expect(fresh.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('slow clients: request and body timeouts, answered in the envelope', () => {
    const expectTimeoutEnvelope = (a: RawAnswer, correlationId: string | null, phase: string) => {
      expect(a.status).toBe(408);
      expect(a.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(a.body);
      expect(Object.keys(body).sort()).toEqual(ENVELOPE_KEYS);
      expect(body).toMatchObject({
        error_type: 'RequestTimeoutError',
        error_code: 'REQUEST_TIMEOUT',
        details: { phase },
      });
      expect(body.correlation_id).toBe(a.headers['x-correlation-id']);
      if (correlationId) expect(body.correlation_id).toBe(correlationId);
    };
    const post = (path: string, type: string, length: number | 'chunked', id: string) =>
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: ${type}\r\n${length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`}\r\nX-Correlation-ID: ${id}\r\n\r\n`;

    // All at once: each waits on its own timer, so together they take as long as the longest.
    it('a stalled or dripping body gets 408 and its connection closed; headers that never end too; a slow but steady CSV upload is not cut', async () => {
      const csvRows = Array.from(
        { length: 12 },
        (_, i) => `${new Date(Date.UTC(2001, 0, 1 + i)).toISOString()},1.${i}\n`,
      );
      const [stalledJson, stalledChunked, drippingJson, stalledCsv, stalledHeaders, steadyCsv] = await Promise.all([
        // Headers and part of a JSON body, then nothing.
        rawExchange(t.url, [post('/api/v1/__probe/echo', 'application/json', 200, 'stall-json'), '{"name":"x","cou']),
        rawExchange(t.url, [
          post('/api/v1/__probe/echo', 'application/json', 'chunked', 'stall-chunked'),
          '5\r\n{"nam\r\n',
        ]),
        // A byte every 400 ms: never idle for BODY_IDLE_TIMEOUT_MS, but not done within REQUEST_TIMEOUT_MS.
        rawExchange(t.url, [
          post('/api/v1/__probe/echo', 'application/json', 200, 'drip-json'),
          ...Array.from({ length: 20 }, () => [' ', 400]).flat(),
        ]),
        // A streamed CSV import that stops half-way: 408, and none of its rows are stored.
        rawExchange(t.url, [
          post('/api/v1/market-data/import?symbol=TMO/USD&timeframe=1d', 'text/csv', 4000, 'stall-csv'),
          'timestamp,close\n',
          ...csvRows.slice(0, 3),
        ]),
        // Headers that never end (Node's header timeout, through the clientErrorHandler).
        rawExchange(t.url, ['GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ']),
        // A CSV upload sent slowly but steadily for longer than REQUEST_TIMEOUT_MS: the importer sets its pace, only stalls count.
        rawExchange(
          t.url,
          [
            post(
              '/api/v1/market-data/import?symbol=TMS/USD&timeframe=1d',
              'text/csv',
              Buffer.byteLength(`timestamp,close\n${csvRows.join('')}`),
              'steady-csv',
            ),
            'timestamp,close\n',
            ...csvRows.flatMap((r) => [250, r]),
          ],
          15_000,
        ),
      ]);
      expectTimeoutEnvelope(stalledJson, 'stall-json', 'body_idle');
      expectTimeoutEnvelope(stalledChunked, 'stall-chunked', 'body_idle');
      expectTimeoutEnvelope(drippingJson, 'drip-json', 'body');
      expectTimeoutEnvelope(stalledCsv, 'stall-csv', 'body_idle');
      expectTimeoutEnvelope(stalledHeaders, null, 'headers');
      for (const a of [stalledJson, stalledChunked, stalledCsv]) {
        expect(a.closedAfterMs).toBeGreaterThanOrEqual(BODY_IDLE_TIMEOUT_MS - 50);
        expect(a.closedAfterMs).toBeLessThan(BODY_IDLE_TIMEOUT_MS + 4000);
      }
      expect(drippingJson.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(drippingJson.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 4000);
      expect(stalledHeaders.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 4000);
      // 12 rows × 250 ms = 3 s > REQUEST_TIMEOUT_MS: still imported, every row.
      expect(steadyCsv.status).toBe(200);
      expect(steadyCsv.closedAfterMs).toBeGreaterThan(REQUEST_TIMEOUT_MS);
      const ds = t.app.get(DataSource);
      const count = async (symbol: string) =>
        (await ds.query(`SELECT count(*)::int AS n FROM market_bars WHERE symbol = $1`, [symbol]))[0].n;
      expect(await count('TMS/USD')).toBe(12);
      expect(await count('TMO/USD')).toBe(0);
      // Each timeout is logged with its correlation id, and the service still answers.
      expect(
        t.logs
          .filter((l) => l.msg === 'request timed out')
          .map((l) => l.correlation_id)
          .sort(),
      ).toEqual(['drip-json', 'stall-chunked', 'stall-csv', 'stall-json']);
      expect((await t.fetch('/health')).status).toBe(200);
    }, 30_000);

    it("Node's own rejections (oversized headers, bytes that are not HTTP) are in the envelope too", async () => {
      const [tooLarge, garbage] = await Promise.all([
        rawExchange(t.url, [`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]),
        rawExchange(t.url, ['THIS IS NOT HTTP\r\n\r\n']),
      ]);
      expect(tooLarge.status).toBe(431);
      expect(JSON.parse(tooLarge.body)).toMatchObject({
        error_type: 'BadRequestError',
        error_code: 'HEADERS_TOO_LARGE',
        correlation_id: tooLarge.headers['x-correlation-id'],
      });
      expect(garbage.status).toBe(400);
      const body = JSON.parse(garbage.body);
      expect(Object.keys(body).sort()).toEqual(ENVELOPE_KEYS);
      expect(body).toMatchObject({
        error_type: 'BadRequestError',
        error_code: 'MALFORMED_REQUEST',
        correlation_id: garbage.headers['x-correlation-id'],
      });
    });

    it('a slow handler is not a slow client: a 1.5 s answer to a complete body is not cut by the body timeouts', async () => {
      const res = await t.fetch('/api/v1/__probe/slow-echo', {
        method: 'POST',
        json: { name: 'x', count: 1, items: [{ value: 1 }] },
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ received: { name: 'x', count: 1, items: [{ value: 1 }] } });
    });
  });

  it('logs one structured line per request with method, path, status, duration and correlation id', async () => {
    await t.fetch('/api/v1/__probe/ok?x=1', { headers: { 'X-Correlation-ID': 'log-line-test' } });
    const lines = t.logs.filter((l) => l.correlation_id === 'log-line-test' && l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', path: '/api/v1/__probe/ok', status: 200 });
    expect(typeof lines[0].duration_ms).toBe('number');
  });
});
