import { importBars, waitForJob } from './support/jobs';
import { barsCsv, fxHourlyTimestamps, meanReverting } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue #15, "Done when": a walk-forward run on hourly data reports folds, significance and the
 * deflated Sharpe. The bars are an FX feed's (Sunday 22:00 to Friday 21:00 UTC, no weekend bars),
 * so every Friday 21:00 sample's 1h target is a 49-hour weekend return: with `horizon_gaps:
 * "drop"` the time-true horizon rule leaves those samples out of every fold and of the final
 * model, and the version counts them.
 */
const HOUR = 3_600_000;
const BARS = 2000;
const FOLDS = 3;
const W = 10;
const times = fxHourlyTimestamps(BARS);
const index = new Map(times.map((t, i) => [t, i]));
const isFriday21 = (t: number) => new Date(t).getUTCDay() === 5 && new Date(t).getUTCHours() === 21;

describe('walk-forward evaluation on hourly bars with weekends', () => {
  let t: TestApp;
  let v: any;
  let csvRows: { timestamp: string; part: string }[];

  beforeAll(async () => {
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8' });
    await importBars(t, 'EUR/USD', '1h', barsCsv(meanReverting(BARS, 3, 0.002, -0.1), times));
    v = await train(7);
    const csv = await (await t.fetch(`/api/v1/models/${v.model_id}/versions/${v.version}/predictions`)).text();
    const [head, ...lines] = csv.trimEnd().split('\n');
    const header = head.split(',');
    csvRows = lines.map((l) => Object.fromEntries(l.split(',').map((x, i) => [header[i], x])) as any);
  }, 150_000);
  afterAll(async () => {
    await t?.close();
  });

  async function train(seed: number): Promise<any> {
    const res = await t.fetch('/api/v1/models/train', {
      method: 'POST',
      json: {
        name: 'WF hourly',
        model_type: 'time_series',
        architecture: 'gru',
        features: ['returns_1', 'returns_5', 'zscore_20'],
        target: 'price_change_1h',
        symbols: ['EUR/USD'],
        timeframe: '1h',
        start_date: '2021-01-01T00:00:00Z',
        end_date: '2021-12-31T00:00:00Z',
        window: W,
        validation_split: 0.2,
        horizon_gaps: 'drop',
        seed,
        hyperparameters: { units: 4, epochs: 2, batch_size: 64 },
        evaluation: { method: 'walk_forward', folds: FOLDS, train_window: 'expanding' },
      },
    });
    const accepted = await res.json();
    expect({ status: res.status, accepted }).toMatchObject({ status: 202 });
    expect(await waitForJob(t, accepted.job_id, 120_000)).toMatchObject({ status: 'succeeded' });
    return (await t.fetch(`/api/v1/models/${accepted.model_id}/versions/${accepted.version}`)).json();
  }

  it('reports each fold: spans in order, adjacent non-overlapping test blocks, each after its training span and the purge', () => {
    const wf = v.walk_forward;
    expect(wf).toMatchObject({ method: 'walk_forward', train_window: 'expanding', purge_bars: W + 1 });
    expect(wf.folds).toHaveLength(FOLDS);
    let previousTestEnd = -Infinity;
    for (const [k, f] of wf.folds.entries()) {
      expect(f).toMatchObject({
        fold: k + 1,
        metrics: { mse: expect.any(Number), ic: expect.any(Number), backtest: { sharpe: expect.any(Number) } },
        baselines: { naive_zero: expect.any(Object), ridge: expect.any(Object) },
      });
      const [trainStart, trainEnd, testStart, testEnd] = [f.train_start, f.train_end, f.test_start, f.test_end].map(
        Date.parse,
      );
      expect(trainStart).toBe(Date.parse(wf.folds[0].train_start));
      expect(trainStart).toBeLessThan(trainEnd);
      // The purge counts bars that exist (a weekend is no bar): at least purge_bars of them between.
      expect(index.get(testStart)! - index.get(trainEnd)!).toBeGreaterThan(wf.purge_bars);
      expect(testStart).toBeLessThan(testEnd);
      expect(testStart).toBeGreaterThan(previousTestEnd);
      previousTestEnd = testEnd;
    }
    // The default step: equal blocks of anchor times, adjacent (the next block starts at the next sample).
    expect(new Set(wf.folds.map((f: { n: number }) => f.n)).size).toBe(1);
    const foldRows = csvRows.filter((r) => r.part.startsWith('fold_'));
    for (let k = 1; k < FOLDS; k++) {
      const lastOfPrevious = foldRows.filter((r) => r.part === `fold_${k}`).at(-1)!;
      const firstOfNext = foldRows.find((r) => r.part === `fold_${k + 1}`)!;
      // The next block starts at the next sample time: the next bar, skipping a dropped Friday 21:00.
      let next = index.get(Date.parse(lastOfPrevious.timestamp))! + 1;
      if (isFriday21(times[next])) next++;
      expect(Date.parse(firstOfNext.timestamp)).toBe(times[next]);
    }
    expect(wf.combined).toMatchObject({
      n: FOLDS * wf.folds[0].n,
      first: wf.folds[0].test_start,
      last: wf.folds[FOLDS - 1].test_end,
    });
    expect(foldRows).toHaveLength(wf.combined.n);
  });

  it('drops the weekend-spanning horizons (Friday 21:00 samples) from the folds and the final model, and counts them', () => {
    // Every Friday 21:00 bar with a bar after it is a complete sample (they lie long past the warm-up).
    const fridays = times.filter((ts, i) => isFriday21(ts) && i + 1 < BARS).length;
    expect(fridays).toBe(16);
    expect(v.splits.horizon_gaps).toEqual({ policy: 'drop', samples: fridays, train: 0, validation: 0, test: 0 });
    expect(v.data_config.horizon_gaps).toBe('drop');
    // The 49-hour weekend step is inside the 4-day gap rule: one run, windows may span a weekend.
    expect(v.splits.segments).toBe(1);
    for (const r of csvRows) {
      const ts = Date.parse(r.timestamp);
      expect(isFriday21(ts)).toBe(false);
      // The sample's next bar (its target) is the next hour: no scored horizon spans a weekend.
      expect(times[index.get(ts)! + 1] - ts).toBe(HOUR);
    }
  });

  it('reports significance: Newey-West t for the IC, a bootstrap Sharpe interval, DM tests and the deflated Sharpe with its trials', () => {
    const s = v.significance;
    const n = v.walk_forward.combined.n;
    expect(s.test_span).toMatchObject({
      symbols: ['EUR/USD'],
      timeframe: '1h',
      first: v.walk_forward.combined.first,
      last: v.walk_forward.combined.last,
    });
    // Horizon 1, one symbol: the lag is the plain rule floor(4 (n/100)^(2/9)).
    expect(s.ic).toMatchObject({
      method: 'newey_west_bartlett',
      n,
      lag: Math.floor(4 * (n / 100) ** (2 / 9)),
      t_stat: expect.any(Number),
      p_value: expect.any(Number),
    });
    expect(s.ic.value).toBeCloseTo(v.metrics.ic, 12);
    expect(s.ic.t_stat).toBeCloseTo(s.ic.value / s.ic.se, 10);
    expect(s.sharpe).toMatchObject({ periods_per_year: 6240, periods: n });
    expect(s.sharpe.value).toBeCloseTo(v.metrics.backtest.sharpe, 12);
    const ci = s.sharpe.confidence_interval;
    expect(ci).toMatchObject({ level: 0.95, method: 'stationary_bootstrap' });
    expect(ci.low).toBeLessThan(ci.high);
    expect(Object.keys(s.diebold_mariano).sort()).toEqual([
      'always_long',
      'always_short',
      'naive_last',
      'naive_zero',
      'ridge',
    ]);
    for (const dm of Object.values<any>(s.diebold_mariano)) {
      expect(dm.strategy).toMatchObject({ correction: 'harvey_leybourne_newbold', horizon: 1 });
    }
    expect(s.diebold_mariano.ridge.forecast).toMatchObject({ n, horizon: 1, p_value: expect.any(Number) });
    // One evaluation on this test span so far: SR0 = 0, so the deflated Sharpe is PSR(0).
    expect(s.trials.count).toBe(1);
    expect(s.deflated_sharpe).toMatchObject({ trials: 1, expected_max_sharpe: 0, variance_source: 'sampling' });
    expect(s.deflated_sharpe.value).toBeCloseTo(s.sharpe.probabilistic, 12);
  });

  it('a second evaluation on the same hourly test span deflates both: two trials, SR0 > 0, DSR below PSR', async () => {
    const again = await train(8);
    expect(again.walk_forward.combined).toMatchObject({
      first: v.walk_forward.combined.first,
      n: v.walk_forward.combined.n,
    });
    const first = await (await t.fetch(`/api/v1/models/${v.model_id}/versions/${v.version}`)).json();
    for (const version of [first, again]) {
      const s = version.significance;
      expect(s.trials.count).toBe(2);
      expect(s.deflated_sharpe).toMatchObject({ trials: 2, variance_source: 'trials' });
      expect(s.deflated_sharpe.expected_max_sharpe).toBeGreaterThan(0);
      expect(s.deflated_sharpe.value).toBeLessThan(s.sharpe.probabilistic);
    }
  });
});
