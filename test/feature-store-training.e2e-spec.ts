import type * as http from 'node:http';
import { json, startServer, type TestServer } from '../src/features/feature-store/feature-store.test-server';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, meanReverting } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';
import { DAILY_TIME_SERIES_REQUEST } from './support/train-request';

/**
 * Issue #15, the Feature Store as a training source: `feature_source: "feature_store"` builds
 * the dataset from a real HTTP store on loopback (the client's own test server), aligned on the
 * stored bars. The store here leaves out some bars, answers nulls for others and one row at no
 * bar; the expected sample count is recomputed from what it answered, by code that shares
 * nothing with the service's.
 */
const DAY = 86_400_000;
const T0 = Date.parse('2000-01-03T00:00:00Z');
const BARS = 900;
const closes = meanReverting(BARS, 11);
const FEATURES = ['returns_1', 'zscore_20'];
/** Bars the store has no row for, and bars whose row carries a null (besides the warm-up). */
const HOLES = new Set([200, 201, 450, 700]);
const NULLS = new Set([300, 600]);
/** The store's own warm-up: its zscore_20 is null on the first 19 bars. */
const WARMUP = 19;
const W = DAILY_TIME_SERIES_REQUEST.window;

/** The store's values: its returns_1 is the simple return, its zscore_20 its own (not the catalogue's). */
function storeRow(i: number): Record<string, number | null> {
  if (i < WARMUP || NULLS.has(i)) return { returns_1: i === 0 ? null : closes[i] / closes[i - 1] - 1, zscore_20: null };
  return { returns_1: closes[i] / closes[i - 1] - 1, zscore_20: Math.sin(i / 7) };
}

type Mode = 'ok' | 'down-after-submission';

describe('training from the Feature Store (feature_source feature_store)', () => {
  let t: TestApp;
  let store: TestServer;
  let mode: Mode = 'ok';
  let okAnswers = 0;
  const body = {
    ...DAILY_TIME_SERIES_REQUEST,
    name: 'FS LSTM',
    features: FEATURES,
    symbols: ['EUR/USD'],
    feature_source: 'feature_store',
    hyperparameters: { units: 4, epochs: 2, batch_size: 32 },
  };
  const submit = (b: Record<string, unknown>) => t.fetch('/api/v1/models/train', { method: 'POST', json: b });
  const train = async (b: Record<string, unknown>) => {
    const res = await submit(b);
    const accepted = await res.json();
    expect({ status: res.status, accepted }).toMatchObject({ status: 202 });
    return { accepted, job: await waitForJob(t, accepted.job_id, 120_000) };
  };
  const versionOf = async (a: { model_id: string; version: string }) =>
    (await t.fetch(`/api/v1/models/${a.model_id}/versions/${a.version}`)).json();

  function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const q = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    // After the submission's own request, this mode's store goes down: the job meets it.
    if (mode === 'down-after-submission' && okAnswers++ >= 1) return json(res, 503, { message: 'maintenance' });
    const start = Date.parse(q.get('start')!);
    const end = Date.parse(q.get('end')!);
    const rows: { timestamp: string; values: Record<string, number | null> }[] = [];
    for (let i = 0; i < BARS; i++) {
      const ts = T0 + i * DAY;
      if (ts < start || ts > end || HOLES.has(i)) continue;
      rows.push({ timestamp: new Date(ts).toISOString(), values: storeRow(i) });
      // A row at no stored bar (midday): ignored and counted.
      if (i === 500) rows.push({ timestamp: new Date(ts + DAY / 2).toISOString(), values: storeRow(i) });
    }
    json(res, 200, { symbol: q.get('symbol'), timeframe: q.get('timeframe'), features: FEATURES, rows });
  }

  beforeAll(async () => {
    store = await startServer((req, res) => answer(req, res));
    t = await startTestApp({
      FEATURE_STORE_URL: store.url,
      FEATURE_STORE_TIMEOUT_MS: '2000',
      FEATURE_STORE_RETRIES: '1',
      MAX_TRAINING_MEMORY: '8',
    });
    await importDaily(t, 'EUR/USD', dailyCsv(closes, T0));
  });
  afterAll(async () => {
    await t?.close();
    await store?.close();
  });

  let storeVersion: any;

  it("trains a time_series model from the store's features: the version says so, and the samples are what the store's rows imply", async () => {
    const { accepted, job } = await train(body);
    expect(job).toMatchObject({ status: 'succeeded' });
    const v = (storeVersion = await versionOf(accepted));
    expect(v.data_config.feature_source).toBe('feature_store');
    // The store was asked for the symbol, the timeframe, the features and the bars' span.
    const asked = store.requests.at(-1)!.query;
    expect(Object.fromEntries(asked)).toEqual({
      symbol: 'EUR/USD',
      timeframe: '1d',
      features: FEATURES.join(','),
      start: new Date(T0).toISOString(),
      end: new Date(T0 + (BARS - 1) * DAY).toISOString(),
    });

    // Recomputed here: a bar is complete when the store has a row for it with every value; a
    // sample at bar r needs bars r-W+1 .. r complete and the next bar's close (horizon 1).
    const complete = Array.from({ length: BARS }, (_, i) => !HOLES.has(i) && !NULLS.has(i) && i >= WARMUP);
    let candidates = 0;
    for (let r = W - 1; r + 1 < BARS; r++) if (complete.slice(r - W + 1, r + 1).every(Boolean)) candidates++;
    const s = v.splits;
    expect(s.candidates).toBe(candidates);
    expect(s.train.samples + s.validation.samples + s.test.samples + s.purged).toBe(candidates);
    expect(s.feature_store).toEqual({
      store_rows: BARS - HOLES.size + 1,
      matched_bars: BARS - HOLES.size - NULLS.size - WARMUP,
      missing_bars: HOLES.size,
      null_bars: NULLS.size + WARMUP,
      unmatched_rows: 1,
    });
    // Chronological parts with the purge between them.
    expect(Date.parse(s.train.data_to)).toBeLessThan(Date.parse(s.cutoffs.validation_start));
    expect(Date.parse(s.validation.data_from)).toBeGreaterThanOrEqual(Date.parse(s.cutoffs.validation_start));
    expect(Date.parse(s.test.data_from)).toBeGreaterThanOrEqual(Date.parse(s.cutoffs.test_start));

    // No scored sample's window covers a bar the store lacked or left null.
    const csv = await (
      await t.fetch(`/api/v1/models/${accepted.model_id}/versions/${accepted.version}/predictions`)
    ).text();
    const stamps = csv
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => Date.parse(l.split(',')[0]));
    expect(stamps.length).toBeGreaterThan(0);
    for (const ts of stamps) {
      const r = (ts - T0) / DAY;
      for (let k = r - W + 1; k <= r; k++) expect(complete[k]).toBe(true);
    }
  });

  it("the store's values drive the inputs: the same request computed locally has another fingerprint and other metrics", async () => {
    const { accepted, job } = await train({ ...body, name: 'FS LSTM local', feature_source: 'local' });
    expect(job).toMatchObject({ status: 'succeeded' });
    const local = await versionOf(accepted);
    expect(local.data_config.feature_source).toBe('local');
    expect(local.splits.feature_store).toBeUndefined();
    expect(local.data_fingerprint).toEqual(expect.any(String));
    expect(storeVersion.data_fingerprint).not.toBe(local.data_fingerprint);
    expect(storeVersion.metrics.mse).not.toBe(local.metrics.mse);
    // The local catalogue has no holes: more candidates than the store's rows allowed.
    expect(local.splits.candidates).toBeGreaterThan(storeVersion.splits.candidates);
  });

  it('a store-trained model is not served from stored bars: 422 FEATURES_REQUIRED; with features it predicts', async () => {
    const url = `/api/v1/models/${storeVersion.model_id}/predict`;
    const refused = await t.fetch(url, { method: 'POST', json: { symbol: 'EUR/USD', timeframe: '1d' } });
    expect({ status: refused.status, body: await refused.json() }).toMatchObject({
      status: 422,
      body: {
        error_code: 'FEATURES_REQUIRED',
        message: expect.stringMatching(/Feature Store.*Send "features"/),
        correlation_id: expect.any(String),
      },
    });
    const features = Object.fromEntries(
      FEATURES.map((f) => [f, Array.from({ length: W }, (_, k) => storeRow(BARS - W + k)[f])]),
    );
    const ok = await t.fetch(url, { method: 'POST', json: { symbol: 'EUR/USD', timeframe: '1d', features } });
    expect(ok.status).toBe(200);
  });

  it('answers 422 for an unknown feature_source, 503 at submission when the store is down, and fails the job when it goes down after', async () => {
    const bad = await submit({ ...body, name: 'FS bad', feature_source: 'warehouse' });
    expect({ status: bad.status, body: await bad.json() }).toMatchObject({
      status: 422,
      body: { error_code: 'VALIDATION_FAILED', message: expect.stringMatching(/feature_source/) },
    });

    const url = store.url;
    await store.close();
    const down = await submit({ ...body, name: 'FS down' });
    expect({ status: down.status, body: await down.json() }).toMatchObject({
      status: 503,
      body: { error_code: 'FEATURE_STORE_UNAVAILABLE', message: expect.stringContaining('127.0.0.1') },
    });
    expect((await t.fetch('/api/v1/models/fs_down')).status).toBe(404);

    // The same port again, so the app's FEATURE_STORE_URL still points at it.
    store = await startServer((req, res) => answer(req, res), Number(new URL(url).port));
    mode = 'down-after-submission';
    const { job } = await train({ ...body, name: 'FS later down' });
    expect(job).toMatchObject({ status: 'failed', error: expect.stringMatching(/Feature store at .* unavailable/) });
    mode = 'ok';
  });
});
