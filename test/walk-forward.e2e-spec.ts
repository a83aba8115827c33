import { DataSource } from 'typeorm';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, meanReverting } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';
import { DAILY_TIME_SERIES_REQUEST } from './support/train-request';

/**
 * Issue #15, walk-forward evaluation: a version trained with `evaluation.method: walk_forward`
 * carries per-fold spans and metrics and a combined out-of-sample block; the predictions CSV
 * has each fold's rows (`fold_N`), from which the combined metrics are recomputed here by code
 * that shares nothing with the service's; the trials counter counts the combined span once.
 */
type Row = { timestamp: string; symbol: string; part: string; prediction: string; realised: string };

function parseCsv(text: string): { header: string[]; rows: Row[] } {
  const [head, ...lines] = text.trimEnd().split('\n');
  const header = head.split(',');
  return { header, rows: lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])) as Row) };
}

/** mse, mae, directional accuracy (over samples that moved) and Pearson IC of predictions p against y. */
function recompute(p: number[], y: number[]) {
  const n = y.length;
  let sse = 0;
  let sae = 0;
  for (let i = 0; i < n; i++) {
    sse += (y[i] - p[i]) ** 2;
    sae += Math.abs(y[i] - p[i]);
  }
  const moved = y.map((yi, i) => [yi, p[i]]).filter(([yi]) => yi !== 0);
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
  return {
    n,
    mse: sse / n,
    mae: sae / n,
    directional_n: moved.length,
    directional_accuracy: moved.filter(([yi, pi]) => Math.sign(yi) === Math.sign(pi)).length / moved.length,
    ic: sxy / Math.sqrt(sxx * syy),
  };
}

describe('walk-forward evaluation', () => {
  let t: TestApp;
  let accepted: { model_id: string; version: string };
  const DAY = 86_400_000;
  const FOLDS = 3;
  const body = {
    ...DAILY_TIME_SERIES_REQUEST,
    name: 'WF GRU',
    architecture: 'gru',
    symbols: ['GBP/USD'],
    hyperparameters: { units: 4, epochs: 2, batch_size: 64 },
    evaluation: { method: 'walk_forward', folds: FOLDS, train_window: 'expanding' },
  };
  const submit = (b: Record<string, unknown>) => t.fetch('/api/v1/models/train', { method: 'POST', json: b });
  const version = async () =>
    (await t.fetch(`/api/v1/models/${accepted.model_id}/versions/${accepted.version}`)).json();
  const csv = async () => {
    const res = await t.fetch(`/api/v1/models/${accepted.model_id}/versions/${accepted.version}/predictions`);
    expect(res.status).toBe(200);
    return parseCsv(await res.text());
  };

  beforeAll(async () => {
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8' });
    await importDaily(t, 'GBP/USD', dailyCsv(meanReverting(1200, 5)));
    const res = await submit(body);
    accepted = await res.json();
    expect(res.status).toBe(202);
    expect(await waitForJob(t, (accepted as unknown as { job_id: string }).job_id, 300_000)).toMatchObject({
      status: 'succeeded',
    });
  }, 330_000);
  afterAll(async () => {
    await t?.close();
  });

  it('reports the folds: chronological, non-overlapping test spans, each after its training span and the purge', async () => {
    const v = await version();
    const wf = v.walk_forward;
    expect(wf).toMatchObject({
      method: 'walk_forward',
      train_window: 'expanding',
      purge_bars: 11,
      folds: expect.any(Array),
      combined: expect.any(Object),
    });
    expect(wf.folds).toHaveLength(FOLDS);
    let previousTestEnd = -Infinity;
    for (const [i, f] of wf.folds.entries()) {
      expect(f).toMatchObject({
        fold: i + 1,
        n: expect.any(Number),
        metrics: { mse: expect.any(Number), ic: expect.any(Number), backtest: { sharpe: expect.any(Number) } },
        baselines: { ridge: expect.any(Object), always_long: expect.any(Object) },
      });
      const [trainStart, trainEnd, testStart, testEnd] = [f.train_start, f.train_end, f.test_start, f.test_end].map(
        Date.parse,
      );
      expect(trainStart).toBeLessThan(trainEnd);
      // Gap-free daily bars: at least the 11 purged bars lie between training and test.
      expect(testStart - trainEnd).toBeGreaterThanOrEqual((wf.purge_bars + 1) * DAY);
      expect(testStart).toBeLessThanOrEqual(testEnd);
      expect(testStart).toBeGreaterThan(previousTestEnd);
      previousTestEnd = testEnd;
      // Expanding: every fold trains from the same first sample.
      expect(f.train_start).toBe(wf.folds[0].train_start);
      // One sample a day: the block holds every day of its span.
      expect(f.n).toBe((testEnd - testStart) / DAY + 1);
    }
    // Equal blocks (the default step), adjacent: each starts the day after the previous ends.
    for (let i = 1; i < FOLDS; i++)
      expect(Date.parse(wf.folds[i].test_start) - Date.parse(wf.folds[i - 1].test_end)).toBe(DAY);
    expect(new Set(wf.folds.map((f: { n: number }) => f.n)).size).toBe(1);
    expect(wf.combined).toMatchObject({
      n: FOLDS * wf.folds[0].n,
      first: wf.folds[0].test_start,
      last: wf.folds[FOLDS - 1].test_end,
    });
    // The version's own model trained on the whole range: train + validation, no test part.
    expect(v.splits.test.samples).toBe(0);
    expect(v.splits.validation.last).toBe(wf.folds[FOLDS - 1].test_end);
    expect(v.data_config.evaluation).toMatchObject({ method: 'walk_forward', folds: FOLDS });
  });

  it("the CSV has each fold's rows (part fold_N), from which the fold and combined metrics recompute exactly", async () => {
    const v = await version();
    const { header, rows } = await csv();
    expect(header).toEqual(['timestamp', 'symbol', 'part', 'prediction', 'realised']);
    expect(new Set(rows.map((r) => r.part))).toEqual(new Set(['validation', 'fold_1', 'fold_2', 'fold_3']));
    const foldRows = rows.filter((r) => r.part.startsWith('fold_'));
    const series = (rs: Row[]) => [rs.map((r) => Number(r.prediction)), rs.map((r) => Number(r.realised))] as const;
    for (const f of v.walk_forward.folds) {
      const mine = rows.filter((r) => r.part === `fold_${f.fold}`);
      expect(mine[0].timestamp).toBe(f.test_start);
      expect(mine.at(-1)!.timestamp).toBe(f.test_end);
      const r = recompute(...series(mine));
      expect(r.n).toBe(f.metrics.n);
      expect(r.mse).toBe(f.metrics.mse);
      expect(r.directional_accuracy).toBe(f.metrics.directional_accuracy);
    }
    const r = recompute(...series(foldRows));
    const combined = v.walk_forward.combined.metrics;
    for (const m of [combined, v.metrics]) {
      expect(r.n).toBe(m.n);
      expect(r.mse).toBe(m.mse);
      expect(r.mae).toBe(m.mae);
      expect(r.directional_n).toBe(m.directional_n);
      expect(r.directional_accuracy).toBe(m.directional_accuracy);
      expect(r.ic).toBeCloseTo(m.ic, 12);
    }
    expect(v.significance.ic.value).toBeCloseTo(r.ic, 12);
    expect(v.significance).toEqual(
      expect.objectContaining({
        test_span: expect.objectContaining({ first: foldRows[0].timestamp, last: foldRows.at(-1)!.timestamp }),
      }),
    );
  });

  it('the combined backtest recomputes from the fold rows and the bars (one series across the folds, 1 pip spread)', async () => {
    const v = await version();
    const test = (await csv()).rows.filter((r) => r.part.startsWith('fold_'));
    const bars = await (
      await t.fetch(
        `/api/v1/market-data?symbol=GBP/USD&timeframe=1d&start=${test[0].timestamp}&end=${test.at(-1)!.timestamp}&limit=10000`,
      )
    ).json();
    const close = new Map<string, number>(
      bars.bars.map((b: { timestamp: string; close: number }) => [b.timestamp, b.close]),
    );
    let previous = 0;
    let trades = 0;
    const returns: number[] = [];
    for (const r of test) {
      const position = Math.sign(Number(r.prediction));
      if (position !== previous) trades++;
      returns.push(
        position * Number(r.realised) - (Math.abs(position - previous) * 0.5 * 0.0001) / close.get(r.timestamp)!,
      );
      previous = position;
    }
    const m = returns.reduce((a, b) => a + b, 0) / returns.length;
    const sd = Math.sqrt(returns.reduce((a, b) => a + (b - m) ** 2, 0) / (returns.length - 1));
    expect(v.metrics.backtest.trades).toBe(trades);
    expect(v.metrics.backtest.sharpe).toBeCloseTo((m / sd) * Math.sqrt(260), 10);
    expect(v.metrics.backtest.max_drawdown).toEqual(expect.any(Number));
    expect(v.significance.sharpe.value).toBeCloseTo(v.metrics.backtest.sharpe, 12);
    // The baselines beside it are scored on the same combined folds.
    for (const b of ['naive_zero', 'naive_last', 'ridge', 'always_long', 'always_short'])
      expect(v.baselines[b]).toBeDefined();
    expect(v.baselines.ridge.lambda_by_fold).toHaveLength(FOLDS);
    expect(v.baselines.naive_zero.n).toBe(test.length);
    expect(Object.keys(v.significance.diebold_mariano).sort()).toEqual([
      'always_long',
      'always_short',
      'naive_last',
      'naive_zero',
      'ridge',
    ]);
  });

  it('counts the combined span once in evaluation_trials', async () => {
    const v = await version();
    expect(v.significance.trials.count).toBe(1);
    const rows = await t.app
      .get(DataSource)
      .query(`SELECT span_key, test_first, test_last FROM evaluation_trials WHERE model_id = $1`, [accepted.model_id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].span_key).toBe(v.significance.test_span.key);
    expect(new Date(rows[0].test_first).toISOString()).toBe(v.walk_forward.combined.first);
    expect(new Date(rows[0].test_last).toISOString()).toBe(v.walk_forward.combined.last);
  });

  it('answers 422 in the error envelope for bad walk-forward requests', async () => {
    const bad = async (evaluation: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
      const res = await submit({ ...body, name: 'WF bad', evaluation, ...extra });
      const b = await res.json();
      expect({ status: res.status, b }).toMatchObject({
        status: 422,
        b: { error_type: 'DataValidationError', correlation_id: expect.any(String) },
      });
      return b;
    };
    expect((await bad({ method: 'walk_forward', folds: 1 })).message).toMatch(/folds/);
    expect((await bad({ method: 'walk_forward' })).message).toMatch(/folds/);
    expect((await bad({ method: 'walk_forward', folds: 3, step: 'soon' })).message).toMatch(/step/);
    expect((await bad({ method: 'walk_forward', folds: 3, train_window: 'sliding' })).message).toMatch(/train_window/);
    // Too many folds for the data: fold 1's window holds fewer training samples than a batch.
    expect(await bad({ method: 'walk_forward', folds: 20 })).toMatchObject({
      error_code: 'INSUFFICIENT_DATA',
      message: expect.stringMatching(/walk-forward fold 1 .* training samples for a batch size of 64/),
      details: { fold: 1 },
    });
    // Blocks longer than the data allows.
    expect(await bad({ method: 'walk_forward', folds: 3, step: 600 })).toMatchObject({
      error_code: 'INVALID_DATASET_CONFIG',
      details: { field: 'evaluation.step' },
    });
    // A rolling window too short to hold a training part, the purge and a validation part.
    expect(await bad({ method: 'walk_forward', folds: 3, train_window: 'rolling', train_bars: 10 })).toMatchObject({
      error_code: 'INVALID_DATASET_CONFIG',
      details: { field: 'evaluation.train_bars', reason: expect.stringMatching(/too short/) },
    });
    // Long enough for the split, too short for a batch.
    expect(await bad({ method: 'walk_forward', folds: 3, train_window: 'rolling', train_bars: 60 })).toMatchObject({
      error_code: 'INSUFFICIENT_DATA',
      message: expect.stringMatching(/rolling window of 60 bars/),
    });
    expect((await bad({ method: 'walk_forward', folds: 3, train_bars: 300 })).message).toMatch(/rolling/);
    expect((await bad({ method: 'walk_forward', folds: 3, step: '1h' })).message).toMatch(/shorter than one 1d bar/);
    expect(
      (
        await bad(
          { method: 'walk_forward', folds: 3 },
          { model_type: 'classification', target: 'direction_1d', architecture: 'dense' },
        )
      ).message,
    ).toMatch(/time_series/);
    // A sweep's trials end after their first training: walk-forward is refused there.
    const sweep = await t.fetch('/api/v1/sweeps', {
      method: 'POST',
      json: {
        name: 'wf sweep',
        base: { ...body, name: 'WF bad' },
        strategy: 'grid',
        objective: { metric: 'val_loss', direction: 'minimize' },
        space: { 'hyperparameters.units': { type: 'choice', values: [4, 8] } },
      },
    });
    expect({ status: sweep.status, body: await sweep.json() }).toMatchObject({
      status: 422,
      body: {
        error_code: 'VALIDATION_FAILED',
        message: expect.stringMatching(/a sweep scores its trials on their validation part/),
      },
    });
    // Nothing was registered by the refused requests.
    expect((await t.fetch('/api/v1/models/wf_bad')).status).toBe(404);
  });
});
