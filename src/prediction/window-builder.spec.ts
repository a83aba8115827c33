import { computeFeatures, windowFromColumns, type BarSeries, type Scaler } from '../features/core';
import type { FeaturesService } from '../features/features.service';
import { servedWindow, type ServedModel } from '../features/served-window';
import type { LoadedModel } from './model-loader';
import type { Preprocessing } from '../models/artifacts';
import type { Resolved } from './prediction.types';
import { WindowBuilder } from './window-builder';

const DAY = 86_400_000;
const FEATURES = ['returns_1', 'returns_5'];
const zscore = (std: number): Scaler => ({
  kind: 'zscore',
  features: FEATURES,
  mean: [0.001, -0.002],
  std: [std, std],
});

function series(n: number): BarSeries {
  const timestamps = Array.from({ length: n }, (_, i) => Date.UTC(2020, 0, 1) + i * DAY);
  const close = timestamps.map((_, i) => 1.1 + 0.01 * Math.sin(i / 3) + 0.0001 * i);
  return { symbol: 'EUR/USD', timeframe: '1d', timestamps, close };
}

/** The market data behind FeaturesService: a fixed series, cut at `end` like the real one, and a count of reads. */
function fakeFeatures(bars: BarSeries) {
  const reads: Array<number | undefined> = [];
  const service = {
    canonicalSymbol: (raw: string) => {
      const s = raw.replace(/[_/]/g, '').toUpperCase();
      if (!/^[A-Z]{6}$/.test(s)) throw new Error('not a pair');
      return `${s.slice(0, 3)}/${s.slice(3)}`;
    },
    // The real served-window code over the fixed series, cut at `upTo` as FeaturesService cuts it.
    servedWindow: async (_symbol: string, _tf: string, m: ServedModel, upTo?: number) => {
      reads.push(upTo);
      const keep = bars.timestamps.filter((t) => upTo === undefined || t <= upTo).length;
      return Promise.resolve(
        servedWindow({ ...bars, timestamps: bars.timestamps.slice(0, keep), close: bars.close.slice(0, keep) }, m),
      );
    },
  };
  return { service: service as unknown as FeaturesService, reads };
}

function model(pre: Partial<Preprocessing> = {}): LoadedModel {
  const full: Preprocessing = {
    model_type: 'time_series',
    features: FEATURES,
    window: 4,
    horizon: 1,
    timeframe: '1d',
    target: 'price_change_1d',
    scaler: zscore(0.01),
    target_scaler: null,
    output: 'regression',
    output_units: 1,
    ...pre,
  };
  return { pre: full } as unknown as LoadedModel;
}

const resolved = (version = '1.0.0', symbols = ['EUR/USD']): Resolved => ({
  row: { model_id: 'm', version, status: 'deployed', symbols, timeframe: '1d', artifact_checksum: null, error: null },
  ref: { modelId: 'm', version, checksum: null, modelType: 'time_series' },
  key: `m@${version}#-`,
  deployment: null,
  alias: null,
  role: 'active',
});

describe('WindowBuilder', () => {
  const body = { symbol: 'eur_usd', timeframe: '1d' };

  it('builds the latest window from stored bars with the training code, ending at barsUpTo when given', async () => {
    const bars = series(40);
    const { service, reads } = fakeFeatures(bars);
    const builder = new WindowBuilder(service);
    const m = model();
    const out = await builder.prepare(m, resolved(), body, body, '');
    const columns = computeFeatures(bars, FEATURES);
    expect(out.window).toEqual(windowFromColumns(columns, m.pre.scaler, 4));
    expect(out).toMatchObject({
      symbol: 'EUR/USD',
      timeframe: '1d',
      asOf: new Date(bars.timestamps[39]).toISOString(),
    });
    expect(out.rows).toEqual([36, 37, 38, 39].map((r) => FEATURES.map((f) => columns[f][r])));

    const earlier = await builder.prepare(m, resolved(), body, body, '', { barsUpTo: bars.timestamps[30] });
    expect(earlier.asOf).toBe(new Date(bars.timestamps[30]).toISOString());
    expect(reads).toEqual([undefined, bars.timestamps[30]]);
  });

  it('reuses raw rows another version built: no second read, rescaled with its own scaler, the same as building it', async () => {
    const bars = series(40);
    const { service, reads } = fakeFeatures(bars);
    const builder = new WindowBuilder(service);
    const active = await builder.prepare(model(), resolved(), body, body, '');
    const challenger = model({ scaler: zscore(0.02) });
    const built = { features: FEATURES, window: 4, instances: [active] };
    expect(WindowBuilder.canReuse(challenger.pre, built)).toBe(true);

    const reused = await builder.prepare(challenger, resolved('1.1.0'), body, body, '', { reuse: active });
    expect(reads).toHaveLength(1);
    const rebuilt = await builder.prepare(challenger, resolved('1.1.0'), body, body, '');
    expect(reused).toEqual(rebuilt);
    expect(reused.window).not.toEqual(active.window); // another scaler
  });

  it('does not reuse across other features, another order or another window', () => {
    const built = { features: FEATURES, window: 4, instances: [] };
    expect(WindowBuilder.canReuse(model({ window: 5 }).pre, built)).toBe(false);
    const reversed = [...FEATURES].reverse();
    expect(
      WindowBuilder.canReuse(model({ features: reversed, scaler: { ...zscore(1), features: reversed } }).pre, built),
    ).toBe(false);
    expect(WindowBuilder.canReuse(model({ features: ['returns_1'] }).pre, built)).toBe(false);
  });

  it('checks the request against the answering version: a symbol it was not trained on, another timeframe, a bad symbol', async () => {
    const builder = new WindowBuilder(fakeFeatures(series(40)).service);
    await expect(builder.prepare(model(), resolved('1.0.0', ['GBP/USD']), body, body, '')).rejects.toMatchObject({
      errorCode: 'SYMBOL_NOT_TRAINED',
    });
    const h1 = { symbol: 'EUR/USD', timeframe: '1h' };
    await expect(builder.prepare(model(), resolved(), h1, h1, '')).rejects.toMatchObject({
      errorCode: 'TIMEFRAME_MISMATCH',
    });
    const bad = { symbol: 'euro', timeframe: '1d' };
    await expect(builder.prepare(model(), resolved(), bad, bad, 'instances[0].')).rejects.toMatchObject({
      errorCode: 'VALIDATION_FAILED',
      details: { fields: [{ field: 'instances[0].symbol' }] },
    });
  });

  it('refuses too few stored bars with INSUFFICIENT_DATA', async () => {
    const builder = new WindowBuilder(fakeFeatures(series(3)).service);
    await expect(builder.prepare(model(), resolved(), body, body, '')).rejects.toMatchObject({
      errorCode: 'INSUFFICIENT_DATA',
    });
  });
});
