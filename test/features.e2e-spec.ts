import * as http from 'node:http';
import { computeFeatures, type BarSeries } from '../src/features/core';
import { FeatureComputePool } from '../src/features/compute/compute-pool';
import { startTestApp, type TestApp } from './support/test-app';

const DAY = 86_400_000;
const T0 = Date.parse('2020-01-01T00:00:00Z');

const HOUR = 3_600_000;

/** Hourly OHLC bars on a 5-decimal grid, long enough that feature memories reach back past a page. */
function hourly(n: number): BarSeries {
  const close = closes(n, 3).map((c) => Number((c * 1.2).toFixed(5)));
  const high = close.map((c, i) => Number((c + 0.0001 + (i % 7) * 0.00003).toFixed(5)));
  const low = close.map((c, i) => Number((c - 0.0001 - (i % 5) * 0.00004).toFixed(5)));
  return {
    symbol: 'USD/CHF',
    timeframe: '1h',
    timestamps: close.map((_, i) => T0 + i * HOUR),
    open: close,
    high,
    low,
    close,
  };
}

/** A deterministic daily close-only series with a little structure. */
function closes(n: number, seed = 1): number[] {
  let x = 1.1;
  let s = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    x *= 1 + (s / 2147483647 - 0.5) * 0.01;
    out.push(Number(x.toFixed(6)));
  }
  return out;
}

describe('features', () => {
  let t: TestApp;
  const series = closes(400);

  const chf = hourly(5000);

  beforeAll(async () => {
    // One compute thread and no wait queue, so the busy answer can be shown; a work limit small
    // enough to reach with a few long windows on these bars.
    t = await startTestApp({
      FEATURE_STORE_TIMEOUT_MS: '300',
      FEATURE_STORE_RETRIES: '1',
      FEATURE_COMPUTE_THREADS: '1',
      FEATURE_COMPUTE_QUEUE: '0',
      FEATURE_VALUES_MAX_CELLS: '1000000',
    });
    const rows = ['timestamp,close', ...series.map((c, i) => `${new Date(T0 + i * DAY).toISOString()},${c}`)];
    const res = await t.fetch('/api/v1/market-data/import?symbol=EUR/USD&timeframe=1d', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: rows.join('\n'),
    });
    expect((await res.json()).inserted).toBe(400);
    const rows2 = ['timestamp,close', ...closes(400, 7).map((c, i) => `${new Date(T0 + i * DAY).toISOString()},${c}`)];
    await t.fetch('/api/v1/market-data/import?symbol=GBP/USD&timeframe=1d', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: rows2.join('\n'),
    });
    const rows3 = [
      'timestamp,open,high,low,close',
      ...chf.timestamps.map(
        (ts, i) => `${new Date(ts).toISOString()},${chf.open![i]},${chf.high![i]},${chf.low![i]},${chf.close[i]}`,
      ),
    ];
    const imported = await t.fetch('/api/v1/market-data/import?symbol=USD/CHF&timeframe=1h', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: rows3.join('\n'),
    });
    expect((await imported.json()).inserted).toBe(5000);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the catalogue with patterns, parameters, columns, warm-up and descriptions', async () => {
    const body = await (await t.fetch('/api/v1/features')).json();
    const patterns = body.features.map((f: { pattern: string }) => f.pattern);
    for (const p of [
      'sma_{N}',
      'ema_{N}',
      'rsi_{N}',
      'macd',
      'macd_signal',
      'macd_hist',
      'bb_width',
      'bb_percent_b',
      'atr_{N}',
      'stoch_k_{N}',
      'stoch_d_{N}',
      'adx_{N}',
      'returns_{N}',
      'volatility_{N}',
      'zscore_{N}',
      'momentum_{N}',
      'hour_sin',
      'dow_cos',
    ]) {
      expect(patterns).toContain(p);
    }
    const atr = body.features.find((f: { pattern: string }) => f.pattern === 'atr_{N}');
    expect(atr.columns).toEqual(expect.arrayContaining(['high', 'low', 'close']));
    expect(typeof atr.description).toBe('string');
  });

  it('returns the computed values per timestamp, warm-up rows null, equal to the pure computation on the same bars', async () => {
    const res = await t.fetch('/api/v1/features/values?symbol=eurusd&timeframe=1d&features=sma_20,rsi_14,returns_5');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.rows).toHaveLength(400);
    expect(body.rows[0].values.sma_20).toBeNull();
    expect(body.rows[18].values.sma_20).toBeNull();
    expect(body.rows[19].values.sma_20).toBeCloseTo(series.slice(0, 20).reduce((a, b) => a + b, 0) / 20, 10);
    const expected = computeFeatures(
      { symbol: 'EUR/USD', timeframe: '1d', timestamps: series.map((_, i) => T0 + i * DAY), close: series },
      ['sma_20', 'rsi_14', 'returns_5'],
    );
    expect(body.rows.map((r: { values: { rsi_14: number | null } }) => r.values.rsi_14)).toEqual(expected.rsi_14);
    expect(body.rows.map((r: { values: { returns_5: number | null } }) => r.values.returns_5)).toEqual(
      expected.returns_5,
    );
  });

  it('cuts a range without restarting the warm-up, and pages with next_start', async () => {
    const full = await (await t.fetch('/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=sma_20')).json();
    const part = await (
      await t.fetch(
        `/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=sma_20&start=${new Date(T0 + 100 * DAY).toISOString()}&limit=10`,
      )
    ).json();
    expect(part.rows).toHaveLength(10);
    // The page is computed from the bars its values depend on, not from the first bar: the
    // same value up to the library's running-sum round-off (span.spec.ts pins the tolerance).
    expect(part.rows[0].timestamp).toBe(full.rows[100].timestamp);
    expect(part.rows[0].values.sma_20).toBeCloseTo(full.rows[100].values.sma_20, 12);
    expect(part.next_start).toBe(new Date(T0 + 110 * DAY).toISOString());
  });

  it('pages computed from the bars each page depends on equal the full-history values (within round-off)', async () => {
    const features = ['ema_100', 'rsi_14', 'adx_14', 'sma_20', 'bb_percent_b', 'stoch_d_14', 'macd_signal', 'atr_30'];
    const full = computeFeatures(chf, features);
    for (const from of [0, 2500, 4600]) {
      const res = await t.fetch(
        `/api/v1/features/values?symbol=USD/CHF&timeframe=1h&features=${features.join(',')}&start=${new Date(chf.timestamps[from]).toISOString()}&limit=300`,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const page = await res.json();
      expect(page.rows).toHaveLength(300);
      expect(page.next_start).toBe(new Date(chf.timestamps[from + 300]).toISOString());
      page.rows.forEach((row: { timestamp: string; values: Record<string, number | null> }, k: number) => {
        expect(row.timestamp).toBe(new Date(chf.timestamps[from + k]).toISOString());
        for (const f of features) {
          const want = full[f][from + k];
          if (want === null || from === 0) expect({ f, k, v: row.values[f] }).toEqual({ f, k, v: want });
          else expect(Math.abs(row.values[f]! - want)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(want)));
        }
      });
    }
  });

  it('bounds the work of one request: an explicit limit over FEATURE_VALUES_MAX_CELLS is a 422 WORK_LIMIT naming what fits; without a limit the page shrinks', async () => {
    // (1000 + 999 warm-up bars) × 4 × zscore_1000 (cost 51 each) = 407,796 cells: fine.
    const ok = await t.fetch(
      `/api/v1/features/values?symbol=USD/CHF&timeframe=1h&features=zscore_1000,zscore_999,zscore_998,zscore_997&start=${new Date(chf.timestamps[3000]).toISOString()}&limit=1000`,
    );
    expect(ok.status).toBe(200);
    const tooMuch = await t.fetch(
      `/api/v1/features/values?symbol=USD/CHF&timeframe=1h&features=zscore_1000,zscore_999,zscore_998,zscore_997&start=${new Date(chf.timestamps[3000]).toISOString()}&limit=5000`,
    );
    expect(tooMuch.status).toBe(422);
    const body = await tooMuch.json();
    expect(body).toMatchObject({
      error_type: 'DataValidationError',
      error_code: 'WORK_LIMIT',
      details: { max_cells: 1_000_000, rows: 5000, warmup_bars: 999 },
    });
    expect(body.details.cells).toBeGreaterThan(1_000_000);
    expect(body.message).toMatch(/FEATURE_VALUES_MAX_CELLS/);
    // The largest limit it names is accepted.
    const fits = await t.fetch(
      `/api/v1/features/values?symbol=USD/CHF&timeframe=1h&features=zscore_1000,zscore_999,zscore_998,zscore_997&start=${new Date(chf.timestamps[100]).toISOString()}&limit=${body.details.max_rows}`,
    );
    expect(fits.status).toBe(200);
    // No limit: a smaller page than the default 10,000, continued by next_start.
    const shrunk = await (
      await t.fetch(
        '/api/v1/features/values?symbol=USD/CHF&timeframe=1h&features=zscore_1000,zscore_999,zscore_998,zscore_997,zscore_996,zscore_995,zscore_994,zscore_993,zscore_992,zscore_991',
      )
    ).json();
    expect(shrunk.rows.length).toBe(
      Math.floor(1_000_000 / shrunk.features.reduce((s: number, f: string) => s + 1 + Number(f.split('_')[1]) / 20, 0)),
    );
    expect(shrunk.next_start).toBe(new Date(chf.timestamps[shrunk.rows.length]).toISOString());
  });

  it('keeps the event loop free while a heavy request computes: /health/live answers first, a second heavy request is told 503 COMPUTE_BUSY', async () => {
    const pool = t.app.get(FeatureComputePool);
    // Near the limit: ~0.9 M cells of rolling standard deviations, about a second of work.
    const heavyUrl = `/api/v1/features/values?symbol=USD/CHF&timeframe=1h&features=zscore_1000,zscore_999,zscore_998,zscore_997&start=${new Date(chf.timestamps[600]).toISOString()}&limit=3400`;
    const order: string[] = [];
    const heavy = t.fetch(heavyUrl).then(async (r) => {
      order.push('values');
      return { status: r.status, rows: (await r.json()).rows.length };
    });
    for (let i = 0; i < 500 && pool.load.busy === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(pool.load.busy).toBe(1);
    const live = await t.fetch('/health/live');
    order.push('live');
    expect(live.status).toBe(200);
    // Answered while the compute thread was still busy with the heavy request.
    const stillBusy = pool.load.busy;
    const second = await t.fetch(heavyUrl);
    const busyAnswer = {
      status: second.status,
      retryAfter: second.headers.get('retry-after'),
      code: (await second.json()).error_code,
    };
    expect(await heavy).toEqual({ status: 200, rows: 3400 });
    expect(order).toEqual(['live', 'values']);
    expect(stillBusy).toBe(1);
    expect(busyAnswer).toEqual({ status: 503, retryAfter: '1', code: 'COMPUTE_BUSY' });
  });

  it('rejects a feature whose inputs are absent, naming the feature and the column; and unknown features', async () => {
    const atr = await t.fetch('/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=atr_14');
    expect(atr.status).toBe(422);
    const body = await atr.json();
    expect(body.message).toContain('atr_14');
    expect(body.message).toContain('high');
    expect(body.details).toMatchObject({ feature: 'atr_14' });
    const unknown = await t.fetch('/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=magic_3');
    expect(unknown.status).toBe(422);
    expect((await unknown.json()).error_code).toBe('UNKNOWN_FEATURE');
    const badParam = await t.fetch('/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=sma_0');
    expect(badParam.status).toBe(422);
    const missing = await t.fetch('/api/v1/features/values?symbol=USD/CAD&timeframe=1d&features=sma_5');
    expect(missing.status).toBe(404);
  });

  it('ranks candidates on the training part only, marks redundant ones, suggests K, deterministically', async () => {
    const request = {
      symbols: ['EUR/USD', 'GBP/USD'],
      timeframe: '1d',
      target: 'price_change_1d',
      candidates: ['sma_5', 'sma_10', 'ema_10', 'rsi_14', 'returns_1', 'returns_5', 'momentum_5', 'volatility_10'],
      k: 3,
    };
    const res = await t.fetch('/api/v1/features/select', { method: 'POST', json: request });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.ranking).toHaveLength(8);
    expect(body.ranking.map((r: { rank: number }) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(body.suggested.length).toBeLessThanOrEqual(3);
    for (const s of body.suggested)
      expect(body.ranking.find((r: { feature: string }) => r.feature === s).redundant).toBe(false);
    // sma_5 / sma_10 / ema_10 are near-copies of one another on a smooth series: at least one is redundant.
    expect(
      body.ranking.filter(
        (r: { feature: string; redundant: boolean }) =>
          ['sma_5', 'sma_10', 'ema_10'].includes(r.feature) && r.redundant,
      ).length,
    ).toBeGreaterThanOrEqual(1);
    // Training part only: it ends well before the last bar (validation 20 % + test 10 % held out).
    expect(Date.parse(body.training_range.end)).toBeLessThan(T0 + 300 * DAY);
    const again = await (await t.fetch('/api/v1/features/select', { method: 'POST', json: request })).json();
    expect(again).toEqual(body);
  });

  it('default candidates skip those whose columns the data lacks', async () => {
    const body = await (
      await t.fetch('/api/v1/features/select', {
        method: 'POST',
        json: { symbols: ['EUR/USD'], timeframe: '1d', target: 'direction_1d', k: 5 },
      })
    ).json();
    expect(body.skipped).toEqual(expect.arrayContaining(['atr_14', 'adx_14', 'stoch_k_14']));
    expect(body.suggested.length).toBe(5);
  });

  it('rejects a horizon finer than the timeframe, saying why', async () => {
    const res = await t.fetch('/api/v1/features/select', {
      method: 'POST',
      json: { symbols: ['EUR/USD'], timeframe: '1d', target: 'price_change_1h' },
    });
    expect(res.status).toBe(422);
    expect((await res.json()).message).toMatch(/finer than one 1d bar/);
  });
});

describe('features from the Feature Store', () => {
  let t: TestApp;
  let store: http.Server;
  let mode: 'ok' | 'garbage' | 'slow' = 'ok';
  const seen: string[] = [];

  beforeAll(async () => {
    store = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      if (mode === 'slow') return void setTimeout(() => res.end('{}'), 2000);
      if (mode === 'garbage') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>oops</html>');
      const url = new URL(req.url ?? '/', 'http://x');
      const features = (url.searchParams.get('features') ?? '').split(',');
      const rows = [0, 1, 2].map((i) => ({
        timestamp: new Date(T0 + i * DAY).toISOString(),
        values: Object.fromEntries(features.map((f) => [f, i === 0 ? null : 50 + i])),
      }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          symbol: url.searchParams.get('symbol'),
          timeframe: url.searchParams.get('timeframe'),
          features,
          rows,
        }),
      );
    });
    await new Promise<void>((r) => store.listen(0, '127.0.0.1', r));
    const port = (store.address() as { port: number }).port;
    t = await startTestApp({
      FEATURE_STORE_URL: `http://127.0.0.1:${port}`,
      FEATURE_STORE_TIMEOUT_MS: '300',
      FEATURE_STORE_RETRIES: '1',
      FEATURE_STORE_API_KEY: 'store-key-123',
    });
  });
  afterAll(async () => {
    await t?.close();
    store.closeAllConnections();
    await new Promise((r) => store.close(r));
  });

  it('fetches values from the store when feature_source=feature_store', async () => {
    mode = 'ok';
    const res = await t.fetch(
      '/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=rsi_14&feature_source=feature_store&start=2020-01-01T00:00:00Z&end=2020-01-03T00:00:00Z',
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.feature_source).toBe('feature_store');
    expect(body.rows.map((r: { values: { rsi_14: number | null } }) => r.values.rsi_14)).toEqual([null, 51, 52]);
    expect(seen.at(-1)).toContain('/api/v1/features?');
    expect(seen.at(-1)).toContain('symbol=EUR%2FUSD');
  });

  it('answers 502 when the store returns garbage and 503 when it is too slow, saying what failed', async () => {
    mode = 'garbage';
    const bad = await t.fetch(
      '/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=rsi_14&feature_source=feature_store',
    );
    expect(bad.status).toBe(502);
    expect((await bad.json()).error_code).toBe('FEATURE_STORE_BAD_RESPONSE');
    mode = 'slow';
    const slow = await t.fetch(
      '/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=rsi_14&feature_source=feature_store',
    );
    expect(slow.status).toBe(503);
    const body = await slow.json();
    expect(body.error_code).toBe('FEATURE_STORE_TIMEOUT');
    expect(body.message).toContain('127.0.0.1');
  });
});
