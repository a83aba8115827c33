import { DataSource } from 'typeorm';
import { ModelsService } from '../src/models/models.service';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, meanReverting } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';
import { DAILY_TIME_SERIES_REQUEST } from './support/train-request';

/**
 * Issue #15, first part: every time-series and classification version carries `splits` and
 * `significance` (with the trials counter of its test span), always-long/always-short
 * baselines, and a predictions CSV from which the reported test metrics are recomputed here
 * by code that shares nothing with the service's.
 */
interface Row {
  timestamp: string;
  symbol: string;
  part: string;
  prediction: string;
  realised: string;
  [extra: string]: string;
}

function parseCsv(text: string): { header: string[]; rows: Row[] } {
  const [head, ...lines] = text.trimEnd().split('\n');
  const header = head.split(',');
  return { header, rows: lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])) as Row) };
}

describe('evaluation a quant can check: significance, trials, splits, predictions CSV', () => {
  let t: TestApp;
  const SPREAD = 1.5;
  const SLIPPAGE = 0.25;
  const train = async (body: Record<string, unknown>) => {
    const res = await t.fetch('/api/v1/models/train', { method: 'POST', json: body });
    const accepted = await res.json();
    if (res.status !== 202) throw new Error(`${res.status} ${JSON.stringify(accepted)}`);
    expect(await waitForJob(t, accepted.job_id)).toMatchObject({ status: 'succeeded' });
    return accepted as { model_id: string; version: string };
  };
  const version = async (id: string, v: string) => (await t.fetch(`/api/v1/models/${id}/versions/${v}`)).json();
  const csv = async (id: string, v: string) => {
    const res = await t.fetch(`/api/v1/models/${id}/versions/${v}/predictions`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    return parseCsv(await res.text());
  };
  const tsBody = {
    ...DAILY_TIME_SERIES_REQUEST,
    name: 'Eval GRU',
    architecture: 'gru',
    symbols: ['GBP/USD'],
    spread_pips: SPREAD,
    slippage_pips: SLIPPAGE,
    hyperparameters: { units: 8, epochs: 4, batch_size: 64 },
  };

  beforeAll(async () => {
    t = await startTestApp({
      MAX_TRAINING_MEMORY: '8',
      BACKTEST_SWAP_POINTS: '{"EUR/USD": {"long": -0.5, "short": 0.1}}',
    });
    await importDaily(t, 'GBP/USD', dailyCsv(meanReverting(1600, 5)));
    await train(tsBody);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the CSV has the documented header and recomputes mse, mae, r2, directional accuracy and IC of the version exactly', async () => {
    const v = await version('eval_gru', '1.0.0');
    const { header, rows } = await csv('eval_gru', '1.0.0');
    expect(header).toEqual(['timestamp', 'symbol', 'part', 'prediction', 'realised']);
    const test = rows.filter((r) => r.part === 'test');
    expect(rows.filter((r) => r.part === 'validation')).toHaveLength(v.splits.validation.samples);
    expect(test).toHaveLength(v.metrics.n);
    const p = test.map((r) => Number(r.prediction));
    const y = test.map((r) => Number(r.realised));
    const n = y.length;
    let sse = 0;
    let sae = 0;
    for (let i = 0; i < n; i++) {
      const e = y[i] - p[i];
      sse += e * e;
      sae += Math.abs(e);
    }
    expect(sse / n).toBe(v.metrics.mse);
    expect(sae / n).toBe(v.metrics.mae);
    const moved = y.map((yi, i) => [yi, p[i]]).filter(([yi]) => yi !== 0);
    expect(moved.length).toBe(v.metrics.directional_n);
    expect(moved.filter(([yi, pi]) => Math.sign(yi) === Math.sign(pi)).length / moved.length).toBe(
      v.metrics.directional_accuracy,
    );
    const my = y.reduce((a, b) => a + b, 0) / n;
    const mp = p.reduce((a, b) => a + b, 0) / n;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < n; i++) {
      sxy += (p[i] - mp) * (y[i] - my);
      sxx += (p[i] - mp) ** 2;
      syy += (y[i] - my) ** 2;
    }
    expect(sxy / Math.sqrt(sxx * syy)).toBeCloseTo(v.metrics.ic, 12);
    expect(1 - sse / syy).toBeCloseTo(v.metrics.r2, 12);
    expect(v.significance.ic.value).toBeCloseTo(v.metrics.ic, 12);
  });

  it('with the bars from the API, the CSV recomputes the backtest after spread and slippage (Sharpe, total trades)', async () => {
    const v = await version('eval_gru', '1.0.0');
    const { rows } = await csv('eval_gru', '1.0.0');
    const test = rows.filter((r) => r.part === 'test');
    const bars = await (
      await t.fetch(
        `/api/v1/market-data?symbol=GBP/USD&timeframe=1d&start=${test[0].timestamp}&end=${test[test.length - 1].timestamp}&limit=10000`,
      )
    ).json();
    const close = new Map<string, number>(
      bars.bars.map((b: { timestamp: string; close: number }) => [b.timestamp, b.close]),
    );
    // H = 1: every sample is traded; a change of position costs |Δ| × (spread/2 + slippage) pips / price.
    let previous = 0;
    let trades = 0;
    const returns: number[] = [];
    for (const r of test) {
      const position = Math.sign(Number(r.prediction));
      const cost =
        (Math.abs(position - previous) * (SPREAD / 2 + SLIPPAGE) * 0.0001) /
        close.get(new Date(r.timestamp).toISOString())!;
      if (position !== previous) trades++;
      returns.push(position * Number(r.realised) - cost);
      previous = position;
    }
    const m = returns.reduce((a, b) => a + b, 0) / returns.length;
    const sd = Math.sqrt(returns.reduce((a, b) => a + (b - m) ** 2, 0) / (returns.length - 1));
    const bt = v.metrics.backtest;
    expect(bt).toMatchObject({ spread_pips: SPREAD, slippage_pips: SLIPPAGE, trades });
    expect((m / sd) * Math.sqrt(260)).toBeCloseTo(bt.sharpe, 10);
    expect(bt.by_symbol['GBP/USD'].costs).toEqual({
      spread_pips: SPREAD,
      slippage_pips: SLIPPAGE,
      swap_points: null,
      rollover: '17:00 America/New_York, Wednesday x3',
    });
    // One symbol: the significance's Sharpe is the backtest's, with an interval around it.
    expect(v.significance.sharpe.value).toBeCloseTo(bt.sharpe, 12);
    const ci = v.significance.sharpe.confidence_interval;
    expect(ci.low).toBeLessThan(bt.sharpe);
    expect(ci.high).toBeGreaterThan(bt.sharpe);
  });

  it('shows splits (first/last per part, purged and dropped) that agree with the CSV and the data configuration', async () => {
    const v = await version('eval_gru', '1.0.0');
    const { rows } = await csv('eval_gru', '1.0.0');
    const first = (part: string) => rows.find((r) => r.part === part)!.timestamp;
    const last = (part: string) => rows.filter((r) => r.part === part).at(-1)!.timestamp;
    expect(v.splits).toMatchObject({
      validation: { first: first('validation'), last: last('validation') },
      test: { first: first('test'), last: last('test'), samples: v.metrics.n },
      purge_bars: 11,
      purged: expect.any(Number),
      dropped_warmup_rows: expect.any(Number),
    });
    expect(v.splits.purged).toBeGreaterThanOrEqual(2 * 10);
    expect(v.splits.train.samples + v.splits.validation.samples + v.splits.test.samples + v.splits.purged).toBe(
      v.splits.candidates,
    );
    expect(Date.parse(v.splits.train.data_to)).toBeLessThan(Date.parse(v.splits.cutoffs.validation_start));
    expect(Date.parse(v.splits.test.data_from)).toBeGreaterThanOrEqual(Date.parse(v.splits.cutoffs.test_start));
    expect(v.significance.test_span).toMatchObject({
      symbols: ['GBP/USD'],
      timeframe: '1d',
      first: first('test'),
      last: last('test'),
    });
  });

  it('reports always-long and always-short beside the model, and Diebold–Mariano tests against every baseline', async () => {
    const v = await version('eval_gru', '1.0.0');
    for (const b of ['always_long', 'always_short']) {
      expect(v.baselines[b]).toMatchObject({
        position: b === 'always_long' ? 1 : -1,
        directional_accuracy: expect.any(Number),
        backtest: { sharpe: expect.any(Number), trades: 1 },
      });
    }
    // Long and short are mirror images before costs: their directional accuracies add to 1.
    expect(v.baselines.always_long.directional_accuracy + v.baselines.always_short.directional_accuracy).toBeCloseTo(
      1,
      12,
    );
    for (const b of ['naive_zero', 'naive_last', 'ridge']) {
      expect(v.significance.diebold_mariano[b].forecast).toMatchObject({
        loss: 'squared_error',
        correction: 'harvey_leybourne_newbold',
        horizon: 1,
        n: v.metrics.n,
        p_value: expect.any(Number),
      });
      expect(v.significance.diebold_mariano[b].strategy.loss).toBe('negative_period_return');
    }
    expect(v.significance.diebold_mariano.always_long.forecast).toBeUndefined();
    expect(v.significance.diebold_mariano.always_short.strategy.p_value).toEqual(expect.any(Number));
    expect(v.significance.ic).toMatchObject({
      method: 'newey_west_bartlett',
      lag: Math.floor(4 * (v.metrics.n / 100) ** (2 / 9)),
      t_stat: expect.any(Number),
      p_value: expect.any(Number),
    });
    expect(v.significance.mean_return).toMatchObject({
      n: v.metrics.backtest.by_symbol['GBP/USD'].periods,
      t_stat: expect.any(Number),
    });
    expect(v.significance.sharpe.probabilistic).toBeGreaterThan(0);
  });

  it('counts trials per test span in the database: a retrain on the same span deflates both versions', async () => {
    const before = await version('eval_gru', '1.0.0');
    expect(before.significance.trials).toMatchObject({ count: 1, test_span: { symbols: ['GBP/USD'] } });
    expect(before.significance.deflated_sharpe).toMatchObject({
      trials: 1,
      expected_max_sharpe: 0,
      variance_source: 'sampling',
    });
    expect(before.significance.deflated_sharpe.value).toBeCloseTo(before.significance.sharpe.probabilistic, 12);

    await train({ ...tsBody, hyperparameters: { ...tsBody.hyperparameters, units: 6 } });
    const [a, b] = [await version('eval_gru', '1.0.0'), await version('eval_gru', '1.1.0')];
    for (const v of [a, b]) expect(v.significance.trials.count).toBe(2);
    expect(a.significance.deflated_sharpe).toMatchObject({ trials: 2, variance_source: 'trials' });
    expect(a.significance.deflated_sharpe.value).toBeLessThanOrEqual(a.significance.sharpe.probabilistic);
    const model = await (await t.fetch('/api/v1/models/eval_gru')).json();
    expect(
      model.versions.map((x: { significance: { trials: { count: number } } }) => x.significance.trials.count),
    ).toEqual([2, 2]);

    const rows = await t.app
      .get(DataSource)
      .query(`SELECT model_id, version, sharpe FROM evaluation_trials WHERE span_key = $1 ORDER BY version`, [
        a.significance.test_span.key,
      ]);
    expect(rows).toEqual([
      { model_id: 'eval_gru', version: '1.0.0', sharpe: a.significance.sharpe.value },
      { model_id: 'eval_gru', version: '1.1.0', sharpe: b.significance.sharpe.value },
    ]);
  });

  it('classification: the CSV (classes, realised return, probabilities) recomputes accuracy, log loss and the confusion matrix; a backtest beside always-long/short; its own test span', async () => {
    // A shorter range than the time-series versions: another test span, with its own counter.
    await train({
      ...DAILY_TIME_SERIES_REQUEST,
      name: 'Eval dir',
      model_type: 'classification',
      architecture: 'dense',
      target: 'direction_1d',
      symbols: ['GBP/USD'],
      end_date: '2004-01-01T00:00:00Z',
      hyperparameters: { units: 8, epochs: 4, batch_size: 64 },
    });
    const v = await version('eval_dir', '1.0.0');
    const { header, rows } = await csv('eval_dir', '1.0.0');
    expect(header).toEqual([
      'timestamp',
      'symbol',
      'part',
      'prediction',
      'realised',
      'realised_return',
      'p_down',
      'p_flat',
      'p_up',
    ]);
    const test = rows.filter((r) => r.part === 'test');
    expect(test).toHaveLength(v.metrics.n);
    const classes = ['down', 'flat', 'up'];
    expect(test.filter((r) => r.prediction === r.realised).length / test.length).toBe(v.metrics.accuracy);
    let logLoss = 0;
    for (const r of test) logLoss -= Math.log(Math.min(1 - 1e-15, Math.max(1e-15, Number(r[`p_${r.realised}`]))));
    expect(logLoss / test.length).toBeCloseTo(v.metrics.log_loss, 12);
    const confusion = classes.map((truth) =>
      classes.map((pred) => test.filter((r) => r.realised === truth && r.prediction === pred).length),
    );
    expect(confusion).toEqual(v.metrics.confusion_matrix);
    // The prediction is the arg-max probability.
    for (const r of test.slice(0, 50))
      expect(r.prediction).toBe(
        classes.reduce((best, c) => (Number(r[`p_${c}`]) > Number(r[`p_${best}`]) ? c : best), 'down'),
      );
    expect(v.metrics.backtest).toMatchObject({
      sharpe: expect.any(Number),
      trades: expect.any(Number),
      spread_pips: 1,
    });
    for (const b of ['majority_class', 'logistic_regression', 'always_long', 'always_short'])
      expect(v.baselines[b].backtest).toBeDefined();
    expect(v.significance.ic.score).toBe('p(up) - p(down)');
    expect(v.significance.diebold_mariano.logistic_regression.forecast.loss).toBe('log_loss');
    const gru = await version('eval_gru', '1.0.0');
    expect(v.significance.test_span.key).not.toBe(gru.significance.test_span.key);
    expect(v.significance.trials.count).toBe(1);
    expect(gru.significance.trials.count).toBe(2);
  });

  it('answers 404 in the error envelope for a version without predictions, an unknown model or version; 422 for a malformed version', async () => {
    const models = t.app.get(ModelsService);
    await t.app.get(DataSource).transaction((m) =>
      models.reserveVersion(m, {
        modelId: 'eval_gru',
        name: 'Eval GRU',
        type: 'time_series',
        version: {
          target: 'price_change_1d',
          timeframe: '1d',
          window: 10,
          features: ['returns_1'],
          symbols: ['GBP/USD'],
        },
      }),
    );
    const queued = await t.fetch('/api/v1/models/eval_gru/versions/1.2.0/predictions');
    expect(queued.status).toBe(404);
    expect(await queued.json()).toMatchObject({
      error_code: 'PREDICTIONS_NOT_FOUND',
      error_type: 'NotFoundError',
      message: expect.stringMatching(/queued/),
      correlation_id: expect.any(String),
    });
    expect((await t.fetch('/api/v1/models/eval_gru/versions/9.9.9/predictions')).status).toBe(404);
    expect((await t.fetch('/api/v1/models/nope/versions/1.0.0/predictions')).status).toBe(404);
    expect((await t.fetch('/api/v1/models/eval_gru/versions/abc/predictions')).status).toBe(422);
    // Documented in the OpenAPI document (so the OpenAPI fuzz suite covers it), as CSV.
    const doc = await (await t.fetch('/docs-json')).json();
    expect(
      Object.keys(doc.paths['/api/v1/models/{model_id}/versions/{version}/predictions'].get.responses['200'].content),
    ).toEqual(['text/csv']);
  });
});
