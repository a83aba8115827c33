import { FeaturesService } from '../src/features/features.service';
import type { ServedWindow } from '../src/features/served-window';
import type { Dataset } from '../src/features/core';
import { waitForJob, importDaily } from './support/jobs';
import { randomWalk } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';

const DAY = 86_400_000;
const FEATURES = ['returns_1', 'sma_20', 'ema_10', 'rsi_14', 'macd', 'bb_width', 'zscore_20', 'momentum_5'];
const W = 8;
const FIRST = Date.parse('2000-01-03T00:00:00Z');

/**
 * Daily closes, one a calendar day, with holes: 3 days at bar 200 (a 4-day step: inside the gap
 * rule, but a horizon gap), 10 days at bar 330 and 10 days at bar 540 (gaps: the series is cut there).
 */
function bars(): { csv: string; timestamps: number[] } {
  const closes = randomWalk(640, 33);
  const timestamps: number[] = [];
  let shift = 0;
  closes.forEach((_, i) => {
    if (i === 200) shift += 3 * DAY;
    if (i === 330 || i === 540) shift += 10 * DAY;
    timestamps.push(FIRST + i * DAY + shift);
  });
  const csv = ['timestamp,close', ...timestamps.map((t, i) => `${new Date(t).toISOString()},${closes[i].toFixed(6)}`)];
  return { csv: csv.join('\n'), timestamps };
}

describe('training and serving build the same inputs (gaps, a late start_date)', () => {
  let t: TestApp;
  let features: FeaturesService;
  let dataset: Dataset;
  let version: any;
  const { csv, timestamps } = bars();
  const start = timestamps[120]; // 120 stored bars before the training start
  const request = {
    name: 'Parity',
    model_id: 'parity_lstm',
    model_type: 'time_series',
    features: FEATURES,
    target: 'price_change_1d',
    symbols: ['EUR/USD'],
    timeframe: '1d',
    window: W,
    start_date: new Date(start).toISOString(),
    end_date: '2010-01-01T00:00:00Z',
    validation_split: 0.2,
    test_split: 0.3,
    seed: 5,
    hyperparameters: { units: 4, epochs: 1, batch_size: 64 },
  };
  const predict = (body: unknown) => t.fetch('/api/v1/models/parity_lstm/predict', { method: 'POST', json: body });

  beforeAll(async () => {
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8', PREDICTION_ENGINE: 'onnxruntime' });
    features = t.app.get(FeaturesService);
    await importDaily(t, 'EUR/USD', csv);
    const accepted = await (await t.fetch('/api/v1/models/train', { method: 'POST', json: request })).json();
    const job = await waitForJob(t, accepted.job_id);
    expect(job.status).toBe('succeeded');
    version = await (await t.fetch('/api/v1/models/parity_lstm/versions/1.0.0')).json();
    // The dataset the job evaluated: the same request, the same bars (the fingerprint says so).
    ({ dataset } = await features.buildDataset({
      symbols: ['EUR/USD'],
      timeframe: '1d',
      features: FEATURES,
      target: 'price_change_1d',
      start,
      end: Date.parse(request.end_date),
      window: W,
      validationSplit: 0.2,
      testSplit: 0.3,
    }));
    expect(dataset.fingerprint).toBe(version.data_fingerprint);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records the horizon-gap samples on the version (the 4-day step), kept by default', () => {
    expect(version.splits.segments).toBe(3);
    expect(version.splits.horizon_gaps).toEqual({ policy: 'keep', samples: 1, train: 1, validation: 0, test: 0 });
  });

  it('GET /features/values restarts every indicator after a gap, as training does', async () => {
    const from = new Date(timestamps[540]).toISOString();
    const res = await t.fetch(
      `/api/v1/features/values?symbol=EUR/USD&timeframe=1d&features=sma_20&start=${from}&limit=21`,
    );
    const rows = (await res.json()).rows as Array<{ values: { sma_20: number | null } }>;
    expect(rows.slice(0, 19).every((r) => r.values.sma_20 === null)).toBe(true);
    expect(rows[19].values.sma_20).not.toBeNull();
  });

  it('a prediction from stored bars at a test bar gets the window the evaluation used, bit for bit', async () => {
    const test = dataset.test;
    const size = W * dataset.numFeatures;
    // The last test bar, the first ones servable after the gap at bar 540, and some before it; latest first,
    // because each is made the latest stored bar by deleting the bars after it.
    const afterGap = test.timestamps.filter((ts) => ts >= timestamps[540]);
    const picks = [
      ...new Set([test.count - 1, ...afterGap.slice(0, 3).map((ts) => test.timestamps.indexOf(ts)), 40, 5, 0]),
    ]
      .filter((k) => k >= 0 && k < test.count)
      .sort((a, b) => b - a);
    expect(afterGap.length).toBeGreaterThan(0);
    const spy = jest.spyOn(features, 'servedWindow');
    for (const k of picks) {
      const at = test.timestamps[k];
      const del = await t.fetch(
        `/api/v1/market-data?symbol=EUR/USD&timeframe=1d&start=${new Date(at + 1000).toISOString()}`,
        { method: 'DELETE' },
      );
      expect(del.status).toBe(200);
      spy.mockClear();
      const res = await predict({ symbol: 'EUR/USD', timeframe: '1d' });
      const body = await res.json();
      expect({ k, status: res.status }).toEqual({ k, status: 200 });
      expect(body.as_of).toBe(new Date(at).toISOString());
      expect(body.horizon_gap).toBeUndefined(); // daily bars: a weekend is a normal step
      const served = (await spy.mock.results[0].value) as ServedWindow;
      const evaluated = test.windows.subarray(k * size, (k + 1) * size);
      expect({ k, equal: Buffer.from(served.window.buffer).equals(Buffer.from(evaluated.slice().buffer)) }).toEqual({
        k,
        equal: true,
      });
    }
    spy.mockRestore();
  });

  it('a window that would cross a gap is not served (training has no such window): 422', async () => {
    // Leave 3 bars after the gap at bar 330: fewer than a window since the gap.
    await t.fetch(`/api/v1/market-data?symbol=EUR/USD&timeframe=1d&start=${new Date(timestamps[333]).toISOString()}`, {
      method: 'DELETE',
    });
    const res = await predict({ symbol: 'EUR/USD', timeframe: '1d' });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error_code).toBe('INSUFFICIENT_DATA');
    expect(body.message).toMatch(/Only 3 stored 1d bars for EUR\/USD since the gap before/);
  });

  it('horizon_gaps: a value other than keep or drop is a 422 in the error envelope', async () => {
    const res = await t.fetch('/api/v1/models/train', { method: 'POST', json: { ...request, horizon_gaps: 'skip' } });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error_type).toBeDefined();
    expect(JSON.stringify(body.details)).toMatch(/horizon_gaps/);
  });
});
