import { ProbeModule } from './support/probe.module';
import { startTestApp, type TestApp } from './support/test-app';

const KEY = 'test-key-0123456789';

describe('API key authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ API_KEY: KEY }, { imports: [ProbeModule] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('rejects /api routes without a key with a 401 envelope', async () => {
    const res = await t.fetch('/api/v1/__probe/ok');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error_type: 'AuthenticationError', error_code: 'UNAUTHORIZED' });
  });

  it('rejects a wrong key, a key differing in one character, and a prefix of the key', async () => {
    for (const wrong of ['nope', KEY.slice(0, -1) + 'X', KEY.slice(0, 8), KEY + 'x']) {
      const res = await t.fetch('/api/v1/__probe/ok', { headers: { 'X-API-Key': wrong } });
      expect(res.status).toBe(401);
    }
    const bearer = await t.fetch('/api/v1/__probe/ok', { headers: { Authorization: 'Bearer nope' } });
    expect(bearer.status).toBe(401);
  });

  it('accepts the key as X-API-Key or as a bearer token', async () => {
    expect((await t.fetch('/api/v1/__probe/ok', { headers: { 'X-API-Key': KEY } })).status).toBe(200);
    expect((await t.fetch('/api/v1/__probe/ok', { headers: { Authorization: `Bearer ${KEY}` } })).status).toBe(200);
  });

  it('answers unknown /api routes with the 404 envelope (authentication is decided on the matched route)', async () => {
    const res = await t.fetch('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error_code: expect.any(String), correlation_id: expect.any(String) });
    expect((await t.fetch('/api/v1/nothing-here', { headers: { 'X-API-Key': KEY } })).status).toBe(404);
  });

  it('leaves health and docs open', async () => {
    for (const p of ['/health', '/health/live', '/health/ready', '/docs-json']) {
      expect((await t.fetch(p)).status).toBe(200);
    }
    const docs = await t.fetch('/docs');
    expect([200, 301, 302]).toContain(docs.status);
  });

  it('never writes the key into a log line', async () => {
    await t.fetch('/api/v1/__probe/ok', { headers: { 'X-API-Key': KEY } });
    await t.fetch('/api/v1/__probe/ok', { headers: { Authorization: `Bearer ${KEY}` } });
    await t.fetch('/api/v1/__probe/boom', { headers: { 'X-API-Key': KEY } });
    expect(t.rawLogs.length).toBeGreaterThan(3);
    expect(t.rawLogs.join('\n')).not.toContain(KEY);
  });
});
