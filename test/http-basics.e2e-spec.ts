import { ProbeModule } from './support/probe.module';
import { startTestApp, type TestApp } from './support/test-app';

const ENVELOPE_KEYS = ['correlation_id', 'details', 'error_code', 'error_type', 'message'];

describe('HTTP basics: health, error envelope, correlation ids, validation, logging', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT_BYTES: '4096' }, { imports: [ProbeModule] });
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
    const res = await t.fetch('/api/v1/__probe/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": "x",' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ error_type: 'BadRequestError', error_code: 'MALFORMED_JSON' });
  });

  it('a body over the limit is a 413 in the envelope', async () => {
    const res = await t.fetch('/api/v1/__probe/echo', { method: 'POST', json: { name: 'x'.repeat(10_000), count: 1, items: [{ value: 1 }] } });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error_type: 'PayloadTooLargeError', error_code: 'PAYLOAD_TOO_LARGE' });
  });

  it('validation failures are a 422 naming every failing field, nested ones too', async () => {
    const res = await t.fetch('/api/v1/__probe/echo', { method: 'POST', json: { name: 5, count: 11, items: [{ value: 'a' }], extra: true } });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error_type).toBe('DataValidationError');
    const fields = body.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['count', 'extra', 'items[0].value', 'name']);
  });

  it('valid bodies pass the global pipe', async () => {
    const res = await t.fetch('/api/v1/__probe/echo', { method: 'POST', json: { name: 'x', count: 2, items: [{ value: 1.5 }] } });
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

  it('logs one structured line per request with method, path, status, duration and correlation id', async () => {
    await t.fetch('/api/v1/__probe/ok?x=1', { headers: { 'X-Correlation-ID': 'log-line-test' } });
    const lines = t.logs.filter((l) => l.correlation_id === 'log-line-test' && l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', path: '/api/v1/__probe/ok', status: 200 });
    expect(typeof lines[0].duration_ms).toBe('number');
  });
});
