import { connect } from 'node:net';
import { startTestApp, type TestApp } from './support/test-app';

const KEY = 'test-key-0123456789';

interface RawResponse {
  status: number;
  body: string;
}

/** Sends one request with the request target exactly as given (no client normalisation). */
function rawRequest(
  baseUrl: string,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const lines = [`${method} ${target} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close'];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`timeout on ${method} ${target}`)));
    socket.on('error', reject);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.write(lines.join('\r\n') + '\r\n\r\n' + (body ?? ''));
  });
}

/** Every spelling of one path that a router might match as the same route. */
function spellings(path: string): string[] {
  const noSlash = path.slice(1);
  const encodeFirstLetter = (p: string) => p.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
  const encodeAllLetters = (p: string) => p.replace(/[a-z]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return [
    path,
    encodeFirstLetter(path), // /%61pi/v1/…
    '/' + encodeAllLetters(noSlash),
    path.replace(/\//g, '%2F').replace(/^%2F/, '/'), // encoded slashes
    path.replace('/api/', '/API/'),
    path.replace('/api/', '/Api/'),
    '/' + path, // //api/…
    path.replace('/api/', '/api//'),
    '/.' + path, // /./api/…
    path.replace('/api/', '/api/./'),
    path.replace('/api/', '/x/../api/'),
    path.replace('/api/', '/api/%2e/'),
    path.replace('/api/', '/api/x/%2e%2e/'),
    path + ';',
    path + ';jsessionid=1',
    path.replace('/api/v1/', '/api;x/v1/'),
    path + '/',
    path + '?',
    path + '#frag',
    `http://evil${path}`,
    `http://127.0.0.1${path}`,
    `http://evil${encodeFirstLetter(path)}`,
  ];
}

/** Concrete paths from the OpenAPI document: each {param} gets a value that looks real. */
function concretePath(template: string): string {
  return template.replace(/\{[^}]+\}/g, (p) =>
    p.includes('version') ? '1.0.0' : '00000000-0000-4000-8000-000000000000',
  );
}

describe('API key: decided on the matched route, for every operation and every path spelling', () => {
  let t: TestApp;
  let operations: Array<{ method: string; path: string }>;

  beforeAll(async () => {
    t = await startTestApp({ API_KEY: KEY, RATE_LIMIT_PER_MINUTE: '0' });
    const doc = (await (await t.fetch('/docs-json')).json()) as { paths: Record<string, Record<string, unknown>> };
    operations = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) {
        if (['get', 'post', 'put', 'patch', 'delete'].includes(method))
          operations.push({ method: method.toUpperCase(), path: concretePath(path) });
      }
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds the whole API in the document (v1 and the MLflow-compatible routes)', () => {
    const api = operations.filter((o) => o.path.startsWith('/api/'));
    expect(api.length).toBeGreaterThanOrEqual(60);
    expect(api.some((o) => o.path.startsWith('/api/2.0/mlflow') || o.path.includes('mlflow'))).toBe(true);
  });

  it('answers 401 (or the 404 envelope) without the key, never 2xx/3xx, for every /api operation × spelling × method', async () => {
    const leaks: string[] = [];
    let sent = 0;
    for (const op of operations.filter((o) => o.path.startsWith('/api/'))) {
      const methods = op.method === 'GET' ? ['GET', 'HEAD', 'OPTIONS'] : [op.method, 'OPTIONS'];
      for (const target of spellings(op.path)) {
        for (const method of methods) {
          const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined;
          const res = await rawRequest(t.url, method, target, {}, body);
          sent++;
          const ok = res.status === 401 || res.status === 404 || res.status === 400 || res.status === 405;
          if (!ok) leaks.push(`${method} ${target} → ${res.status}`);
          else if (res.status !== 400 && method !== 'HEAD' && !res.body.includes('"error_code"'))
            leaks.push(`${method} ${target} → ${res.status} without the envelope`);
        }
      }
    }
    expect(sent).toBeGreaterThan(2000);
    expect(leaks).toEqual([]);
  });

  it('serves the same routes with the key (so the spellings above were not all simply unroutable)', async () => {
    const withKey = await rawRequest(t.url, 'GET', '/%61pi/v1/models', { 'X-API-Key': KEY });
    const without = await rawRequest(t.url, 'GET', '/%61pi/v1/models');
    expect(without.status).toBe(401);
    expect([200, 404]).toContain(withKey.status);
    expect((await rawRequest(t.url, 'GET', '/api/v1/models', { 'X-API-Key': KEY })).status).toBe(200);
    expect((await rawRequest(t.url, 'GET', 'http://evil/api/v1/models', { 'X-API-Key': KEY })).status).toBe(200);
    expect((await rawRequest(t.url, 'GET', 'http://evil/api/v1/models')).status).toBe(401);
  });

  it('leaves probes, metrics, docs and the dashboard open', async () => {
    for (const p of ['/health', '/health/live', '/metrics', '/docs-json', '/ui']) {
      expect((await rawRequest(t.url, 'GET', p)).status).toBe(200);
    }
  });
});

describe('API key: wrong keys are throttled', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ API_KEY: KEY, RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 once a client has spent its budget on wrong keys', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await t.fetch('/api/v1/models', { headers: { 'X-API-Key': `wrong-key-${i}` } });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.filter((s) => s === 429).length).toBe(25);
  });
});
