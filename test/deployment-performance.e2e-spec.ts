import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { startDeploymentApp } from './support/deployment-app';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, lcg, randomWalk } from './support/series';
import type { TestApp } from './support/test-app';

const DAY = 86_400_000;
const START = Date.parse('2000-01-03T00:00:00Z');
const HISTORY = 1300; // daily bars 2000-01-03 … 2003-07-26; the model trains on 2000 … 2003-06-01

/** Webhook receiver on loopback: records every event, answers 200. */
async function startReceiver() {
  const received: Array<{ type: string; body: any }> = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      received.push({ type: String(req.headers['x-event-type']), body: JSON.parse(raw) });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise((r) => server.close(r)),
  };
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() - started > timeoutMs)
      throw new Error(`condition not met after ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---- the statistics, recomputed by hand from what was served and the prices imported ----
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
function pearson(a: number[], b: number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
function ranks(a: number[]): number[] {
  const sorted = [...a].sort((x, y) => x - y);
  // Average rank of ties: mean of the 1-based positions holding the value.
  return a.map((v) => {
    const first = sorted.indexOf(v);
    const last = sorted.lastIndexOf(v);
    return (first + last) / 2 + 1;
  });
}
interface Served {
  as_of: string;
  value: number;
}
function expectedFigures(served: Served[], close: Map<number, number>, spreadPips: number) {
  const pred = served.map((s) => s.value);
  const real = served.map((s) => {
    const t = Date.parse(s.as_of);
    return close.get(t + DAY)! / close.get(t)! - 1; // price_change_1d: close[t + 1] / close[t] − 1
  });
  const moved = real.map((r, i) => ({ r, p: pred[i] })).filter((x) => x.r !== 0);
  const hits = moved.filter((x) => Math.sign(x.p) === Math.sign(x.r)).length / moved.length;
  // Sign positions held one bar; each change of position pays half the spread per unit, as a fraction of the close.
  let equity = 1;
  let previous = 0;
  served.forEach((s, i) => {
    const position = Math.sign(pred[i]);
    const cost = (Math.abs(position - previous) * (spreadPips * 0.0001)) / 2 / close.get(Date.parse(s.as_of))!;
    equity *= 1 + position * real[i] - cost;
    previous = position;
  });
  return {
    n: served.length,
    ic: pearson(pred, real),
    rank_ic: pearson(ranks(pred), ranks(real)),
    directional_accuracy: hits,
    directional_accuracy_se: Math.sqrt((hits * (1 - hits)) / moved.length),
    mse: mean(real.map((r, i) => (r - pred[i]) ** 2)),
    mse_naive_zero: mean(real.map((r) => r * r)),
    pnl_after_costs: equity - 1,
  };
}

describe('deployment live performance: served predictions scored against the realised bars', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let modelId: string;
  let deploymentId: string;
  /** Every close imported, by bar time (as stored: six decimals). */
  const close = new Map<number, number>();
  let last = 0;
  const served: Served[] = [];
  const noise = lcg(5);

  const importBar = async (ts: number, price: number) => {
    const c = Number(price.toFixed(6));
    await importDaily(t, 'EUR/USD', `timestamp,close\n${new Date(ts).toISOString()},${c.toFixed(6)}`);
    close.set(ts, c);
    last = ts;
  };
  const predict = async () => {
    const res = await t.fetch(`/api/v1/models/${modelId}/predict`, {
      method: 'POST',
      json: { symbol: 'EUR/USD', timeframe: '1d', target: 'strategy_engine' },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.as_of).toBe(new Date(last).toISOString());
    return { as_of: body.as_of as string, value: body.prediction.value as number };
  };
  const performance = async (window?: string) => {
    const res = await t.fetch(
      `/api/v1/deployments/${deploymentId}/performance${window ? `?window=${encodeURIComponent(window)}` : ''}`,
    );
    expect(res.status).toBe(200);
    return res.json();
  };
  const storedRows = async (): Promise<number> =>
    (
      await t.app
        .get(DataSource)
        .query(`SELECT count(*)::int AS n FROM deployment_predictions WHERE deployment_id = $1`, [deploymentId])
    )[0].n;

  /**
   * Serve `count` predictions, one per new bar: predict at the latest bar, then import the next
   * bar with a move of `sign` × (prediction − centre) / spread × 0.4 % (plus a little noise), so
   * the live IC is strongly positive (sign +1) or negative (−1) whatever the tiny model says.
   */
  async function servePhase(count: number, sign: 1 | -1) {
    const values: number[] = served.map((s) => s.value);
    for (let i = 0; i < count; i++) {
      const s = await predict();
      served.push(s);
      values.push(s.value);
      const centre = mean(values);
      const spread = Math.sqrt(mean(values.map((v) => (v - centre) ** 2))) || Math.abs(centre) || 1e-6;
      const move = sign * 0.004 * Math.max(-2.5, Math.min(2.5, (s.value - centre) / spread)) + 0.0003 * (noise() - 0.5);
      await importBar(last + DAY, close.get(last)! * (1 + move));
    }
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startDeploymentApp(
      { MAX_TRAINING_MEMORY: '8' },
      {
        DEPLOYMENT_NOTIFY_URLS: `strategy_engine=${receiver.url}/hook`,
        DEPLOYMENT_NOTIFY_BACKOFF_MS: '50',
        MONITORING_FLUSH_MS: '100',
        DEPLOYMENT_DECAY_WINDOW: '10',
        DEPLOYMENT_DECAY_MIN_SAMPLES: '8',
      },
    );
    const prices = randomWalk(HISTORY, 11);
    await importDaily(t, 'EUR/USD', dailyCsv(prices));
    prices.forEach((p, i) => close.set(START + i * DAY, Number(p.toFixed(6))));
    last = START + (HISTORY - 1) * DAY;
    const res = await t.fetch('/api/v1/models/train', {
      method: 'POST',
      json: {
        name: 'Live perf',
        model_type: 'time_series',
        architecture: 'lstm',
        symbols: ['EUR/USD'],
        features: ['returns_1', 'returns_5', 'zscore_20'],
        target: 'price_change_1d',
        start_date: '2000-01-01T00:00:00Z',
        end_date: '2003-06-01T00:00:00Z',
        timeframe: '1d',
        window: 5,
        validation_split: 0.2,
        test_split: 0.2,
        seed: 3,
        hyperparameters: { units: 4, epochs: 1, batch_size: 256 },
      },
    });
    expect(res.status).toBe(202);
    const job = await waitForJob(t, (await res.json()).job_id);
    expect(job.status).toBe('succeeded');
    modelId = job.model_id;
    const dep = await t.fetch(`/api/v1/models/${modelId}/deploy`, {
      method: 'POST',
      json: { version: job.version, deployment_target: 'strategy_engine' },
    });
    expect(dep.status).toBe(201);
    deploymentId = (await dep.json()).id;
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('keeps each served bar once, scores it when the next bar arrives, with figures equal to a recomputation', async () => {
    const before = await performance();
    expect(before.versions).toHaveLength(1);
    expect(before.versions[0]).toMatchObject({
      version: '1.0.0',
      role: 'active',
      target: 'price_change_1d',
      horizon_bars: 1,
      live: { n: 0, ic: null },
      predictions: { stored: 0, pending: 0 },
    });

    // Phase 1: the market follows the model. The first bar is asked for twice: stored once.
    const dup = await predict();
    await servePhase(12, 1);
    expect(served[0]).toEqual(dup);
    await until(storedRows, (n) => n === 12);
    // The bars after T: the last prediction's horizon realises.
    await importBar(last + DAY, close.get(last)! * 1.001);

    const report = await performance();
    const v = report.versions[0];
    expect(v.predictions).toEqual({ stored: 12, pending: 0 });
    const expected = expectedFigures(served, close, v.live.costs.spread_pips);
    expect(v.live.costs.spread_pips).toBe(1); // the version's backtest cost (BACKTEST_SPREAD_PIPS default)
    for (const [k, value] of Object.entries(expected)) expect([k, v.live[k]]).toEqual([k, expect.closeTo(value, 10)]);
    expect(v.live.ic).toBeGreaterThan(0);
    expect(v.status).toBe('ok');
    expect(report.performance_status).toBe('ok');
    expect(v.decay).toMatchObject({ status: 'ok', n: 10, min_samples: 8, window: 'last_n:10' });

    // The version's own test figures beside them.
    const version = await (await t.fetch(`/api/v1/models/${modelId}/versions/1.0.0`)).json();
    expect(v.backtest).toMatchObject({
      n: version.metrics.n,
      ic: version.metrics.ic,
      rank_ic: version.metrics.rank_ic,
      mse: version.metrics.mse,
      directional_accuracy: version.metrics.directional_accuracy,
    });

    // Windows: the last 5 bars; everything was served within the last day.
    const last5 = (await performance('last_n:5')).versions[0].live;
    const exp5 = expectedFigures(served.slice(-5), close, 1);
    expect(last5.n).toBe(5);
    expect(last5.ic).toBeCloseTo(exp5.ic, 10);
    expect(last5.mse).toBeCloseTo(exp5.mse, 12);
    expect((await performance('1d')).versions[0].live.n).toBe(12);
    expect((await performance('30d')).versions[0].live.ic).toBeCloseTo(expected.ic, 10);
  }, 120_000);

  it('decay: once the live IC turns against the backtest the deployment is degraded, the gauge is 1 and the webhook hears it once', async () => {
    await servePhase(12, -1);
    await until(storedRows, (n) => n === 24);
    await importBar(last + DAY, close.get(last)! * 0.999);
    // The bars event alone scores and runs the decay test (no performance read yet).
    const dep = await until(
      async () => (await t.fetch(`/api/v1/deployments/${deploymentId}`)).json(),
      (d) => d.performance_status === 'degraded',
    );
    expect(dep.status).toBe('active');

    const report = await performance();
    const v = report.versions[0];
    expect(v.status).toBe('degraded');
    expect(v.decay.live_ic_ci95[1]).toBeLessThan(v.backtest.ic);
    const exp = expectedFigures(served, close, 1);
    expect(v.live.n).toBe(24);
    expect(v.live.ic).toBeCloseTo(exp.ic, 10);
    expect(v.live.rank_ic).toBeCloseTo(exp.rank_ic, 10);
    expect(v.live.pnl_after_costs).toBeCloseTo(exp.pnl_after_costs, 10);
    const last10 = expectedFigures(served.slice(-10), close, 1);
    expect(v.decay.live_ic).toBeCloseTo(last10.ic, 10);

    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toContain(
      `deployment_performance_degraded{model_id="${modelId}",target="strategy_engine",version="1.0.0"} 1`,
    );
    expect(metrics).toMatch(/deployment_performance_transitions_total\{to="degraded"\} 1/);

    const degraded = await until(
      async () => receiver.received.filter((r) => r.type === 'degraded'),
      (l) => l.length >= 1,
    );
    await performance();
    await performance('last_n:3');
    expect(receiver.received.filter((r) => r.type === 'degraded')).toHaveLength(1);
    expect(degraded[0].body).toMatchObject({
      event: 'degraded',
      deployment_id: deploymentId,
      model_id: modelId,
      version: '1.0.0',
      target: 'strategy_engine',
      performance_status: 'degraded',
      previous_performance_status: 'ok',
    });
    const notes = (await (await t.fetch(`/api/v1/deployments/${deploymentId}`)).json()).notifications.map(
      (n: any) => n.event,
    );
    expect(notes.filter((e: string) => e === 'degraded')).toHaveLength(1);
  }, 120_000);

  it('over calendar time: each ISO week of served bars scored like the whole, the PnL compounded across weeks', async () => {
    const res = await t.fetch(`/api/v1/deployments/${deploymentId}/performance/series?bucket=week`);
    expect(res.status).toBe(200);
    const series = await res.json();
    expect(series).toMatchObject({ deployment_id: deploymentId, bucket: 'week' });
    const [v] = series.versions;
    expect(v).toMatchObject({ version: '1.0.0', role: 'active' });
    // By hand: the Monday (UTC) of each served bar's week.
    const monday = (iso: string) => {
      const t0 = Date.parse(iso);
      return t0 - ((new Date(t0).getUTCDay() + 6) % 7) * DAY;
    };
    const weeks = [...new Set(served.map((s) => monday(s.as_of)))].sort((a, b) => a - b);
    expect(v.points.map((p: any) => Date.parse(p.start))).toEqual(weeks);
    let equity = 1;
    v.points.forEach((p: any, i: number) => {
      const inWeek = served.filter((s) => monday(s.as_of) === weeks[i]);
      const exp = expectedFigures(inWeek, close, 1);
      expect(p.n).toBe(inWeek.length);
      expect(Date.parse(p.end) - Date.parse(p.start)).toBe(7 * DAY);
      if (inWeek.length >= 3) expect(p.ic).toBeCloseTo(exp.ic, 10);
      expect(p.pnl_after_costs).toBeCloseTo(exp.pnl_after_costs, 10);
      equity *= 1 + p.pnl_after_costs;
      expect(p.cumulative_pnl_after_costs).toBeCloseTo(equity - 1, 10);
    });
    expect(v.points.reduce((a: number, p: any) => a + p.n, 0)).toBe(24);
    expect(v.backtest.ic).toBe((await performance()).versions[0].backtest.ic);
    // Days: one point per served bar (daily bars); months: at most two for 24 days.
    const days = await (await t.fetch(`/api/v1/deployments/${deploymentId}/performance/series`)).json();
    expect(days.bucket).toBe('day');
    expect(days.versions[0].points).toHaveLength(24);
    const months = await (await t.fetch(`/api/v1/deployments/${deploymentId}/performance/series?bucket=month`)).json();
    expect(months.versions[0].points.length).toBeLessThanOrEqual(2);
    const bad = await t.fetch(`/api/v1/deployments/${deploymentId}/performance/series?bucket=hour`);
    expect(bad.status).toBe(422);
    expect((await bad.json()).details.fields[0].field).toBe('bucket');
    const missing = await t.fetch('/api/v1/deployments/6f1c2a9e-0000-4000-8000-000000000000/performance/series');
    expect(missing.status).toBe(404);
  });

  it('bad input: 404 for an unknown deployment, 422 for a bad window', async () => {
    const missing = await t.fetch('/api/v1/deployments/6f1c2a9e-0000-4000-8000-000000000000/performance');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error_code: 'DEPLOYMENT_NOT_FOUND' });
    expect((await t.fetch('/api/v1/deployments/not-a-uuid/performance')).status).toBe(404);
    for (const w of ['2d', 'last_n:0', 'last_n:abc', 'last_n:1000001', 'ALL']) {
      const res = await t.fetch(`/api/v1/deployments/${deploymentId}/performance?window=${encodeURIComponent(w)}`);
      expect([w, res.status]).toEqual([w, 422]);
      const body = await res.json();
      expect(body).toMatchObject({ error_type: 'DataValidationError', details: { fields: [{ field: 'window' }] } });
      expect(typeof body.correlation_id).toBe('string');
    }
  });
});
