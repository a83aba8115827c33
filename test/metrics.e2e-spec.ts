import { startTestApp, type TestApp } from './support/test-app';

describe('Prometheus metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ API_KEY: 'metrics-test-key' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('exposes HTTP counts and latencies by route pattern and status, training jobs by status, the ML backend, process metrics; open like /health', async () => {
    await t.fetch('/api/v1/models/some_model', { headers: { 'X-API-Key': 'metrics-test-key' } });
    await t.fetch('/api/v1/models/other_model', { headers: { 'X-API-Key': 'metrics-test-key' } });
    await t.fetch('/api/v1/models');
    const res = await t.fetch('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    // Two ids, one series: labels use the route pattern, never raw paths.
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/models\/:model_id",status="404"\} 2/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/models",status="401"\} 1/);
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).toMatch(/training_jobs\{status="queued"\} 0/);
    expect(text).toMatch(/ml_backend_info\{backend="wasm"\} 1/);
    expect(text).toContain('process_resident_memory_bytes');
    // Live tfjs tensors on the main thread: what the soak benchmark watches for leaks.
    expect(text).toMatch(/^ml_tensors \d+$/m);
    expect(text).not.toContain('some_model');
  });
});
