import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { PredictionService } from '../src/prediction/prediction.service';
import { dieboldMariano } from '../src/training/evaluation/significance/diebold-mariano';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, lcg, randomWalk } from './support/series';
import { startTestApp, type JsonResponse, type TestApp } from './support/test-app';

/**
 * Challengers (issue #17): a shadow scored off the request path and a canary answering its
 * share, both kept and scored as live performance beside the active version; promotion on the
 * paired live losses (Diebold–Mariano) or by force; rollback as for any replacement.
 * One tiny model with two trained versions serves every test.
 */
const DAY = 86_400_000;
const START = Date.parse('2000-01-03T00:00:00Z');
const HISTORY = 1000;
const TARGET = 'strategy_engine';

const trainBody = (seed: number) => ({
  name: 'Challengers',
  model_type: 'time_series',
  architecture: 'lstm',
  symbols: ['EUR/USD'],
  features: ['returns_1', 'returns_5', 'zscore_20'],
  target: 'price_change_1d',
  start_date: '2000-01-01T00:00:00Z',
  end_date: '2002-06-01T00:00:00Z',
  timeframe: '1d',
  window: 5,
  validation_split: 0.2,
  test_split: 0.2,
  seed,
  hyperparameters: { units: 4, epochs: 1, batch_size: 256 },
});

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

/** The canary rule as the README states it: first 32 bits of SHA-256(key) / 2^32 < share. */
const isCanary = (key: string, share: number) =>
  createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32 < share;

describe('deployment challengers: shadow, canary, promotion', () => {
  let t: TestApp;
  let modelId: string;
  let activeId: string;
  const close = new Map<number, number>();
  let last = 0;
  const noise = lcg(9);

  const importBar = async (ts: number, price: number) => {
    const c = Number(price.toFixed(6));
    await importDaily(t, 'EUR/USD', `timestamp,close\n${new Date(ts).toISOString()},${c.toFixed(6)}`);
    close.set(ts, c);
    last = ts;
  };
  const deploy = (body: Record<string, unknown>) =>
    t.fetch(`/api/v1/models/${modelId}/deploy`, {
      method: 'POST',
      json: { deployment_target: TARGET, scaling_factor: 1.0, monitoring_level: 'medium', ...body },
    });
  const predict = (extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    t.fetch(`/api/v1/models/${modelId}/predict`, {
      method: 'POST',
      json: { symbol: 'EUR/USD', timeframe: '1d', target: TARGET, ...extra },
      headers,
    });
  const promote = (id: string, body: unknown = {}) =>
    t.fetch(`/api/v1/deployments/${id}/promote`, { method: 'POST', json: body });
  const envelope = async (res: JsonResponse, status: number, code: string) => {
    const body = await res.json();
    expect({ status: res.status, code: body.error_code }).toEqual({ status, code });
    expect(typeof body.correlation_id).toBe('string');
    return body;
  };
  const stored = async (
    role?: string,
  ): Promise<Array<{ version: string; role: string; as_of: Date; predicted: number }>> =>
    t.app
      .get(DataSource)
      .query(
        `SELECT version, role, as_of, predicted FROM deployment_predictions WHERE deployment_id = $1 ${role ? 'AND role = $2' : ''} ORDER BY as_of`,
        role ? [activeId, role] : [activeId],
      );
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
  /** The realised target of a stored prediction: price_change_1d = close[t + 1] / close[t] − 1. */
  const realised = (asOf: Date | string) => {
    const ts = new Date(asOf).getTime();
    return close.get(ts + DAY)! / close.get(ts)! - 1;
  };

  beforeAll(async () => {
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8', TRAINING_CONCURRENCY: '1', MONITORING_FLUSH_MS: '100' });
    const prices = randomWalk(HISTORY, 21);
    await importDaily(t, 'EUR/USD', dailyCsv(prices));
    prices.forEach((p, i) => close.set(START + i * DAY, Number(p.toFixed(6))));
    last = START + (HISTORY - 1) * DAY;
    const submit = async (seed: number) => {
      const res = await t.fetch('/api/v1/models/train', { method: 'POST', json: trainBody(seed) });
      if (res.status !== 202) throw new Error(`train: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const first = await submit(3);
    const second = await submit(4);
    for (const job of [first, second]) expect((await waitForJob(t, job.job_id)).status).toBe('succeeded');
    expect([first.version, second.version]).toEqual(['1.0.0', '1.1.0']);
    modelId = first.model_id;
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  it('refuses bad challengers with clear 4xx: no active version, bad canary_share, the active version itself, an unknown mode', async () => {
    const none = await envelope(await deploy({ version: '1.1.0', mode: 'shadow' }), 409, 'NOT_DEPLOYED');
    expect(none.details).toMatchObject({ model_id: modelId, target: TARGET });
    const active = await deploy({ version: '1.0.0' });
    expect(active.status).toBe(201);
    activeId = (await active.json()).id;

    for (const share of [0, 1, 1.5, -0.1]) {
      const body = await envelope(
        await deploy({ version: '1.1.0', mode: 'canary', canary_share: share }),
        422,
        'VALIDATION_FAILED',
      );
      expect([share, body.details.fields]).toEqual([
        share,
        [{ field: 'canary_share', errors: ['canary_share must be greater than 0 and less than 1'] }],
      ]);
    }
    expect(
      (await envelope(await deploy({ version: '1.1.0', mode: 'canary' }), 422, 'VALIDATION_FAILED')).details.fields[0]
        .field,
    ).toBe('canary_share');
    expect(
      (await envelope(await deploy({ version: '1.1.0', mode: 'shadow', canary_share: 0.2 }), 422, 'VALIDATION_FAILED'))
        .details.fields[0].errors,
    ).toEqual(['canary_share is only for "mode": "canary"']);
    expect(
      (await envelope(await deploy({ version: '1.1.0', canary_share: 0.2 }), 422, 'VALIDATION_FAILED')).details
        .fields[0].field,
    ).toBe('canary_share');
    expect(
      (await envelope(await deploy({ version: '1.1.0', mode: 'blue_green' }), 422, 'VALIDATION_FAILED')).details
        .fields[0].field,
    ).toBe('mode');
    await envelope(await deploy({ version: '1.0.0', mode: 'shadow' }), 409, 'CHALLENGER_IS_ACTIVE');
    await envelope(await deploy({ version: '9.9.9', mode: 'shadow' }), 404, 'VERSION_NOT_FOUND');
    await envelope(await promote(activeId), 409, 'NO_CHALLENGER');
    await envelope(await promote('6f1c2a9e-0000-4000-8000-000000000000'), 404, 'DEPLOYMENT_NOT_FOUND');
    await envelope(await predict({ request_key: '' }), 422, 'VALIDATION_FAILED');
    // Nothing changed: the active deployment has no challenger.
    expect((await (await t.fetch(`/api/v1/deployments/${activeId}`)).json()).challenger).toBeNull();
  });

  it('shadow: the active version answers, the challenger scores every request off the path; live figures of both equal a recomputation', async () => {
    const res = await deploy({ version: '1.1.0', mode: 'shadow' });
    expect(res.status).toBe(201);
    const dep = await res.json();
    expect(dep).toMatchObject({
      id: activeId,
      version: '1.0.0',
      status: 'active',
      challenger: { version: '1.1.0', mode: 'shadow', canary_share: null, since: expect.any(String) },
    });

    // Serve one prediction per bar up to T, importing the next bar after each (the bars after T realise them).
    const answered: Array<{ as_of: string; value: number }> = [];
    for (let i = 0; i < 12; i++) {
      const p = await predict();
      expect(p.status).toBe(200);
      expect(p.headers.get('x-model-version')).toBe('1.0.0');
      expect(p.headers.get('x-model-role')).toBe('active');
      const body = await p.json();
      expect(body).toMatchObject({ version: '1.0.0', role: 'active', as_of: new Date(last).toISOString() });
      answered.push({ as_of: body.as_of, value: body.prediction.value });
      await importBar(last + DAY, close.get(last)! * (1 + 0.004 * (noise() - 0.5)));
    }
    await until(
      async () => (await stored()).length,
      (n) => n === 24,
    );
    await importBar(last + DAY, close.get(last)! * 1.001);

    const rows = await stored();
    const active = rows.filter((r) => r.version === '1.0.0');
    const shadow = rows.filter((r) => r.version === '1.1.0');
    expect(active.map((r) => r.role)).toEqual(Array(12).fill('active'));
    expect(shadow.map((r) => r.role)).toEqual(Array(12).fill('shadow'));
    expect(active.map((r) => ({ as_of: new Date(r.as_of).toISOString(), value: Number(r.predicted) }))).toEqual(
      answered,
    );
    expect(shadow.map((r) => new Date(r.as_of).toISOString())).toEqual(answered.map((a) => a.as_of));
    expect(shadow.map((r) => Number(r.predicted))).not.toEqual(answered.map((a) => a.value)); // another version, other weights

    const report = await (await t.fetch(`/api/v1/deployments/${activeId}/performance`)).json();
    expect(report.versions.map((v: any) => [v.version, v.role])).toEqual([
      ['1.0.0', 'active'],
      ['1.1.0', 'shadow'],
    ]);
    for (const [v, kept] of [
      [report.versions[0], active],
      [report.versions[1], shadow],
    ] as const) {
      const pred = kept.map((r) => Number(r.predicted));
      const real = kept.map((r) => realised(r.as_of));
      expect(v.predictions).toEqual({ stored: 12, pending: 0 });
      expect(v.live.n).toBe(12);
      expect(v.live.ic).toBeCloseTo(pearson(pred, real), 10);
      expect(v.live.mse).toBeCloseTo(mean(real.map((r, i) => (r - pred[i]) ** 2)), 14);
      expect(v.live.mse_naive_zero).toBeCloseTo(mean(real.map((r) => r * r)), 14);
    }
    // The shadow is not a request: monitoring counts the 12 answered ones only.
    const monitoring = await until(
      async () => (await t.fetch(`/api/v1/deployments/${activeId}/monitoring`)).json(),
      (m) => m.requests >= 12,
    );
    expect(monitoring.requests).toBe(12);
    // Prometheus counts the 12 shadow scorings (none shed: the requests came one at a time).
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toMatch(/^prediction_shadow_scorings_total\{outcome="scored"\} 12$/m);
    expect(metrics).not.toMatch(/^prediction_shadow_scorings_total\{outcome="shed"\}/m);
  }, 120_000);

  it('promotion without enough evidence: 409 with the figures (n, mean loss difference, DM statistic, p-value)', async () => {
    const body = await envelope(await promote(activeId), 409, 'PROMOTION_NOT_SUPPORTED');
    const rows = await stored();
    const byBar = new Map(
      rows.filter((r) => r.version === '1.0.0').map((r) => [new Date(r.as_of).getTime(), Number(r.predicted)]),
    );
    const la: number[] = [];
    const lc: number[] = [];
    for (const r of rows.filter((x) => x.version === '1.1.0')) {
      const y = realised(r.as_of);
      la.push((y - byBar.get(new Date(r.as_of).getTime())!) ** 2);
      lc.push((y - Number(r.predicted)) ** 2);
    }
    const dm = dieboldMariano(lc, la, 1, 'squared_error');
    expect(body.details).toMatchObject({
      deployment_id: activeId,
      active_version: '1.0.0',
      challenger_version: '1.1.0',
      n: 12,
      min_samples: 30,
      supports_promotion: false,
      horizon_bars: 1,
    });
    expect(body.details.mean_loss_difference).toBeCloseTo(mean(lc) - mean(la), 14);
    expect(body.details.dm_statistic).toBeCloseTo(dm.statistic!, 8);
    expect(body.details.p_value).toBeCloseTo(dm.p_value!, 8);
    expect(body.message).toContain('n = 12');
    // Still the same active deployment and challenger.
    expect((await (await t.fetch(`/api/v1/deployments/${activeId}`)).json()).challenger).toMatchObject({
      version: '1.1.0',
      mode: 'shadow',
    });
  });

  it('canary: the share of request keys below canary_share (SHA-256) is answered by the challenger, deterministically', async () => {
    const share = 0.3;
    const res = await deploy({ version: '1.1.0', mode: 'canary', canary_share: share });
    expect(res.status).toBe(201);
    expect((await res.json()).challenger).toMatchObject({ version: '1.1.0', mode: 'canary', canary_share: share });

    const keys = Array.from({ length: 200 }, (_, i) => `order-${i}`);
    const expected = keys.filter((k) => isCanary(k, share));
    const answered: string[] = [];
    for (const [i, key] of keys.entries()) {
      // Half send the key in the body, half in the header.
      const p = i % 2 ? await predict({ request_key: key }) : await predict({}, { 'x-request-key': key });
      expect(p.status).toBe(200);
      const body = await p.json();
      const want = isCanary(key, share) ? { version: '1.1.0', role: 'canary' } : { version: '1.0.0', role: 'active' };
      expect([key, body.version, body.role, p.headers.get('x-model-version'), p.headers.get('x-model-role')]).toEqual([
        key,
        want.version,
        want.role,
        want.version,
        want.role,
      ]);
      if (body.role === 'canary') answered.push(key);
    }
    expect(answered).toEqual(expected);
    expect(expected.length).toBe(keys.filter((k) => isCanary(k, share)).length);
    expect(Math.abs(expected.length / keys.length - share)).toBeLessThan(0.1); // the hash spreads keys (an exact count, fixed by the keys)
    // The same key again: the same version.
    for (const key of [expected[0], keys.find((k) => !isCanary(k, share))!])
      expect((await (await predict({ request_key: key })).json()).version).toBe(
        isCanary(key, share) ? '1.1.0' : '1.0.0',
      );

    // A request that names its version gets that version, whatever its key.
    expect((await (await predict({ version: '1.0.0', request_key: expected[0] })).json()).version).toBe('1.0.0');

    // The canary's answers are kept with role canary (one per bar) and reported with that role.
    await until(
      async () => (await stored('canary')).length,
      (n) => n === 1,
    );
    const report = await (await t.fetch(`/api/v1/deployments/${activeId}/performance`)).json();
    expect(report.versions.map((v: any) => [v.version, v.role])).toEqual([
      ['1.0.0', 'active'],
      ['1.1.0', 'canary'],
    ]);
  }, 120_000);

  it('forced promotion makes the challenger active; rollback restores the old version; undeploy ends a challenger with its deployment', async () => {
    const res = await promote(activeId, { force: true });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({
      promoted: true,
      forced: true,
      evidence: { n: 12, supports_promotion: false },
      deployment: { version: '1.1.0', status: 'active', target: TARGET, rollback_version: '1.0.0', challenger: null },
    });
    expect((await (await t.fetch(`/api/v1/deployments/${activeId}`)).json()).status).toBe('replaced');
    const p = await predict();
    expect((await p.json()).version).toBe('1.1.0');
    await envelope(await promote(activeId), 409, 'DEPLOYMENT_NOT_ACTIVE');

    const rolled = await t.fetch(`/api/v1/models/${modelId}/rollback`, {
      method: 'POST',
      json: { deployment_target: TARGET },
    });
    expect(rolled.status).toBe(201);
    const restored = await rolled.json();
    expect(restored).toMatchObject({ version: '1.0.0', status: 'active', challenger: null });
    expect((await (await predict()).json()).version).toBe('1.0.0');

    expect((await deploy({ version: '1.1.0', mode: 'shadow' })).status).toBe(201);
    // A shadow that cannot serve (here: its version marked failed behind the service's back) never fails the answer: it is logged and counted.
    const prediction = t.app.get(PredictionService);
    const failedBefore = prediction.challengerCounts.failed;
    await t.app
      .get(DataSource)
      .query(`UPDATE model_versions SET status = 'failed' WHERE model_id = $1 AND version = '1.1.0'`, [modelId]);
    prediction.invalidate(modelId);
    const answer = await predict();
    expect(answer.status).toBe(200);
    expect((await answer.json()).version).toBe('1.0.0');
    await until(
      async () => prediction.challengerCounts.failed,
      (n) => n === failedBefore + 1,
    );
    expect(await (await t.fetch('/metrics')).text()).toMatch(
      /^prediction_shadow_scorings_total\{outcome="failed"\} 1$/m,
    );
    await t.app
      .get(DataSource)
      .query(`UPDATE model_versions SET status = 'experimental' WHERE model_id = $1 AND version = '1.1.0'`, [modelId]);
    prediction.invalidate(modelId);

    const undeployed = await t.fetch(`/api/v1/deployments/${restored.id}/undeploy`, { method: 'POST' });
    expect(undeployed.status).toBe(200);
    await envelope(await predict(), 404, 'DEPLOYMENT_NOT_FOUND');
    await envelope(await deploy({ version: '1.1.0', mode: 'shadow' }), 409, 'NOT_DEPLOYED');
  }, 60_000);

  it('a shadow with the same features and window scores the rows the active version built: its stored prediction equals an offline prediction of its version on that window', async () => {
    // Another version trained on a shorter history: the same features and window, another scaler.
    const res = await t.fetch('/api/v1/models/train', {
      method: 'POST',
      json: { ...trainBody(5), end_date: '2001-06-01T00:00:00Z' },
    });
    expect(res.status).toBe(202);
    const job = await res.json();
    expect(job.model_id).toBe(modelId);
    expect((await waitForJob(t, job.job_id)).status).toBe('succeeded');
    const scaler = (v: string) =>
      JSON.parse(fs.readFileSync(path.join(t.registryPath, modelId, v, 'preprocessing.json'), 'utf8')).scaler;
    expect(scaler(job.version).features).toEqual(scaler('1.0.0').features);
    expect(scaler(job.version)).not.toEqual(scaler('1.0.0'));

    const active = await deploy({ version: '1.0.0' });
    expect(active.status).toBe(201);
    const deploymentId = (await active.json()).id;
    expect((await deploy({ version: job.version, mode: 'shadow' })).status).toBe(201);
    const answered = await predict();
    expect(answered.status).toBe(200);
    const asOf = (await answered.json()).as_of;
    expect(asOf).toBe(new Date(last).toISOString());

    // Offline: the shadow's version asked directly, on the same stored bars (no bar was imported since).
    const offline = await predict({ target: undefined, version: job.version });
    expect(offline.status).toBe(200);
    const expected = await offline.json();
    expect([expected.version, expected.as_of]).toEqual([job.version, asOf]);

    const [row] = await until(
      async (): Promise<Array<{ as_of: Date; predicted: number }>> =>
        t.app
          .get(DataSource)
          .query(
            `SELECT as_of, predicted FROM deployment_predictions WHERE deployment_id = $1 AND role = 'shadow' AND version = $2`,
            [deploymentId, job.version],
          ),
      (rows) => rows.length === 1,
    );
    expect(new Date(row.as_of).toISOString()).toBe(asOf);
    expect(Number(row.predicted)).toBe(expected.prediction.value);
  }, 120_000);
});
